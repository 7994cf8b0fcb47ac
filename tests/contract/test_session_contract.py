"""One contract, two clusters: a learner's session and its pulls behave the same on both.

Runs on the simulated cluster in `make test` and on kind in `make test-kind` (conftest.py).
Expected texts come from the simulator's own modules (rbac, admission_psa, limitrange, quota)
or from recordings of real software (platform/recorded/), so a kind run checks the modules
against a real API server and kubelet. Pulls are compared as normalised Events (the shape the
checks read, labs/normalise.py) with two documented tolerances: pull durations, and the name
of the node a pod was scheduled to (kind's are `kind-worker`, the simulator's `node-1`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from clusters.realcluster.images import load_catalog
from clusters.realcluster.templates import render_session
from clusters.realcluster.world import WORLD_NODE_LABEL
from clusters.sim.admission_psa import pod_security
from clusters.sim.limitrange import ANNOTATION, apply_defaults
from clusters.sim.quota import exceeded, status, usage
from clusters.sim.rbac import Request, forbidden_message, service_account_user
from labs.normalise import normalise_event
from tests.contract.conftest import ContractCluster

REPO = Path(__file__).resolve().parents[2]
DURATIONS = re.compile(r" in [\d.]+(?:ms|s|m[\d.]+s) \([\d.]+(?:ms|s|m[\d.]+s) including waiting\)")
ASSIGNED = re.compile(r"^(Successfully assigned \S+ to )\S+$")


def pod(name: str, image: str, policy: str, node: str = "node-1", **container) -> dict:
    spec = {"name": "app", "image": image, "imagePullPolicy": policy, **container}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [spec], "nodeSelector": {WORLD_NODE_LABEL: node}}}  # fmt: skip


def session_object(session: str, kind: str) -> dict:
    return next(obj for obj in render_session(session) if obj["kind"] == kind)


def refusal(call) -> tuple[int, str]:
    with pytest.raises(ApiException) as refused:
        call()
    return refused.value.status, json.loads(refused.value.body)["message"]


def tolerant(event: dict) -> tuple[str, str, str]:
    """(type, reason, message) with the documented tolerances applied."""
    message = DURATIONS.sub(" in <duration> (<duration> including waiting)", event["message"])
    message = ASSIGNED.sub(r"\1<node>", message)
    return event["type"], event["reason"], message


def pod_events(cluster: ContractCluster, name: str) -> list[tuple[str, str, str]]:
    items = client.CoreV1Api(cluster.learner).list_namespaced_event(cluster.session).items
    found = [
        normalise_event(cluster.learner.sanitize_for_serialization(e))
        for e in items
        if e.involved_object.name == name
    ]
    return sorted({tolerant(e) for e in found})


def events_until(cluster: ContractCluster, name: str, reason: str) -> list[tuple[str, str, str]]:
    def found() -> list[tuple[str, str, str]] | None:
        events = pod_events(cluster, name)
        return events if any(e[1] == reason for e in events) else None

    return cluster.wait_for(f"a {reason} event for {name}", found)


def waiting_reason(cluster: ContractCluster, name: str) -> str | None:
    found = client.CoreV1Api(cluster.learner).read_namespaced_pod(name, cluster.session)
    statuses = found.status.container_statuses or []
    return statuses[0].state.waiting.reason if statuses and statuses[0].state.waiting else None


# --- the session's objects -----------------------------------------------------------------


def test_every_session_object_is_stored_as_rendered(cluster: ContractCluster) -> None:
    api, session = cluster.platform, cluster.session
    core, rbac = client.CoreV1Api(api), client.RbacAuthorizationV1Api(api)
    read = {
        "ServiceAccount": core.read_namespaced_service_account,
        "Role": rbac.read_namespaced_role,
        "RoleBinding": rbac.read_namespaced_role_binding,
        "ResourceQuota": core.read_namespaced_resource_quota,
        "LimitRange": core.read_namespaced_limit_range,
        "NetworkPolicy": client.NetworkingV1Api(api).read_namespaced_network_policy,
    }
    for obj in render_session(session):
        if obj["kind"] == "Namespace":
            labels = core.read_namespace(session).metadata.labels
            assert labels.items() >= obj["metadata"]["labels"].items()
            assert labels["kubernetes.io/metadata.name"] == session
            continue
        stored = api.sanitize_for_serialization(read[obj["kind"]](obj["metadata"]["name"], session))
        for field in ("rules", "roleRef", "subjects", "spec"):
            if field in obj:
                assert stored[field] == obj[field], (obj["kind"], field)
        assert stored["metadata"]["labels"] == obj["metadata"]["labels"]


def test_the_learner_cannot_read_nodes_or_other_namespaces(cluster: ContractCluster) -> None:
    core = client.CoreV1Api(cluster.learner)
    user = service_account_user(cluster.session, "learner")
    for call, request in (
        (core.list_node, Request("list", "nodes")),
        (
            lambda: core.list_namespaced_pod("kube-system"),
            Request("list", "pods", namespace="kube-system"),
        ),
        (
            lambda: core.delete_namespace(cluster.session),
            Request("delete", "namespaces", name=cluster.session),
        ),
    ):
        assert refusal(call) == (403, forbidden_message(user, request))


def test_baseline_pod_security_refuses_a_privileged_pod(cluster: ContractCluster) -> None:
    privileged = pod("priv", cluster.image("lab/web:1.0"), "IfNotPresent")
    privileged["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    core = client.CoreV1Api(cluster.learner)
    labels = session_object(cluster.session, "Namespace")["metadata"]["labels"]
    text, _ = pod_security(labels, privileged["spec"])
    assert refusal(lambda: core.create_namespaced_pod(cluster.session, privileged)) == (
        403,
        f'pods "priv" is forbidden: {text}',
    )


def test_the_limit_range_fills_in_resources_and_restricted_warns(cluster) -> None:
    plain = pod("plain", cluster.image("lab/web:1.0"), "IfNotPresent")
    created, _, headers = client.CoreV1Api(cluster.learner).create_namespaced_pod_with_http_info(
        cluster.session, plain
    )
    assert created.spec.containers[0].resources.limits == {"cpu": "200m", "memory": "64Mi"}
    apply_defaults(plain, [session_object(cluster.session, "LimitRange")])
    assert created.metadata.annotations[ANNOTATION] == plain["metadata"]["annotations"][ANNOTATION]
    assert headers["Warning"].startswith(
        '299 - "would violate PodSecurity \\"restricted:latest\\": '
    )


def test_the_quota_counts_and_refuses_with_the_same_text(cluster: ContractCluster) -> None:
    core = client.CoreV1Api(cluster.learner)
    quota = session_object(cluster.session, "ResourceQuota")
    big = pod("big", cluster.image("lab/web:1.0"), "IfNotPresent")
    big["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "1"}, "limits": {"cpu": "1"}}
    core.create_namespaced_pod(cluster.session, big)
    core.create_namespaced_pod(cluster.session, {**big, "metadata": {"name": "big2"}})
    used = status(quota, {"pods": [big, big]})["used"]
    text = exceeded(quota, used, usage("pods", "", big))
    assert refusal(
        lambda: core.create_namespaced_pod(cluster.session, {**big, "metadata": {"name": "big3"}})
    ) == (403, f'pods "big3" is forbidden: {text}')


# --- pulls, compared as normalised Events ----------------------------------------------------


def test_always_pulls_and_reports_the_images_size(cluster: ContractCluster) -> None:
    image = cluster.image("lab/web:1.0")
    client.CoreV1Api(cluster.learner).create_namespaced_pod(
        cluster.session, pod("always", image, "Always")
    )
    size = load_catalog()["images"]["lab/web:1.0"]["size"]
    assert events_until(cluster, "always", "Started") == sorted(
        [
            ("Normal", "Scheduled", f"Successfully assigned {cluster.session}/always to <node>"),
            ("Normal", "Pulling", f'Pulling image "{image}"'),
            (
                "Normal",
                "Pulled",
                f'Successfully pulled image "{image}" in <duration> (<duration> including '
                f"waiting). Image size: {size} bytes.",
            ),
            ("Normal", "Created", "Container created"),
            ("Normal", "Started", "Container started"),
        ]
    )


def test_if_not_present_then_uses_the_nodes_copy(cluster: ContractCluster) -> None:
    image = cluster.image("lab/web:1.0")
    core = client.CoreV1Api(cluster.learner)
    core.create_namespaced_pod(cluster.session, pod("first", image, "Always"))
    events_until(cluster, "first", "Started")
    core.create_namespaced_pod(cluster.session, pod("second", image, "IfNotPresent"))
    events = events_until(cluster, "second", "Started")
    assert (
        "Normal",
        "Pulled",
        f'Container image "{image}" already present on machine and can be accessed by the pod',
    ) in events
    assert not any(reason == "Pulling" for _, reason, _ in events)


def test_never_with_the_image_absent_waits_in_err_image_never_pull(cluster) -> None:
    image = cluster.image("lab/web:1.0")
    client.CoreV1Api(cluster.learner).create_namespaced_pod(
        cluster.session, pod("never", image, "Never", node="node-2")
    )
    events = events_until(cluster, "never", "ErrImageNeverPull")
    assert (
        "Warning",
        "ErrImageNeverPull",
        f'Container image "{image}" is not present with pull policy of Never',
    ) in events
    assert ("Warning", "Failed", "Error: ErrImageNeverPull") in events
    assert waiting_reason(cluster, "never") == "ErrImageNeverPull"


def test_a_missing_tag_fails_with_the_recorded_containerd_text(cluster) -> None:
    recorded = json.loads(
        (REPO / "platform/recorded/containerd-1.6/manifest-unknown.json").read_text()
    )
    image = cluster.image("lab/web:9.9")
    client.CoreV1Api(cluster.learner).create_namespaced_pod(
        cluster.session, pod("missing", image, "IfNotPresent")
    )
    events = events_until(cluster, "missing", "BackOff")
    expected = recorded["kubelet_event"]["message_template"].replace("{image}", image)
    assert ("Warning", "Failed", expected) in events
    assert ("Warning", "Failed", "Error: ErrImagePull") in events
    assert ("Normal", "BackOff", f'Back-off pulling image "{image}"') in events
    assert waiting_reason(cluster, "missing") in ("ErrImagePull", "ImagePullBackOff")
