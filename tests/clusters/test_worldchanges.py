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


def test_the_node_panel_task_makes_the_change_once_and_answers_in_the_stream(
    simulator, ready_session
):
    from labs.models import SessionEvent
    from labs.pipeline import record_action

    change = {"rmi": {"node": "node-1", "ref": "lab/web:1.0"}}
    record_action(ready_session.pk, "r1", "sent", action="node", change=change)
    tasks.change_world(ready_session.pk, "r1")
    tasks.change_world(ready_session.pk, "r1")  # a redelivered task: not made twice
    done = SessionEvent.objects.filter(session=ready_session, payload__phase="done")
    assert [(e.payload["ok"], e.payload["message"]) for e in done] == [
        (True, "node-1: Deleted: docker.io/lab/web:1.0")
    ]
    assert simulator.simulator.tenants[ready_session.namespace].caches["node-1"]["images"] == {}


def test_a_refused_node_change_is_answered_not_ok(simulator, ready_session):
    from labs.models import SessionEvent
    from labs.pipeline import record_action

    change = {"kubelet": {"node": "node-1", "set": {"imageGCLowThresholdPercent": 90}}}
    record_action(ready_session.pk, "r2", "sent", action="node", change=change)
    tasks.change_world(ready_session.pk, "r2")
    done = SessionEvent.objects.get(session=ready_session, payload__phase="done")
    assert done.payload["ok"] is False
    assert "must be less than imageGCHighThresholdPercent" in done.payload["message"]
