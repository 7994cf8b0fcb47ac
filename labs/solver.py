"""Run a lab's reference solution or a wrong path on the simulated cluster (virtual clock).

The same code path as a learner's session: provisioning, the learner's kubeconfig, the watch
worker, and labs.pipeline. Used by `manage.py validate_labs --solve` and by the tests.
"""

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from kubernetes.client.exceptions import ApiException

from clusters import actions, provisioning
from clusters.apiserver.testing import SimulatorHandle, running_simulator
from clusters.kube import api_client_from_kubeconfig
from clusters.watcher import (
    EVENTS,
    NODES,
    NOT_THERE,
    PODS,
    ResourceWatch,
    stored_objects,
    watch_targets,
    watched_kind,
)
from clusters.worldchanges import WorldChangeRefused, apply_world_change
from clusters.worldfacts import WorldClients, node_object_facts, refresh_world_facts
from labs.loader import Lab, validating
from labs.models import LabSession, SessionEvent
from labs.normalise import event_payload, object_payload, pod_payload
from labs.pipeline import recheck

SOLVER_USERNAME = "lab-solver"
SETTLE_TIMEOUT_SECONDS = 30.0
DELETE_WAIT_SECONDS = 120  # virtual seconds; a pod's default grace period is 30 s
_DURATION = re.compile(r"^(\d+)(ms|s|m|h)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


def duration_seconds(text: str) -> float:
    number, unit = _DURATION.match(text).groups()
    return int(number) * _UNIT_SECONDS[unit]


def latest_node_facts(session_id: int, source: str) -> dict[str, dict]:
    """The last facts stored from `source` about each node."""
    stored = SessionEvent.objects.filter(
        session_id=session_id, kind=SessionEvent.Kind.NODE, payload__source=source
    ).values_list("payload", flat=True)
    return {payload["node"]: payload["facts"] for payload in stored.order_by("seq")}


@dataclass
class Outcome:
    passed: list[str]
    answers: list[str]  # what the API server said to each apply/delete, in order


class LabRun:
    """One throwaway session of `lab` on a simulator, with its watches running."""

    def __init__(self, lab: Lab, sim: SimulatorHandle) -> None:
        self.lab, self.sim = lab, sim
        owner, _ = get_user_model().objects.get_or_create(
            username=SOLVER_USERNAME, defaults={"is_active": False}
        )
        validating(lab)
        self.session = LabSession.objects.create(owner=owner, lab_id=lab.id)
        provisioning.provision_session(self.session.pk)
        self.session.refresh_from_db()
        if self.session.state != LabSession.State.READY:
            raise RuntimeError(f"the lab world did not start: {self.session.failure}")
        self.watches = [
            ResourceWatch(
                self.session.pk,
                self.session.kubeconfig,
                resource,
                timeout_seconds=5,
                other_namespace=namespace,
            )
            for resource, namespace in watch_targets(lab.world)
        ]
        # Kept for the run: catching up before every action reads the cluster many times.
        self.api = api_client_from_kubeconfig(self.session.kubeconfig)
        self.world_clients = WorldClients.for_session(self.session.kubeconfig)
        self.threads = [threading.Thread(target=w.run, daemon=True) for w in self.watches]
        for thread in self.threads:
            thread.start()

    def do(self, action: dict[str, Any]) -> str | None:
        if "wait" in action:
            self.sim.advance(duration_seconds(action["wait"]))
            return None
        if "world" in action:
            return self.change_world(action["world"])
        # Each watched kind is its own stream: let all of them store what the last action did
        # before the next one, as a learner's pace would. Otherwise a pod's DELETED could be
        # numbered before its last Events, or a Deployment's change before the ConfigMap
        # answer written while it was unchanged.
        self.catch_up()
        answer = actions.run_kubectl_action(self.session.kubeconfig, action)
        self.sim.advance(0)  # let the cluster act on it now (scheduling, kubelet)
        if "delete" in action and answer.targets:
            self.wait_until_gone(answer.targets)
        return answer.message

    def wait_until_gone(self, targets: tuple[actions.Target, ...]) -> None:
        """`kubectl delete` waits for the objects to go: move the clock until they have."""
        waited = 0.0
        while actions.present(self.session.kubeconfig, targets) and waited < DELETE_WAIT_SECONDS:
            self.sim.advance(1)
            waited += 1

    def change_world(self, change: dict[str, Any]) -> str:
        """A node-side or registry change (docs/lab-authoring.md, "World actions"), made
        through the cluster's API as the learner's node panel makes it."""
        try:
            answer = apply_world_change(self.session, change)
        except WorldChangeRefused as refused:
            answer = str(refused)
        self.sim.advance(0)
        return answer

    def settle(self) -> None:
        """Wait until the watches have stored everything the cluster did, then check once more.

        "Everything" is what the cluster holds now: each watched object and Event at its
        current resourceVersion (the dedupe keys of labs.normalise), a DELETED for each object
        gone, and each node's current facts. The last check (pipeline.recheck, as after a
        watch restart) does not race the watch threads' own evaluation of the last event;
        step results are latched once either way.
        """
        self.catch_up()
        recheck(self.session.pk)

    def catch_up(self) -> None:
        """Wait until every object, Event and node fact the cluster holds now is stored."""
        # What the watch worker's debounced refresh would read: read it now, not 0.5 s later.
        refresh_world_facts(self.session.pk, self.world_clients)
        expected = self.cluster_keys()
        nodes = node_object_facts(self.world_clients.nodes, self.session)
        deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
        stored = self.session.events.filter(dedupe_key__in=expected)
        while time.monotonic() < deadline and (
            stored.count() < len(expected) or latest_node_facts(self.session.pk, "node") != nodes
        ):
            time.sleep(0.02)

    def cluster_keys(self) -> set[str]:
        """The dedupe keys of the session events that stand for the cluster's state now."""
        lab_namespace = self.session.namespace
        keys: set[str] = set()
        for resource, other_namespace in watch_targets(self.lab.world):
            kind = watched_kind(resource)
            if kind is NODES:
                continue
            namespace = other_namespace or lab_namespace
            list_fn, args = kind.list_function(self.api, namespace)
            try:
                items = json.loads(list_fn(*args, _preload_content=False).data)["items"]
            except ApiException as exc:
                if exc.status not in NOT_THERE:  # a kind this world does not install
                    raise
                continue
            items = [{"kind": kind.kind, **item} for item in items]
            if kind is EVENTS:
                keys |= {event_payload("ADDED", item)[1] for item in items}
                continue
            if kind is PODS:
                keys |= {pod_payload("ADDED", item)[1] for item in items}
            else:
                keys |= {object_payload("ADDED", item, lab_namespace)[1] for item in items}
            live_uids = {item["metadata"]["uid"] for item in items}
            stored = stored_objects(self.session.pk, kind.kind).values()
            in_namespace = {
                obj["metadata"].get("uid")
                for obj in stored
                if obj["metadata"].get("namespace", namespace) == namespace
            }
            prefix = "pod" if kind is PODS else "object"
            keys |= {f"{prefix}:{uid}:deleted" for uid in in_namespace - live_uids}
        return keys

    def passed_steps(self) -> list[str]:
        passed = set(self.session.step_results.values_list("step_id", flat=True))
        return [step.id for step in self.lab.steps if step.id in passed]

    def stop(self) -> None:
        """Ask the watches to stop; each ends when the server ends its watch (5 s at most)."""
        for watch in self.watches:
            watch.stop.set()

    def close(self) -> None:
        self.stop()
        for thread in self.threads:
            thread.join(timeout=5)
        self.api.close()
        self.world_clients.close()
        self.session.delete()


@contextlib.contextmanager
def simulated_cluster() -> Iterator[SimulatorHandle]:
    """An in-process simulator with the platform's settings pointed at it."""
    with (
        running_simulator(admin_token=settings.SIM_ADMIN_TOKEN) as sim,
        override_settings(CLUSTER_KUBECONFIG="", SIM_URL=sim.url, SIM_CA_FILE=str(sim.ca_file)),
    ):
        yield sim


def run_path(
    lab: Lab,
    path: list[dict[str, Any]],
    sim: SimulatorHandle,
    to_close: list[LabRun] | None = None,
) -> Outcome:
    """Do each action of `path` as a learner; return the steps that passed.

    With `to_close`, the run's watches are only asked to stop and the run is left there for
    the caller to close later, so the next run need not wait for them.
    """
    run = LabRun(lab, sim)
    try:
        answers = [a for a in (run.do(action) for action in path) if a is not None]
        run.settle()
        return Outcome(passed=run.passed_steps(), answers=answers)
    finally:
        if to_close is None:
            run.close()
        else:
            run.stop()
            to_close.append(run)
