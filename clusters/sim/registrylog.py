"""A registry's own view of its traffic: requests, pulls, and the rate limit that counts them.

Docker Hub counts pulls per window and per client class: anonymous pulls per source address
(all nodes behind one NAT share it), authenticated pulls per account ("Docker Hub usage",
docs/docker-hub/usage/pulls.md, read 2026-11: 100 anonymous / 200 Personal per 6 hours). A
pull is a manifest GET; a HEAD is a request but not a pull. The simulated cluster has one
egress address, so each class has one counter per registry.

A world registry says `rate_limit: {anonymous: N, authenticated: M, window: 6h}`; the older
`{pulls: N, window: S}` limits both classes to N. A class without a number is not limited.
The log lives in the registry's own dict under `log`, so it travels with the tenant's state.
"""

from __future__ import annotations

from typing import Any

from clusters.sim.reference import ImageReference

ANONYMOUS = "anonymous"
AUTHENTICATED = "authenticated"
DEFAULT_WINDOW = 21600.0  # Docker Hub's 6 hours


def _log(registry: dict[str, Any]) -> dict[str, Any]:
    return registry.setdefault(
        "log",
        {
            "requests": {ANONYMOUS: 0, AUTHENTICATED: 0},
            "gets": {ANONYMOUS: [], AUTHENTICATED: []},
            "pulls": [],
        },
    )


def count_request(registry: dict[str, Any], who: str) -> None:
    _log(registry)["requests"][who] += 1


def _limit(registry: dict[str, Any], who: str) -> tuple[int | None, float]:
    from clusters.sim.world import parse_duration

    limit = registry.get("rate_limit") or {}
    window = parse_duration(limit.get("window", DEFAULT_WINDOW))
    allowed = limit.get(who, limit.get("pulls"))
    return (None if allowed is None else int(allowed)), window


def over_limit(registry: dict[str, Any], who: str, now: float) -> bool:
    """This manifest GET is refused with 429; otherwise it is counted in the window."""
    allowed, window = _limit(registry, who)
    if allowed is None:
        return False
    gets = _log(registry)["gets"]
    gets[who] = [t for t in gets[who] if now - t < window]
    if len(gets[who]) >= allowed:
        return True
    gets[who].append(now)
    return False


def record_pull(
    registry: dict[str, Any], ref: ImageReference, digest: str, node: str, pod: str
) -> None:
    _log(registry)["pulls"].append({"ref": str(ref), "digest": digest, "node": node, "pod": pod})


def registry_status(registry: dict[str, Any]) -> dict[str, Any]:
    """One registry's entry of the LabWorld status (interfaces.md item 2)."""
    log = _log(registry)
    return {
        "down": bool(registry.get("down")),
        "requests": dict(log["requests"]),
        "pulls": [dict(p) for p in log["pulls"]],
    }


def registries_status(registries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {host: registry_status(registry) for host, registry in registries.items()}
