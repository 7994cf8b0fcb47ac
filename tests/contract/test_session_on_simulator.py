"""The session set-up on the simulated cluster, through the official client, as on kind.

`apply_session` (clusters.realcluster.session) applies platform/templates/session inside a
LabWorld with that world's tenant token, exactly the calls it makes against a real cluster
(platform/kind/contract). The world's namespace exists already, so the Namespace takes the
409 → replace path and gets its Pod Security labels that way.

Pods created in it then meet the same admission chain as on kind (LimitRanger, PodSecurity,
ResourceQuota: clusters/sim/session_admission.py), with the same texts. Not here yet:
TokenRequest for the learner's ServiceAccount and RBAC on its requests (the kind suite's
forbidden-nodes scenario runs only on kind; clusters/sim/rbac.py has the decision and text).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

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


def lab_pod(name: str, **security) -> dict:
    container = {"name": "app", "image": "lab/web:1.0", "imagePullPolicy": "IfNotPresent"}
    if security:
        container["securityContext"] = security
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [container]}}  # fmt: skip


def refusal(call) -> dict:
    with pytest.raises(ApiException) as refused:
        call()
    assert refused.value.status == 403
    return json.loads(refused.value.body)


def test_baseline_refuses_a_privileged_pod_with_the_real_text(session) -> None:
    api, namespace = session
    core = client.CoreV1Api(api)
    body = refusal(lambda: core.create_namespaced_pod(namespace, lab_pod("priv", privileged=True)))
    assert body["reason"] == "Forbidden"
    assert body["message"] == (
        'pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged '
        '(container "app" must not set securityContext.privileged=true)'
    )


def test_a_plain_pod_gets_the_limit_range_defaults_and_a_restricted_warning(session) -> None:
    api, namespace = session
    created, _, headers = client.CoreV1Api(api).create_namespaced_pod_with_http_info(
        namespace, lab_pod("plain")
    )
    assert created.spec.containers[0].resources.limits == {"cpu": "200m", "memory": "64Mi"}
    assert created.spec.containers[0].resources.requests == {"cpu": "10m", "memory": "16Mi"}
    assert headers["Warning"].startswith(
        '299 - "would violate PodSecurity \\"restricted:latest\\": '
    )


def test_the_quota_refuses_the_pod_that_would_go_over(session) -> None:
    api, namespace = session
    core = client.CoreV1Api(api)

    def big(name: str) -> dict:
        pod = lab_pod(name)
        cpu = {"cpu": "900m"}
        pod["spec"]["containers"][0]["resources"] = {"requests": cpu, "limits": cpu}
        return pod

    core.create_namespaced_pod(namespace, big("big1"))
    core.create_namespaced_pod(namespace, big("big2"))
    body = refusal(lambda: core.create_namespaced_pod(namespace, big("big3")))
    # With the plain pod of the test above (10m), 1810m are used.
    assert body["message"] == (
        'pods "big3" is forbidden: exceeded quota: lab-session, requested: requests.cpu=900m, '
        "used: requests.cpu=1810m, limited: requests.cpu=2"
    )
