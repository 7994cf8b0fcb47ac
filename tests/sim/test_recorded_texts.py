"""Pull error texts compared with the recordings themselves (platform/recorded/containerd-1.6/).

Each case fills a recording's `cri.template` and expects the simulated registry's error to be
exactly that text. The recordings talked to the registry over plain HTTP where TLS did not
matter (connection refused, 429); the simulated registry speaks HTTPS, so those two compare
with the scheme set to https. The simulated node reports the recorded containerd version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from clusters.sim.nodes import CONTAINER_RUNTIME_VERSION
from clusters.sim.reference import parse_normalized_named
from clusters.sim.registry import PullFailure, resolve

RECORDED = Path(__file__).resolve().parents[2] / "platform" / "recorded" / "containerd-1.6"
HOST = "127.0.0.1:5000"
D = "sha256:" + "1" * 64


@dataclass
class Case:
    recording: str
    image: str
    registry: dict = field(default_factory=dict)
    credentials: list = field(default_factory=list)
    cached: tuple = ()


CASES = [
    Case("manifest-unknown", f"{HOST}/lab/web:9.9"),
    Case("repository-unknown", f"{HOST}/lab/none:1.0"),
    Case("unauthorized-no-credentials", f"{HOST}/lab/private:1.0"),
    Case(
        "unauthorized-wrong-credentials",
        f"{HOST}/lab/private:1.0",
        credentials=[{"username": "u", "password": "x"}],
    ),
    Case(
        "oauth-token-wrong-credentials",
        f"{HOST}/lab/private:1.0",
        registry={"auth": "token"},
        credentials=[{"username": "u", "password": "x"}],
    ),
    Case("pull-access-denied-private-no-credentials", f"{HOST}/lab/private:1.0", {"auth": "token"}),
    Case("pull-access-denied-unknown-repository", f"{HOST}/lab/none:1.0", {"auth": "token"}),
    Case("connection-refused", f"{HOST}/lab/web:1.0", {"down": True, "address": HOST}),
    Case("x509-unknown-authority", f"{HOST}/lab/web:1.0", {"fault": "x509"}),
    Case("http-response-to-https-client", f"{HOST}/lab/web:1.0", {"fault": "http"}),
    Case("toomanyrequests", f"{HOST}/lab/web:1.0", {"rate_limit": {"pulls": 0, "window": 60}}),
]


def recorded_text(case: Case, ref) -> str:
    template = json.loads((RECORDED / f"{case.recording}.json").read_text())["cri"]["template"]
    return template.replace("http://", "https://").format(
        image=str(ref), registry=HOST, repository=ref.path, tag=ref.tag, digest=D
    )


@pytest.mark.parametrize("case", CASES, ids=[c.recording for c in CASES])
def test_the_simulated_error_is_the_recorded_text(case: Case) -> None:
    repos = [
        {"name": "lab/web", "tags": {"1.0": {"digest": D, "size": 100}}},
        {
            "name": "lab/private",
            "private": True,
            "credentials": {"username": "u", "password": "p"},
            "tags": {"1.0": {"digest": D, "size": 100}},
        },
    ]
    registries = {HOST: {"host": HOST, "repositories": repos, **case.registry}}
    ref = parse_normalized_named(case.image)
    outcome = resolve(registries, ref, case.credentials)
    assert isinstance(outcome, PullFailure)
    assert outcome.error == recorded_text(case, ref)


def test_nodes_report_the_recorded_containerd_version() -> None:
    recorded = json.loads((RECORDED / "manifest-unknown.json").read_text())["versions"]
    version = recorded["containerd"].split()[2].split("~")[0]  # "1.6.20~ds1" -> "1.6.20"
    assert f"containerd://{version}" == CONTAINER_RUNTIME_VERSION
