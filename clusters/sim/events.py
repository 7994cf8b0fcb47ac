"""Events as the kubelet and the controllers record them, with client-go's EventCorrelator.

Upstream: client-go/tools/record/events_cache.go, EventCorrelate, in its order:
- EventAggregator: 10 or more different messages for the same source, object, type and reason
  within 10 minutes become one Event `(combined from similar events): <latest message>`;
- eventLogger.eventObserve: an identical event (same source, object with fieldPath, type,
  reason and message) bumps `count` and `lastTimestamp` of the first one's Event; the count
  is kept on the client, so it goes on counting while writes are dropped;
- EventSourceObjectSpamFilter: each source (component + host) may write 25 events about one
  object, then one every 5 minutes (token bucket); the rest are not written at all. All of a
  pod's kubelet events share one bucket, whatever their reason or container.
client-go/tools/record/event.go recordToSink: a count above 1 patches the Event, and an Event
that is gone (expired, or never written) is created again under its first name with the
cached count. Names are `<object>.<unix nanos in hex>`.

Events expire EVENT_TTL after their last write: kube-apiserver stores them under an etcd lease
of `--event-ttl` (default 1h), renewed by each update (pkg/registry/core/event/storage, TTLFunc).
The tenant arms the expiry (tenant.py, `expire_event`).
"""

from __future__ import annotations

from typing import Any

from clusters.sim.ids import rfc3339, rfc3339_micro
from clusters.sim.store import ObjectStore

EVENT_TTL = 3600.0  # kube-apiserver --event-ttl, default 1h
# events_cache.go: a source may write 25 events about an object, then 1 more every 5 minutes.
SPAM_BURST = 25
SPAM_QPS = 1.0 / 300.0
# events_cache.go: 10 messages that differ, for the same reason, within 10 minutes: combine.
AGGREGATE_MAX_EVENTS = 10
AGGREGATE_INTERVAL = 600.0
COMBINED_PREFIX = "(combined from similar events): "
# The scheduler records through the events.k8s.io/v1 recorder, which has no EventCorrelator.
SCHEDULER = "default-scheduler"


def involved_pod(pod: dict[str, Any], container: str | None = None) -> dict[str, Any]:
    meta = pod["metadata"]
    ref = {
        "kind": "Pod",
        "namespace": meta["namespace"],
        "name": meta["name"],
        "uid": meta["uid"],
        "apiVersion": "v1",
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    if container:
        ref["fieldPath"] = f"spec.containers{{{container}}}"
    return ref


class EventRecorder:
    """client-go's EventCorrelator for every component but the scheduler, over the store.

    Its state is plain data (to_state): `observed` (eventLogger: event key -> [name, count,
    firstTimestamp seconds]), `spam` (spam key -> [tokens, at]) and `similar` (aggregate key
    -> [messages, last seconds]).
    """

    def __init__(self, store: ObjectStore, state: dict[str, Any] | None = None) -> None:
        self.store = store
        state = state or {}
        self.observed: dict[str, list] = state.get("observed", {})
        self.spam: dict[str, list[float]] = state.get("spam", {})
        self.similar: dict[str, list] = state.get("similar", {})
        self._names = {seen[0] for seen in self.observed.values()}  # derived, not stored

    def to_state(self) -> dict[str, Any]:
        return {"observed": self.observed, "spam": self.spam, "similar": self.similar}

    def _spam_filtered(self, key: str, now: float) -> bool:
        """EventSourceObjectSpamFilter.Filter: a token bucket (rate.Limiter) per source+object."""
        tokens, at = self.spam.get(key, (float(SPAM_BURST), now))
        tokens = min(float(SPAM_BURST), tokens + (now - at) * SPAM_QPS)
        filtered = tokens < 1.0
        self.spam[key] = [tokens if filtered else tokens - 1.0, now]
        return filtered

    def _aggregate(self, key: str, message: str, now: float) -> str | None:
        """EventAggregator.EventAggregate: the combined message once 10 messages differ."""
        messages, last = self.similar.get(key, ([], now))
        if now - last > AGGREGATE_INTERVAL or key not in self.similar:
            messages = []
        if message not in messages:
            messages.append(message)
        self.similar[key] = [messages, now]
        if len(messages) < AGGREGATE_MAX_EVENTS:
            return None
        messages.remove(message)  # localKeys.PopAny: do not grow past the maximum
        return COMBINED_PREFIX + message

    def record(
        self,
        now: float,
        involved: dict[str, Any],
        event_type: str,
        reason: str,
        message: str,
        component: str,
        host: str = "",
    ) -> dict[str, Any] | None:
        """EventCorrelate then recordToSink; None when the spam filter drops the write."""
        namespace = involved.get("namespace") or "default"
        source_object = [
            component,
            host,
            involved["kind"],
            namespace,
            involved["name"],
            involved["uid"],
            involved.get("apiVersion", ""),
        ]
        correlated = component != SCHEDULER
        key = "\x00".join(
            [*source_object, involved.get("fieldPath", ""), event_type, reason, message]
        )
        if correlated:
            aggregate_key = "\x00".join([*source_object, event_type, reason])
            combined = self._aggregate(aggregate_key, message, now)
            if combined is not None:
                key, message = aggregate_key, combined
        name, count, first = self._observe(key, namespace, involved, now)
        if correlated and self._spam_filtered("\x00".join(source_object), now):
            return None
        existing = self.store.get("events", namespace, name)
        if existing is not None:
            # eventObserve's patch carries count, lastTimestamp and message (the latest one,
            # for a combined Event).
            updated = {
                **existing,
                "count": count,
                "lastTimestamp": rfc3339(now),
                "message": message,
                "metadata": dict(existing["metadata"]),
            }
            return self.store.replace("events", updated)
        # First write, or the Event expired or was skipped: create it under its first name.
        source = {"component": component}
        if host:
            source["host"] = host
        nanos = int(int(name.rsplit(".", 1)[1], 16))
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "creationTimestamp": rfc3339(now),
                "uid": f"{involved['uid'][:24]}{nanos % 16**12:012x}",
            },
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": rfc3339(first),
            "lastTimestamp": rfc3339(now),
            "count": count,
            "type": event_type,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host,
        }
        if component == SCHEDULER:
            # The scheduler writes events.k8s.io/v1 Events: eventTime and action, no count.
            event.update(
                eventTime=rfc3339_micro(now), action="Binding", reportingInstance=f"{component}-sim"
            )
        return self.store.create("events", event)

    def _observe(
        self, key: str, namespace: str, involved: dict[str, Any], now: float
    ) -> tuple[str, int, float]:
        """eventLogger.eventObserve: the Event's name, its new count and firstTimestamp."""
        seen = self.observed.get(key)
        if seen is not None:
            name, count, first = seen[0], seen[1] + 1, seen[2]
        else:
            nanos = int(now * 1_000_000_000)
            name = f"{involved['name']}.{nanos:x}"
            while self._name_taken(namespace, name):
                nanos += 1
                name = f"{involved['name']}.{nanos:x}"
            count, first = 1, now
        self.observed[key] = [name, count, first]
        self._names.add(name)
        return name, count, first

    def _name_taken(self, namespace: str, name: str) -> bool:
        return name in self._names or self.store.get("events", namespace, name) is not None
