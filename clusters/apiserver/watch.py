"""Watch streams: a backlog from the store's change log, then live changes, as JSON lines.

Semantics of the real API server (apiserver/pkg/storage/cacher): a watch from resourceVersion 0
or none starts with ADDED for every current object; from N it replays changes after N, or
sends one ERROR event (410 Expired) when N is compacted; an object that stops matching the
selectors is sent as DELETED; BOOKMARK events carry the current resourceVersion. With
`sendInitialEvents=true` (client-go's WatchList, on by default in kubectl 1.35) the initial
ADDED events end with a BOOKMARK annotated `k8s.io/initial-events-end: "true"`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from clusters.apiserver.tables import table
from clusters.apiserver.wire import dumps, encoded
from clusters.sim import errors
from clusters.sim.kinds import BY_PLURAL
from clusters.sim.store import Change
from clusters.sim.tenant import Tenant

Key = tuple[str, str]


@dataclass
class WatchRequest:
    tenant: Tenant
    resource: str
    namespace: str | None
    matcher: Callable[[dict], bool]
    resource_version: str | None
    timeout: float
    bookmarks: bool
    bookmark_interval: float
    as_table: bool
    include: str
    send_initial_events: bool = False
    first_table: bool = True
    open_streams: set | None = None  # the server's queues, so it can end every stream at once

    def in_scope(self, obj: dict[str, Any]) -> bool:
        return self.namespace is None or obj["metadata"].get("namespace") == self.namespace

    def encode(self, event_type: str, obj: dict[str, Any]) -> bytes:
        if self.as_table and event_type in ("ADDED", "MODIFIED", "DELETED"):
            rv = obj["metadata"].get("resourceVersion", "")
            now = self.tenant.clock.now()
            obj = table(self.resource, [obj], rv, now, self.include, headers=self.first_table)
            self.first_table = False
            return dumps({"type": event_type, "object": obj}) + b"\n"
        return b'{"type":"' + event_type.encode() + b'","object":' + encoded(obj) + b"}\n"

    def bookmark(self, initial_events_end: bool = False) -> bytes:
        rtype = BY_PLURAL.get(self.resource)
        meta: dict[str, Any] = {"resourceVersion": str(self.tenant.store.rv)}
        if initial_events_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        obj = {"kind": rtype.kind if rtype else "", "apiVersion": "v1", "metadata": meta}
        return dumps({"type": "BOOKMARK", "object": obj}) + b"\n"


def _key(obj: dict[str, Any]) -> Key:
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def _translate(change: Change, request: WatchRequest, seen: set[Key]) -> str | None:
    obj = change.object
    if change.resource != request.resource or not request.in_scope(obj):
        return None
    key = _key(obj)
    matches = request.matcher(obj)
    was = key in seen
    if change.type == "DELETED":
        seen.discard(key)
        return "DELETED" if was or matches else None
    if matches:
        seen.add(key)
        return "MODIFIED" if was and change.type != "ADDED" else "ADDED"
    if was:
        seen.discard(key)
        return "DELETED"
    return None


def _error(err: errors.ApiError) -> bytes:
    return dumps({"type": "ERROR", "object": err.status}) + b"\n"


async def stream(request: WatchRequest) -> AsyncIterator[bytes]:
    tenant = request.tenant
    queue: asyncio.Queue[Change | None] = asyncio.Queue()

    def offer(change: Change) -> None:
        # Filter before queueing: a busy tenant writes many Events and pod statuses, and
        # waking every watcher for every one of them held the loop (bench/run_simulator.py).
        if change.resource == request.resource and request.in_scope(change.object):
            queue.put_nowait(change)

    unsubscribe = tenant.store.subscribe(offer)
    if request.open_streams is not None:
        request.open_streams.add(queue)
    seen: set[Key] = set()
    try:
        rv = request.resource_version
        backlog: list[Change] = []
        if request.send_initial_events or not rv or rv == "0":
            for obj in tenant.store.list(request.resource, request.namespace):
                if request.matcher(obj):
                    seen.add(_key(obj))
                    yield request.encode("ADDED", obj)
            if request.send_initial_events:
                yield request.bookmark(initial_events_end=True)
            last_rv = tenant.store.rv
        else:
            try:
                since = int(rv)
                backlog = list(tenant.store.changes_since(since))
            except ValueError:
                yield _error(errors.bad_request(f'invalid resource version "{rv}"'))
                return
            except errors.ApiError as err:
                yield _error(err)
                return
            for obj in tenant.store.list(request.resource, request.namespace):
                if request.matcher(obj) and int(obj["metadata"]["resourceVersion"]) <= since:
                    seen.add(_key(obj))
            last_rv = max([c.rv for c in backlog], default=since)
        for change in backlog:
            event_type = _translate(change, request, seen)
            if event_type:
                yield request.encode(event_type, change.object)
        deadline = time.monotonic() + request.timeout
        while (remaining := deadline - time.monotonic()) > 0:
            wait = min(remaining, request.bookmark_interval) if request.bookmarks else remaining
            try:
                change = await asyncio.wait_for(queue.get(), timeout=wait)
            except TimeoutError:
                if request.bookmarks and time.monotonic() < deadline:
                    yield request.bookmark()
                continue
            if change is None:
                return  # the server is shutting down
            if change.rv <= last_rv:
                continue  # already sent from the backlog or the initial list
            event_type = _translate(change, request, seen)
            if event_type:
                yield request.encode(event_type, change.object)
    finally:
        unsubscribe()
        if request.open_streams is not None:
            request.open_streams.discard(queue)


def close_all(open_streams: set) -> None:
    """End every open watch stream (at shutdown, so clients see the stream close)."""
    for queue in list(open_streams):
        queue.put_nowait(None)
