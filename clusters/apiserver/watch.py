"""Watch streams: a backlog from the store's change log, then live changes, as JSON lines.

Semantics of the real API server (apiserver/pkg/storage/cacher): a watch from resourceVersion 0
or none starts with ADDED for every current object; from N it replays changes after N, or
sends one ERROR event (410 Expired) when N is compacted; an object that stops matching the
selectors is sent as DELETED; BOOKMARK events carry the current resourceVersion.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from clusters.apiserver.tables import table
from clusters.apiserver.wire import dumps
from clusters.sim import errors
from clusters.sim.store import Change
from clusters.sim.tenant import Tenant


class WatchRequest:
    def __init__(
        self,
        tenant: Tenant,
        resource: str,
        namespace: str | None,
        matcher: Callable[[dict], bool],
        resource_version: str | None,
        timeout: float,
        bookmarks: bool,
        bookmark_interval: float,
        as_table: bool,
        include: str,
    ) -> None:
        self.tenant = tenant
        self.resource = resource
        self.namespace = namespace
        self.matcher = matcher
        self.resource_version = resource_version
        self.timeout = timeout
        self.bookmarks = bookmarks
        self.bookmark_interval = bookmark_interval
        self.as_table = as_table
        self.include = include
        self.first_table = True

    def _in_scope(self, obj: dict[str, Any]) -> bool:
        return self.namespace is None or obj["metadata"].get("namespace") == self.namespace

    def _encode(self, event_type: str, obj: dict[str, Any]) -> bytes:
        if self.as_table and event_type in ("ADDED", "MODIFIED", "DELETED"):
            obj = table(
                self.resource,
                [obj],
                obj["metadata"].get("resourceVersion", ""),
                self.tenant.clock.now(),
                self.include,
                headers=self.first_table,
            )
            self.first_table = False
        return dumps({"type": event_type, "object": obj}) + b"\n"


def _translate(change: Change, request: WatchRequest, seen: set[tuple[str, str]]) -> str | None:
    obj = change.object
    if change.resource != request.resource or not request._in_scope(obj):
        return None
    key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
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


async def stream(request: WatchRequest) -> AsyncIterator[bytes]:
    tenant = request.tenant
    queue: asyncio.Queue[Change] = asyncio.Queue()
    unsubscribe = tenant.store.subscribe(queue.put_nowait)
    seen: set[tuple[str, str]] = set()
    try:
        rv = request.resource_version
        if not rv or rv == "0":
            for obj in tenant.store.list(request.resource, request.namespace):
                if request.matcher(obj):
                    seen.add((obj["metadata"].get("namespace", ""), obj["metadata"]["name"]))
                    yield request._encode("ADDED", obj)
            backlog: list[Change] = []
        else:
            try:
                since = int(rv)
            except ValueError:
                yield (
                    dumps(
                        {
                            "type": "ERROR",
                            "object": errors.bad_request(f'invalid resource version "{rv}"').status,
                        }
                    )
                    + b"\n"
                )
                return
            try:
                backlog = list(tenant.store.changes_since(since))
            except errors.ApiError as err:
                yield dumps({"type": "ERROR", "object": err.status}) + b"\n"
                return
            for obj in tenant.store.list(request.resource, request.namespace):
                if request.matcher(obj) and int(obj["metadata"]["resourceVersion"]) <= since:
                    seen.add((obj["metadata"].get("namespace", ""), obj["metadata"]["name"]))
        last_rv = max([c.rv for c in backlog], default=0)
        for change in backlog:
            event_type = _translate(change, request, seen)
            if event_type:
                yield request._encode(event_type, change.object)
        deadline = time.monotonic() + request.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            wait = min(remaining, request.bookmark_interval) if request.bookmarks else remaining
            try:
                change = await asyncio.wait_for(queue.get(), timeout=wait)
            except TimeoutError:
                if request.bookmarks and time.monotonic() < deadline:
                    yield (
                        dumps(
                            {
                                "type": "BOOKMARK",
                                "object": {
                                    "kind": _kind(request.resource),
                                    "apiVersion": "v1",
                                    "metadata": {"resourceVersion": str(tenant.store.rv)},
                                },
                            }
                        )
                        + b"\n"
                    )
                continue
            if change.rv <= last_rv:
                continue
            event_type = _translate(change, request, seen)
            if event_type:
                yield request._encode(event_type, change.object)
    finally:
        unsubscribe()


def _kind(resource: str) -> str:
    from clusters.sim.kinds import BY_PLURAL

    rtype = BY_PLURAL.get(resource)
    return rtype.kind if rtype else ""
