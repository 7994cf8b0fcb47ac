"""cohorts/feed.py: the compact board message of each event, and which boards get it."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from cohorts.feed import board_message, session_and_groups
from cohorts.models import Cohort, Membership
from labs.models import SessionEvent, StepResult
from labs.pipeline import record
from tests.cohorts.factories import make_session, waiting_pod

AT = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
SESSION = {"id": 7, "owner_id": 3, "lab_id": "three-policies"}
BASE = {"session": 7, "learner": 3, "lab": "three-policies", "seq": 5, "at": AT.isoformat()}


@dataclass(frozen=True)
class MessageCase:
    id: str
    kind: str
    payload: dict
    extra: dict  # what the message carries besides BASE and the kind


CASES = [
    MessageCase(
        "step",
        "step",
        {"step": "ifnp-cached", "evidence_seq": 4},
        {"step": "ifnp-cached", "pod": None},
    ),
    MessageCase(
        "pod in back-off sets the pod problem",
        "pod",
        waiting_pod("p", "ImagePullBackOff", "Back-off pulling image"),
        {
            "problem": {
                "reason": "ImagePullBackOff",
                "message": "pod p: Back-off pulling image",
                "slot": "pod",
                "pod": "p",
            }
        },
    ),
    MessageCase("a healthy pod clears it", "pod", waiting_pod("p", "", ""), {"problem": None}),
    MessageCase(
        "a rejected answer",
        "action",
        {"request": "r", "phase": "done", "ok": False, "message": "Forbidden"},
        {"problem": {"reason": "Rejected", "message": "Forbidden", "slot": "answer"}},
    ),
    MessageCase(
        "an accepted answer clears it",
        "action",
        {"request": "r", "phase": "done", "ok": True, "message": "created"},
        {"problem": None},
    ),
    # A request that is only sent says nothing about problems: the flag stays as it is
    MessageCase("sent", "action", {"request": "r", "phase": "sent", "action": "create"}, {}),
    MessageCase(
        "lab failed",
        "status",
        {"state": "failed", "failure": "no room"},
        {
            "state": "failed",
            "problem": {"reason": "LabFailed", "message": "no room", "slot": "status"},
        },
    ),
    MessageCase("lab ready", "status", {"state": "ready", "failure": ""}, {"state": "ready"}),
    # Kubernetes Events only mark activity: the pod's own status carries the waiting reason
    MessageCase("event", "event", {"watch": "ADDED", "id": "e", "event": {"reason": "Pulled"}}, {}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_board_message(case: MessageCase):
    event = SessionEvent(seq=5, kind=case.kind, payload=case.payload, created_at=AT)
    assert board_message(SESSION, event) == {**BASE, "kind": case.kind, **case.extra}


@pytest.mark.django_db
def test_groups_are_the_cohorts_that_count_the_session(trainer, member, cohort):
    anything = Cohort.objects.create(name="Any lab", trainer=trainer)
    elsewhere = Cohort.objects.create(name="Lab 2 only", trainer=trainer, lab_ids=["other"])
    Cohort.objects.create(name="Not a member", trainer=trainer)
    for joined in (anything, elsewhere):
        Membership.objects.create(cohort=joined, learner=member)
    session = make_session(member)
    found, groups = session_and_groups(session.pk)
    assert found == {"id": session.pk, "owner_id": member.pk, "lab_id": session.lab_id}
    assert sorted(groups) == sorted([f"cohort.{cohort.pk}", f"cohort.{anything.pk}"])


@pytest.mark.django_db
def test_a_learner_in_no_cohort_has_no_groups(outsider):
    session = make_session(outsider)
    assert session_and_groups(session.pk)[1] == []
    assert session_and_groups(session.pk + 99) == (None, [])


@pytest.mark.django_db
def test_a_step_names_the_pod_of_its_evidence_and_that_pods_errors_raise_nothing(member):
    # Labs make pull errors on purpose: the board drops the flag of the pod a step passed on.
    session = make_session(member)
    as_dict = {"id": session.pk, "owner_id": member.pk, "lab_id": session.lab_id}
    error = waiting_pod("p-never-2", "ErrImageNeverPull", "not present")
    evidence = record(session.pk, SessionEvent.Kind.POD, error, "k1")
    assert board_message(as_dict, evidence)["problem"]["pod"] == "p-never-2"

    StepResult.objects.create(session=session, step_id="never-uncached", evidence_seq=evidence.seq)
    step = record(
        session.pk,
        SessionEvent.Kind.STEP,
        {"step": "never-uncached", "evidence_seq": evidence.seq},
        "step",
    )
    assert board_message(as_dict, step)["pod"] == "p-never-2"
    again = record(session.pk, SessionEvent.Kind.POD, error, "k2")
    assert board_message(as_dict, again)["problem"] is None
    other = record(session.pk, SessionEvent.Kind.POD, waiting_pod("p-2", "ErrImagePull", "x"), "k3")
    assert board_message(as_dict, other)["problem"]["pod"] == "p-2"
