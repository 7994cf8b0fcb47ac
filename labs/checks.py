"""The check engine: CEL expressions over cluster facts built from a session's stored events.

Facts (docs/lab-authoring.md): `pods` (latest state per live pod), `events` (per pod name, only
Events about that pod's current UID), `all_events`, `objects`, `nodes`.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import celpy
from celpy import celtypes
from celpy.celparser import CELParseError

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


@dataclass
class Facts:
    pods: dict[str, dict] = field(default_factory=dict)
    events: dict[str, list[dict]] = field(default_factory=dict)
    all_events: list[dict] = field(default_factory=list)
    objects: dict[str, dict] = field(default_factory=dict)
    nodes: dict[str, dict] = field(default_factory=dict)

    def activation(self) -> dict[str, Any]:
        return {name: celpy.json_to_cel(value) for name, value in self.__dict__.items()}


def node_facts(world: dict[str, Any]) -> dict[str, dict]:
    """What the lab world says about each node when it is made."""
    return {
        node["name"]: {"cache": list(node.get("cache", [])), "labels": node.get("labels", {})}
        for node in world.get("nodes", [])
    }


def build_facts(stored: Iterable[tuple[str, dict]], world: dict[str, Any]) -> Facts:
    """Fold a session's (kind, payload) stream, in seq order, into the facts checks read."""
    pods: dict[str, dict] = {}
    events_by_id: dict[str, dict] = {}
    for kind, payload in stored:
        if kind == "pod":
            pod = payload["object"]
            name, uid = pod["metadata"]["name"], pod["metadata"].get("uid")
            if payload["watch"] == "DELETED":
                # A late DELETED of an older pod with the same name must not drop the new one.
                if name in pods and pods[name]["metadata"].get("uid") == uid:
                    del pods[name]
            else:
                pods[name] = pod
        elif kind == "event":
            # An aggregated Event is the same object again with a higher count: keep the latest.
            events_by_id[payload["id"]] = payload["event"]
    all_events = list(events_by_id.values())
    events = {
        name: [e for e in all_events if e["uid"] == pod["metadata"].get("uid")]
        for name, pod in pods.items()
    }
    return Facts(pods=pods, events=events, all_events=all_events, nodes=node_facts(world))


def check_passes(source: str, activation: dict[str, Any]) -> bool:
    """True only when the check evaluates to boolean true; a missing pod or field is just false."""
    try:
        result = compile_check(source).evaluate(activation)
    except celpy.CELEvalError as exc:
        log.debug("check %r is not true yet: %s", source, exc)
        return False
    return isinstance(result, celtypes.BoolType) and bool(result)


def passing_steps(steps: Iterable[Any], open_ids: set[str], facts: Facts) -> list[str]:
    """The ids of open steps whose check now holds, in lab order."""
    activation = facts.activation()
    return [s.id for s in steps if s.id in open_ids and check_passes(s.check, activation)]
