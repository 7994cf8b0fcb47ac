"""The check engine: CEL expressions over cluster facts built from a session's stored events.

Facts (docs/lab-authoring.md): `pods` (latest state per live pod), `events` (per pod name, only
Events about that pod's current UID), `all_events`, `objects` (latest state per live object,
`Kind/name`), `nodes` (the world file's node facts, then each `node` event's facts on top).
"""

import logging
from collections.abc import Iterable
from functools import cache
from typing import Any

import celpy
from celpy import celtypes
from celpy.celparser import CELParseError

from labs.normalise import cache_names, image_names

log = logging.getLogger(__name__)
_ENV = celpy.Environment()


class CheckError(Exception):
    """A check that does not compile."""


@cache
def compile_check(source: str) -> celpy.Runner:
    """Compile a CEL check once per process; every later evaluation reuses the program."""
    try:
        return _ENV.program(_ENV.compile(source))
    except CELParseError as exc:
        raise CheckError(f"CEL does not parse: {' '.join(str(exc).split())}") from None


def _world_cache_names(entries: list[Any]) -> list[str]:
    """A world file's cache entries (refs, or {ref, digest, ...}) as `nodes[n].cache` names."""
    names = []
    for entry in entries:
        if isinstance(entry, str):
            names.append(entry)
        else:
            names += image_names(entry.get("ref", ""), entry.get("digest", ""))
    return cache_names(names)


def node_facts(world: dict[str, Any]) -> dict[str, dict]:
    """What the lab world says about each node when it is made (live facts replace it)."""
    return {
        node["name"]: {
            "cache": _world_cache_names(node.get("cache", [])),
            "labels": node.get("labels", {}),
        }
        for node in world.get("nodes", [])
    }


def _uid(obj: dict | None) -> str | None:
    return ((obj or {}).get("metadata") or {}).get("uid")


class Facts:
    """The facts checks read, folded from a session's (kind, payload) stream in seq order.

    Each pod, Event, object and node is converted to CEL values once, when it is folded in:
    converting the whole session again for every new event grew with the session
    (bench/pipeline.py).
    """

    def __init__(self, world: dict[str, Any]) -> None:
        self.seq = 0  # the last seq folded in (set by the caller that folds from the DB)
        self.nodes = node_facts(world)
        self.pods: dict[str, dict] = {}
        self._events_by_id: dict[str, dict] = {}
        self._pods_cel: dict[str, Any] = {}
        self._events_cel: dict[str, Any] = {}
        self.objects: dict[str, dict] = {}
        self._objects_cel: dict[str, Any] = {}
        self._nodes_cel = {name: celpy.json_to_cel(facts) for name, facts in self.nodes.items()}

    def add(self, kind: str, payload: dict) -> None:
        if kind == "pod":
            pod = payload["object"]
            # The summary's name is `ns/name` outside the lab namespace (labs.normalise).
            name = (payload.get("summary") or {}).get("name") or pod["metadata"]["name"]
            uid = pod["metadata"].get("uid")
            if payload["watch"] == "DELETED":
                # A late DELETED of an older pod with the same name must not drop the new one.
                if name in self.pods and self.pods[name]["metadata"].get("uid") == uid:
                    del self.pods[name]
                    del self._pods_cel[name]
            else:
                self.pods[name] = pod
                self._pods_cel[name] = celpy.json_to_cel(pod)
        elif kind == "event":
            # An aggregated Event is the same object again with a higher count: keep the latest.
            self._events_by_id[payload["id"]] = payload["event"]
            self._events_cel[payload["id"]] = celpy.json_to_cel(payload["event"])
        elif kind == "object":
            key, obj = payload["key"], payload["object"]
            if payload["watch"] != "DELETED":
                self.objects[key] = obj
                self._objects_cel[key] = celpy.json_to_cel(obj)
            elif _uid(self.objects.get(key)) == _uid(obj):
                # As for pods: a late DELETED of an older object must not drop the new one.
                self.objects.pop(key, None)
                self._objects_cel.pop(key, None)
        elif kind == "node":
            # Each source says what it knows (the Node object: labels and cache; the world
            # status: cache, kubelet, ...); the latest word on each key wins.
            name = payload["node"]
            self.nodes[name] = {**self.nodes.get(name, {}), **payload["facts"]}
            self._nodes_cel[name] = celpy.json_to_cel(self.nodes[name])

    @property
    def all_events(self) -> list[dict]:
        return list(self._events_by_id.values())

    def _event_ids_by_pod(self) -> dict[str, list[str]]:
        """For each live pod, the ids of the Events about its current UID."""
        names_by_uid = {pod["metadata"].get("uid"): name for name, pod in self.pods.items()}
        ids: dict[str, list[str]] = {name: [] for name in self.pods}
        for event_id, event in self._events_by_id.items():
            if event["uid"] in names_by_uid:
                ids[names_by_uid[event["uid"]]].append(event_id)
        return ids

    @property
    def events(self) -> dict[str, list[dict]]:
        return {
            name: [self._events_by_id[i] for i in ids]
            for name, ids in self._event_ids_by_pod().items()
        }

    def activation(self) -> dict[str, Any]:
        """The CEL variables, built from the values converted when each fact was folded in."""
        events = {
            celtypes.StringType(name): celtypes.ListType([self._events_cel[i] for i in ids])
            for name, ids in self._event_ids_by_pod().items()
        }
        return {
            "pods": celtypes.MapType(
                {celtypes.StringType(n): pod for n, pod in self._pods_cel.items()}
            ),
            "events": celtypes.MapType(events),
            "all_events": celtypes.ListType(list(self._events_cel.values())),
            "objects": celtypes.MapType(
                {celtypes.StringType(k): obj for k, obj in self._objects_cel.items()}
            ),
            "nodes": celtypes.MapType(
                {celtypes.StringType(n): facts for n, facts in self._nodes_cel.items()}
            ),
        }


def build_facts(stored: Iterable[tuple[str, dict]], world: dict[str, Any]) -> Facts:
    """The facts after a whole (kind, payload) stream, in seq order."""
    facts = Facts(world)
    for kind, payload in stored:
        facts.add(kind, payload)
    return facts


def check_passes(source: str, activation: dict[str, Any]) -> bool:
    """True only when the check evaluates to boolean true; a missing pod or field is just false."""
    try:
        result = compile_check(source).evaluate(activation)
    except celpy.CELEvalError as exc:
        log.debug("check %r is not true yet: %s", source, exc)
        return False
    return isinstance(result, celtypes.BoolType) and bool(result)


def passing_steps(
    steps: Iterable[Any], open_ids: set[str], activation: dict[str, Any]
) -> list[str]:
    """The ids of open steps whose check now holds on `activation` (Facts.activation())."""
    return [s.id for s in steps if s.id in open_ids and check_passes(s.check, activation)]
