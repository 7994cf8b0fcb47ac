"""Jobs (pkg/controller/job): run to completion, or fail after backoffLimit."""

from __future__ import annotations

import pytest

from clusters.sim.errors import ApiError
from clusters.sim.podstatus import pod_reason
from tests.sim.worlds import lab1_world, new_tenant, run

TASK = "sha256:" + "7" * 64


def world(exit_code: int = 0) -> dict:
    base = lab1_world()
    base["registries"][0]["repositories"].append(
        {
            "name": "lab/task",
            "tags": {
                "1.0": {
                    "digest": TASK,
                    "size": 1000,
                    "run": {"exit_after": 1, "exit_code": exit_code},
                }
            },
        }
    )
    return base


def job(image: str = "lab/task:1.0", restart: str = "Never", **spec: object) -> dict:
    return {
        "metadata": {"name": "task"},
        "spec": {
            "template": {
                "spec": {"restartPolicy": restart, "containers": [{"name": "task", "image": image}]}
            },
            **spec,
        },
    }


def _conditions(tenant) -> dict[str, str]:
    status = tenant.store.get("jobs", "lab", "task")["status"]
    return {c["type"]: c["reason"] for c in status.get("conditions") or []}


def test_a_job_completes() -> None:
    simulator, clock, tenant = new_tenant(world())
    created = tenant.create("jobs", "lab", job())
    uid = created["metadata"]["uid"]
    assert created["spec"]["selector"] == {
        "matchLabels": {"batch.kubernetes.io/controller-uid": uid}
    }
    assert created["spec"]["backoffLimit"] == 6 and created["spec"]["completions"] == 1
    run(simulator, clock, 10)
    assert _conditions(tenant)["Complete"] == "CompletionsReached"
    status = tenant.store.get("jobs", "lab", "task")["status"]
    assert status["succeeded"] == 1 and "completionTime" in status
    pod = tenant.store.list("pods", "lab")[0]
    assert pod["metadata"]["labels"]["job-name"] == "task"
    assert pod_reason(pod)[0] == "Completed"


def test_a_failing_job_stops_at_its_backoff_limit() -> None:
    simulator, clock, tenant = new_tenant(world(exit_code=1))
    tenant.create("jobs", "lab", job(backoffLimit=2))
    run(simulator, clock, 30)
    assert _conditions(tenant)["Failed"] == "BackoffLimitExceeded"
    assert tenant.store.get("jobs", "lab", "task")["status"]["failed"] == 3
    warning = [e for e in tenant.store.list("events") if e["reason"] == "BackoffLimitExceeded"]
    assert warning[0]["message"] == "Job has reached the specified backoff limit"


def test_a_job_whose_image_cannot_be_pulled_stays_active() -> None:
    simulator, clock, tenant = new_tenant(world())
    tenant.create("jobs", "lab", job(image="lab/task:9.9"))
    run(simulator, clock, 60)
    status = tenant.store.get("jobs", "lab", "task")["status"]
    assert status["active"] == 1 and "conditions" not in status
    assert pod_reason(tenant.store.list("pods", "lab")[0])[0] == "ImagePullBackOff"


def test_a_job_needs_on_failure_or_never() -> None:
    _, _, tenant = new_tenant(world())
    with pytest.raises(ApiError) as caught:
        tenant.create("jobs", "lab", job(restart="Always"))
    assert caught.value.status["message"] == (
        'Job.batch "task" is invalid: spec.template.spec.restartPolicy: '
        'Unsupported value: "Always": supported values: "OnFailure", "Never"'
    )
