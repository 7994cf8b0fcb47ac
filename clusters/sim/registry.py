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
from clusters.sim.registrylog import (
    ANONYMOUS,
    AUTHENTICATED,
    count_request,
    over_limit,
    record_pull,
)

DEFAULT_LATENCY = 0.3  # seconds to resolve a manifest
DEFAULT_BANDWIDTH = 10_000_000.0  # bytes per second for layers
DIAL_TIMEOUT = 30.0  # Go's net.Dialer default in containerd's resolver
DOCKER_HUB_ENDPOINT = "registry-1.docker.io"  # containerd remotes/docker DefaultHost
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
# oauth-token-wrong-credentials.json
OAUTH_UNAUTHORIZED = (
    "failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized"
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


def _manifest_url(scheme: str, host: str, ref: ImageReference) -> str:
    return (
        f"{scheme}://{_endpoint(host)}/v2/{ref.path}/manifests/{ref.digest or ref.tag or 'latest'}"
    )


def _endpoint(host: str) -> str:
    """containerd's default host for a registry name: Docker Hub serves from registry-1."""
    return DOCKER_HUB_ENDPOINT if host == "docker.io" else host


def _address(registry: dict[str, Any]) -> str:
    return registry.get("address", "10.0.0.10:443")


def _network_fault(
    registry: dict[str, Any], ref: ImageReference, image: str, route: Route
) -> PullFailure | None:
    """A registry that cannot be talked to: down, timing out, bad TLS, plain HTTP."""
    latency = float(registry.get("latency", DEFAULT_LATENCY))
    head = f'failed to do request: Head "{_manifest_url(route.scheme, route.host, ref)}"'
    fault = "down" if registry.get("down") else registry.get("fault", "")
    if not fault and registry.get("plain_http") and route.scheme != "http":
        fault = "plain_http"
    if not fault and registry.get("tls") == "self-signed" and route.scheme == "https":
        fault = "" if route.trusted else "x509"
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
    if fault in ("http", "plain_http"):  # http-response-to-https-client.json
        # The recording went through a hosts.toml server for another name, hence its `?ns=`
        # (containerd remotes/docker/resolver.go isProxy); a node with no hosts.toml for the
        # registry asks the registry itself, without it.
        url = _manifest_url("https", route.host, ref)
        if fault == "http":
            url += f"?ns={ref.domain}"
        reason = (
            f'failed to do request: Head "{url}": http: server gave HTTP response to HTTPS client'
        )
        return PullFailure(_resolve_failed("Unknown", image, reason), latency)
    return None


def _accepts(wanted: dict[str, Any], credential: dict[str, Any]) -> bool:
    """A repository's `credentials`: a username and password, or `{provider: NAME}`, which only
    that kubelet credential provider's short-lived tokens satisfy."""
    if "provider" in wanted:
        return credential.get("provider") == wanted["provider"]
    return (
        "provider" not in credential
        and credential.get("username") == wanted.get("username")
        and credential.get("password") == wanted.get("password")
    )


def authenticated(repo: dict[str, Any], credentials: list[dict[str, Any]]) -> bool:
    """The pull carries credentials this repository accepts (its quota is the authenticated one)."""
    wanted = repo.get("credentials")
    return bool(wanted) and any(_accepts(wanted, c) for c in credentials)


def _auth_failure(
    registry: dict[str, Any],
    repo: dict[str, Any],
    ref: ImageReference,
    image: str,
    credentials: list[dict[str, Any]],
) -> str | None:
    """None when the pull may go on; else the error for missing or wrong credentials."""
    if authenticated(repo, credentials):
        return None
    if not repo.get("private"):
        if credentials and repo.get("credentials") and _token_auth(registry):
            # Docker Hub's token server refuses a wrong login even for a public repository.
            return _resolve_failed("Unknown", image, OAUTH_UNAUTHORIZED)
        return None
    if _token_auth(registry):
        if not credentials:
            return _resolve_failed("Unknown", image, DENIED)
        return _resolve_failed("Unknown", image, OAUTH_UNAUTHORIZED)
    reason = (  # unauthorized-wrong-credentials.json (basic auth)
        f"pulling from host {ref.domain} failed with status code "
        f"[manifests {ref.tag or ref.digest}]: 401 Unauthorized"
    )
    return _resolve_failed("Unknown", image, reason)


def _token_auth(registry: dict[str, Any]) -> bool:
    """Docker Hub style bearer-token auth (the default for docker.io), else basic auth."""
    return registry.get("auth", "token" if registry["host"] == "docker.io" else "basic") == "token"


@dataclass(frozen=True, slots=True)
class Route:
    """Where containerd sends the request for a registry, as the node's certs.d says: the host
    (the registry, or one of its mirrors), the scheme, and whether the node trusts its CA."""

    host: str
    scheme: str = "https"
    trusted: bool = False


@dataclass(frozen=True, slots=True)
class Source:
    """Who pulls: the registry's log records the node and the pod (a name, or `ns/name`)."""

    node: str = ""
    pod: str = ""


def resolve(
    registries: dict[str, dict[str, Any]],
    ref: ImageReference,
    credentials: list[dict[str, Any]] | None = None,
    now: float = 0.0,
    cached: frozenset[str] = frozenset(),
    route: Route | None = None,
    source: Source = Source(),
) -> Resolved | PullFailure:
    """What containerd answers for `ref` (`cached`: digests already on the node).

    containerd resolves the tag with a HEAD on the manifest, then GETs the manifest by digest
    only when its content store lacks it. Both reach the registry's request log; only the GET
    is a pull for the rate limit and the pull log (docs.docker.com, "Docker Hub usage": "Using
    GET emulates a real pull and counts towards the limit. Using HEAD won't.")."""
    image = str(ref)
    route = route or Route(ref.domain)
    registry = registries.get(route.host)
    if registry is None:
        reason = (
            f'failed to do request: Head "{_manifest_url(route.scheme, route.host, ref)}": '
            f"dial tcp: lookup {route.host} on 10.96.0.10:53: no such host"
        )
        return PullFailure(_resolve_failed("Unknown", image, reason), 0.05)
    fault = _network_fault(registry, ref, image, route)
    if fault is not None:
        return fault
    credentials = credentials or []
    latency = float(registry.get("latency", DEFAULT_LATENCY))
    bandwidth = float(registry.get("bandwidth", DEFAULT_BANDWIDTH))
    repo = next((r for r in registry.get("repositories", []) if r["name"] == ref.path), None)
    who = AUTHENTICATED if repo is not None and authenticated(repo, credentials) else ANONYMOUS
    count_request(registry, who)  # the HEAD
    if repo is None:
        if _token_auth(registry):
            # pull-access-denied-unknown-repository.json; Docker Hub itself answers an unknown
            # repository the same way (containerd against registry-1.docker.io in
            # hystax/optscale#661: "pull access denied, repository does not exist or may
            # require authorization: server message: insufficient_scope: authorization failed").
            return PullFailure(_resolve_failed("Unknown", image, DENIED), latency)
        # repository-unknown.json (basic auth; token auth denies, as on Docker Hub)
        return PullFailure(_resolve_failed("NotFound", image, f"{image}: not found"), latency)
    denied = _auth_failure(registry, repo, ref, image, credentials)
    if denied:
        return PullFailure(denied, latency)
    entry = _find(repo, ref)
    if entry is None:  # manifest-unknown.json
        return PullFailure(_resolve_failed("NotFound", image, f"{image}: not found"), latency)
    if entry["digest"] in cached:
        return Resolved(entry["digest"], int(entry.get("size", 0)), latency, bandwidth)
    count_request(registry, who)  # the GET
    if over_limit(registry, who, now):
        url = f"{route.scheme}://{_endpoint(route.host)}/v2/{ref.path}/manifests/{entry['digest']}"
        detail = (
            f"failed to copy: httpReadSeeker: failed open: unexpected status code {url}: "
            f"429 Too Many Requests - Server message: {RATE_LIMIT_MESSAGE}"
        )
        return PullFailure(_cri("Unknown", image, detail), latency)
    record_pull(registry, ref, entry["digest"], source.node, source.pod)
    return Resolved(entry["digest"], int(entry.get("size", 0)), latency, bandwidth)


def resolve_with_mirrors(
    registries: dict[str, dict[str, Any]],
    ref: ImageReference,
    mirrors: list[Route],
    credentials: list[dict[str, Any]] | None = None,
    now: float = 0.0,
    cached: frozenset[str] = frozenset(),
    route: Route | None = None,
    source: Source = Source(),
) -> Resolved | PullFailure:
    """containerd's hosts.toml: try each mirror of the ref's registry in order, then the
    registry itself; the image keeps its name. The upstream error is the one reported."""
    for mirror in mirrors:
        outcome = resolve(registries, ref, credentials, now, cached, mirror, source)
        if isinstance(outcome, Resolved):
            return outcome
    return resolve(registries, ref, credentials, now, cached, route, source)


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
