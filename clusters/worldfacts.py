"""World facts: what a node agent or the registry's logs would tell, as session events.

`refresh_world_facts(session_id)` reads the session's world status and ingests what changed
(docs/architecture.md, "One data path"):

- on the simulator, the LabWorld's `status` (GET labworlds/NAME, the platform's admin token):
  `status.nodes` → `node` events (source "world"), `status.registries` →
  `objects["Registry/<host>"]`, `status.apiserver` → `objects["APIServer/cluster"]`;
- without `status.nodes` (and always on a real cluster), the Node objects' `status.images`
  → `node` events (source "node"), as the watch worker stores them.

Snapshots carry no resourceVersion, so each is stored only when it differs from the last one
stored about the same thing (labs.pipeline.ingest_change): calling this twice is harmless.
It makes network calls; the watch worker and Celery tasks call it, never a web request.
"""

from __future__ import annotations

import json
import logging
import shlex
import subprocess
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from kubernetes.client import ApiClient, CoreV1Api, CustomObjectsApi
from kubernetes.client.exceptions import ApiException

from clusters.kube import (
    LABWORLD_GROUP,
    LABWORLD_PLURAL,
    LABWORLD_VERSION,
    admin_api_client,
    api_client_from_kubeconfig,
)
from clusters.realcluster.imagenames import ImageNames, session_image_names
from clusters.realcluster.nodecache import cache_facts, parse_crictl_json
from labs.loader import get_lab
from labs.models import LabSession, SessionEvent
from labs.normalise import cache_names, image_names, node_facts_from_node
from labs.pipeline import ingest_change

log = logging.getLogger(__name__)
Kind = SessionEvent.Kind


def ingest_node_facts(session_id: int, node: str, source: str, facts: dict[str, Any]) -> None:
    """Store `facts` about `node` from `source` ("node", "world", ...) if they changed."""
    payload = {"node": node, "source": source, "facts": facts}
    ingest_change(session_id, Kind.NODE, payload, subject=f"node:{node}:{source}")


def ingest_world_object(session_id: int, key: str, obj: dict[str, Any]) -> None:
    """Store a world-status object (`Registry/<host>`, `APIServer/cluster`) if it changed."""
    payload = {"watch": "MODIFIED", "key": key, "object": obj}
    ingest_change(session_id, Kind.OBJECT, payload, subject=f"object:{key}")


def world_node_facts(entry: dict[str, Any]) -> dict[str, Any]:
    """One `status.nodes` entry as node facts: `cache` becomes names (as from the Node
    object), the entries themselves stay as `images`; unset values (a null `kubelet_error`)
    are left out, so `has(nodes[n].kubelet_error)` says whether there is one."""
    facts = {key: value for key, value in entry.items() if value is not None}
    if "cache" in facts:
        images = facts.pop("cache")
        names = [n for image in images for n in image_names(image["ref"], image.get("digest", ""))]
        facts["cache"] = cache_names(names)
        facts["images"] = images
    return facts


def ingest_world_status(session_id: int, status: dict[str, Any]) -> None:
    for node, entry in sorted((status.get("nodes") or {}).items()):
        ingest_node_facts(session_id, node, "world", world_node_facts(entry))
    for host, entry in sorted((status.get("registries") or {}).items()):
        registry = {"kind": "Registry", "metadata": {"name": host}, **entry}
        ingest_world_object(session_id, f"Registry/{host}", registry)
    if status.get("apiserver") is not None:
        apiserver = {"kind": "APIServer", "metadata": {"name": "cluster"}}
        ingest_world_object(
            session_id, "APIServer/cluster", {**apiserver, "spec": status["apiserver"]}
        )


def node_api_client(kubeconfig: str) -> ApiClient:
    """Who reads Nodes: on a real cluster the platform itself (a learner's ServiceAccount has
    a Role, which cannot grant cluster-scoped Nodes); on the simulator each tenant is its own
    cluster and its learner reads its own nodes."""
    if settings.CLUSTER_KUBECONFIG:
        return admin_api_client()
    return api_client_from_kubeconfig(kubeconfig)


