"""The learner's node panel: the world actions a lab offers (front matter `node_actions`), each
edited as YAML on the session page and sent to the cluster as one world change.

Only what the cluster cannot answer itself is checked here (YAML that does not parse, not a
mapping, an action the lab does not offer); the simulator's answer is the lesson.
"""

from typing import Any

import yaml

from labs.manifests import ManifestError, yaml_error

# What a learner may do on a node or the control plane (docs/lab-authoring.md, "World
# actions"), with the YAML the panel starts from.
NODE_ACTIONS: dict[str, str] = {
    "kubelet": "node: node-1\nset:\n  imageGCHighThresholdPercent: 85\n",
    "apiserver": "enableAdmissionPlugins: [NodeRestriction]\n",
    "rmi": "node: node-1\nref: lab/web:1.0\n",
    "load_image": "nodes: [node-1]\nref: lab/web:1.0\n",
    "disk": "node: node-1\nimagefs_used_percent: 50\n",
    "trust_ca": 'nodes: all\nhost: "registry.example.com"\n',
    "registry_host": 'nodes: all\nhost: "reg:5000"\nserver: "http://reg:5000"\n',
    "mirror": 'nodes: all\nfor: docker.io\nendpoint: "http://mirror.corp:5000"\n',
    "credential_provider": "nodes: [node-1]\nname: ecr-credential-provider\nmatchImages: []\n",
}


def parse_node_action(action: str, text: str, offered: tuple[str, ...]) -> dict[str, Any]:
    """The world change `{action: spec}` the panel's form describes."""
    if action not in offered:
        raise ManifestError(f"This lab does not offer the node action {action}.")
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise yaml_error(exc) from None
    if not isinstance(spec, dict) or not spec:
        raise ManifestError(
            f"The {action} change must be a YAML mapping, e.g.\n{NODE_ACTIONS[action]}"
        )
    return {action: spec}
