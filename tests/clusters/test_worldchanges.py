"""The platform's side of world changes: `clusters.worldchanges.apply_world_change`."""

import pytest

from clusters import tasks
from clusters.worldchanges import WorldChangeRefused, apply_world_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_session(simulator, new_session):
    tasks.provision_session(new_session.pk)
    new_session.refresh_from_db()
    return new_session


def test_a_change_goes_through_the_api_into_the_session_world(simulator, ready_session):
    answer = apply_world_change(ready_session, {"registry": {"host": "docker.io", "down": True}})
    assert answer == "registry docker.io changed"
    assert simulator.simulator.tenants[ready_session.namespace].registries["docker.io"]["down"]


def test_a_malformed_change_is_refused_with_the_api_servers_words(simulator, ready_session):
    with pytest.raises(WorldChangeRefused) as refused:
        apply_world_change(ready_session, {"reboot": {"node": "node-1"}})
    assert str(refused.value).startswith(
        f'LabWorldChange.sim.pullpolicylabs.dev "{ready_session.namespace}" is invalid: '
        'change: Unsupported value: "reboot"'
    )


def test_on_a_real_cluster_the_lab_says_it_needs_the_simulator(settings, new_session):
    settings.CLUSTER_KUBECONFIG = "/nonexistent/kubeconfig"
    with pytest.raises(WorldChangeRefused) as refused:
        apply_world_change(new_session, {"kubelet": {"node": "node-1", "set": {}}})
    assert str(refused.value) == (
        "This lab needs the simulated cluster: the platform cannot make the world change "
        "'kubelet' on a real cluster (it has no access to the nodes' files, the registries or "
        "the API server's flags there)."
    )
