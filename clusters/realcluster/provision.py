"""A learner session on a real cluster, from a lab world, in one call for the Celery task.

`set_up_session` makes the namespace and its objects, pushes the world's images under the
session's own registry path, and returns the learner's kubeconfig. Every step is idempotent,
so a retried task is harmless. `clusters/provisioning.py` calls it when CLUSTER_KUBECONFIG
is set, and the kind run of tests/contract makes the same call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubernetes import client

from clusters.realcluster.images import build_all, layout_sources, write_layout
from clusters.realcluster.registry import PushTarget
from clusters.realcluster.session import apply_session, delete_session, learner_kubeconfig
from clusters.realcluster.world import realise_registry


def set_up_session(
    api: client.ApiClient,
    session: str,
    world: dict[str, Any],
    workdir: Path,
    public: PushTarget,
    private: PushTarget | None = None,
) -> dict[str, Any]:
    """Namespace + RBAC + quota + netpol + PSA, the world's images, then the kubeconfig."""
    apply_session(api, session)
    images = build_all()
    layout = write_layout(images, workdir / "layout")
    sources = layout_sources(images)
    for registry in world.get("registries", []):
        realise_registry(registry, layout, public, sources, session, private)
    return learner_kubeconfig(api, session)


def tear_down_session(api: client.ApiClient, session: str) -> None:
    """The namespace goes, and everything in it. The session's images stay in the registry
    under their own path; `docker-registry garbage-collect` reclaims them offline."""
    delete_session(api, session)
