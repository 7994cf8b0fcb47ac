"""The watch worker: follows pods and Events of every ready session, as that session's learner.

One thread per (session, resource). Each lists, then watches from the list's resourceVersion,
resumes from the last version it saw, and re-lists when the server answers 410 Gone. Every
object goes through labs.pipeline.ingest, whose dedupe keys make re-lists harmless.
"""

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections, connection
from kubernetes import watch
from kubernetes.client import CoreV1Api
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from clusters.kube import api_client_from_kubeconfig, session_namespace
from labs.checks import build_facts
from labs.models import LabSession, SessionEvent
from labs.normalise import event_payload, pod_payload
from labs.pipeline import ingest, recheck

log = logging.getLogger(__name__)

# The server ends each watch after this long and we resume from the last version: it bounds
# how long a stopped watch lingers.
WATCH_TIMEOUT_SECONDS = 30
ERROR_BACKOFF_SECONDS = 2.0


def handle_pod(session_id: int, watch_type: str, pod: dict) -> None:
    payload, key = pod_payload(watch_type, pod)
    ingest(session_id, SessionEvent.Kind.POD, payload, key)


def handle_event(session_id: int, watch_type: str, event: dict) -> None:
    result = event_payload(watch_type, event)
    if result is not None:
        ingest(session_id, SessionEvent.Kind.EVENT, *result)


def stored_pods(session_id: int) -> dict[str, dict]:
    """The pods the session's stream says are alive now."""
    stored = SessionEvent.objects.filter(
        session_id=session_id, kind=SessionEvent.Kind.POD
    ).values_list("kind", "payload")
    return build_facts(stored.iterator(), world={}).pods


@dataclass
class ResourceWatch:
    """Keeps one session's view of one resource (pods or events) up to date."""

    session_id: int
    kubeconfig: str
    resource: str  # "pods" or "events"
    timeout_seconds: int = WATCH_TIMEOUT_SECONDS
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.namespace = session_namespace(self.kubeconfig)
        api_client = api_client_from_kubeconfig(self.kubeconfig)
        # Be lenient with what the server sends: we keep the raw JSON, not the models.
        api_client.configuration.client_side_validation = False
        self.api = CoreV1Api(api_client)
        if self.resource == "pods":
            self.list_fn: Callable = self.api.list_namespaced_pod
            self.handle = handle_pod
        else:
            self.list_fn = self.api.list_namespaced_event
            self.handle = handle_event

    def run(self) -> None:
        resource_version: str | None = None
        while not self.stop.is_set():
            try:
                if resource_version is None:
                    resource_version = self.relist()
                resource_version = self.follow(resource_version)
            except ApiException as exc:
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
        self.api.api_client.close()
        connection.close()

    def relist(self) -> str:
        """Ingest the current list; return its resourceVersion to watch from."""
        response = self.list_fn(self.namespace, _preload_content=False)
        listing = json.loads(response.data)
        items = listing.get("items") or []
        if self.resource == "pods":
            # Pods deleted while we were not watching: their DELETED was never seen.
            current_uids = {item["metadata"].get("uid") for item in items}
            for pod in stored_pods(self.session_id).values():
                if pod["metadata"].get("uid") not in current_uids:
                    self.handle(self.session_id, "DELETED", pod)
        for item in items:
            self.handle(self.session_id, "ADDED", item)
        recheck(self.session_id)
        return listing["metadata"]["resourceVersion"]

    def follow(self, resource_version: str) -> str:
        """Watch from `resource_version` until the server ends the watch or we are stopped."""
        watcher = watch.Watch()
        stream = watcher.stream(
            self.list_fn,
            self.namespace,
            resource_version=resource_version,
            timeout_seconds=self.timeout_seconds,
            allow_watch_bookmarks=True,
            _request_timeout=self.timeout_seconds + 5,
        )
        for item in stream:
            if item["type"] != "BOOKMARK":
                self.handle(self.session_id, item["type"], item["raw_object"])
            resource_version = watcher.resource_version or resource_version
            if self.stop.is_set():
                watcher.stop()
                break
        return resource_version


class WatchSupervisor:
    """Starts watches for sessions that became ready and stops those that ended."""

    RESOURCES = ("pods", "events")

    def __init__(self, watch_timeout_seconds: int = WATCH_TIMEOUT_SECONDS) -> None:
        self.watch_timeout_seconds = watch_timeout_seconds
        self.watches: dict[int, list[tuple[ResourceWatch, threading.Thread]]] = {}

    def sync(self) -> None:
        ready = dict(
            LabSession.objects.filter(state=LabSession.State.READY).values_list("pk", "kubeconfig")
        )
        for session_id in set(self.watches) - set(ready):
            self.stop_session(session_id)
        for session_id, kubeconfig in ready.items():
            running = self.watches.get(session_id, [])
            if running and all(thread.is_alive() for _, thread in running):
                continue
            self.stop_session(session_id)
            self.start_session(session_id, kubeconfig)

    def start_session(self, session_id: int, kubeconfig: str) -> None:
        started = []
        for resource in self.RESOURCES:
            resource_watch = ResourceWatch(
                session_id, kubeconfig, resource, timeout_seconds=self.watch_timeout_seconds
            )
            thread = threading.Thread(
                target=resource_watch.run, name=f"watch-{session_id}-{resource}", daemon=True
            )
            thread.start()
            started.append((resource_watch, thread))
        self.watches[session_id] = started
        log.info("watching session %s", session_id)

    def stop_session(self, session_id: int) -> None:
        watches = self.watches.pop(session_id, [])
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
