"""Jobs: run pods to completion, retrying failures up to backoffLimit.

Upstream: pkg/apis/batch/v1/defaults.go (SetDefaults_Job), pkg/registry/batch/job/strategy.go
(generateSelector: the controller-uid and job-name labels), pkg/apis/batch/validation
(restartPolicy OnFailure or Never), pkg/controller/job/job_controller.go (syncJob: create up to
parallelism, count succeeded and failed pods, Complete or BackoffLimitExceeded).

Simplified: failed pods are replaced at once (upstream waits 10 s doubling), and a Job's
pods are never cleaned up after ttlSecondsAfterFinished.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim import errors
from clusters.sim.errors import not_supported
from clusters.sim.ids import rfc3339
from clusters.sim.store import deep_copy
from clusters.sim.validation import validate_metadata, validate_pod_spec
from clusters.sim.workloads import (
    active,
    create_pod_for,
    default_template,
    involved_object,
    is_ready,
    may_create,
    owned_by,
    pod_from_template,
)

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

JOB_RESTART_POLICIES = ["OnFailure", "Never"]


def default_job(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    default_template(obj)


def validate_job(obj: dict[str, Any]) -> None:
    meta = obj.get("metadata") or {}
    template_spec = ((obj.get("spec") or {}).get("template") or {}).get("spec")
    problems = validate_metadata(meta) + validate_pod_spec(template_spec, "spec.template.spec")
    problems = [p for p in problems if p.field != "spec.template.spec.restartPolicy"]
    policy = (template_spec or {}).get("restartPolicy") if isinstance(template_spec, dict) else None
    if policy not in JOB_RESTART_POLICIES:
        problems.append(
            not_supported("spec.template.spec.restartPolicy", policy, JOB_RESTART_POLICIES)
        )
    if problems:
        raise errors.invalid_object("Job", meta.get("name") or "", problems, "batch")


def prepare_job(obj: dict[str, Any]) -> None:
    """generateSelector, once the Job has its uid."""
    meta = obj["metadata"]
    labels = {
        "batch.kubernetes.io/controller-uid": meta["uid"],
        "batch.kubernetes.io/job-name": meta["name"],
        "controller-uid": meta["uid"],
        "job-name": meta["name"],
    }
    spec = obj["spec"]
    spec.setdefault(
        "selector", {"matchLabels": {"batch.kubernetes.io/controller-uid": meta["uid"]}}
    )
    template_meta = spec["template"].setdefault("metadata", {})
    template_meta["labels"] = {**(template_meta.get("labels") or {}), **labels}


def _phase(pod: dict[str, Any]) -> str:
    return (pod.get("status") or {}).get("phase", "")


def _condition(type_: str, reason: str, message: str, now: str) -> dict[str, Any]:
    return {
        "type": type_,
        "status": "True",
        "lastProbeTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def sync_job(t: Tenant, job: dict[str, Any]) -> None:
    meta, spec = job["metadata"], job["spec"]
    status = deep_copy(job.get("status") or {})
    if any(c["type"] in ("Complete", "Failed") for c in status.get("conditions") or []):
        return
    now = rfc3339(t.clock.now())
    pods = active(owned_by(t, "pods", job))
    succeeded = sum(1 for p in pods if _phase(p) == "Succeeded")
    failed = sum(1 for p in pods if _phase(p) == "Failed") + sum(
        s.get("restartCount", 0)
        for p in pods
        for s in (p.get("status") or {}).get("containerStatuses") or []
    )
    running = [p for p in pods if _phase(p) not in ("Succeeded", "Failed")]
    involved = involved_object(job)
    status.setdefault("startTime", now)
    completions = spec.get("completions") or 1
    if succeeded >= completions:
        status["completionTime"] = now
        status["conditions"] = [
            _condition(
                "SuccessCriteriaMet",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
                now,
            ),
            _condition(
                "Complete", "CompletionsReached", "Reached expected number of succeeded pods", now
            ),
        ]
        t.recorder.record(
            t.clock.now(), involved, "Normal", "Completed", "Job completed", "job-controller"
        )
    elif failed > spec.get("backoffLimit", 6):
        message = "Job has reached the specified backoff limit"
        status["conditions"] = [
            _condition("FailureTarget", "BackoffLimitExceeded", message, now),
            _condition("Failed", "BackoffLimitExceeded", message, now),
        ]
        for pod in running:
            t.delete("pods", meta["namespace"], pod["metadata"]["name"])
        running = []
        t.recorder.record(
            t.clock.now(), involved, "Warning", "BackoffLimitExceeded", message, "job-controller"
        )
    elif not spec.get("suspend"):
        wanted = min(spec.get("parallelism", 1), completions - succeeded) - len(running)
        for _ in range(max(0, wanted) if may_create(t, job) else 0):
            created = create_pod_for(t, job, pod_from_template(job), "job-controller")
            if created is None:
                break
            running.append(created)
    status.update(
        active=len(running),
        ready=sum(1 for p in running if is_ready(p)),
        terminating=0,
        uncountedTerminatedPods={},
    )
    for key, value in (("succeeded", succeeded), ("failed", failed)):
        if value:
            status[key] = value
    if not status["active"]:
        status.pop("active")
    current = t.store.get("jobs", meta["namespace"], meta["name"])
    if current is not None and current.get("status") != status:
        t.store.replace(
            "jobs", {**current, "metadata": dict(current["metadata"]), "status": status}
        )
