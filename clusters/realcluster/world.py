"""Realise a lab world's registry on a real registry: push each tag's image, move tags.

A world names images by digest (`tags: {"1.0": {digest: ...}}`); the digest picks the lab
image from the catalog, so the simulator and the real registry agree byte for byte. On a
shared cluster every session gets its own repository prefix, so one learner's pull never
warms the node cache for another (`lab/web` becomes `s-1234/lab/web`).
"""

from __future__ import annotations

from pathlib import Path

from clusters.realcluster.images import BuiltImage
from clusters.realcluster.registry import RegistryServer, push


class UnknownDigest(ValueError):
    """The world names a digest that no lab image in the catalog has."""


def repository_path(name: str, session_prefix: str = "") -> str:
    return f"{session_prefix}/{name}" if session_prefix else name


def _source_ref(digest: str, built_by_digest: dict[str, BuiltImage]) -> str:
    try:
        return built_by_digest[digest].image.ref
    except KeyError:
        known = ", ".join(sorted(built_by_digest)) or "none"
        raise UnknownDigest(
            f"no lab image has digest {digest}; platform/images/catalog.yaml lists: {known}"
        ) from None


def realise_registry(
    registry_spec: dict,
    layout: Path,
    server: RegistryServer,
    built_by_digest: dict[str, BuiltImage],
    session_prefix: str = "",
) -> dict[str, str]:
    """Push every `repository:tag` of one world registry; returns ref -> digest as pushed."""
    pushed = {}
    for repository in registry_spec.get("repositories", []):
        path = repository_path(repository["name"], session_prefix)
        for tag, target in repository.get("tags", {}).items():
            source = _source_ref(target["digest"], built_by_digest)
            push(layout, source, server, f"{path}:{tag}")
            pushed[f"{path}:{tag}"] = target["digest"]
    return pushed


def move_tag(
    server: RegistryServer,
    layout: Path,
    repository: str,
    tag: str,
    digest: str,
    built_by_digest: dict[str, BuiltImage],
    session_prefix: str = "",
) -> None:
    """Point `repository:tag` at another digest by re-pushing, as a real publisher would."""
    source = _source_ref(digest, built_by_digest)
    push(layout, source, server, f"{repository_path(repository, session_prefix)}:{tag}")
