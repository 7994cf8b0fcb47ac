"""The session set-up on the simulated cluster, through the official client, as on kind.

`apply_session` (clusters.realcluster.session) applies platform/templates/session inside a
LabWorld with that world's tenant token, exactly the calls it makes against a real cluster
(platform/kind/contract). The world's namespace exists already, so the Namespace takes the
409 → replace path and gets its Pod Security labels that way.

What is not here yet: TokenRequest for the learner's ServiceAccount and RBAC on its requests,
admission of pods by the session objects (clusters/sim/session_admission.py is not called from
Tenant.create yet), so the kind suite's 403/PodSecurity/quota scenarios run only on kind.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes import client

from clusters.apiserver.testing import SimulatorHandle, running_simulator
from clusters.realcluster.session import apply_session
from clusters.realcluster.templates import render_session


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorHandle]:
    with running_simulator() as handle:
        yield handle


@pytest.fixture(scope="module")
def session(sim: SimulatorHandle) -> tuple[client.ApiClient, str]:
    world = sim.create_world("contract-session")
    api = sim.api_client(world["token"])
    apply_session(api, world["namespace"])
    return api, world["namespace"]


def test_every_session_object_is_stored_as_rendered(session) -> None:
    api, namespace = session
    core, rbac = client.CoreV1Api(api), client.RbacAuthorizationV1Api(api)
    networking = client.NetworkingV1Api(api)
    read = {
        "ServiceAccount": core.read_namespaced_service_account,
        "Role": rbac.read_namespaced_role,
        "RoleBinding": rbac.read_namespaced_role_binding,
        "ResourceQuota": core.read_namespaced_resource_quota,
        "LimitRange": core.read_namespaced_limit_range,
        "NetworkPolicy": networking.read_namespaced_network_policy,
    }
    for obj in render_session(namespace):
        if obj["kind"] == "Namespace":
            continue
        stored = api.sanitize_for_serialization(
            read[obj["kind"]](obj["metadata"]["name"], namespace)
        )
        for field in ("rules", "roleRef", "subjects", "spec"):
            if field in obj:
                assert stored[field] == obj[field], (obj["kind"], field)
        assert stored["metadata"]["labels"] == obj["metadata"]["labels"]


def test_the_namespace_carries_the_pod_security_labels(session) -> None:
    api, namespace = session
    labels = client.CoreV1Api(api).read_namespace(namespace).metadata.labels
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
    assert labels["pod-security.kubernetes.io/warn"] == "restricted"


def test_applying_again_replaces_rather_than_fails(session) -> None:
    """A retried Celery task: every object exists, so each create is a 409 and a replace."""
    api, namespace = session
    assert apply_session(api, namespace)[0] == f"Namespace/{namespace}"


def test_discovery_lists_the_new_groups(session) -> None:
    api, _ = session
    groups = {g.name for g in client.ApisApi(api).get_api_versions().groups}
    assert {"rbac.authorization.k8s.io", "networking.k8s.io"} <= groups
    core = {r.name for r in client.CoreV1Api(api).get_api_resources().resources}
    assert {"resourcequotas", "limitranges"} <= core
