"""The cluster contract suite runs on the simulated cluster (make test) or on kind (make test-kind).

`CLUSTER_KUBECONFIG` unset: every test gets a new LabWorld on an in-process simulator, the
world realising the contract registry below, and time is virtual. Set (platform/kind/up.sh
writes var/kind/kubeconfig): every test gets a new namespace on that cluster, the same images
are pushed under the session's own path in kind's local registry, and time is real. A missing
kind cluster is a failure, never a skip.

Both sides make exactly the same calls: `apply_session` with the platform's credentials, then
`learner_kubeconfig` (TokenRequest) for the learner's own token, then the scenarios through it.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from clusters.apiserver.testing import SimulatorHandle, running_simulator
from clusters.kube import api_client_from_kubeconfig
from clusters.realcluster.images import load_catalog
from clusters.realcluster.provision import set_up_session
from clusters.realcluster.registry import RemoteRegistry
from clusters.realcluster.session import apply_session, delete_session, learner_kubeconfig
from clusters.realcluster.world import WORLD_NODE_LABEL, session_image

REGISTRY = "localhost:5001"  # kind's local registry (platform/kind/up.sh, step 1)
IMAGES = ("lab/web:1.0",)
NODES = ("node-1", "node-2")


def contract_registry(session: str) -> dict[str, Any]:
    """The registry every scenario pulls from, as world data: the session's own repositories."""
    catalog = load_catalog()["images"]
    repositories: dict[str, dict[str, Any]] = {}
    for ref in IMAGES:
        name, tag = ref.rsplit(":", 1)
        image = catalog[ref]
        repository = repositories.setdefault(name, {"name": name, "tags": {}})
        repository["tags"][tag] = {"digest": image["digest"], "size": image["size"]}
    return {"host": REGISTRY, "repositories": list(repositories.values())}


def simulated_world(session: str) -> dict[str, Any]:
    registry = contract_registry(session)
    for repository in registry["repositories"]:
        repository["name"] = f"{session}/{repository['name']}"
    nodes = [{"name": n, "labels": {WORLD_NODE_LABEL: n}} for n in NODES]
    return {"registries": [registry], "nodes": nodes}


@dataclass
class ContractCluster:
    """One learner's session on the cluster under test."""

    platform: client.ApiClient  # the platform's credentials: kind's admin, or the world's token
    learner: client.ApiClient  # the learner's ServiceAccount token, from TokenRequest
    session: str
    simulated: bool
    advance: Callable[[float], None]  # virtual time on the simulator, a real wait on kind

    def image(self, ref: str) -> str:
        return session_image(ref, REGISTRY, self.session)

    def wait_for(self, what: str, found: Callable[[], Any], seconds: float = 120) -> Any:
        """Step time until `found()` is truthy; its value. A real pull may take a while."""
        waited = 0.0
        while waited <= seconds:
            value = found()
            if value:
                return value
            self.advance(1.0)
            waited += 1.0
        raise AssertionError(f"{what}: not within {seconds:.0f} s")


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimulatorHandle | None]:
    if os.environ.get("CLUSTER_KUBECONFIG"):
        yield None
        return
    with running_simulator() as handle:
        yield handle


def _kind_admin() -> client.ApiClient:
    path = os.environ["CLUSTER_KUBECONFIG"]
    if not Path(path).exists():
        pytest.fail(f"CLUSTER_KUBECONFIG={path} does not exist: run make kind-up first")
    return api_client_from_kubeconfig(Path(path).read_text())


@pytest.fixture
def cluster(simulator: SimulatorHandle | None, tmp_path: Path) -> Iterator[ContractCluster]:
    session = f"contract-{secrets.token_hex(3)}"
    if simulator is not None:
        world = simulator.create_world(session, simulated_world(session))
        platform = simulator.api_client(world["token"])
        advance = simulator.advance
        apply_session(platform, session)
        kubeconfig = learner_kubeconfig(platform, session)
    else:
        # What the platform's provisioning task does on a real cluster (realcluster/provision).
        platform = _kind_admin()
        advance = time.sleep
        world = {"registries": [contract_registry(session)]}
        kubeconfig = set_up_session(platform, session, world, tmp_path, RemoteRegistry(REGISTRY))
    with api_client_from_kubeconfig(kubeconfig) as learner:
        yield ContractCluster(platform, learner, session, simulator is not None, advance)
    if simulator is None:
        delete_session(platform, session)
        platform.close()
