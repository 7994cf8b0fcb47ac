"""clusters/worldfacts.py on a real cluster: node caches from the runtime's own image list."""

import json
import sys

from clusters.worldfacts import facts_of_node, runtime_cache

DIGEST = "sha256:" + "a" * 64
# `crictl images -o json` (clusters.realcluster.nodecache's shape), as a node agent prints it.
CRICTL_IMAGES = {
    "images": [
        {
            "id": DIGEST,
            "repoTags": ["docker.io/lab/tiny:1.0"],
            "repoDigests": [f"docker.io/lab/tiny@{DIGEST}"],
            "size": "1024",
        }
    ]
}
NODE = {
    "metadata": {"name": "kind-worker", "labels": {}},
    "status": {"images": [{"names": ["docker.io/lab/big:1.0"], "sizeBytes": 9}]},
}


def printing(settings, tmp_path, output: str) -> None:
    """NODE_IMAGES_COMMAND: a script that prints `output` and the node it was asked about."""
    script = tmp_path / "images.py"
    script.write_text(
        f"import sys\nprint({output!r})\nopen(sys.argv[1] + '.asked', 'w').write(sys.argv[2])\n"
    )
    settings.NODE_IMAGES_COMMAND = f"{sys.executable} {script} {tmp_path / 'last'} {{node}}"


def test_the_runtimes_list_is_the_cache_and_the_node_object_no_longer_speaks_for_it(
    settings, tmp_path
):
    settings.CLUSTER_KUBECONFIG = "/some/kubeconfig"
    printing(settings, tmp_path, json.dumps(CRICTL_IMAGES))
    cache = runtime_cache("kind-worker", names=None)
    assert (tmp_path / "last.asked").read_text() == "kind-worker"
    assert {"lab/tiny:1.0", "docker.io/lab/tiny:1.0", DIGEST} <= set(cache)
    # The Node's capped status.images would hide what the runtime listed.
    assert "cache" not in facts_of_node(NODE)


def test_without_a_runtime_command_the_node_objects_images_are_the_cache(settings):
    settings.CLUSTER_KUBECONFIG = "/some/kubeconfig"
    settings.NODE_IMAGES_COMMAND = ""
    assert "lab/big:1.0" in facts_of_node(NODE)["cache"]


def test_a_failing_runtime_command_gives_no_cache_rather_than_an_empty_one(settings, tmp_path):
    printing(settings, tmp_path, "not json")
    assert runtime_cache("kind-worker", names=None) is None
    settings.NODE_IMAGES_COMMAND = "/nonexistent/crictl images -o json"
    assert runtime_cache("kind-worker", names=None) is None


def test_a_node_objects_facts_carry_its_taints(settings):
    """The Node watch's facts (labs.normalise.node_facts_from_node) beside labels and cordon."""
    settings.CLUSTER_KUBECONFIG = ""
    node = {
        **NODE,
        "spec": {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]},
    }
    facts = facts_of_node(node)
    assert facts["taints"] == [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    assert facts["unschedulable"] is False and facts["labels"] == {}
