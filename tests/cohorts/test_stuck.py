"""Who is stuck, and why (cohorts/stuck.py): pure rules, one table of cases per rule.

Waiting reasons and messages are the kubelet's own: pkg/kubelet/images/types.go (the sentinel
errors that become waiting reasons) and image_manager.go EnsureImageExists (the messages).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from cohorts.stuck import (
    LearnerFacts,
    Problem,
    answer_problem,
    evidence_pod,
    pod_problem,
    stuck_reasons,
)
from tests.cohorts.factories import waiting_pod

NOW = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
BACKOFF = 'Back-off pulling image "lab/web:9.9": ErrImagePull: not found'
NEVER = 'Container image "lab/web:2.0" is not present with pull policy of Never'
INVALID = 'Failed to apply default image tag "LAB/Web:1": couldn\'t parse image name'
REJECTED = 'pods "p-1" already exists'


@dataclass(frozen=True)
class PodCase:
    id: str
    payload: dict
    expected: Problem | None


POD_CASES = [
    # image_manager.go EnsureImageExists: pull failed → ErrImagePull, message is the error
    PodCase(
        "ErrImagePull",
        waiting_pod("p-1", "ErrImagePull", "failed to pull: not found"),
        Problem("ErrImagePull", "pod p-1: failed to pull: not found", pod="p-1"),
    ),
    # image_manager.go: in back-off → ImagePullBackOff; since v1.32 the message says why
    PodCase(
        "ImagePullBackOff",
        waiting_pod("p-1", "ImagePullBackOff", BACKOFF),
        Problem("ImagePullBackOff", f"pod p-1: {BACKOFF}", pod="p-1"),
    ),
    # image_manager.go: Never and not present → ErrImageNeverPull
    PodCase(
        "ErrImageNeverPull",
        waiting_pod("p-1", "ErrImageNeverPull", NEVER),
        Problem("ErrImageNeverPull", f"pod p-1: {NEVER}", pod="p-1"),
    ),
    # image_manager.go applyDefaultImageTag failing → ErrInvalidImageName ("InvalidImageName")
    PodCase(
        "InvalidImageName",
        waiting_pod("p-1", "InvalidImageName", INVALID),
        Problem("InvalidImageName", f"pod p-1: {INVALID}", pod="p-1"),
    ),
    # A waiting reason that passes by itself (kubelet kuberuntime: ContainerCreating) is no problem
    PodCase("ContainerCreating", waiting_pod("p-1", "ContainerCreating", ""), None),
    PodCase("running", waiting_pod("p-1", "", ""), None),
    # A deleted pod's last state is not the learner's problem any more
    PodCase("deleted", waiting_pod("p-1", "ErrImagePull", "x", watch="DELETED"), None),
    # Without a message the reason stands for itself
    PodCase(
        "reason-only",
        waiting_pod("p-1", "ErrImagePull", ""),
        Problem("ErrImagePull", "pod p-1: ErrImagePull", pod="p-1"),
    ),
]


@pytest.mark.parametrize("case", POD_CASES, ids=lambda c: c.id)
def test_pod_problem(case: PodCase):
    assert pod_problem(case.payload) == case.expected


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(
            {"phase": "done", "ok": False, "message": REJECTED},
            Problem("Rejected", REJECTED),
            id="the API server said no: its words",
        ),
        pytest.param({"phase": "done", "ok": True, "message": "pod/p-1 created"}, None, id="ok"),
        pytest.param({"phase": "sent", "action": "create"}, None, id="not answered yet"),
    ],
)
def test_answer_problem(payload, expected):
    assert answer_problem(payload) == expected


@dataclass(frozen=True)
class StuckCase:
    id: str
    expected: list[str]  # reasons, in order
    state: str = "ready"
    failure: str = ""
    steps_passed: int = 1
    idle_minutes: int = 1
    latest_pod: dict | None = None
    latest_answer: dict | None = None
    steps_total: int = field(default=4)
    expected_pods: frozenset[str] = frozenset()


STUCK_CASES = [
    StuckCase("working", expected=[]),
    StuckCase("idle for 10 minutes", expected=["NoProgress"], idle_minutes=10),
    StuckCase("idle for 9 minutes", expected=[], idle_minutes=9),
    StuckCase(
        "pull error",
        expected=["ImagePullBackOff"],
        latest_pod=waiting_pod("p", "ImagePullBackOff", BACKOFF),
    ),
    # Labs make pull errors on purpose (three-policies: p-never-2 on an empty node): once a
    # step passed on that pod's error, its waiting is the lesson, not a learner stuck.
    StuckCase(
        "a pull error a passed step asked for",
        expected=[],
        latest_pod=waiting_pod("p-never-2", "ErrImageNeverPull", NEVER),
        expected_pods=frozenset({"p-never-2"}),
    ),
    StuckCase(
        "a pull error on another pod than the step's",
        expected=["ErrImageNeverPull"],
        latest_pod=waiting_pod("p-never", "ErrImageNeverPull", NEVER),
        expected_pods=frozenset({"p-never-2"}),
    ),
    StuckCase(
        "rejected",
        expected=["Rejected"],
        latest_answer={"phase": "done", "ok": False, "message": REJECTED},
    ),
    StuckCase(
        "everything at once, most specific first",
        expected=["Rejected", "ErrImageNeverPull", "NoProgress"],
        idle_minutes=30,
        latest_pod=waiting_pod("p", "ErrImageNeverPull", NEVER),
        latest_answer={"phase": "done", "ok": False, "message": REJECTED},
    ),
    StuckCase("lab failed to start", expected=["LabFailed"], state="failed", failure="no room"),
    # Only a running, unfinished lab can be stuck
    StuckCase(
        "all steps passed",
        expected=[],
        steps_passed=4,
        idle_minutes=60,
        latest_pod=waiting_pod("p", "ErrImagePull", "x"),
    ),
    StuckCase("still provisioning", expected=[], state="provisioning", idle_minutes=60),
    StuckCase("ended", expected=[], state="ended", idle_minutes=60),
]


@pytest.mark.parametrize("case", STUCK_CASES, ids=lambda c: c.id)
def test_stuck_reasons(case: StuckCase):
    facts = LearnerFacts(
        state=case.state,
        failure=case.failure,
        steps_total=case.steps_total,
        steps_passed=case.steps_passed,
        last_progress_at=NOW - timedelta(minutes=case.idle_minutes),
        now=NOW,
        latest_pod=case.latest_pod,
        latest_answer=case.latest_answer,
        expected_pods=case.expected_pods,
    )
    assert [p.reason for p in stuck_reasons(facts)] == case.expected


@pytest.mark.parametrize(
    ("kind", "payload", "pod"),
    [
        pytest.param("pod", waiting_pod("p-1", "ErrImagePull", "x"), "p-1", id="a pod's change"),
        pytest.param(
            "event",
            {"event": {"kind": "Pod", "name": "p-1", "reason": "ErrImageNeverPull"}},
            "p-1",
            id="an Event on a pod",
        ),
        pytest.param(
            "event",
            {"event": {"kind": "ReplicaSet", "name": "web-1", "reason": "FailedCreate"}},
            None,
            id="an Event on something else",
        ),
        pytest.param("object", {"key": "Deployment/web"}, None, id="another object"),
    ],
)
def test_the_pod_a_steps_evidence_is_about(kind, payload, pod):
    assert evidence_pod(kind, payload) == pod


def test_the_idle_message_counts_whole_minutes():
    facts = LearnerFacts("ready", "", 4, 0, NOW - timedelta(minutes=12, seconds=59), NOW)
    assert stuck_reasons(facts) == [Problem("NoProgress", "No step passed for 12 minutes.")]


@pytest.mark.parametrize(
    ("reason", "slot"),
    [
        ("ImagePullBackOff", "pod"),
        ("Rejected", "answer"),
        ("LabFailed", "status"),
        ("NoProgress", "idle"),
    ],
)
def test_each_problem_has_the_slot_a_newer_fact_replaces(reason, slot):
    assert Problem(reason, "m").slot == slot
