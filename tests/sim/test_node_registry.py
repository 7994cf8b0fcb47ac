"""Node-side registry configuration and the registries' own behaviour, through the engine.

Upstream: containerd docs/hosts.md (certs.d/<host[:port]>/ca.crt and hosts.toml), containerd
remotes/docker/resolver.go (HEAD to resolve, GET by digest, isProxy's `?ns=`), the recorded
containerd 1.6 texts (platform/recorded/containerd-1.6/), kubernetes pkg/credentialprovider
(keyring.go, plugin/plugin.go) and Docker Hub's pull definition (docs.docker.com, "Docker Hub
usage": a GET counts, a HEAD does not).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from clusters.sim.noderegistry import node_status
from clusters.sim.registrylog import registries_status
from clusters.sim.world import WorldChangeRefused, apply_change
from tests.sim.worlds import new_tenant, pod, run, waiting

D = "sha256:" + "d" * 64
SELF_SIGNED = "reg.lab:5443"
PLAIN = "registry.corp.example:5000"
ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def _repo(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "tags": {"1.0": {"digest": D, "size": 1000}}, **extra}


def _world() -> dict[str, Any]:
    return {
        "registries": [
            {"host": SELF_SIGNED, "tls": "self-signed", "repositories": [_repo("team/web")]},
            {"host": PLAIN, "plain_http": True, "repositories": [_repo("ops/agent")]},
            {"host": "docker.io", "down": True, "repositories": [_repo("library/nginx")]},
            {"host": "mirror.corp:5000", "repositories": [_repo("library/nginx")]},
            {
                "host": ECR,
                "repositories": [
                    _repo(
                        "shop/api",
                        private=True,
                        credentials={"provider": "ecr-credential-provider"},
                    )
                ],
            },
        ],
        "nodes": [{"name": "node-1"}, {"name": "node-2"}],
    }


@dataclass
class Case:
    id: str
    image: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # the end of the waiting message; None: the pod runs


HEAD = 'failed to do request: Head "https://'
CASES = [
    Case(
        "self-signed, no CA: x509-unknown-authority.json",
        f"{SELF_SIGNED}/team/web:1.0",
        error=f'{HEAD}{SELF_SIGNED}/v2/team/web/manifests/1.0": '
        "x509: certificate signed by unknown authority",
    ),
    Case(
        "self-signed, CA for the host without its port: certs.d/reg.lab is another directory",
        f"{SELF_SIGNED}/team/web:1.0",
        [{"trust_ca": {"nodes": "all", "host": "reg.lab"}}],
        error="x509: certificate signed by unknown authority",
    ),
    Case(
        "self-signed, CA for host:port",
        f"{SELF_SIGNED}/team/web:1.0",
        [{"trust_ca": {"nodes": ["node-1"], "host": SELF_SIGNED}}],
    ),
    Case(
        "plain HTTP, no hosts.toml: HTTPS to the registry itself, no ?ns (resolver.go isProxy)",
        f"{PLAIN}/ops/agent:1.0",
        error=f'{HEAD}{PLAIN}/v2/ops/agent/manifests/1.0": '
        "http: server gave HTTP response to HTTPS client",
    ),
    Case(
        "plain HTTP, a CA does not make containerd speak HTTP",
        f"{PLAIN}/ops/agent:1.0",
        [{"trust_ca": {"nodes": ["node-1"], "host": PLAIN}}],
        error="http: server gave HTTP response to HTTPS client",
    ),
    Case(
        "plain HTTP, hosts.toml server = http://",
        f"{PLAIN}/ops/agent:1.0",
        [{"registry_host": {"nodes": ["node-1"], "host": PLAIN, "server": f"http://{PLAIN}"}}],
    ),
    Case(
        "docker.io down, no mirror: connection-refused.json",
        "nginx:1.0",
        error="connect: connection refused",
    ),
    Case(
        "docker.io down, containerd mirror: the image keeps its name",
        "nginx:1.0",
        [{"mirror": {"nodes": "all", "for": "docker.io", "endpoint": "http://mirror.corp:5000"}}],
    ),
    Case(
        "ECR repo, no provider: 401 (basic auth, unauthorized-no-credentials.json)",
        f"{ECR}/shop/api:1.0",
        error=f"pulling from host {ECR} failed with status code [manifests 1.0]: 401 Unauthorized",
    ),
    Case(
        "ECR repo, provider whose * cannot span four labels",
        f"{ECR}/shop/api:1.0",
        [
            {
                "credential_provider": {
                    "nodes": ["node-1"],
                    "name": "ecr-credential-provider",
                    "matchImages": ["*.amazonaws.com"],
                }
            }
        ],
        error="401 Unauthorized",
    ),
    Case(
        "ECR repo, provider matching *.dkr.ecr.*.amazonaws.com",
        f"{ECR}/shop/api:1.0",
        [
            {
                "credential_provider": {
                    "nodes": ["node-1"],
                    "name": "ecr-credential-provider",
                    "matchImages": ["*.dkr.ecr.*.amazonaws.com"],
                }
            }
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_node_registry_configuration(case: Case) -> None:
    simulator, clock, tenant = new_tenant(_world())
    for change in case.changes:
        apply_change(tenant, change)
    tenant.create("pods", "lab", pod("app", case.image, "IfNotPresent", "node-1"))
    run(simulator, clock, 5)
    state = waiting(tenant, "app")
    if case.error is None:
        assert state is None
        status = tenant.store.get("pods", "lab", "app")["status"]["containerStatuses"][0]
        assert status["imageID"].endswith(f"@{D}")
    else:
        assert state is not None and state["reason"] == "ErrImagePull"
        assert state["message"].endswith(case.error)


def test_a_fix_reaches_a_pod_in_back_off_at_its_next_attempt() -> None:
    simulator, clock, tenant = new_tenant(_world())
    tenant.create(
        "pods", "lab", pod("app", f"{SELF_SIGNED}/team/web:1.0", "IfNotPresent", "node-2")
    )
    run(simulator, clock, 5)
    assert waiting(tenant, "app")["reason"] == "ErrImagePull"
    apply_change(tenant, {"trust_ca": {"nodes": ["node-2"], "host": SELF_SIGNED}})
    run(simulator, clock, 30)
    assert waiting(tenant, "app") is None


def test_node_status_lists_trust_hosts_and_providers() -> None:
    _, _, tenant = new_tenant(_world())
    apply_change(tenant, {"trust_ca": {"nodes": "all", "host": SELF_SIGNED}})
    apply_change(
        tenant, {"registry_host": {"nodes": ["node-2"], "host": PLAIN, "server": f"http://{PLAIN}"}}
    )
    provider = {"name": "ecr-credential-provider", "matchImages": ["*.dkr.ecr.*.amazonaws.com"]}
    apply_change(tenant, {"credential_provider": {"nodes": ["node-2"], **provider}})
    assert node_status(tenant, "node-1") == {
        "trust": [SELF_SIGNED],
        "hosts": [],
        "credential_providers": [],
    }
    assert node_status(tenant, "node-2") == {
        "trust": [SELF_SIGNED],
        "hosts": [{"host": PLAIN, "server": f"http://{PLAIN}"}],
        "credential_providers": [provider],
    }


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param(
            {"credential_provider": {"nodes": ["node-1"], "name": "ecr", "matchImages": []}},
            "at least 1 item in matchImages is required",
            id="no-matchImages",
        ),
        pytest.param(
            {"trust_ca": {"nodes": ["node-9"], "host": SELF_SIGNED}},
            "no such node: node-9",
            id="unknown-node",
        ),
    ],
)
def test_a_refused_change_leaves_the_node_as_it_was(change: dict, reason: str) -> None:
    _, _, tenant = new_tenant(_world())
    with pytest.raises(WorldChangeRefused, match=reason):
        apply_change(tenant, change)
    assert node_status(tenant, "node-1") == {"trust": [], "hosts": [], "credential_providers": []}


# --- Docker Hub: rate limits, the pull log, the keyring key ----------------------------------
BIG = "sha256:" + "9" * 64


def _hub_world(**rate_limit: Any) -> dict[str, Any]:
    return {
        "registries": [
            {
                "host": "docker.io",
                "rate_limit": {"window": "6h", **rate_limit},
                "repositories": [
                    {
                        "name": "lab/big",
                        "credentials": {"username": "ci-bot", "password": "hub-token"},
                        "tags": {"1.0": {"digest": BIG, "size": 4000}},
                    }
                ],
            }
        ],
        "nodes": [{"name": f"node-{i}"} for i in (1, 2, 3, 4)],
    }


def _hub_secret(tenant: Any, key: str, password: str = "hub-token") -> None:
    config = {"auths": {key: {"username": "ci-bot", "password": password}}}
    data = base64.b64encode(json.dumps(config).encode()).decode()
    tenant.create(
        "secrets",
        "lab",
        {
            "metadata": {"name": "hub"},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": data},
        },
    )


def test_anonymous_pulls_share_one_quota_and_the_fourth_get_is_refused() -> None:
    """toomanyrequests.json: the 429 comes on the GET by digest, from registry-1.docker.io."""
    simulator, clock, tenant = new_tenant(_hub_world(anonymous=3, authenticated=200))
    for i in (1, 2, 3, 4):
        tenant.create("pods", "lab", pod(f"big-{i}", "lab/big:1.0", "Always", f"node-{i}"))
    run(simulator, clock, 5)
    refused = [i for i in (1, 2, 3, 4) if waiting(tenant, f"big-{i}")]
    assert len(refused) == 1
    message = waiting(tenant, f"big-{refused[0]}")["message"]
    assert message.endswith(
        'failed to pull and unpack image "docker.io/lab/big:1.0": failed to copy: httpReadSeeker: '
        "failed open: unexpected status code "
        f"https://registry-1.docker.io/v2/lab/big/manifests/{BIG}: 429 Too Many Requests - "
        "Server message: toomanyrequests: You have reached your pull rate limit. You may "
        "increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"
    )
    status = registries_status(tenant.registries)["docker.io"]
    assert status["requests"] == {"anonymous": 8, "authenticated": 0}  # 4 HEADs + 4 GETs
    assert sorted(p["node"] for p in status["pulls"]) == sorted(
        f"node-{i}" for i in (1, 2, 3, 4) if i not in refused
    )


def test_an_always_recheck_of_a_cached_image_costs_a_head_and_no_pull() -> None:
    simulator, clock, tenant = new_tenant(_hub_world(anonymous=1))
    tenant.create("pods", "lab", pod("first", "lab/big:1.0", "Always", "node-1"))
    run(simulator, clock, 5)
    tenant.create("pods", "lab", pod("again", "lab/big:1.0", "Always", "node-1"))
    run(simulator, clock, 5)
    assert waiting(tenant, "again") is None  # the quota of 1 is spent, yet it runs
    status = registries_status(tenant.registries)["docker.io"]
    assert status["requests"] == {"anonymous": 3, "authenticated": 0}  # HEAD+GET, then HEAD
    assert [p["pod"] for p in status["pulls"]] == ["first"]


@pytest.mark.parametrize(
    ("key", "authenticated"),
    [
        pytest.param("https://index.docker.io/v1/", True, id="docker-hub-key"),
        pytest.param("docker.io", True, id="docker.io-key"),
        pytest.param("quay.io", False, id="another-registry's-key"),
    ],
)
def test_a_pull_secret_counts_against_the_authenticated_quota(
    key: str, authenticated: bool
) -> None:
    """keyring.go: `https://index.docker.io/v1/` serves docker.io (isDefaultRegistryMatch)."""
    simulator, clock, tenant = new_tenant(_hub_world(anonymous=0, authenticated=200))
    _hub_secret(tenant, key)
    tenant.create(
        "pods",
        "lab",
        pod("big", "docker.io/lab/big:1.0", "Always", "node-1", imagePullSecrets=[{"name": "hub"}]),
    )
    run(simulator, clock, 5)
    requests = registries_status(tenant.registries)["docker.io"]["requests"]
    if authenticated:
        assert waiting(tenant, "big") is None
        assert requests == {"anonymous": 0, "authenticated": 2}
    else:
        assert "429 Too Many Requests" in waiting(tenant, "big")["message"]
        assert requests == {"anonymous": 2, "authenticated": 0}


def test_a_wrong_docker_hub_password_is_refused_even_for_a_public_repository() -> None:
    """oauth-token-wrong-credentials.json: the token server answers 401 before any pull."""
    simulator, clock, tenant = new_tenant(_hub_world())
    _hub_secret(tenant, "https://index.docker.io/v1/", password="wrong")
    tenant.create(
        "pods",
        "lab",
        pod("big", "lab/big:1.0", "IfNotPresent", "node-1", imagePullSecrets=[{"name": "hub"}]),
    )
    run(simulator, clock, 5)
    assert waiting(tenant, "big")["message"].endswith(
        "failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized"
    )


def test_the_pull_log_names_node_and_pod_and_a_down_registry_sees_nothing() -> None:
    simulator, clock, tenant = new_tenant(_world())
    apply_change(
        tenant,
        {"mirror": {"nodes": "all", "for": "docker.io", "endpoint": "http://mirror.corp:5000"}},
    )
    tenant.create("pods", "lab", pod("web", "nginx:1.0", "IfNotPresent", "node-2"))
    run(simulator, clock, 5)
    status = registries_status(tenant.registries)
    assert status["mirror.corp:5000"]["pulls"] == [
        {"ref": "docker.io/library/nginx:1.0", "digest": D, "node": "node-2", "pod": "web"}
    ]
    assert status["docker.io"] == {
        "down": True,
        "requests": {"anonymous": 0, "authenticated": 0},
        "pulls": [],
    }


def test_the_registry_action_switches_an_outage_and_keeps_the_log() -> None:
    simulator, clock, tenant = new_tenant(_world())
    apply_change(tenant, {"registry": {"host": "docker.io", "down": False}})
    tenant.create("pods", "lab", pod("web", "nginx:1.0", "IfNotPresent", "node-1"))
    run(simulator, clock, 5)
    apply_change(tenant, {"registry": {"host": "docker.io", "down": True}})
    status = registries_status(tenant.registries)["docker.io"]
    assert status["down"] is True
    assert [p["pod"] for p in status["pulls"]] == ["web"]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        pytest.param({"down": True}, "connect: connection refused", id="down"),
        pytest.param(
            {"tls": "self-signed"}, "x509: certificate signed by unknown authority", id="tls"
        ),
        pytest.param(
            {"plain_http": True}, "http: server gave HTTP response to HTTPS client", id="plain-http"
        ),
        pytest.param(
            {"rate_limit": {"anonymous": 0, "window": "6h"}}, "429 Too Many Requests", id="quota"
        ),
    ],
)
def test_the_registry_action_changes_how_a_registry_answers(fields: dict, error: str) -> None:
    """`registry: {host, ...}` in a timeline or as a LabWorldChange (curriculum-notes part 3)."""
    simulator, clock, tenant = new_tenant(_world())
    apply_change(tenant, {"registry": {"host": "mirror.corp:5000", **fields}})
    tenant.create(
        "pods", "lab", pod("app", "mirror.corp:5000/library/nginx:1.0", "IfNotPresent", "node-1")
    )
    run(simulator, clock, 5)
    assert error in waiting(tenant, "app")["message"]
