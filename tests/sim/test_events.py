"""Event aggregation (count, firstTimestamp, lastTimestamp) and expiry after --event-ttl.

- client-go/tools/record/events_cache.go, EventCorrelator/eventObserve: an identical event
  (same source, object, type, reason and message) bumps `count` and `lastTimestamp` of the
  Event already written; `firstTimestamp` stays. Anything different is a new Event.
- kube-apiserver `--event-ttl` (1h): Events live under an etcd lease renewed by each write
  (pkg/registry/core/event/storage/storage.go, TTLFunc), so an Event goes 1h after its last
  update, and a watch sees it DELETED.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from clusters.sim.events import EVENT_TTL, EventRecorder
from clusters.sim.ids import rfc3339
from clusters.sim.store import ObjectStore
from tests.sim.worlds import new_tenant, pod, run

POD_REF = {"kind": "Pod", "namespace": "lab", "name": "p", "uid": "u-1", "apiVersion": "v1"}


@dataclass
class Write:
    at: float
    reason: str = "Pulling"
    message: str = 'Pulling image "lab/web:1.0"'
    component: str = "kubelet"


@dataclass
class AggregationCase:
    id: str
    writes: list[Write]
    expected: list[tuple[str, int, float, float]]  # (reason, count, first, last) per Event


CASES = [
    AggregationCase(
        "events_cache.go eventObserve: the same event again counts up",
        [Write(0), Write(10), Write(30)],
        [("Pulling", 3, 0, 30)],
    ),
    AggregationCase(
        "events_cache.go getEventKey: another message is another Event",
        [Write(0), Write(5, message='Pulling image "lab/web:2.0"')],
        [("Pulling", 1, 0, 0), ("Pulling", 1, 5, 5)],
    ),
    AggregationCase(
        "events_cache.go getEventKey: another reason is another Event",
        [Write(0), Write(1, reason="BackOff"), Write(11, reason="BackOff")],
        [("Pulling", 1, 0, 0), ("BackOff", 2, 1, 11)],
    ),
    AggregationCase(
        "events_cache.go getEventKey: another source component is another Event",
        [Write(0), Write(2, component="other")],
        [("Pulling", 1, 0, 0), ("Pulling", 1, 2, 2)],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_identical_events_aggregate(case: AggregationCase) -> None:
    store = ObjectStore()
    recorder = EventRecorder(store)
    start = 1_800_000_000.0
    for write in case.writes:
        recorder.record(
            start + write.at, POD_REF, "Normal", write.reason, write.message, write.component
        )
    events = sorted(
        store.list("events"), key=lambda e: int(e["metadata"]["name"].split(".")[1], 16)
    )
    assert [(e["reason"], e["count"], e["firstTimestamp"], e["lastTimestamp"]) for e in events] == [
        (reason, count, rfc3339(start + first), rfc3339(start + last))
        for reason, count, first, last in case.expected
    ]


def _events(tenant, reason: str) -> list[dict]:
    return [e for e in tenant.store.list("events") if e["reason"] == reason]


def test_an_event_expires_an_hour_after_its_last_write() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("p", node="node-1", policy="IfNotPresent"))
    run(simulator, clock, 5)
    assert len(_events(tenant, "Started")) == 1
    deleted = []
    tenant.store.subscribe(lambda c: c.type == "DELETED" and deleted.append(c.object["reason"]))
    run(simulator, clock, EVENT_TTL - 10)
    assert _events(tenant, "Started"), "gone before --event-ttl"
    run(simulator, clock, 10)
    assert not _events(tenant, "Started")
    assert "Started" in deleted  # a watch sees the expiry as DELETED


def test_each_count_renews_the_events_lifetime() -> None:
    # A Never pod without its image: ErrImageNeverPull again every 10 s, so the Event stays.
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("p", node="node-2", policy="Never"))
    run(simulator, clock, EVENT_TTL + 60)
    [never] = _events(tenant, "ErrImageNeverPull")
    assert never["count"] > 300
    tenant.delete("pods", "lab", "p")
    run(simulator, clock, EVENT_TTL + 60)
    assert not _events(tenant, "ErrImageNeverPull")


def _written(store: ObjectStore) -> list[tuple[str, str, int]]:
    events = sorted(store.list("events"), key=lambda e: int(e["metadata"]["resourceVersion"]))
    return [(e["reason"], e["message"], e["count"]) for e in events]


@dataclass
class SpamCase:
    id: str
    writes: list[Write]
    written: int  # how many of the writes reach the API server


SPAM_CASES = [
    SpamCase(
        "events_cache.go EventSourceObjectSpamFilter: a burst of 25 per source and object",
        [Write(i * 0.1, message=f"m{i % 3}") for i in range(30)],
        25,
    ),
    SpamCase(
        "events_cache.go defaultSpamQPS 1/300: one more write 5 minutes after the first",
        [Write(i * 0.1) for i in range(30)] + [Write(299.0), Write(301.0), Write(302.0)],
        26,
    ),
    SpamCase(
        "events_cache.go getSpamKey: another source has its own bucket",
        [Write(i * 0.1) for i in range(30)] + [Write(5.0, component="other")],
        26,
    ),
    SpamCase(
        "events.k8s.io recorder (the scheduler) has no spam filter",
        [Write(i * 0.1, component="default-scheduler") for i in range(30)],
        30,
    ),
]


@pytest.mark.parametrize("case", SPAM_CASES, ids=[c.id for c in SPAM_CASES])
def test_the_spam_filter_drops_writes_beyond_its_budget(case: SpamCase) -> None:
    store = ObjectStore()
    writes: list[int] = []
    store.subscribe(lambda change: writes.append(1))
    recorder = EventRecorder(store)
    start = 1_800_000_000.0
    for write in case.writes:
        recorder.record(
            start + write.at, POD_REF, "Normal", write.reason, write.message, write.component
        )
    assert len(writes) == case.written


def test_a_dropped_occurrence_still_counts_at_the_next_write() -> None:
    # eventObserve updates the cached count before the spam filter decides (EventCorrelate).
    store = ObjectStore()
    recorder = EventRecorder(store)
    start = 1_800_000_000.0
    for i in range(40):
        recorder.record(start + i, POD_REF, "Normal", "BackOff", "Back-off", "kubelet")
    assert _written(store) == [("BackOff", "Back-off", 25)]
    recorder.record(start + 300, POD_REF, "Normal", "BackOff", "Back-off", "kubelet")
    assert _written(store) == [("BackOff", "Back-off", 41)]


def test_ten_different_messages_of_one_reason_are_combined() -> None:
    # events_cache.go EventAggregator: defaultAggregateMaxEvents 10 in 600 s, then
    # EventAggregatorByReasonMessageFunc's "(combined from similar events): " + message.
    store = ObjectStore()
    recorder = EventRecorder(store)
    start = 1_800_000_000.0
    for i in range(12):
        recorder.record(start + i, POD_REF, "Warning", "Failed", f"error {i}", "kubelet")
    written = _written(store)
    assert [m for _, m, _ in written[:9]] == [f"error {i}" for i in range(9)]
    assert written[9:] == [("Failed", "(combined from similar events): error 11", 3)]


def test_an_expired_event_comes_back_under_its_name_with_its_count() -> None:
    # client-go event.go recordToSink: a patch of a missing Event falls back to a create.
    store = ObjectStore()
    recorder = EventRecorder(store)
    start = 1_800_000_000.0
    first = recorder.record(start, POD_REF, "Normal", "Pulling", "Pulling image", "kubelet")
    store.delete("events", "lab", first["metadata"]["name"])  # --event-ttl ran out
    again = recorder.record(start + 4000, POD_REF, "Normal", "Pulling", "Pulling image", "kubelet")
    assert again["metadata"]["name"] == first["metadata"]["name"]
    assert (again["count"], again["firstTimestamp"]) == (2, rfc3339(start))
