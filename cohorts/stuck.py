"""Who is stuck, and why: small pure rules over facts the session already recorded.

No database and no clock here: the board and the live feed hand in the facts, so each rule is
pinned by a table of cases in tests/cohorts/test_stuck.py.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# Waiting reasons a learner cannot get past by waiting: pkg/kubelet/images/types.go
# (ErrImagePullBackOff, ErrImagePull, ErrImageNeverPull, ErrInvalidImageName).
PULL_ERRORS = ("ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName")
IDLE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Problem:
    # Machine-readable: a kubelet waiting reason, or Rejected, LabFailed, NoProgress.
    reason: str
    # What the trainer reads: the API server's or kubelet's own words where there are some.
    message: str
    # The pod whose container waits, for a pull error: a step may expect that very error.
    pod: str = ""

    @property
    def slot(self) -> str:
        """Which fact raised it; a newer fact of the same kind replaces it on the live board."""
        if self.reason in PULL_ERRORS:
            return "pod"
        return {"Rejected": "answer", "LabFailed": "status"}.get(self.reason, "idle")

    def as_dict(self) -> dict[str, str]:
        named = {"pod": self.pod} if self.pod else {}
        return {"reason": self.reason, "message": self.message, "slot": self.slot, **named}


def pod_problem(payload: dict[str, Any]) -> Problem | None:
    """A pod event whose container waits on an image it cannot get."""
    if payload.get("watch") == "DELETED":
        return None
    pod = payload.get("object") or {}
    name = (payload.get("summary") or {}).get("name") or (pod.get("metadata") or {}).get("name", "")
    status = pod.get("status") or {}
    for container in (status.get("initContainerStatuses") or []) + (
        status.get("containerStatuses") or []
    ):
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in PULL_ERRORS:
            message = waiting.get("message") or waiting["reason"]
            return Problem(waiting["reason"], f"pod {name}: {message}", pod=name)
    return None


def evidence_pod(kind: str, payload: dict[str, Any]) -> str | None:
    """The pod a step's evidence event is about: a pod's own change, or an Event on a pod.

    Labs teach pull errors by making them (ErrImageNeverPull on a node without the image, a
    wrong secret, a registry outage): once a step has passed on a pod's error, that pod waiting
    is the lesson, not a learner stuck."""
    if kind == "pod":
        return (payload.get("summary") or {}).get("name")
    event = payload.get("event") or {}
    if kind == "event" and event.get("kind") == "Pod":
        return event.get("name")
    return None


def answer_problem(payload: dict[str, Any]) -> Problem | None:
    """The API server's answer to a learner's action, when it said no."""
    if payload.get("phase") != "done" or payload.get("ok", True):
        return None
    return Problem("Rejected", payload.get("message") or "The API server rejected the request.")


def failed_condition(obj: dict[str, Any]) -> str | None:
    """A workload's own word that it is stuck: `ReplicaFailure` (a refused pod create,
    pkg/controller/replicaset) or `Progressing=False` (ProgressDeadlineExceeded,
    pkg/controller/deployment/progress.go), as "Reason: message"."""
    for condition in (obj.get("status") or {}).get("conditions") or []:
        kind, status = condition.get("type"), condition.get("status")
        if (kind == "ReplicaFailure" and status == "True") or (
            kind == "Progressing" and status == "False"
        ):
            return f"{condition.get('reason', kind)}: {condition.get('message', '')}".rstrip(": ")
    return None


def event_problem(kind: str, payload: dict[str, Any]) -> Problem | None:
    """The problem one session event shows on its own (pods and answers), if any."""
    if kind == "pod":
        return pod_problem(payload)
    if kind == "action":
        return answer_problem(payload)
    return None


@dataclass(frozen=True)
class LearnerFacts:
    state: str  # LabSession.State value
    failure: str
    steps_total: int
    steps_passed: int
    # When the learner last moved forward: their latest passed step, or the session's start.
    last_progress_at: datetime
    now: datetime
    latest_pod: dict[str, Any] | None = None  # payload of the session's latest pod event
    latest_answer: dict[str, Any] | None = None  # payload of the latest action answer
    # Pods whose state was the evidence of a passed step (evidence_pod).
    expected_pods: frozenset[str] = frozenset()


def stuck_reasons(facts: LearnerFacts, idle_after: timedelta = IDLE_AFTER) -> list[Problem]:
    """Every reason the learner looks stuck, most specific first; [] if they are not."""
    if facts.state == "failed":
        return [Problem("LabFailed", facts.failure or "The lab could not start.")]
    if facts.state != "ready" or facts.steps_passed >= facts.steps_total:
        return []  # still starting, ended, or done: nothing a trainer can help with now
    problems = []
    if facts.latest_answer and (problem := answer_problem(facts.latest_answer)):
        problems.append(problem)
    problem = pod_problem(facts.latest_pod) if facts.latest_pod else None
    if problem and problem.pod not in facts.expected_pods:
        problems.append(problem)
    idle = facts.now - facts.last_progress_at
    if idle >= idle_after:
        minutes = int(idle.total_seconds() // 60)
        problems.append(Problem("NoProgress", f"No step passed for {minutes} minutes."))
    return problems
