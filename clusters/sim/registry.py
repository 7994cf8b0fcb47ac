"""Registries as data: what a pull finds, and the runtime's error text when it fails.

A world lists registries (host -> repositories -> tags -> digest + size), each optionally
private, slow, down, rate-limited or misconfigured. `resolve()` answers what containerd's CRI
PullImage would: the digest and size, or the error string the kubelet wraps into
`Failed to pull image "X": <error>`.

The error texts are containerd 1.6.20's, as recorded on this machine against a real registry
(platform/recorded/containerd-1.6/<fault>.json, "cri.template"); each text below names its
recording. Simulated nodes report that runtime (nodes.CONTAINER_RUNTIME_VERSION). `no such host`
and `i/o timeout` are Go's net package wording for a name that does not resolve and a dial that
times out (timeout.json records the dial timing out the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clusters.sim.reference import ImageReference

DEFAULT_LATENCY = 0.3  # seconds to resolve a manifest
DEFAULT_BANDWIDTH = 10_000_000.0  # bytes per second for layers
DIAL_TIMEOUT = 30.0  # Go's net.Dialer default in containerd's resolver
# toomanyrequests.json: the 429 body, inside containerd's "failed to copy: httpReadSeeker" text.
RATE_LIMIT_MESSAGE = (
    "toomanyrequests: You have reached your pull rate limit. You may increase the limit by "
    "authenticating and upgrading: https://www.docker.com/increase-rate-limit"
)
# pull-access-denied-private-no-credentials.json and pull-access-denied-unknown-repository.json
DENIED = (
    "pull access denied, repository does not exist or may require authorization: "
    "server message: insufficient_scope: authorization failed"
)


@dataclass(frozen=True, slots=True)
class Resolved:
    digest: str
    size: int
    latency: float
    bandwidth: float


@dataclass(frozen=True, slots=True)
class PullFailure:
    error: str
    latency: float


def _cri(code: str, image: str, detail: str) -> str:
    return f'rpc error: code = {code} desc = failed to pull and unpack image "{image}": {detail}'


def _resolve_failed(code: str, image: str, reason: str) -> str:
    return _cri(code, image, f'failed to resolve reference "{image}": {reason}')


def _manifest_url(scheme: str, ref: ImageReference) -> str:
    return f"{scheme}://{ref.domain}/v2/{ref.path}/manifests/{ref.digest or ref.tag or 'latest'}"


def _address(registry: dict[str, Any]) -> str:
    return registry.get("address", "10.0.0.10:443")


def _network_fault(registry: dict[str, Any], ref: ImageReference, image: str) -> PullFailure | None:
    """A registry that cannot be talked to: down, timing out, bad TLS, plain HTTP."""
    latency = float(registry.get("latency", DEFAULT_LATENCY))
    head = f'failed to do request: Head "{_manifest_url("https", ref)}"'
    fault = "down" if registry.get("down") else registry.get("fault", "")
    if fault == "down":  # connection-refused.json
        reason = f"{head}: dial tcp {_address(registry)}: connect: connection refused"
        return PullFailure(_resolve_failed("Unknown", image, reason), 0.02)
    if fault == "timeout":  # timeout.json
        reason = f"{head}: dial tcp {_address(registry)}: i/o timeout"
        return PullFailure(
            _resolve_failed("Unknown", image, reason), float(registry.get("timeout", DIAL_TIMEOUT))
        )
    if fault == "x509":  # x509-unknown-authority.json
        reason = f"{head}: x509: certificate signed by unknown authority"
        return PullFailure(_resolve_failed("Unknown", image, reason), latency)
    if fault == "http":  # http-response-to-https-client.json
        url = _manifest_url("https", ref) + f"?ns={ref.domain}"
        reason = (
            f'failed to do request: Head "{url}": http: server gave HTTP response to HTTPS client'
        )
        return PullFailure(_resolve_failed("Unknown", image, reason), latency)
    return None


def _auth_failure(
    registry: dict[str, Any],
    repo: dict[str, Any],
    ref: ImageReference,
    image: str,
    credentials: list[dict[str, str]],
) -> str | None:
    """None when the pull may go on; else the error for missing or wrong credentials."""
    if not repo.get("private"):
        return None
    wanted = repo.get("credentials") or {}
    right = any(
        c.get("username") == wanted.get("username") and c.get("password") == wanted.get("password")
        for c in credentials
    )
    if right:
        return None
    if _token_auth(registry):
        if not credentials:
            return _resolve_failed("Unknown", image, DENIED)
        reason = (  # oauth-token-wrong-credentials.json
            "failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized"
        )
        return _resolve_failed("Unknown", image, reason)
    reason = (  # unauthorized-wrong-credentials.json (basic auth)
        f"pulling from host {ref.domain} failed with status code "
        f"[manifests {ref.tag or ref.digest}]: 401 Unauthorized"
    )
    return _resolve_failed("Unknown", image, reason)


def _token_auth(registry: dict[str, Any]) -> bool:
    """Docker Hub style bearer-token auth (the default for docker.io), else basic auth."""
    return registry.get("auth", "token" if registry["host"] == "docker.io" else "basic") == "token"


def _rate_limited(registry: dict[str, Any], now: float) -> bool:
    """Docker Hub counts manifest GETs per window; HEAD requests (resolving) are free."""
    limit = registry.get("rate_limit")
    if not limit:
        return False
    window = float(limit.get("window", 21600))
    log = [t for t in registry.get("pull_log", []) if now - t < window]
    registry["pull_log"] = log
    if len(log) >= int(limit.get("pulls", 100)):
        return True
    log.append(now)
    return False


def resolve(
    registries: dict[str, dict[str, Any]],
    ref: ImageReference,
    credentials: list[dict[str, str]] | None = None,
    now: float = 0.0,
    cached: frozenset[str] = frozenset(),
) -> Resolved | PullFailure:
    """What containerd answers for `ref` (`cached`: digests already on the node)."""
    image = str(ref)
    registry = registries.get(ref.domain)
    if registry is None:
        reason = (
            f'failed to do request: Head "{_manifest_url("https", ref)}": '
            f"dial tcp: lookup {ref.domain} on 10.96.0.10:53: no such host"
        )
        return PullFailure(_resolve_failed("Unknown", image, reason), 0.05)
    fault = _network_fault(registry, ref, image)
    if fault is not None:
        return fault
    latency = float(registry.get("latency", DEFAULT_LATENCY))
    bandwidth = float(registry.get("bandwidth", DEFAULT_BANDWIDTH))
    repo = next((r for r in registry.get("repositories", []) if r["name"] == ref.path), None)
    if repo is None:
        if _token_auth(registry):
            return PullFailure(_resolve_failed("Unknown", image, DENIED), latency)
        # repository-unknown.json (basic auth; token auth denies, as on Docker Hub)
        return PullFailure(_resolve_failed("NotFound", image, f"{image}: not found"), latency)
    denied = _auth_failure(registry, repo, ref, image, credentials or [])
    if denied:
        return PullFailure(denied, latency)
    entry = _find(repo, ref)
    if entry is None:  # manifest-unknown.json
        return PullFailure(_resolve_failed("NotFound", image, f"{image}: not found"), latency)
    if entry["digest"] not in cached and _rate_limited(registry, now):
        url = f"https://{ref.domain}/v2/{ref.path}/manifests/{entry['digest']}"
        detail = (
            f"failed to copy: httpReadSeeker: failed open: unexpected status code {url}: "
            f"429 Too Many Requests - Server message: {RATE_LIMIT_MESSAGE}"
        )
        return PullFailure(_cri("Unknown", image, detail), latency)
    return Resolved(entry["digest"], int(entry.get("size", 0)), latency, bandwidth)


def resolve_with_mirrors(
    registries: dict[str, dict[str, Any]],
    ref: ImageReference,
    mirrors: list[str],
    credentials: list[dict[str, str]] | None = None,
    now: float = 0.0,
    cached: frozenset[str] = frozenset(),
) -> Resolved | PullFailure:
    """containerd's hosts.toml: try each mirror of the ref's registry in order, then the
    registry itself; the image keeps its name. The upstream error is the one reported."""
    for host in mirrors:
        mirrored = ImageReference(host, ref.path, ref.tag, ref.digest)
        outcome = resolve(registries, mirrored, credentials, now, cached)
        if isinstance(outcome, Resolved):
            return outcome
    return resolve(registries, ref, credentials, now, cached)


def _find(repo: dict[str, Any], ref: ImageReference) -> dict[str, Any] | None:
    tags = repo.get("tags") or {}
    if ref.digest:
        candidates = [*tags.values(), *repo.get("untagged", [])]
        return next((e for e in candidates if e["digest"] == ref.digest), None)
    return tags.get(ref.tag or "latest")


def is_private(registries: dict[str, dict[str, Any]], ref: ImageReference) -> bool:
    registry = registries.get(ref.domain) or {}
    repo = next((r for r in registry.get("repositories", []) if r["name"] == ref.path), None)
    return bool(repo and repo.get("private"))


BEHAVIOUR_KEYS = ("exit_after", "exit_code", "exit_message", "ready", "live", "healthy_for")


def image_behaviour(registries: dict[str, dict[str, Any]], digest: str) -> dict[str, Any]:
    """What a container of this image does once started, e.g. {"exit_after": 30, "exit_code": 1}.

    Read from the tag entry's `run` mapping or the same keys on the entry itself; durations may
    be written `30s`. An entry without them serves forever (a web server).
    """
    from clusters.sim.world import parse_duration

    for registry in registries.values():
        for repo in registry.get("repositories", []):
            for entry in [*(repo.get("tags") or {}).values(), *repo.get("untagged", [])]:
                if entry.get("digest") != digest:
                    continue
                run = {
                    **{k: entry[k] for k in BEHAVIOUR_KEYS if k in entry},
                    **(entry.get("run") or {}),
                }
                if not run:
                    continue
                for key in ("exit_after", "healthy_for"):
                    if key in run:
                        run[key] = parse_duration(run[key])
                return run
    return {}


def lookup_tag(registries: dict[str, dict[str, Any]], ref: ImageReference) -> dict[str, Any] | None:
    """The registry's {digest, size} for a reference, used to seed node caches."""
    registry = registries.get(ref.domain) or {}
    repo = next((r for r in registry.get("repositories", []) if r["name"] == ref.path), None)
    return _find(repo, ref) if repo is not None else None


def move_tag(
    registries: dict[str, dict[str, Any]], ref: ImageReference, digest: str, size: int
) -> None:
    """Re-push a tag to another digest (a moving `:latest`); the old digest stays pullable."""
    registry = registries.setdefault(ref.domain, {"host": ref.domain, "repositories": []})
    repo = next((r for r in registry.setdefault("repositories", []) if r["name"] == ref.path), None)
    if repo is None:
        repo = {"name": ref.path, "tags": {}}
        registry["repositories"].append(repo)
    old = repo.setdefault("tags", {}).get(ref.tag)
    if old is not None and old["digest"] != digest:
        repo.setdefault("untagged", []).append(old)
    repo["tags"][ref.tag] = {"digest": digest, "size": size}
