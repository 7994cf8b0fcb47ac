"""A session on kind behaves as the templates promise, and pulls give the recorded texts.

The admission texts are compared with what the simulator's own modules produce
(clusters.sim.rbac, admission_psa, limitrange, quota), so a run on kind checks those modules
against a real API server.
"""

import json
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from clusters.realcluster.images import build_all, load_catalog, write_layout
from clusters.realcluster.templates import render_session
from clusters.sim.admission_psa import pod_security
from clusters.sim.limitrange import ANNOTATION, apply_defaults
from clusters.sim.quota import exceeded, status, usage
from clusters.sim.rbac import Request, forbidden_message, service_account_user

REPO = Path(__file__).resolve().parents[3]
REGISTRY = "localhost:5001"  # up.sh step 1; the nodes resolve it through certs.d (step 6)


def pod(name: str, image: str, policy: str, **spec) -> dict:
    container = {"name": "app", "image": image, "imagePullPolicy": policy}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [container], **spec}}  # fmt: skip


def events_for(api: client.ApiClient, session: str, name: str, reason: str) -> list:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        found = [
            e
            for e in client.CoreV1Api(api).list_namespaced_event(session).items
            if e.involved_object.name == name and e.reason == reason
        ]
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"no {reason} event for {name} within 90 s")


def push_session_images(session: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write_layout(build_all(), Path(tmp))
        for ref in ("lab/web:1.0",):
            subprocess.run(
                ["skopeo", "--insecure-policy", "copy", "--quiet", "--preserve-digests",
                 "--dest-tls-verify=false", f"oci:{tmp}:{ref}",
                 f"docker://{REGISTRY}/{session}/{ref}"],
                check=True,
            )  # fmt: skip


def session_object(session: str, kind: str) -> dict:
    return next(obj for obj in render_session(session) if obj["kind"] == kind)


def test_the_learner_cannot_read_nodes_or_other_namespaces(learner, session):
    core = client.CoreV1Api(learner)
    user = service_account_user(session, "learner")
    for forbidden, request in (
        (core.list_node, Request("list", "nodes")),
        (
            lambda: core.list_namespaced_pod("kube-system"),
            Request("list", "pods", namespace="kube-system"),
        ),
    ):
        with pytest.raises(ApiException) as denied:
            forbidden()
        assert denied.value.status == 403
        assert json.loads(denied.value.body)["message"] == forbidden_message(user, request)


def test_baseline_pod_security_rejects_a_privileged_pod(learner, session):
    privileged = pod("priv", f"{REGISTRY}/lab/web:1.0", "IfNotPresent")
    privileged["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    with pytest.raises(ApiException) as denied:
        client.CoreV1Api(learner).create_namespaced_pod(session, privileged)
    assert denied.value.status == 403
    labels = session_object(session, "Namespace")["metadata"]["labels"]
    refusal, _ = pod_security(labels, privileged["spec"])
    assert json.loads(denied.value.body)["message"] == f'pods "priv" is forbidden: {refusal}'


def test_the_limit_range_fills_in_resources(learner, session):
    plain = pod("plain", f"{REGISTRY}/{session}/lab/web:1.0", "IfNotPresent")
    created = client.CoreV1Api(learner).create_namespaced_pod(session, plain)
    assert created.spec.containers[0].resources.limits == {"cpu": "200m", "memory": "64Mi"}
    apply_defaults(plain, [session_object(session, "LimitRange")])
    assert created.metadata.annotations[ANNOTATION] == plain["metadata"]["annotations"][ANNOTATION]


def test_the_quota_counts_and_refuses_with_the_simulators_text(learner, session):
    core = client.CoreV1Api(learner)
    quota = session_object(session, "ResourceQuota")
    big = pod("big", f"{REGISTRY}/{session}/lab/web:1.0", "IfNotPresent")
    big["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "1"}, "limits": {"cpu": "1"}}
    core.create_namespaced_pod(session, big)
    core.create_namespaced_pod(session, {**big, "metadata": {"name": "big2"}})
    with pytest.raises(ApiException) as denied:
        core.create_namespaced_pod(session, {**big, "metadata": {"name": "big3"}})
    assert denied.value.status == 403
    used = status(quota, {"pods": [big, big]})["used"]  # the two pods above
    refusal = exceeded(quota, used, usage("pods", "", big))
    assert json.loads(denied.value.body)["message"] == f'pods "big3" is forbidden: {refusal}'


def test_always_pulls_the_session_image_and_reports_its_size(learner, session):
    push_session_images(session)
    image = f"{REGISTRY}/{session}/lab/web:1.0"
    client.CoreV1Api(learner).create_namespaced_pod(session, pod("always", image, "Always"))
    [pulled] = events_for(learner, session, "always", "Pulled")
    assert pulled.message.startswith(f'Successfully pulled image "{image}" in ')
    size = load_catalog()["images"]["lab/web:1.0"]["size"]  # the amd64 manifest pushed above
    assert pulled.message.endswith(f"Image size: {size} bytes.")


def test_a_missing_tag_fails_with_the_recorded_containerd_text(learner, session):
    recorded = json.loads(
        (REPO / "platform/recorded/containerd-1.6/manifest-unknown.json").read_text()
    )
    image = f"{REGISTRY}/{session}/lab/web:9.9"
    client.CoreV1Api(learner).create_namespaced_pod(session, pod("missing", image, "IfNotPresent"))
    messages = [e.message for e in events_for(learner, session, "missing", "Failed")]
    expected = recorded["kubelet_event"]["message_template"].replace("{image}", image)
    assert expected in messages
