"""The admission chain on a pod create, in a tenant holding the session's own objects.

The Namespace, LimitRange and ResourceQuota come from platform/templates/session, put into a
real Tenant's store the way they sit once applied; the texts are the API server's (see
clusters/sim/session_admission.py for the plugin order).
"""

from __future__ import annotations

from typing import Any

import pytest

from clusters.realcluster.templates import render_session
from clusters.sim.clock import VirtualClock
from clusters.sim.errors import ApiError
from clusters.sim.limitrange import ANNOTATION
from clusters.sim.serviceaccounts import default_service_account
from clusters.sim.session_admission import admit_pod_create, quota_statuses
from clusters.sim.tenant import Tenant

SESSION = "s-1"


@pytest.fixture
def tenant() -> Tenant:
    made = Tenant(SESSION, VirtualClock(), "token", namespace=SESSION)
    for obj in render_session(SESSION):
        plural = {"LimitRange": "limitranges", "ResourceQuota": "resourcequotas",
                  "Namespace": "namespaces"}.get(obj["kind"])  # fmt: skip
        if plural:
            made.store.create(plural, obj)
    # The serviceaccounts controller adds it to every namespace; ServiceAccount admission needs it.
    made.store.create("serviceaccounts", default_service_account(SESSION))
    return made


def new_pod(name: str, **security: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "lab/web:1.0"}
    if security:
        container["securityContext"] = security
    return {"metadata": {"name": name, "namespace": SESSION}, "spec": {"containers": [container]}}


def refusal_of(tenant: Tenant, pod: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ApiError) as refused:
        admit_pod_create(tenant.store, pod)
    return refused.value.status


def test_a_plain_pod_gets_defaults_and_the_restricted_warning(tenant: Tenant) -> None:
    pod = new_pod("plain")
    warnings = admit_pod_create(tenant.store, pod)
    assert pod["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "10m", "memory": "16Mi"},
        "limits": {"cpu": "200m", "memory": "64Mi"},
    }
    assert pod["metadata"]["annotations"][ANNOTATION].startswith("LimitRanger plugin set: ")
    assert len(warnings) == 1
    assert warnings[0].startswith('would violate PodSecurity "restricted:latest": ')


def test_baseline_refuses_a_privileged_pod(tenant: Tenant) -> None:
    status = refusal_of(tenant, new_pod("priv", privileged=True))
    assert status["code"] == 403 and status["reason"] == "Forbidden"
    assert status["message"] == (
        'pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged '
        '(container "app" must not set securityContext.privileged=true)'
    )


def test_the_limit_range_maximum_refuses_first(tenant: Tenant) -> None:
    """LimitRanger runs before PodSecurity: a pod failing both gets the LimitRanger text."""
    pod = new_pod("huge", privileged=True)
    pod["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "2"}}
    assert refusal_of(tenant, pod)["message"] == (
        'pods "huge" is forbidden: maximum cpu usage per Container is 1, but limit is 2'
    )


def test_the_quota_refuses_the_third_one_cpu_pod(tenant: Tenant) -> None:
    def big(name: str) -> dict[str, Any]:
        pod = new_pod(name)
        pod["spec"]["containers"][0]["resources"] = {
            "requests": {"cpu": "1"},
            "limits": {"cpu": "1"},
        }
        return pod

    for name in ("big1", "big2"):
        pod = big(name)
        admit_pod_create(tenant.store, pod)
        tenant.store.create("pods", pod)
    assert refusal_of(tenant, big("big3"))["message"] == (
        'pods "big3" is forbidden: exceeded quota: lab-session, requested: requests.cpu=1, '
        "used: requests.cpu=2, limited: requests.cpu=2"
    )
    [(quota, fresh)] = quota_statuses(tenant.store, SESSION)
    assert quota["metadata"]["name"] == "lab-session"
    assert fresh["used"]["pods"] == "2" and fresh["used"]["limits.cpu"] == "2"


def test_a_namespace_without_session_objects_admits_anything() -> None:
    bare = Tenant("bare", VirtualClock(), "token")
    bare.store.create("namespaces", {"metadata": {"name": "bare"}})
    bare.store.create("serviceaccounts", default_service_account("bare"))
    pod = new_pod("x", privileged=True)
    pod["metadata"]["namespace"] = "bare"
    assert admit_pod_create(bare.store, pod) == []
    assert "resources" not in pod["spec"]["containers"][0]


def test_a_default_limit_below_the_request_is_refused_by_validation(tenant: Tenant) -> None:
    """The handler runs mutating admission (LimitRanger's defaults) before the registry
    validates (validation.go validateResourceRequirements): the session's default cpu limit,
    200m, is below a 500m request, so the create is a 422, not a pod that breaks its limit."""
    pod = new_pod("greedy")
    pod["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "500m"}}
    with pytest.raises(ApiError) as refused:
        tenant.create("pods", SESSION, pod)
    assert refused.value.status["code"] == 422
    assert refused.value.status["message"] == (
        'Pod "greedy" is invalid: spec.containers[0].resources.requests: Invalid value: "500m": '
        "must be less than or equal to cpu limit of 200m"
    )
