"""A session's own image names on a shared real cluster, and the way back to the lab's names.

`realise_registry` pushes a world's repositories under the session's own path
(`lab/web` becomes `localhost:5001/s-1234/lab/web`), so one learner's pull never warms a shared
node's cache for another. The learner uses those names (the session page lists them), and the
cluster reports them in pod specs, statuses and Event messages. Before facts reach the checks,
`to_world` writes the lab's own names back, so a lab's checks and texts hold unchanged on the
simulator and on a real cluster: `Pulling image "localhost:5001/s-1234/lab/web:1.0"` is read
as `Pulling image "lab/web:1.0"`, and an `imageID` as `docker.io/lab/web@sha256:…`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from clusters.realcluster.world import repository_path

DOCKER_HUB = "docker.io"


def familiar_name(host: str, repository: str) -> str:
    """How a lab writes a repository: Docker Hub's without `docker.io/` and `library/`."""
    if host != DOCKER_HUB:
        return f"{host}/{repository}"
    return repository.removeprefix("library/")


@dataclass(frozen=True)
class Repository:
    session_path: str  # localhost:5001/s-1234/lab/web
    familiar: str  # lab/web, as the lab writes it
    full: str  # docker.io/lab/web, as a runtime reports imageID


@dataclass(frozen=True)
class ImageNames:
    repositories: tuple[Repository, ...]

    @classmethod
    def for_session(cls, world: dict[str, Any], registry_host: str, session: str) -> ImageNames:
        found = []
        for registry in world.get("registries", []):
            host = registry.get("host", DOCKER_HUB)
            for repository in registry.get("repositories", []):
                name = repository["name"]
                found.append(
                    Repository(
                        session_path=f"{registry_host}/{repository_path(name, session)}",
                        familiar=familiar_name(host, name),
                        full=f"{host}/{name}",
                    )
                )
        # Longest first, so `…/lab/web-extra` is never read as `…/lab/web` plus `-extra`.
        found.sort(key=lambda r: len(r.session_path), reverse=True)
        return cls(tuple(found))

    def pairs(self) -> list[tuple[str, str]]:
        """(the lab's name, this session's name), for the session page."""
        return sorted((r.familiar, r.session_path) for r in self.repositories)

    def _rewrite(self, text: str, full: bool = False) -> str:
        for repository in self.repositories:
            pattern = re.escape(repository.session_path) + r"(?=[:@\"'\s]|$)"
            text = re.sub(pattern, repository.full if full else repository.familiar, text)
        return text

    def to_world(self, value: Any, key: str = "") -> Any:
        """A copy of a watched object with this session's image names turned back into the lab's."""
        if isinstance(value, dict):
            return {k: self.to_world(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.to_world(v, key) for v in value]
        if isinstance(value, str) and ("/" in value):
            return self._rewrite(value, full=key == "imageID")
        return value


def session_image_names(lab_world: dict[str, Any], namespace: str) -> ImageNames | None:
    """This session's names on the platform's real cluster; None on the simulated one, where
    every learner has caches of their own and the lab's names stand as written."""
    from django.conf import settings

    if not settings.CLUSTER_KUBECONFIG:
        return None
    return ImageNames.for_session(lab_world, settings.LAB_REGISTRY, namespace)
