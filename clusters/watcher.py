"""The watch worker: follows every ready session's cluster, as that session's learner.

One thread per (session, watched kind): pods, Events, the other namespaced kinds of
WATCHED_KINDS, and Nodes. Each lists, then watches from the list's resourceVersion, resumes
from the last version it saw, and re-lists when the server answers 410 Gone. Every object goes
through labs.pipeline, whose dedupe keys make re-lists harmless.
"""

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import close_old_connections, connection
from kubernetes import watch
from kubernetes.client import (
    ApiClient,
    AppsV1Api,
    BatchV1Api,
    CoreV1Api,
    CustomObjectsApi,
)
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from clusters.kube import api_client_from_kubeconfig, session_namespace
from clusters.realcluster.imagenames import ImageNames
from clusters.sim.kinds import GATEKEEPER_TYPES, KYVERNO_TYPES
from clusters.worldfacts import (
    facts_of_node,
    ingest_node_facts,
    node_api_client,
    refresh_world_facts,
    session_image_names_for,
)
from labs.checks import build_facts
from labs.loader import get_lab
from labs.models import LabSession, SessionEvent
from labs.normalise import event_payload, object_payload, pod_payload
from labs.pipeline import ingest, recheck

log = logging.getLogger(__name__)

# The server ends each watch after this long and we resume from the last version: it bounds
# how long a stopped watch lingers.
WATCH_TIMEOUT_SECONDS = 30
ERROR_BACKOFF_SECONDS = 2.0
# Node facts the kubelet changes without touching the Node object (a pull, a stopped container
# whose image GC may now remove) are read from the world status this long after the last Event
# that hints at one, so a burst of Events costs one read.
WORLD_FACTS_DEBOUNCE_SECONDS = 0.5
WORLD_FACTS_REASONS = frozenset({"Pulled", "Killing"})

_TYPED_APIS: dict[tuple[str, str], type] = {
    ("", "v1"): CoreV1Api,
    ("apps", "v1"): AppsV1Api,
    ("batch", "v1"): BatchV1Api,
}


@dataclass(frozen=True)
class WatchedKind:
    """One kind the watch worker follows. Kinds of other groups (CRDs) go through
    CustomObjectsApi, so adding one is one more entry in WATCHED_KINDS."""

    kind: str
    plural: str
    group: str = ""
    version: str = "v1"
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def list_function(self, api_client: ApiClient, namespace: str) -> tuple[Callable, tuple]:
        """The official client's list call for this kind, and its positional arguments."""
        typed = _TYPED_APIS.get((self.group, self.version))
        if typed is not None:
            api = typed(api_client)
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", self.kind).lower()
            if self.namespaced:
                return getattr(api, f"list_namespaced_{snake}"), (namespace,)
            return getattr(api, f"list_{snake}"), ()
        custom = CustomObjectsApi(api_client)
        if self.namespaced:
            args = (self.group, self.version, namespace, self.plural)
            return custom.list_namespaced_custom_object, args
        return custom.list_cluster_custom_object, (self.group, self.version, self.plural)


PODS = WatchedKind("Pod", "pods")
EVENTS = WatchedKind("Event", "events")
NODES = WatchedKind("Node", "nodes", namespaced=False)
# Everything else a check may read as objects["Kind/name"] (docs/lab-authoring.md). The
# learner's Role (platform/templates/session/20-role.yaml) grants list and watch on each.
WATCHED_KINDS: list[WatchedKind] = [
    PODS,
    EVENTS,
    WatchedKind("Deployment", "deployments", "apps"),
    WatchedKind("ReplicaSet", "replicasets", "apps"),
    WatchedKind("DaemonSet", "daemonsets", "apps"),
    WatchedKind("Job", "jobs", "batch"),
    WatchedKind("ConfigMap", "configmaps"),
    WatchedKind("Secret", "secrets"),
    WatchedKind("ServiceAccount", "serviceaccounts"),
    NODES,
    # The policy engines' cluster-scoped kinds (Gatekeeper constraints, Kyverno ClusterPolicy),
    # as objects["K8sAllowedRepos/corp-only"]. A cluster without the engine answers 404: the
    # kind's watch then stops, as for a 403 (NOT_THERE).
    *(
        WatchedKind(t.kind, t.plural, t.group, t.version, namespaced=False)
        for t in (*GATEKEEPER_TYPES, *KYVERNO_TYPES)
    ),
]
# A list answered with these will be answered so again: not allowed, or no such kind here.
NOT_THERE = (403, 404)


def watched_kind(resource: str) -> WatchedKind:
    return next(k for k in WATCHED_KINDS if k.plural == resource)


def world_namespaces(world: dict[str, Any]) -> list[str]:
    """The world's namespaces besides the lab's own (`world.namespaces`: names or {name})."""
    entries = world.get("namespaces") or []
    return [entry if isinstance(entry, str) else entry["name"] for entry in entries]


