"""A tenant's object store: what etcd plus the watch cache give a real API server.

One resourceVersion counter per tenant, a bounded watch log that is compacted (so a watch from
a too-old version gets 410 Gone, as after etcd compaction), and synchronous listeners that the
HTTP layer turns into watch streams.

Stored objects are never mutated in place: every write stores a new dict, so watch-log entries
and listeners can hold references without copying.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from clusters.sim import errors
from clusters.sim.kinds import BY_PLURAL

Key = tuple[str, str]  # namespace ("" for cluster-scoped), name
DEFAULT_LOG_SIZE = 20_000


@dataclass(frozen=True, slots=True)
class Change:
    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    resource: str
    object: dict[str, Any]


Listener = Callable[[Change], None]


def deep_copy(value: Any) -> Any:
    """A copy of JSON-like data, several times faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deep_copy(v) for v in value]
    return value


class ObjectStore:
    def __init__(self, log_size: int = DEFAULT_LOG_SIZE) -> None:
        self.rv = 0
        self.objects: dict[str, dict[Key, dict[str, Any]]] = {}
        self.log: deque[Change] = deque(maxlen=log_size)
        self.compacted_rv = 0  # changes at or below this version are gone
        self._listeners: list[Listener] = []

    # --- reads -----------------------------------------------------------------------------
    def get(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self.objects.get(resource, {}).get((namespace, name))

    def must_get(self, resource: str, namespace: str, name: str) -> dict[str, Any]:
        obj = self.get(resource, namespace, name)
        if obj is None:
            raise errors.not_found(
                resource, name, BY_PLURAL[resource].group if resource in BY_PLURAL else ""
            )
        return obj

    def list(self, resource: str, namespace: str | None = None) -> list[dict[str, Any]]:
        """Objects sorted by namespace then name, as etcd's key order gives them."""
        items = self.objects.get(resource, {})
        keys = sorted(k for k in items if namespace is None or k[0] == namespace)
        return [items[k] for k in keys]

    def changes_since(self, rv: int) -> Iterable[Change]:
        """Every change after `rv`, or 410 Gone when the log no longer reaches back that far."""
        if rv < self.compacted_rv:
            raise errors.gone(rv, self.compacted_rv + 1)
        return [c for c in self.log if c.rv > rv]

    # --- writes ----------------------------------------------------------------------------
    def _next_rv(self) -> int:
        self.rv += 1
        return self.rv

    def _record(self, change_type: str, resource: str, obj: dict[str, Any]) -> None:
        if len(self.log) == self.log.maxlen:
            self.compacted_rv = self.log[0].rv
        change = Change(int(obj["metadata"]["resourceVersion"]), change_type, resource, obj)
        self.log.append(change)
        for listener in list(self._listeners):
            listener(change)

    def create(self, resource: str, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        bucket = self.objects.setdefault(resource, {})
        if key in bucket:
            raise errors.already_exists(
                resource, meta["name"], BY_PLURAL[resource].group if resource in BY_PLURAL else ""
            )
        meta["resourceVersion"] = str(self._next_rv())
        bucket[key] = obj
        self._record("ADDED", resource, obj)
        return obj

    def replace(
        self, resource: str, obj: dict[str, Any], expected_rv: str | None = None
    ) -> dict[str, Any]:
        """Store a new version of an existing object (optimistic concurrency on expected_rv)."""
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        bucket = self.objects.get(resource, {})
        current = bucket.get(key)
        if current is None:
            raise errors.not_found(resource, meta["name"])
        if expected_rv and expected_rv != current["metadata"]["resourceVersion"]:
            raise errors.conflict(resource, meta["name"])
        meta["resourceVersion"] = str(self._next_rv())
        bucket[key] = obj
        self._record("MODIFIED", resource, obj)
        return obj

    def delete(self, resource: str, namespace: str, name: str) -> dict[str, Any]:
        bucket = self.objects.get(resource, {})
        current = bucket.pop((namespace, name), None)
        if current is None:
            raise errors.not_found(resource, name)
        gone_obj = {
            **current,
            "metadata": {**current["metadata"], "resourceVersion": str(self._next_rv())},
        }
        self._record("DELETED", resource, gone_obj)
        return gone_obj

    def compact(self, rv: int | None = None) -> None:
        """Forget changes at or below `rv` (default: all), as etcd compaction does."""
        target = self.rv if rv is None else rv
        while self.log and self.log[0].rv <= target:
            self.log.popleft()
        self.compacted_rv = max(self.compacted_rv, target)

    # --- listeners -------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --- state -----------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        return {
            "rv": self.rv,
            "objects": {res: list(bucket.values()) for res, bucket in self.objects.items()},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ObjectStore:
        """A restored store starts with an empty watch log: older watches must re-list."""
        store = cls()
        store.rv = state["rv"]
        store.compacted_rv = state["rv"]
        for res, items in state["objects"].items():
            store.objects[res] = {
                (o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in items
            }
        return store
