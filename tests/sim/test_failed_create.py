"""Controllers whose pod create the API server refuses: `FailedCreate`, back-off, conditions.

Upstream: pkg/controller/controller_utils.go RealPodControl.createPods (a Warning Event
`FailedCreate`, `Error creating: %v` with the API error, on the owner); the ReplicaSet
controller's slowStartBatch (stops at the first error) and its rate-limited requeue
(workqueue.DefaultControllerRateLimiter: 5 ms doubling, at most 1000 s);
replica_set_utils.go calculateStatus (`ReplicaFailure`, reason `FailedCreate`) and the
deployment controller's getReplicaFailures (progress.go).
"""

from __future__ import annotations

import pytest

from clusters.sim.errors import ApiError
from clusters.sim.tenant import Tenant
from clusters.sim.workloads import CREATE_RETRY_BASE, CREATE_RETRY_MAX
from tests.sim.worlds import lab1_world, new_tenant

DENY_NEVER = {
    "metadata": {"name": "no-never"},
    "spec": {
        "matchConstraints": {
            "resourceRules": [
                {
                    "apiGroups": [""],
                    "apiVersions": ["v1"],
                    "operations": ["CREATE"],
                    "resources": ["pods"],
                }
            ]
        },
        "validations": [
            {
                "expression": "object.spec.containers.all(c, c.imagePullPolicy != 'Never')",
                "message": "no Never",
            }
        ],
    },
}
BINDING = {
    "metadata": {"name": "no-never"},
    "spec": {"policyName": "no-never", "validationActions": ["Deny"]},
}


def _denying_tenant(world: dict | None = None) -> tuple:
    simulator, clock, tenant = new_tenant(world)
    tenant.create("validatingadmissionpolicies", None, DENY_NEVER)
    tenant.create("validatingadmissionpolicybindings", None, BINDING)
    return simulator, clock, tenant


def _template(policy: str) -> dict:
    return {
        "metadata": {"labels": {"app": "web"}},
        "spec": {
            "containers": [{"name": "web", "image": "lab/web:1.0", "imagePullPolicy": policy}]
        },
    }


def _deployment(policy: str = "Never", replicas: int = 2) -> dict:
    return {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": _template(policy),
        },
    }


def _warnings(tenant: Tenant, kind: str, reason: str = "FailedCreate") -> list[dict]:
    return [
        e
        for e in tenant.store.list("events", "lab")
        if e["involvedObject"]["kind"] == kind and e["reason"] == reason
    ]


def test_a_denied_replicaset_pod_is_a_failed_create_event_on_the_replicaset() -> None:
    _, clock, tenant = _denying_tenant()
    tenant.create("deployments", "lab", _deployment())
    clock.advance(1)
    tenant.run_due()
    events = _warnings(tenant, "ReplicaSet")
    assert events, "no FailedCreate on the ReplicaSet"
    event = events[0]
    assert event["type"] == "Warning"
    assert event["source"]["component"] == "replicaset-controller"
    assert event["message"].startswith('Error creating: pods "web-')
    assert event["message"].endswith(
        "is forbidden: ValidatingAdmissionPolicy 'no-never' with binding 'no-never' "
        "denied request: no Never"
    )
    assert tenant.failed_timers == 0
    assert tenant.store.list("pods", "lab") == []


def test_the_replicaset_and_deployment_carry_replica_failure() -> None:
    _, clock, tenant = _denying_tenant()
    tenant.create("deployments", "lab", _deployment())
    clock.advance(1)
    tenant.run_due()
    rs = tenant.store.list("replicasets", "lab")[0]
    (condition,) = rs["status"]["conditions"]
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "ReplicaFailure",
        "True",
        "FailedCreate",
    )
    assert "denied request: no Never" in condition["message"]
    deployment = tenant.store.get("deployments", "lab", "web")
    types = [c["type"] for c in deployment["status"]["conditions"]]
    assert types == ["Available", "Progressing", "ReplicaFailure"]


@pytest.mark.parametrize(
    ("seconds", "at_most"),
    [
        # 5 ms doubling: 1 + the failures whose back-offs fit in the time (5ms * (2^n - 1) <= t)
        pytest.param(1, 9, id="one second: 8 doublings fit"),
        pytest.param(60, 15, id="one minute: 14 doublings fit"),
    ],
)
def test_retries_back_off_exponentially(seconds: int, at_most: int) -> None:
    _, clock, tenant = _denying_tenant()
    tenant.create("deployments", "lab", _deployment(replicas=2))
    clock.advance(seconds)
    tenant.run_due()
    (failure,) = tenant.create_failures.values()
    attempts = failure[0]
    # slowStartBatch: one refused create per sync, not one per missing replica
    assert attempts <= at_most
    assert attempts >= at_most - 1
    assert CREATE_RETRY_BASE * 2**20 > CREATE_RETRY_MAX  # the cap is reached in 18 failures


