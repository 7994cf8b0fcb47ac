"""Run a scenario (a world, then timed actions) on a virtual clock and return its timeline.

The format, documented in docs/simulator.md ("Scenarios"):

    world: {...}                      # as a LabWorld's spec
    namespace: lab                    # optional; the tenant's namespace (default "lab")
    until: 120s                       # how long to run (default: 60 s after the last action)
    actions:
      - at: 0s
        apply: |                      # one or more YAML manifests: create, or replace if present
          apiVersion: v1
          kind: Pod
          ...
      - at: 30s
        delete: pod/p-ifnp            # kind/name
      - at: 40s
        patch: {target: deployment/web, patch: {spec: {replicas: 3}}}   # a JSON merge patch
      - at: 60s
        world: {move_tag: {ref: lab/web:1.0, digest: "sha256:...", size: 100}}  # a timeline change

The timeline is a list of JSON-able records in time order, with `t` in seconds from the start:
- `{"t", "record": "event", "type", "reason", "message", "object": "pod/x", "count"}` for each
  Event written (new, or counted again);
- `{"t", "record": "pod", "name", "phase", "status", "ready", "restarts", "node", "imageID"}`
  each time a pod's printed state changes (`status` is what `kubectl get pods` shows);
- `{"t", "record": "action", "action", "result"}` for each action, with the API's error message
  as the result when it was refused.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from clusters.sim import errors
from clusters.sim.clock import VirtualClock
from clusters.sim.kinds import BY_KIND
from clusters.sim.podstatus import pod_reason
from clusters.sim.simulator import Simulator
from clusters.sim.store import Change
from clusters.sim.world import apply_change, parse_duration

ACTIONS = ("apply", "delete", "patch", "world")


def _plural(word: str) -> str:
    """The resource for a kind (`Pod`) or a kubectl word (`pod`, `pods`, `deploy`)."""
    rtype = BY_KIND.get(word) or next(
        (t for t in BY_KIND.values() if word in (t.plural, t.singular, *t.short_names)), None
    )
    if rtype is None:
        raise errors.bad_request(f'the server doesn\'t have a resource type "{word}"')
    return rtype.plural


def _pod_record(pod: dict[str, Any]) -> dict[str, Any]:
    reason, ready, total, restarts, _ = pod_reason(pod)
    statuses = (pod.get("status") or {}).get("containerStatuses") or [{}]
    return {
        "record": "pod",
        "name": pod["metadata"]["name"],
        "phase": (pod.get("status") or {}).get("phase", ""),
        "status": reason,
        "ready": f"{ready}/{total}",
        "restarts": restarts,
        "node": pod["spec"].get("nodeName", ""),
        "imageID": statuses[0].get("imageID", ""),
    }


def _event_record(event: dict[str, Any]) -> dict[str, Any]:
    involved = event["involvedObject"]
    return {
        "record": "event",
        "type": event["type"],
        "reason": event["reason"],
        "message": event["message"],
        "object": f"{involved['kind'].lower()}/{involved['name']}",
        "count": event.get("count", 1),
    }


def _apply(tenant, namespace: str, manifests: str) -> str:
    results = []
    for doc in yaml.safe_load_all(manifests):
        if not doc:
            continue
        plural = _plural(doc.get("kind", ""))
        ns = (doc.get("metadata") or {}).get("namespace") or namespace
        name = (doc.get("metadata") or {}).get("name", "")
        if tenant.store.get(plural, ns, name) is None:
            tenant.create(plural, ns, doc)
            results.append(f"{doc['kind'].lower()}/{name} created")
        else:
            patch = json.dumps({k: v for k, v in doc.items() if k not in ("apiVersion", "kind")})
            tenant.patch(plural, ns, name, "application/merge-patch+json", patch)
            results.append(f"{doc['kind'].lower()}/{name} configured")
    return "; ".join(results)


def _act(tenant, namespace: str, action: dict[str, Any]) -> str:
    if "apply" in action:
        return _apply(tenant, namespace, action["apply"])
    if "delete" in action:
        kind, _, name = action["delete"].partition("/")
        tenant.delete(_plural(kind), namespace, name)
        return f'{kind} "{name}" deleted'
    if "patch" in action:
        spec = action["patch"]
        kind, _, name = spec["target"].partition("/")
        patch = json.dumps(spec["patch"])
        tenant.patch(_plural(kind), namespace, name, "application/merge-patch+json", patch)
        return f"{kind}/{name} patched"
    if "world" in action:
        apply_change(tenant, action["world"])
        return "world changed"
    raise errors.bad_request(f"unknown action {sorted(action)}")


def run_scenario(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    clock = VirtualClock()
    start = clock.now()
    simulator = Simulator(clock)
    namespace = scenario.get("namespace", "lab")
    tenant = simulator.create_tenant(namespace, scenario.get("world") or {}, token="scenario")
    timeline: list[dict[str, Any]] = []
    last_pod: dict[str, dict[str, Any]] = {}

    def record(change: Change) -> None:
        t = round(tenant.clock.now() - start, 3)
        if change.resource == "events" and change.type != "DELETED":
            timeline.append({"t": t, **_event_record(change.object)})
        elif change.resource == "pods":
            name = change.object["metadata"]["name"]
            if change.type == "DELETED":
                timeline.append(
                    {"t": t, "record": "pod", "name": name, "phase": "", "status": "Deleted"}
                )
                last_pod.pop(name, None)
                return
            current = _pod_record(change.object)
            if last_pod.get(name) != current:
                last_pod[name] = current
                timeline.append({"t": t, **current})

    tenant.store.subscribe(record)
    actions = sorted(scenario.get("actions") or [], key=lambda a: parse_duration(a.get("at", 0)))
    last = max((parse_duration(a.get("at", 0)) for a in actions), default=0.0)
    until = parse_duration(scenario.get("until", last + 60))
    for action in actions:
        _advance(simulator, clock, start + parse_duration(action.get("at", 0)))
        try:
            result = _act(tenant, namespace, action)
        except errors.ApiError as err:
            result = err.status["message"]
        name = next((k for k in ACTIONS if k in action), "unknown")
        timeline.append(
            {
                "t": round(tenant.clock.now() - start, 3),
                "record": "action",
                "action": name,
                "result": result,
            }
        )
    _advance(simulator, clock, start + until)
    return timeline


def _advance(simulator: Simulator, clock: VirtualClock, target: float) -> None:
    """Step from timer to timer so each runs at its own time, then stop at `target`."""
    while (due := simulator.next_due()) is not None and due <= target:
        clock.advance(max(0.0, due - clock.now()))
        simulator.advance()
    clock.advance(max(0.0, target - clock.now()))
    simulator.advance()
