"""Turning a lab world into what a real cluster needs: per-session names and warm-up pods."""

from pathlib import Path

import yaml
from kubernetes import client

from clusters.realcluster.world import WORLD_NODE_LABEL, cache_warmup_pods, session_image

KIND_CONFIG = Path(__file__).resolve().parents[2] / "platform" / "kind" / "kind-config.yaml"
WORLD = {
    "nodes": [
        {"name": "node-1", "cache": ["lab/web:1.0", "lab/crash:1.0"]},
        {"name": "node-2"},
    ]
}


def test_a_session_pulls_from_its_own_registry_path():
    assert session_image("lab/web:1.0", "localhost:5001", "s-9") == "localhost:5001/s-9/lab/web:1.0"


def test_warmup_pods_pin_each_cached_image_to_its_world_node():
    pods = cache_warmup_pods(WORLD, "localhost:5001", "s-9")
    assert [(p["spec"]["nodeSelector"], p["spec"]["containers"][0]["image"]) for p in pods] == [
        ({WORLD_NODE_LABEL: "node-1"}, "localhost:5001/s-9/lab/web:1.0"),
        ({WORLD_NODE_LABEL: "node-1"}, "localhost:5001/s-9/lab/crash:1.0"),
    ]


def test_warmup_pods_are_valid_v1_pods():
    api = client.ApiClient()
    for pod in cache_warmup_pods(WORLD, "localhost:5001", "s-9"):
        model = api._ApiClient__deserialize(pod, "V1Pod")
        assert api.sanitize_for_serialization(model) == pod


def test_kind_workers_carry_the_world_node_label():
    nodes = yaml.safe_load(KIND_CONFIG.read_text())["nodes"]
    labels = [node.get("labels", {}).get(WORLD_NODE_LABEL) for node in nodes]
    assert labels == [None, "node-1", "node-2"]
