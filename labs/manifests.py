"""Quick checks on what a learner submits, before it goes to the cluster.

Only what the API server cannot answer itself (YAML that does not parse, not an object) is
answered here; everything else goes to the server, whose answer is the lesson.
"""

from typing import Any

import yaml

from clusters.realcluster.imagenames import DOCKER_HUB, familiar_name

POLICIES = ("Always", "IfNotPresent", "Never")


class ManifestError(ValueError):
    """A message for the learner, shown beside the editor."""


def yaml_error(exc: yaml.YAMLError) -> ManifestError:
    """kubectl's wording for YAML that does not parse, with the line and column."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    return ManifestError(f"error parsing YAML: {where}{problem}")


def parse_manifest(text: str) -> dict[str, Any]:
    """One Kubernetes object from YAML (or JSON) text."""
    if not text.strip():
        raise ManifestError("The manifest is empty.")
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise yaml_error(exc) from None
    if len(documents) != 1:
        raise ManifestError(f"Apply one object at a time (found {len(documents)} documents).")
    manifest = documents[0]
    if not isinstance(manifest, dict):
        raise ManifestError("The manifest must be a YAML mapping (an object), not a list or text.")
    # kubectl's own words when either is missing.
    for field in ("apiVersion", "kind"):
        if not manifest.get(field):
            raise ManifestError(f"error validating data: {field} not set")
        if not isinstance(manifest[field], str):
            raise ManifestError(f"error validating data: {field} must be a string")
    return manifest


def pod_from_form(name: str, image: str, policy: str, node: str) -> dict[str, Any]:
    """The Pod the simple form describes. An empty policy leaves defaulting to the server."""
    container: dict[str, Any] = {"name": "main", "image": image.strip()}
    if policy:
        container["imagePullPolicy"] = policy
    spec: dict[str, Any] = {"containers": [container]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name.strip()}, "spec": spec}


def starter_image(world: dict[str, Any], session_names: list[tuple[str, str]]) -> str:
    """The first image the lab's world holds, as the learner writes it: the form's default and
    the editor's starting point (on a shared real cluster, under the session's own name)."""
    for registry in world.get("registries") or []:
        for repository in registry.get("repositories") or []:
            name = familiar_name(registry.get("host", DOCKER_HUB), repository["name"])
            name = dict(session_names).get(name, name)
            tags = list(repository.get("tags") or {})
            return f"{name}:{tags[0]}" if tags else name
    # A world with no registry: its images were side-loaded into the nodes' caches.
    for node in world.get("nodes") or []:
        for cached in node.get("cache") or []:
            return cached.get("ref", "") if isinstance(cached, dict) else str(cached)
    return ""


def starter_manifest(image: str) -> str:
    """A Pod to start the editor from: the lab's image and no policy, so defaulting is not
    answered for the learner (several labs ask what the server fills in)."""
    return (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  name: my-pod\n"
        "spec:\n"
        "  containers:\n"
        "    - name: main\n"
        f"      image: {image}\n"
        "      # imagePullPolicy: Always | IfNotPresent | Never\n"
    )