def test_once_the_cause_goes_the_pods_come_and_the_condition_clears() -> None:
    _, clock, tenant = _denying_tenant()
    tenant.create("deployments", "lab", _deployment())
    clock.advance(5)
    tenant.run_due()
    tenant.delete("validatingadmissionpolicybindings", None, "no-never")
    clock.advance(5)  # the next retry is due within the back-off reached after 5 s (about 2.5 s)
    tenant.run_due()
    assert len(tenant.store.list("pods", "lab")) == 2
    assert tenant.create_failures == {}
    rs = tenant.store.list("replicasets", "lab")[0]
    assert "conditions" not in rs["status"]


def test_jobs_and_daemonsets_record_failed_create_too() -> None:
    _, clock, tenant = _denying_tenant()
    tenant.create(
        "jobs",
        "lab",
        {
            "metadata": {"name": "once"},
            "spec": {
                "template": {
                    **_template("Never"),
                    "spec": {**_template("Never")["spec"], "restartPolicy": "Never"},
                }
            },
        },
    )
    tenant.create(
        "daemonsets",
        "lab",
        {
            "metadata": {"name": "every"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": _template("Never")},
        },
    )
    clock.advance(1)
    tenant.run_due()
    assert _warnings(tenant, "Job")[0]["source"]["component"] == "job-controller"
    assert _warnings(tenant, "DaemonSet")[0]["source"]["component"] == "daemonset-controller"
    assert tenant.failed_timers == 0


def test_a_world_whose_deployment_is_denied_is_still_made() -> None:
    world = lab1_world(
        objects=[
            {
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicy",
                **DENY_NEVER,
            },
            {
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicyBinding",
                **BINDING,
            },
            {"apiVersion": "apps/v1", "kind": "Deployment", **_deployment()},
        ]
    )
    _, clock, tenant = new_tenant(world)
    clock.advance(1)
    tenant.run_due()
    assert _warnings(tenant, "ReplicaSet")
    assert tenant.failed_timers == 0


def test_world_namespaces_are_made_with_their_labels() -> None:
    world = lab1_world(namespaces=["team-a", {"name": "kiosk", "labels": {"airgap": "true"}}])
    _, _, tenant = new_tenant(world)
    team = tenant.get("namespaces", None, "team-a")
    kiosk = tenant.get("namespaces", None, "kiosk")
    assert team["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    assert kiosk["metadata"]["labels"] == {"airgap": "true", "kubernetes.io/metadata.name": "kiosk"}


def test_a_world_namespace_that_exists_already_is_refused() -> None:
    with pytest.raises(ApiError, match="namespace 'default' exists already"):
        new_tenant(lab1_world(namespaces=["default"]))


def test_vap_namespace_object_sees_a_world_namespace_labels() -> None:
    """11-vap-never: Never is allowed only where the namespace says airgap=true."""
    policy = {
        **DENY_NEVER,
        "spec": {
            **DENY_NEVER["spec"],
            "validations": [
                {
                    "expression": "(has(namespaceObject.metadata.labels)"
                    " && 'airgap' in namespaceObject.metadata.labels)"
                    " || object.spec.containers.all(c, c.imagePullPolicy != 'Never')"
                }
            ],
        },
    }
    _, clock, tenant = new_tenant(
        lab1_world(namespaces=[{"name": "kiosk", "labels": {"airgap": "true"}}])
    )
    tenant.create("validatingadmissionpolicies", None, policy)
    tenant.create("validatingadmissionpolicybindings", None, BINDING)
    for namespace in ("lab", "kiosk"):
        tenant.create("deployments", namespace, _deployment(replicas=1))
    clock.advance(1)
    tenant.run_due()
    assert len(tenant.store.list("pods", "kiosk")) == 1
    assert tenant.store.list("pods", "lab") == []


def test_a_new_template_replaces_replicas_that_were_never_created() -> None:
    """rolling.go cleanupUnhealthyReplicas: an old ReplicaSet's unhealthy replicas are
    spec.replicas - available, so replicas refused at create go first (19-empty-deployment)."""
    _, clock, tenant = _denying_tenant()
    tenant.create("deployments", "lab", _deployment("Never"))
    clock.advance(5)
    tenant.run_due()
    current = tenant.get("deployments", "lab", "web")
    fixed = {**current, "spec": {**current["spec"], "template": _template("IfNotPresent")}}
    tenant.update("deployments", "lab", "web", fixed)
    clock.advance(60)
    tenant.run_due()
    replicas = {
        rs["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"]: rs["spec"]["replicas"]
        for rs in tenant.store.list("replicasets", "lab")
    }
    assert replicas == {"Never": 0, "IfNotPresent": 2}
    status = tenant.get("deployments", "lab", "web")["status"]
    assert (status["updatedReplicas"], status.get("availableReplicas")) == (2, 2)


def test_a_deleted_owner_is_forgotten_by_the_back_off() -> None:
    _, clock, tenant = _denying_tenant()
    tenant.create("deployments", "lab", _deployment())
    clock.advance(1)
    tenant.run_due()
    assert tenant.create_failures
    tenant.delete("deployments", "lab", "web")
    clock.advance(1)
    tenant.run_due()
    assert tenant.create_failures == {}
