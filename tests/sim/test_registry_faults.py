"""Registry conditions as data, each giving the runtime error text recorded from containerd
(platform/recorded/containerd-1.6/<fault>.json, "cri.template")."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from clusters.sim.reference import parse_normalized_named
from clusters.sim.registry import PullFailure, Resolved, resolve

D = "sha256:" + "1" * 64
HEAD = 'failed to do request: Head "https://reg.lab:5000/v2/lab/web/manifests/1.0": '


def _registries(host: str = "reg.lab:5000", **registry: object) -> dict:
    repo = {"name": "lab/web", "tags": {"1.0": {"digest": D, "size": 100}}}
    private = {
        "name": "lab/private",
        "private": True,
        "credentials": {"username": "u", "password": "p"},
        "tags": {"1.0": {"digest": D, "size": 100}},
    }
    return {host: {"host": host, "repositories": [repo, private], **registry}}


@dataclass
class Case:
    id: str
    image: str
    error: str  # the CRI error's end, after `failed to resolve reference "X": `
    registry: dict = field(default_factory=dict)
    host: str = "reg.lab:5000"
    credentials: list = field(default_factory=list)
    latency: float = 0.3


CASES = [
    Case(
        "manifest-unknown.json: tag missing",
        "reg.lab:5000/lab/web:9.9",
        "reg.lab:5000/lab/web:9.9: not found",
    ),
    Case(
        "repository-unknown.json: no such repository (basic-auth registry)",
        "reg.lab:5000/lab/none:1",
        "reg.lab:5000/lab/none:1: not found",
    ),
    Case(
        "pull-access-denied-unknown-repository.json: Docker Hub style",
        "docker.io/lab/none:1",
        "pull access denied, repository does not exist "
        "or may require authorization: server message: insufficient_scope: authorization failed",
        host="docker.io",
    ),
    Case(
        "unauthorized-no-credentials.json: basic auth, no secret",
        "reg.lab:5000/lab/private:1.0",
        "pulling from host reg.lab:5000 failed with status code [manifests 1.0]: 401 Unauthorized",
    ),
    Case(
        "unauthorized-wrong-credentials.json: basic auth, wrong password",
        "reg.lab:5000/lab/private:1.0",
        "pulling from host reg.lab:5000 failed with status code [manifests 1.0]: 401 Unauthorized",
        credentials=[{"username": "u", "password": "x"}],
    ),
    Case(
        "oauth-token-wrong-credentials.json: token auth, wrong password",
        "docker.io/lab/private:1.0",
        "failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized",
        host="docker.io",
        credentials=[{"username": "u", "password": "x"}],
    ),
    Case(
        "connection-refused.json: registry down",
        "reg.lab:5000/lab/web:1.0",
        HEAD + "dial tcp 10.0.0.10:443: connect: connection refused",
        registry={"down": True},
        latency=0.02,
    ),
    Case(
        "x509-unknown-authority.json",
        "reg.lab:5000/lab/web:1.0",
        HEAD + "x509: certificate signed by unknown authority",
        registry={"fault": "x509"},
    ),
    Case(
        "http-response-to-https-client.json",
        "reg.lab:5000/lab/web:1.0",
        "failed to do request: Head "
        '"https://reg.lab:5000/v2/lab/web/manifests/1.0?ns=reg.lab:5000": '
        "http: server gave HTTP response to HTTPS client",
        registry={"fault": "http"},
    ),
    Case(
        "Go net: dial i/o timeout after 30 s",
        "reg.lab:5000/lab/web:1.0",
        HEAD + "dial tcp 10.0.0.10:443: i/o timeout",
        registry={"fault": "timeout"},
        latency=30.0,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_fault_gives_containerds_error(case: Case) -> None:
    registries = _registries(case.host, **case.registry)
    ref = parse_normalized_named(case.image)
    outcome = resolve(registries, ref, case.credentials)
    assert isinstance(outcome, PullFailure)
    assert outcome.error.endswith(f'failed to resolve reference "{ref}": {case.error}')
    assert outcome.error.startswith("rpc error: code = ")
    assert outcome.latency == case.latency


def test_the_right_credentials_pull_a_private_image() -> None:
    ref = parse_normalized_named("reg.lab:5000/lab/private:1.0")
    outcome = resolve(_registries(), ref, [{"username": "u", "password": "p"}])
    assert outcome == Resolved(D, 100, 0.3, 10_000_000.0)


def test_an_unknown_host_does_not_resolve() -> None:
    outcome = resolve(_registries(), parse_normalized_named("nowhere.example/app:1"))
    assert isinstance(outcome, PullFailure)
    assert outcome.error.endswith("dial tcp: lookup nowhere.example on 10.96.0.10:53: no such host")


def test_a_rate_limit_counts_manifest_downloads_not_cached_resolutions() -> None:
    """toomanyrequests.json; Docker Hub counts GETs of manifests, a HEAD to resolve is free."""
    registries = _registries("docker.io", rate_limit={"pulls": 2, "window": 21600})
    ref = parse_normalized_named("lab/web:1.0")
    assert isinstance(resolve(registries, ref, now=0), Resolved)
    assert isinstance(resolve(registries, ref, now=1), Resolved)
    # the digest is on the node: Always only resolves it, which costs nothing
    assert isinstance(resolve(registries, ref, now=2, cached=frozenset([D])), Resolved)
    limited = resolve(registries, ref, now=3)
    assert isinstance(limited, PullFailure)
    assert "429 Too Many Requests - Server message: toomanyrequests:" in limited.error
    assert isinstance(resolve(registries, ref, now=21601), Resolved)  # the window moved on


def test_a_node_mirror_serves_a_docker_io_image_while_docker_io_is_down() -> None:
    """containerd hosts.toml mirrors (brief L4.2): the image keeps its docker.io name."""
    from tests.sim.worlds import new_tenant, pod, run

    nginx = {"name": "library/nginx", "tags": {"1.27": {"digest": D, "size": 1000}}}
    world = {
        "registries": [
            {"host": "docker.io", "down": True, "repositories": [nginx]},
            {"host": "mirror.corp:5000", "repositories": [nginx]},
        ],
        "nodes": [
            {"name": "node-1", "mirrors": {"docker.io": ["mirror.corp:5000"]}},
            {"name": "node-2"},
        ],
    }
    simulator, clock, tenant = new_tenant(world)
    tenant.create("pods", "lab", pod("web", "nginx:1.27", "IfNotPresent", "node-1"))
    tenant.create("pods", "lab", pod("direct", "nginx:1.27", "IfNotPresent", "node-2"))
    run(simulator, clock, 5)
    mirrored = tenant.store.get("pods", "lab", "web")["status"]["containerStatuses"][0]
    assert mirrored["imageID"] == f"docker.io/library/nginx@{D}"
    unmirrored = tenant.store.get("pods", "lab", "direct")["status"]["containerStatuses"][0]
    assert "connection refused" in unmirrored["state"]["waiting"]["message"]
