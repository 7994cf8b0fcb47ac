"""Ephemeral containers (kubectl debug), scenario L15.2 of the brief.

Upstream: the pods/ephemeralcontainers subresource (pkg/registry/core/pod/storage),
ValidatePodEphemeralContainersUpdate, SetDefaults_EphemeralContainer, and the kubelet starting
ephemeral containers once, never restarting them.
"""

from __future__ import annotations

import json

import pytest

from clusters.sim.errors import ApiError
from tests.sim.worlds import new_tenant, pod, run

SMP = "application/strategic-merge-patch+json"


def _debug(tenant, name: str, policy: str | None) -> dict:
    container = {"name": name, "image": "lab/web:1.0", "stdin": True, "tty": True}
    if policy:
        container["imagePullPolicy"] = policy
    body = json.dumps({"spec": {"ephemeralContainers": [container]}})
    return tenant.patch("pods", "lab", "app", SMP, body, subresource="ephemeralcontainers")


def _statuses(tenant) -> dict[str, dict]:
    status = tenant.store.get("pods", "lab", "app")["status"]
    return {s["name"]: s["state"] for s in status.get("ephemeralContainerStatuses") or []}


def test_a_debug_container_with_never_waits_and_a_second_one_runs() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("app", policy="IfNotPresent", node="node-1"))
    # node-2 would pull; node-1 has lab/web:1.0 only, so debug with an image it lacks
    run(simulator, clock, 5)
    tenant.registries["docker.io"]["repositories"][0]["tags"]["dbg"] = {
        "digest": "sha256:" + "d" * 64,
        "size": 10,
    }
    container = {"name": "debugger-1", "image": "lab/web:dbg", "imagePullPolicy": "Never"}
    tenant.patch(
        "pods",
        "lab",
        "app",
        SMP,
        json.dumps({"spec": {"ephemeralContainers": [container]}}),
        subresource="ephemeralcontainers",
    )
    run(simulator, clock, 3)
    assert _statuses(tenant)["debugger-1"]["waiting"]["reason"] == "ErrImageNeverPull"
    second = {"name": "debugger-2", "image": "lab/web:dbg", "imagePullPolicy": "IfNotPresent"}
    tenant.patch(
        "pods",
        "lab",
        "app",
        SMP,
        json.dumps({"spec": {"ephemeralContainers": [container, second]}}),
        subresource="ephemeralcontainers",
    )
    run(simulator, clock, 3)
    assert "running" in _statuses(tenant)["debugger-2"]
    fields = {
        e["involvedObject"].get("fieldPath")
        for e in tenant.store.list("events")
        if e["reason"] == "Started"
    }
    assert "spec.ephemeralContainers{debugger-2}" in fields
    assert tenant.store.get("pods", "lab", "app")["status"]["phase"] == "Running"


def test_the_pull_policy_is_defaulted_from_the_tag() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("app", policy="IfNotPresent", node="node-1"))
    updated = _debug(tenant, "debugger", None)
    assert updated["spec"]["ephemeralContainers"][0]["imagePullPolicy"] == "IfNotPresent"


def test_an_ephemeral_container_cannot_be_changed() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("app", policy="IfNotPresent", node="node-1"))
    _debug(tenant, "debugger", "Never")
    with pytest.raises(ApiError) as caught:
        _debug(tenant, "debugger", "IfNotPresent")
    assert caught.value.status["message"] == (
        'Pod "app" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers '
        '"debugger" may not be changed\n'
    )


def test_a_plain_pod_update_may_not_add_ephemeral_containers() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("app", policy="IfNotPresent", node="node-1"))
    body = json.dumps({"spec": {"ephemeralContainers": [{"name": "x", "image": "lab/web:1.0"}]}})
    with pytest.raises(ApiError) as caught:
        tenant.patch("pods", "lab", "app", SMP, body)
    assert "spec: Forbidden: pod updates may not change fields" in caught.value.status["message"]
