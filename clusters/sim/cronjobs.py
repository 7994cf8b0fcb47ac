"""CronJobs: a Job at each time the schedule names (UTC), with history limits.

Upstream: pkg/apis/batch/v1/defaults.go (SetDefaults_CronJob), pkg/apis/batch/validation
(the schedule must parse), pkg/controller/cronjob/cronjob_controllerv2.go (syncCronJob: the
Job named <cronjob>-<scheduled minutes since the epoch>, concurrencyPolicy, history limits,
SuccessfulCreate / SawCompletedJob / SuccessfulDelete events) and robfig/cron's 5-field
standard parser (with the @hourly, @daily... descriptors).
"""

from __future__ import annotations

import calendar
import time
from typing import TYPE_CHECKING, Any

from clusters.sim import errors
from clusters.sim.defaults import default_pod_spec
from clusters.sim.errors import invalid
from clusters.sim.ids import rfc3339
from clusters.sim.jobs import validate_job
from clusters.sim.store import deep_copy
from clusters.sim.validation import validate_metadata
from clusters.sim.workloads import controller_uid, involved_object, owner_ref

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]  # minute hour day month weekday


def _field(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if body == "*":
            start, end = low, high
        elif "-" in body:
            start, end = (int(x) for x in body.split("-", 1))
        else:
            start = int(body)
            end = high if step_text else start
        if not (low <= start <= end <= high) or step < 1:
            raise ValueError(f"end of range ({end}) above maximum ({high}): {part}")
        values.update(range(start, end + 1, step))
    return values


def parse_schedule(schedule: str) -> list[set[int]]:
    """The five sets of a standard cron line; ValueError as robfig/cron words it."""
    text = DESCRIPTORS.get(schedule.strip(), schedule.strip())
    parts = text.split()
    if len(parts) != 5:
        raise ValueError(f"expected exactly 5 fields, found {len(parts)}: [{' '.join(parts)}]")
    sets = [_field(part, low, high) for part, (low, high) in zip(parts, RANGES, strict=True)]
    sets[4] = {d % 7 for d in sets[4]}
    return sets


def next_time(schedule: str, after: float) -> float:
    """The first whole minute strictly after `after` that the schedule names (UTC)."""
    minutes, hours, days, months, weekdays = parse_schedule(schedule)
    t = (int(after) // 60 + 1) * 60
    for _ in range(2 * 366 * 24 * 60):
        tm = time.gmtime(t)
        if tm.tm_mon not in months:
            year, month = tm.tm_year + (tm.tm_mon == 12), tm.tm_mon % 12 + 1
            t = calendar.timegm((year, month, 1, 0, 0, 0))
        elif tm.tm_mday not in days or (tm.tm_wday + 1) % 7 not in weekdays:
            t = calendar.timegm((tm.tm_year, tm.tm_mon, tm.tm_mday, 0, 0, 0)) + 86400
        elif tm.tm_hour not in hours:
            t = calendar.timegm((tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, 0, 0)) + 3600
        elif tm.tm_min not in minutes:
            t += 60
        else:
            return float(t)
    raise ValueError("the schedule never fires")


def default_cronjob(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    template = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
    if isinstance(template.get("spec"), dict):
        default_pod_spec(template["spec"])  # pod templates are defaulted wherever they are
    obj.setdefault("status", {})


def validate_cronjob(obj: dict[str, Any]) -> None:
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    problems = validate_metadata(meta)
    try:
        parse_schedule(str(spec.get("schedule") or ""))
    except ValueError as err:
        problems.append(invalid("spec.schedule", spec.get("schedule") or "", str(err)))
    if problems:
        raise errors.invalid_object("CronJob", meta.get("name") or "", problems, "batch")
    job = {
        "metadata": {"name": meta.get("name")},
        "spec": (spec.get("jobTemplate") or {}).get("spec") or {},
    }
    validate_job(job)


def arm(t: Tenant, cronjob: dict[str, Any]) -> None:
    """Schedule the next run of a CronJob."""
    meta = cronjob["metadata"]
    due = next_time(cronjob["spec"]["schedule"], t.clock.now())
    schedule = cronjob["spec"]["schedule"]
    argument = [meta["namespace"], meta["name"], meta["uid"], due, schedule]
    t.add_timer(due - t.clock.now(), "cronjob", argument)


def fire(t: Tenant, argument: list[Any]) -> None:
    namespace, name, uid, scheduled, schedule = argument
    cronjob = t.store.get("cronjobs", namespace, name)
    if (
        cronjob is None
        or cronjob["metadata"]["uid"] != uid
        or cronjob["spec"]["schedule"] != schedule
    ):
        return  # deleted, or re-armed with its new schedule
    arm(t, cronjob)
    spec = cronjob["spec"]
    involved = involved_object(cronjob)
    active = [
        j for j in t.store.list("jobs", namespace) if controller_uid(j) == uid and not _finished(j)
    ]
    if spec.get("suspend") or (active and spec.get("concurrencyPolicy") == "Forbid"):
        return
    if active and spec.get("concurrencyPolicy") == "Replace":
        for job in active:
            t.delete("jobs", namespace, job["metadata"]["name"])
    template = deep_copy(spec.get("jobTemplate") or {})
    job_name = f"{name}-{int(scheduled) // 60}"
    body = {
        "metadata": {
            **(template.get("metadata") or {}),
            "name": job_name,
            "annotations": {"batch.kubernetes.io/cronjob-scheduled-timestamp": rfc3339(scheduled)},
            "ownerReferences": [owner_ref(cronjob)],
        },
        "spec": template.get("spec") or {},
    }
    try:
        t.create("jobs", namespace, body)
    except errors.ApiError:
        return  # already there: this time was handled
    t.recorder.record(
        t.clock.now(),
        involved,
        "Normal",
        "SuccessfulCreate",
        f"Created job {job_name}",
        "cronjob-controller",
    )
    status = {**(cronjob.get("status") or {}), "lastScheduleTime": rfc3339(scheduled)}
    t.store.replace(
        "cronjobs", {**cronjob, "metadata": dict(cronjob["metadata"]), "status": status}
    )


def _finished(job: dict[str, Any]) -> str:
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition["type"] in ("Complete", "Failed") and condition["status"] == "True":
            return condition["type"]
    return ""


def sync_cronjob(t: Tenant, cronjob: dict[str, Any]) -> None:
    """Active jobs, completions seen, and the history limits."""
    meta, spec = cronjob["metadata"], cronjob["spec"]
    jobs = sorted(
        (j for j in t.store.list("jobs", meta["namespace"]) if controller_uid(j) == meta["uid"]),
        key=lambda j: j["metadata"]["creationTimestamp"],
    )
    status = deep_copy(cronjob.get("status") or {})
    involved = involved_object(cronjob)
    for job in jobs:
        outcome = _finished(job)
        if outcome and job["metadata"]["uid"] not in t.cron_seen:
            t.cron_seen.append(job["metadata"]["uid"])
            message = f"Saw completed job: {job['metadata']['name']}, condition: {outcome}"
            t.recorder.record(
                t.clock.now(), involved, "Normal", "SawCompletedJob", message, "cronjob-controller"
            )
            if outcome == "Complete":
                status["lastSuccessfulTime"] = (job.get("status") or {}).get("completionTime")
    for outcome, limit in (
        ("Complete", spec.get("successfulJobsHistoryLimit", 3)),
        ("Failed", spec.get("failedJobsHistoryLimit", 1)),
    ):
        done = [j for j in jobs if _finished(j) == outcome]
        for job in done[: max(0, len(done) - limit)]:
            t.delete("jobs", meta["namespace"], job["metadata"]["name"])
            t.recorder.record(
                t.clock.now(),
                involved,
                "Normal",
                "SuccessfulDelete",
                f"Deleted job {job['metadata']['name']}",
                "cronjob-controller",
            )
    active = [
        {
            "kind": "Job",
            "namespace": j["metadata"]["namespace"],
            "name": j["metadata"]["name"],
            "uid": j["metadata"]["uid"],
            "apiVersion": "batch/v1",
            "resourceVersion": j["metadata"]["resourceVersion"],
        }
        for j in jobs
        if not _finished(j) and t.store.get("jobs", meta["namespace"], j["metadata"]["name"])
    ]
    if active:
        status["active"] = active
    else:
        status.pop("active", None)
    if status != cronjob.get("status"):
        current = t.store.get("cronjobs", meta["namespace"], meta["name"])
        if current is not None:
            t.store.replace(
                "cronjobs", {**current, "metadata": dict(current["metadata"]), "status": status}
            )
