"""Events as the kubelet and the scheduler record them, with client-go's aggregation.

Upstream: client-go/tools/record/events_cache.go (EventCorrelator: an identical event bumps
`count` and `lastTimestamp` of the existing Event instead of creating a new one) and
client-go/tools/record/event.go (names are `<object>.<unix nanos in hex>`).

Events expire EVENT_TTL after their last write: kube-apiserver stores them under an etcd lease
of `--event-ttl` (default 1h), renewed by each update (pkg/registry/core/event/storage, TTLFunc).
The tenant arms the expiry (tenant.py, `expire_event`).
"""

from __future__ import annotations

from typing import Any

from clusters.sim.ids import rfc3339, rfc3339_micro
from clusters.sim.store import ObjectStore

EVENT_TTL = 3600.0  # kube-apiserver --event-ttl, default 1h


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
    def __init__(self, store: ObjectStore, index: dict[str, str] | None = None) -> None:
        self.store = store
        self.index = index if index is not None else {}  # aggregation key -> event name

    def record(
        self,
        now: float,
        involved: dict[str, Any],
        event_type: str,
        reason: str,
        message: str,
        component: str,
        host: str = "",
    ) -> dict[str, Any]:
        namespace = involved.get("namespace") or "default"
        key = "\x00".join(
            [
                component,
                host,
                involved["kind"],
                namespace,
                involved["name"],
                involved["uid"],
                involved.get("fieldPath", ""),
                event_type,
                reason,
                message,
            ]
        )
        existing_name = self.index.get(key)
        existing = self.store.get("events", namespace, existing_name) if existing_name else None
        if existing is not None:
            updated = {
                **existing,
                "count": existing.get("count", 1) + 1,
                "lastTimestamp": rfc3339(now),
                "metadata": dict(existing["metadata"]),
            }
            return self.store.replace("events", updated)
        nanos = int(now * 1_000_000_000)
        name = f"{involved['name']}.{nanos:x}"
        while self.store.get("events", namespace, name) is not None:
            nanos += 1
            name = f"{involved['name']}.{nanos:x}"
        source = {"component": component}
        if host:
            source["host"] = host
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
            "firstTimestamp": rfc3339(now),
            "lastTimestamp": rfc3339(now),
            "count": 1,
            "type": event_type,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host,
        }
        if component == "default-scheduler":
            # The scheduler writes events.k8s.io/v1 Events: eventTime and action, no count.
            event.update(
                eventTime=rfc3339_micro(now), action="Binding", reportingInstance=f"{component}-sim"
            )
        self.index[key] = name
        return self.store.create("events", event)
