"""Worlds shared by the engine tests: lab 1's, and helpers to run a pod on a VirtualClock."""

from __future__ import annotations

import base64
import json
from typing import Any

from clusters.sim.clock import VirtualClock
from clusters.sim.simulator import Simulator
from clusters.sim.tenant import Tenant

DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
WEB_SIZE = 7_340_032


def lab1_world(**extra: Any) -> dict[str, Any]:
    """L1.1: registry lab/web:1.0 -> A; node-1 caches it, node-2 is empty."""
    return {
        "registries": [
            {
                "host": "docker.io",
                "repositories": [
                    {"name": "lab/web", "tags": {"1.0": {"digest": DIGEST_A, "size": WEB_SIZE}}},
                    {
                        "name": "lab/private",
                        "private": True,
                        "credentials": {"username": "u", "password": "p"},
                        "tags": {"1.0": {"digest": DIGEST_B, "size": 1000}},
                    },
                ],
            }
        ],
        "nodes": [{"name": "node-1", "cache": ["lab/web:1.0"]}, {"name": "node-2"}],
        **extra,
    }


def new_tenant(world: dict[str, Any] | None = None) -> tuple[Simulator, VirtualClock, Tenant]:
    clock = VirtualClock()
    simulator = Simulator(clock)
    tenant = simulator.create_tenant("lab", world if world is not None else lab1_world(), token="t")
    return simulator, clock, tenant


def pod(
    name: str,
    image: str = "lab/web:1.0",
    policy: str | None = None,
    node: str | None = None,
    **spec: Any,
) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "web", "image": image}
    if policy:
        container["imagePullPolicy"] = policy
    body: dict[str, Any] = {"metadata": {"name": name}, "spec": {"containers": [container], **spec}}
    if node:
        body["spec"]["nodeName"] = node
    return body


def run(simulator: Simulator, clock: VirtualClock, seconds: float) -> None:
    """Advance in small steps so every timer runs at its own due time."""
    end = clock.now() + seconds
    while True:
        due = simulator.next_due()
        if due is None or due > end:
            break
        clock.advance(max(0.0, due - clock.now()))
        simulator.advance()
    clock.advance(max(0.0, end - clock.now()))
    simulator.advance()


def events_of(tenant: Tenant, name: str) -> list[tuple[str, str, str]]:
    """(type, reason, message) of a pod's events, oldest first."""
    items = [e for e in tenant.store.list("events") if e["involvedObject"]["name"] == name]
    items.sort(key=lambda e: int(e["metadata"]["resourceVersion"]))
    return [(e["type"], e["reason"], e["message"]) for e in items]


def waiting(tenant: Tenant, name: str) -> dict[str, Any] | None:
    pod_obj = tenant.store.get("pods", "lab", name)
    statuses = (pod_obj.get("status") or {}).get("containerStatuses") or [{}]
    return (statuses[0].get("state") or {}).get("waiting")


def create_pull_secret(tenant: Tenant, name: str = "regcred") -> None:
    """A kubernetes.io/dockerconfigjson Secret holding the private repo's credentials (u/p)."""
    auth = {"auths": {"docker.io": {"username": "u", "password": "p"}}}
    data = base64.b64encode(json.dumps(auth).encode()).decode()
    tenant.create(
        "secrets",
        "lab",
        {
            "metadata": {"name": name},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": data},
        },
    )
