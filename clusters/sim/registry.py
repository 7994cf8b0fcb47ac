"""Registries as data: what a pull would find, and the runtime's error text when it fails.

A world lists registries (host → repositories → tags → digest + size). `resolve()` answers what
containerd's resolver would: the digest and size, or the CRI error string the kubelet wraps
into `Failed to pull image "X": <error>`. Error texts are containerd 1.7/2.x's (see
docs/simulator.md for where each came from).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clusters.sim.reference import ImageReference


@dataclass(frozen=True, slots=True)
class Resolved:
    digest: str
    size: int
    latency: float  # seconds to resolve the manifest
    bandwidth: float  # bytes per second for layers


@dataclass(frozen=True, slots=True)
class PullFailure:
    error: str  # the CRI error text
    latency: float


DEFAULT_LATENCY = 0.3
DEFAULT_BANDWIDTH = 10_000_000.0


def registry_index(registries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["host"]: r for r in registries}


def _failed(ref: str, reason: str) -> str:
    return f'failed to pull and unpack image "{ref}": failed to resolve reference "{ref}": {reason}'


def resolve(
    registries: dict[str, dict[str, Any]],
    ref: ImageReference,
    credentials: list[dict[str, str]] | None = None,
) -> Resolved | PullFailure:
    """What containerd's resolver answers for `ref`, given the pod's pull credentials."""
    full = str(ref)
    registry = registries.get(ref.domain)
    if registry is None:
        reason = (
            f'failed to do request: Head "https://{ref.domain}/v2/{ref.path}/manifests/'
            f'{ref.digest or ref.tag or "latest"}": dial tcp: lookup {ref.domain}: no such host'
        )
        return PullFailure(f"rpc error: code = Unknown desc = {_failed(full, reason)}", 0.05)
    latency = float(registry.get("latency", DEFAULT_LATENCY))
    if registry.get("down"):
        reason = (
            f'failed to do request: Head "https://{ref.domain}/v2/{ref.path}/manifests/'
            f'{ref.digest or ref.tag or "latest"}": '
            f"dial tcp {registry.get('address', '10.0.0.10')}:443: "
            "connect: connection refused"
        )
        return PullFailure(f"rpc error: code = Unavailable desc = {_failed(full, reason)}", latency)
    repo = next((r for r in registry.get("repositories", []) if r["name"] == ref.path), None)
    denied = (
        "pull access denied, repository does not exist or may require authorization: "
        "server message: insufficient_scope: authorization failed"
    )
    if repo is None:
        return PullFailure(f"rpc error: code = Unknown desc = {_failed(full, denied)}", latency)
    if repo.get("private"):
        wanted = repo.get("credentials") or {}
        supplied = credentials or []
        if not supplied:
            return PullFailure(f"rpc error: code = Unknown desc = {_failed(full, denied)}", latency)
        if not any(
            c.get("username") == wanted.get("username")
            and c.get("password") == wanted.get("password")
            for c in supplied
        ):
            reason = (
                "failed to authorize: failed to fetch oauth token: unexpected status from GET "
                f"request to https://{ref.domain}/token: 401 Unauthorized"
            )
            return PullFailure(f"rpc error: code = Unknown desc = {_failed(full, reason)}", latency)
    tags = repo.get("tags") or {}
    bandwidth = float(registry.get("bandwidth", DEFAULT_BANDWIDTH))
    if ref.digest:
        for entry in tags.values():
            if entry["digest"] == ref.digest:
                return Resolved(ref.digest, int(entry.get("size", 0)), latency, bandwidth)
        for entry in repo.get("untagged", []):
            if entry["digest"] == ref.digest:
                return Resolved(ref.digest, int(entry.get("size", 0)), latency, bandwidth)
        reason = f"{full}: not found"
        return PullFailure(f"rpc error: code = NotFound desc = {_failed(full, reason)}", latency)
    entry = tags.get(ref.tag)
    if entry is None:
        return PullFailure(
            f"rpc error: code = NotFound desc = {_failed(full, f'{full}: not found')}", latency
        )
    return Resolved(entry["digest"], int(entry.get("size", 0)), latency, bandwidth)


def lookup_tag(registries: dict[str, dict[str, Any]], ref: ImageReference) -> dict[str, Any] | None:
    """The registry's {digest, size} for a tagged reference, used to seed node caches."""
    registry = registries.get(ref.domain) or {}
    repo = next((r for r in registry.get("repositories", []) if r["name"] == ref.path), None)
    if repo is None:
        return None
    if ref.digest:
        return next(
            (t for t in (repo.get("tags") or {}).values() if t["digest"] == ref.digest), None
        )
    return (repo.get("tags") or {}).get(ref.tag or "latest")


def move_tag(
    registries: dict[str, dict[str, Any]], ref: ImageReference, digest: str, size: int
) -> None:
    """Re-push a tag to another digest (a moving `:latest`); the old digest stays pullable."""
    registry = registries.setdefault(ref.domain, {"host": ref.domain, "repositories": []})
    repo = next((r for r in registry["repositories"] if r["name"] == ref.path), None)
    if repo is None:
        repo = {"name": ref.path, "tags": {}}
        registry["repositories"].append(repo)
    old = (repo.setdefault("tags", {})).get(ref.tag)
    if old is not None and old["digest"] != digest:
        repo.setdefault("untagged", []).append(old)
    repo["tags"][ref.tag] = {"digest": digest, "size": size}