@dataclass
class WorldClients:
    """The clients a refresh reads with. A caller that refreshes often (the solver) keeps one
    and reuses its connections; otherwise each refresh makes its own and closes them."""

    admin: ApiClient
    nodes: ApiClient

    @classmethod
    def for_session(cls, kubeconfig: str) -> WorldClients:
        return cls(admin_api_client(), node_api_client(kubeconfig))

    def close(self) -> None:
        self.admin.close()
        self.nodes.close()


def labworld_status(api: ApiClient, name: str) -> dict[str, Any]:
    """The simulator's LabWorld status for the session's world ({} when it is gone)."""
    try:
        world = CustomObjectsApi(api).get_cluster_custom_object(
            LABWORLD_GROUP, LABWORLD_VERSION, LABWORLD_PLURAL, name, _preload_content=False
        )
    except ApiException as exc:
        if exc.status == 404:
            return {}
        raise
    return json.loads(world.data).get("status") or {}


def runtime_lists_images() -> bool:
    """True when a real cluster's node caches come from the runtime (NODE_IMAGES_COMMAND)."""
    return bool(settings.CLUSTER_KUBECONFIG and settings.NODE_IMAGES_COMMAND)


def facts_of_node(node: dict[str, Any]) -> dict[str, Any]:
    """A Node object's facts. Its capped status.images does not speak for the cache when the
    runtime's own list does, or a Node update would hide the images the runtime listed."""
    facts = node_facts_from_node(node)
    if runtime_lists_images():
        del facts["cache"]
    return facts


def session_image_names_for(session: LabSession) -> ImageNames | None:
    """The session's own image names on a real cluster (None on the simulator)."""
    lab = get_lab(session.lab_id)
    return session_image_names(lab.world, session.namespace) if lab else None


def node_object_facts(api: ApiClient, session: LabSession) -> dict[str, dict[str, Any]]:
    """Each Node's facts from its object (status.images), read as the watch worker reads them."""
    listing = json.loads(CoreV1Api(api).list_node(_preload_content=False).data)
    nodes = listing["items"]
    # On a real cluster the session's images live under its own registry path: read them
    # back as the lab's names, as the watch worker does.
    names = session_image_names_for(session)
    if names is not None:
        nodes = [names.to_world(node) for node in nodes]
    return {node["metadata"]["name"]: facts_of_node(node) for node in nodes}


def runtime_cache(node: str, names: ImageNames | None) -> list[str] | None:
    """`nodes[node].cache` from the container runtime's own list (NODE_IMAGES_COMMAND, the
    clusters.realcluster.nodecache shape), or None when the command fails."""
    command = [part.format(node=node) for part in shlex.split(settings.NODE_IMAGES_COMMAND)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=True)
        listed = cache_facts(parse_crictl_json(done.stdout))
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as exc:
        log.warning("node %s: could not list the runtime's images: %s", node, exc)
        return None
    return cache_names(names.to_world(listed) if names is not None else listed)


def refresh_world_facts(session_id: int, clients: WorldClients | None = None) -> None:
    """Read the session's world status and ingest only what changed."""
    session = (
        LabSession.objects.filter(pk=session_id, state=LabSession.State.READY)
        .only("namespace", "kubeconfig", "lab_id")
        .first()
    )
    if session is None:
        return
    own = clients is None
    clients = clients or WorldClients.for_session(session.kubeconfig)
    nodes: dict[str, dict[str, Any]] = {}
    try:
        if settings.CLUSTER_KUBECONFIG:
            status = {}
        else:
            status = labworld_status(clients.admin, session.namespace)
        ingest_world_status(session_id, status)
        if not status.get("nodes"):
            try:
                nodes = node_object_facts(clients.nodes, session)
            except ApiException as exc:
                if exc.status != 403:
                    raise
                # Credentials that may not read Nodes: the world file's facts stand.
                log.warning("session %s: may not read nodes: %s", session_id, exc.reason)
            for node, facts in sorted(nodes.items()):
                ingest_node_facts(session_id, node, "node", facts)
        if runtime_lists_images():
            names = session_image_names_for(session)
            for node in sorted(nodes):
                cache = runtime_cache(node, names)
                if cache is not None:
                    ingest_node_facts(session_id, node, "runtime", {"cache": cache})
    finally:
        if own:
            clients.close()