def watch_targets(world: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(plural, namespace) for each watch a session needs: every namespaced kind in the lab
    namespace (None) and in each of the world's other namespaces, and each cluster-wide kind."""
    namespaces: list[str | None] = [None, *world_namespaces(world)]
    return [
        (kind.plural, namespace)
        for kind in WATCHED_KINDS
        for namespace in (namespaces if kind.namespaced else [None])
    ]


def stored_objects(session_id: int, kind: str) -> dict[str, dict]:
    """The objects of `kind` the session's stream says are alive now."""
    if kind == "Pod":
        stored = SessionEvent.objects.filter(session_id=session_id, kind=SessionEvent.Kind.POD)
        return build_facts(stored.values_list("kind", "payload").iterator(), world={}).pods
    stored = SessionEvent.objects.filter(
        session_id=session_id, kind=SessionEvent.Kind.OBJECT, payload__object__kind=kind
    )
    return build_facts(stored.values_list("kind", "payload").iterator(), world={}).objects


class WorldFactsRefresher:
    """Reads a session's world facts once, a little after the last request for it."""

    def __init__(self, session_id: int, delay: float = WORLD_FACTS_DEBOUNCE_SECONDS) -> None:
        self.session_id, self.delay = session_id, delay
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def request(self) -> None:
        with self._lock:
            if self._timer is None:
                self._timer = threading.Timer(self.delay, self._run)
                self._timer.daemon = True
                self._timer.start()

    def _run(self) -> None:
        with self._lock:
            self._timer = None
        try:
            refresh_world_facts(self.session_id)
        except Exception:
            log.exception("session %s: could not read the world facts", self.session_id)
        finally:
            close_old_connections()

    def cancel(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


@dataclass
class ResourceWatch:
    """Keeps one session's view of one watched kind (by its plural) up to date."""

    session_id: int
    kubeconfig: str
    resource: str  # a plural of WATCHED_KINDS: "pods", "events", "deployments", "nodes", ...
    timeout_seconds: int = WATCH_TIMEOUT_SECONDS
    stop: threading.Event = field(default_factory=threading.Event)
    refresher: WorldFactsRefresher | None = None
    image_names: ImageNames | None = None  # on a real cluster (realcluster/imagenames.py)
    # Set when the cluster answered NOT_THERE: the watch ended on purpose, not by a crash.
    not_there: bool = False
    # Another of the world's namespaces (None: the lab's own); its facts are keyed `ns/name`.
    other_namespace: str | None = None

    def __post_init__(self) -> None:
        self.kind = watched_kind(self.resource)
        self.lab_namespace = session_namespace(self.kubeconfig)
        self.namespace = self.other_namespace or self.lab_namespace
        if self.kind is NODES:
            api_client = node_api_client(self.kubeconfig)
        else:
            api_client = api_client_from_kubeconfig(self.kubeconfig)
        # Be lenient with what the server sends: we keep the raw JSON, not the models.
        api_client.configuration.client_side_validation = False
        self.api_client = api_client
        self.list_fn, self.list_args = self.kind.list_function(api_client, self.namespace)

    def handle(self, watch_type: str, obj: dict[str, Any]) -> None:
        """Store one watched object as the session event of its kind."""
        # List items of built-in kinds come without kind and apiVersion.
        obj = {"kind": self.kind.kind, "apiVersion": self.kind.api_version, **obj}
        if self.image_names is not None:
            obj = self.image_names.to_world(obj)
        if self.kind is PODS:
            payload, key = pod_payload(watch_type, obj, self.lab_namespace)
            ingest(self.session_id, SessionEvent.Kind.POD, payload, key)
        elif self.kind is EVENTS:
            result = event_payload(watch_type, obj, self.lab_namespace)
            if result is not None:
                ingest(self.session_id, SessionEvent.Kind.EVENT, *result)
            if self.refresher and obj.get("reason") in WORLD_FACTS_REASONS:
                self.refresher.request()
        elif self.kind is NODES:
            if watch_type != "DELETED":
                name = obj["metadata"]["name"]
                ingest_node_facts(self.session_id, name, "node", facts_of_node(obj))
            if self.refresher:
                self.refresher.request()
        else:
            payload, key = object_payload(watch_type, obj, self.lab_namespace)
            ingest(self.session_id, SessionEvent.Kind.OBJECT, payload, key)

    def run(self) -> None:
        resource_version: str | None = None
        while not self.stop.is_set():
            try:
                if resource_version is None:
                    resource_version = self.relist()
                resource_version = self.follow(resource_version)
            except ApiException as exc:
                if exc.status in NOT_THERE:
                    # Not allowed (or not served) now means so later: say so once and stop.
                    # A kind this world does not serve (no Gatekeeper in it) is the usual case.
                    level = logging.WARNING if exc.status == 403 else logging.DEBUG
                    log.log(level, "session %s %s: %s", self.session_id, self.resource, exc.reason)
                    self.not_there = True
                    break
                if exc.status == 410:
                    log.info("session %s %s: 410 Gone, re-listing", self.session_id, self.resource)
                    resource_version = None
                    continue
                log.warning("session %s %s: %s", self.session_id, self.resource, exc)
                self.stop.wait(ERROR_BACKOFF_SECONDS)
            except HTTPError as exc:
                log.warning("session %s %s: %s", self.session_id, self.resource, exc)
                self.stop.wait(ERROR_BACKOFF_SECONDS)
            except Exception:
                # Anything else (a locked database, a bug): start over from a fresh list
                # rather than let this session's watch die.
                log.exception("session %s %s: restarting the watch", self.session_id, self.resource)
                resource_version = None
                self.stop.wait(ERROR_BACKOFF_SECONDS)
            finally:
                close_old_connections()
        self.api_client.close()
        connection.close()

    def relist(self) -> str:
        """Ingest the current list; return its resourceVersion to watch from."""
        response = self.list_fn(*self.list_args, _preload_content=False)
        listing = json.loads(response.data)
        items = listing.get("items") or []
        if self.kind not in (EVENTS, NODES):
            # Objects deleted while we were not watching: their DELETED was never seen.
            # (Events are history, and a Node's facts stay what they were last seen.)
            current_uids = {item["metadata"].get("uid") for item in items}
            for gone in stored_objects(self.session_id, self.kind.kind).values():
                if (
                    gone["metadata"].get("namespace", self.namespace) == self.namespace
                    and gone["metadata"].get("uid") not in current_uids
                ):
                    self.handle("DELETED", gone)
        for item in items:
            self.handle("ADDED", item)
        recheck(self.session_id)
        return listing["metadata"]["resourceVersion"]

    def follow(self, resource_version: str) -> str:
        """Watch from `resource_version` until the server ends the watch or we are stopped."""
        # Raw JSON, as from the list: the models would only be thrown away (and they refuse
        # what a lenient reader keeps).
        watcher = watch.Watch(return_type="object")
        stream = watcher.stream(
            self.list_fn,
            *self.list_args,
            resource_version=resource_version,
            timeout_seconds=self.timeout_seconds,
            allow_watch_bookmarks=True,
            _request_timeout=self.timeout_seconds + 5,
        )
        for item in stream:
            if item["type"] != "BOOKMARK":
                self.handle(item["type"], item["raw_object"])
            resource_version = watcher.resource_version or resource_version
            if self.stop.is_set():
                watcher.stop()
                break
        return resource_version


class WatchSupervisor:
    """Starts watches for sessions that became ready and stops those that ended."""

    def __init__(self, watch_timeout_seconds: int = WATCH_TIMEOUT_SECONDS) -> None:
        self.watch_timeout_seconds = watch_timeout_seconds
        self.watches: dict[int, list[tuple[ResourceWatch, threading.Thread]]] = {}
        self.refreshers: dict[int, WorldFactsRefresher] = {}

    def sync(self) -> None:
        ready = {
            pk: (kubeconfig, lab_id)
            for pk, kubeconfig, lab_id in LabSession.objects.filter(
                state=LabSession.State.READY
            ).values_list("pk", "kubeconfig", "lab_id")
        }
        for session_id in set(self.watches) - set(ready):
            self.stop_session(session_id)
        for session_id, (kubeconfig, lab_id) in ready.items():
            running = self.watches.get(session_id, [])
            if running and all(t.is_alive() or w.not_there for w, t in running):
                continue
            self.stop_session(session_id)
            lab = get_lab(lab_id)
            self.start_session(session_id, kubeconfig, lab.world if lab else {})

    def start_session(self, session_id: int, kubeconfig: str, world: dict[str, Any]) -> None:
        started = []
        refresher = self.refreshers[session_id] = WorldFactsRefresher(session_id)
        session = LabSession.objects.filter(pk=session_id).first()
        image_names = session_image_names_for(session) if session else None
        for resource, namespace in watch_targets(world):
            resource_watch = ResourceWatch(
                session_id,
                kubeconfig,
                resource,
                timeout_seconds=self.watch_timeout_seconds,
                refresher=refresher,
                image_names=image_names,
                other_namespace=namespace,
            )
            thread = threading.Thread(
                target=resource_watch.run,
                name=f"watch-{session_id}-{resource}-{namespace or 'lab'}",
                daemon=True,
            )
            thread.start()
            started.append((resource_watch, thread))
        self.watches[session_id] = started
        log.info("watching session %s", session_id)

    def stop_session(self, session_id: int) -> None:
        watches = self.watches.pop(session_id, [])
        refresher = self.refreshers.pop(session_id, None)
        if refresher is not None:
            refresher.cancel()
        for resource_watch, _ in watches:
            resource_watch.stop.set()
        if watches:
            log.info("stopped watching session %s", session_id)

    def run(self, stop: threading.Event, poll_seconds: float = 1.0) -> None:
        while not stop.is_set():
            self.sync()
            close_old_connections()
            stop.wait(poll_seconds)
        for session_id in list(self.watches):
            self.stop_session(session_id)
        connection.close()
