"""One in-process simulated cluster per test module, driven through the official client."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from clusters.apiserver.testing import SimulatorHandle, running_simulator
from tests.sim.worlds import lab1_world

_names = itertools.count(1)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorHandle]:
    with running_simulator() as handle:
        yield handle


def admin_api(sim: SimulatorHandle) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(sim.api_client(sim.admin_token))


def create_labworld(sim: SimulatorHandle, world: dict[str, Any] | None = None) -> dict[str, Any]:
    name = f"lab-{next(_names)}"
    body = {
        "apiVersion": "sim.pullpolicylabs.dev/v1",
        "kind": "LabWorld",
        "metadata": {"name": name},
        "spec": world if world is not None else lab1_world(),
    }
    return admin_api(sim).create_cluster_custom_object(
        "sim.pullpolicylabs.dev", "v1", "labworlds", body
    )


@pytest.fixture
def learner(sim: SimulatorHandle) -> tuple[client.CoreV1Api, str]:
    """A fresh lab world; the CoreV1Api acting with its tenant token, and its namespace."""
    world = create_labworld(sim)
    api = client.CoreV1Api(sim.api_client(world["status"]["token"]))
    return api, world["status"]["namespace"]


def pod_body(
    name: str, policy: str = "IfNotPresent", node: str | None = "node-1", image: str = "lab/web:1.0"
) -> dict:
    spec: dict[str, Any] = {
        "containers": [{"name": "web", "image": image, "imagePullPolicy": policy}]
    }
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}
