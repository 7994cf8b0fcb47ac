"""Realise a lab world's registry on a real registry: push each tag's image, move tags.

A world names images by digest (`tags: {"1.0": {digest: ...}}`). The digest picks the lab
image from the catalog (its amd64 manifest, or its multiarch index), so the simulator and the
real registry agree byte for byte. On a shared cluster every session gets its own repository
prefix, so one learner's pull never warms the node cache for another (`lab/web` becomes
`s-1234/lab/web`).
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from pathlib import Path

from clusters.realcluster.images import LayoutSource
from clusters.realcluster.registry import PushTarget, push


class UnknownDigest(ValueError):
    """The world names a digest that no lab image in the catalog has."""


def repository_path(name: str, session_prefix: str = "") -> str:
    return f"{session_prefix}/{name}" if session_prefix else name


def _source(digest: str, sources: dict[str, LayoutSource]) -> LayoutSource:
    try:
        return sources[digest]
    except KeyError:
        known = ", ".join(sorted(sources)) or "none"
        raise UnknownDigest(
            f"no lab image has digest {digest}; platform/images/catalog.yaml lists: {known}"
        ) from None


def realise_registry(
    registry_spec: dict,
    layout: Path,
    server: PushTarget,
    sources: dict[str, LayoutSource],
    session_prefix: str = "",
    private_server: PushTarget | None = None,
) -> dict[str, str]:
    """Push every `repository:tag` of one world registry; returns "host/path:tag" -> digest.

    Repositories marked `private` go to `private_server` (the htpasswd registry) if given.
    """
    pushed = {}
    for repository in registry_spec.get("repositories", []):
        target_server = private_server if repository.get("private") and private_server else server
        path = repository_path(repository["name"], session_prefix)
        for tag, target in repository.get("tags", {}).items():
            source = _source(target["digest"], sources)
            push(layout, source.ref, target_server, f"{path}:{tag}", source.all_platforms)
            pushed[f"{target_server.host}/{path}:{tag}"] = target["digest"]
    return pushed


def move_tag(
    server: PushTarget,
    layout: Path,
    repository: str,
    tag: str,
    digest: str,
    sources: dict[str, LayoutSource],
    session_prefix: str = "",
) -> None:
    """Point `repository:tag` at another digest by re-pushing, as a real publisher would."""
    source = _source(digest, sources)
    dest = f"{repository_path(repository, session_prefix)}:{tag}"
    push(layout, source.ref, server, dest, source.all_platforms)


# The label kind-config.yaml puts on each worker, naming it as the lab worlds do (node-1, ...).
# Real node names are the cluster's, so a real cluster finds a world's node by this label.
WORLD_NODE_LABEL = "pullpolicylabs.dev/node"


def session_image(ref: str, registry_host: str, session_prefix: str) -> str:
    """`lab/web:1.0` as this session pulls it on a real cluster: its own registry path."""
    return f"{registry_host}/{repository_path(ref, session_prefix)}"


def cache_warmup_pods(world: dict, registry_host: str, session_prefix: str) -> list[dict]:
    """One pod per cached image per node, pinned by WORLD_NODE_LABEL: pulling it warms that
    node's cache the way a world's `nodes[].cache` says. Delete the pods once they ran."""
    pods = []
    for node in world.get("nodes", []):
        for index, ref in enumerate(node.get("cache", [])):
            pods.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": f"warm-{node['name']}-{index}",
                        "labels": {"pullpolicylabs.dev/role": "cache-warmup"},
                    },
                    "spec": {
                        "nodeSelector": {WORLD_NODE_LABEL: node["name"]},
                        "restartPolicy": "Never",
                        "containers": [
                            {
                                "name": "warm",
                                "image": session_image(ref, registry_host, session_prefix),
                                "imagePullPolicy": "IfNotPresent",
                            }
                        ],
                    },
                }
            )
    return pods


def fault_proxy_paths(registry_spec: dict) -> list[str]:
    """The fault proxy control requests (PUT) that make it behave as a world registry says:
    `down`, and `rate_limit: {anonymous, authenticated, window}` (window in seconds or `6h`).

    The proxy stands in front of the one public registry, so on a shared cluster its faults
    reach every learner: realise them only on a cluster per learner."""
    from clusters.sim.world import parse_duration

    paths = [f"/mode/{'down' if registry_spec.get('down') else 'pass'}"]
    limit = registry_spec.get("rate_limit") or {}
    fields = {
        key: limit.get(key, limit.get("pulls"))
        for key in ("anonymous", "authenticated")
        if limit.get(key, limit.get("pulls")) is not None
    }
    if fields:
        fields["window"] = int(parse_duration(limit.get("window", 21600)))
    paths.append(f"/ratelimit?{urllib.parse.urlencode(fields)}" if fields else "/ratelimit")
    return paths


def apply_to_fault_proxy(control_url: str, registry_spec: dict) -> None:
    """PUT each of fault_proxy_paths to the proxy's control port (`http://127.0.0.1:5099`)."""
    for path in fault_proxy_paths(registry_spec):
        request = urllib.request.Request(control_url + path, method="PUT")
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()
