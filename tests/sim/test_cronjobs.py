"""CronJobs (pkg/controller/cronjob, robfig/cron's standard parser)."""

from __future__ import annotations

import calendar

import pytest

from clusters.sim.cronjobs import next_time, parse_schedule
from clusters.sim.errors import ApiError
from tests.sim.worlds import lab1_world, new_tenant, run

T0 = calendar.timegm((2026, 9, 21, 14, 13, 20))  # Monday 21 Sep 2026, 14:13:20 UTC


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        pytest.param("*/5 * * * *", (2026, 9, 21, 14, 15), id="every 5 minutes"),
        pytest.param("0 * * * *", (2026, 9, 21, 15, 0), id="hourly on the hour"),
        pytest.param("@daily", (2026, 9, 22, 0, 0), id="descriptor @daily"),
        pytest.param("30 9 * * 1-5", (2026, 9, 22, 9, 30), id="weekdays at 09:30"),
        pytest.param("0 0 1 * *", (2026, 10, 1, 0, 0), id="monthly"),
        pytest.param("0 12 * * 0", (2026, 9, 27, 12, 0), id="Sundays (0)"),
    ],
)
def test_next_time(schedule: str, expected: tuple) -> None:
    assert next_time(schedule, T0) == calendar.timegm((*expected, 0))


@pytest.mark.parametrize("schedule", ["* * * *", "61 * * * *", "*/0 * * * *", "nonsense"])
def test_bad_schedules_are_refused(schedule: str) -> None:
    with pytest.raises(ValueError):
        parse_schedule(schedule)


def cronjob(schedule: str = "*/1 * * * *", **spec: object) -> dict:
    task = {"name": "task", "image": "lab/task:1.0"}
    return {
        "metadata": {"name": "refresh"},
        "spec": {
            "schedule": schedule,
            "jobTemplate": {
                "spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [task]}}}
            },
            **spec,
        },
    }


def world() -> dict:
    base = lab1_world()
    base["registries"][0]["repositories"].append(
        {
            "name": "lab/task",
            "tags": {
                "1.0": {
                    "digest": "sha256:" + "7" * 64,
                    "size": 1000,
                    "run": {"exit_after": 1, "exit_code": 0},
                }
            },
        }
    )
    return base


def test_a_cronjob_creates_a_job_each_minute_and_keeps_three() -> None:
    simulator, clock, tenant = new_tenant(world())
    tenant.create("cronjobs", "lab", cronjob())
    run(simulator, clock, 5 * 60 + 30)
    jobs = tenant.store.list("jobs", "lab")
    assert len(jobs) == 3  # successfulJobsHistoryLimit
    assert all(j["metadata"]["name"].startswith("refresh-") for j in jobs)
    reasons = {
        e["reason"]
        for e in tenant.store.list("events")
        if e["source"]["component"] == "cronjob-controller"
    }
    assert reasons == {"SuccessfulCreate", "SawCompletedJob", "SuccessfulDelete"}
    status = tenant.store.get("cronjobs", "lab", "refresh")["status"]
    assert status["lastScheduleTime"] and status["lastSuccessfulTime"]


def test_a_suspended_cronjob_creates_nothing() -> None:
    simulator, clock, tenant = new_tenant(world())
    tenant.create("cronjobs", "lab", cronjob(suspend=True))
    run(simulator, clock, 180)
    assert tenant.store.list("jobs", "lab") == []


def test_a_bad_schedule_is_422() -> None:
    _, _, tenant = new_tenant(world())
    with pytest.raises(ApiError) as caught:
        tenant.create("cronjobs", "lab", cronjob(schedule="61 * * * *"))
    assert caught.value.status["message"].startswith(
        'CronJob.batch "refresh" is invalid: spec.schedule: Invalid value: "61 * * * *": '
    )
