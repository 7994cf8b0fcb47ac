"""The live feed of cohort boards: one compact message per session event, never the board.

labs.pipeline.publish calls publish_progress after the session's own group, so the trainer's
board sees a step turn green as soon as the learner's page does. A message is small: which
session and learner, the event's seq and kind, the step that passed, and the problem the event
shows on its own (cohorts/stuck.py), so the board can flag or clear it without a query.
"""

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from cohorts.progress import expected_pods
from cohorts.stuck import Problem, event_problem, evidence_pod
from labs.models import LabSession, SessionEvent

log = logging.getLogger(__name__)


def board_message(session: dict[str, Any], event: SessionEvent) -> dict[str, Any]:
    """What a board needs from one event of `session` ({"id", "owner_id", "lab_id"})."""
    message: dict[str, Any] = {
        "session": session["id"],
        "learner": session["owner_id"],
        "lab": session["lab_id"],
        "seq": event.seq,
        "kind": event.kind,
        "at": event.created_at.isoformat(),
    }
    payload = event.payload
    if event.kind == SessionEvent.Kind.STEP:
        message["step"] = payload["step"]
        # The board drops that pod's flag: its error was what the step asked for.
        message["pod"] = _evidence_pod(session["id"], payload.get("evidence_seq"))
    elif event.kind == SessionEvent.Kind.STATUS:
        message["state"] = payload.get("state", "")
        if payload.get("state") == LabSession.State.FAILED:
            message["problem"] = Problem("LabFailed", payload.get("failure", "")).as_dict()
    elif event.kind == SessionEvent.Kind.POD or payload.get("phase") == "done":
        # Pods and answers each replace the one before: None clears the board's flag.
        problem = event_problem(event.kind, payload)
        if (
            problem
            and problem.pod
            and problem.pod in expected_pods([session["id"]]).get(session["id"], ())
        ):
            problem = None
        message["problem"] = problem.as_dict() if problem else None
    return message


def _evidence_pod(session_id: int, seq: int | None) -> str | None:
    evidence = SessionEvent.objects.filter(session_id=session_id, seq=seq).first()
    return evidence_pod(evidence.kind, evidence.payload) if evidence else None


def session_and_groups(session_id: int) -> tuple[dict[str, Any] | None, list[str]]:
    """The session ({"id", "owner_id", "lab_id"}) and the board groups of every cohort that
    counts it, in one query: the pipeline calls this for every event it publishes."""
    rows = LabSession.objects.filter(pk=session_id).values_list(
        "owner_id", "lab_id", "owner__memberships__cohort_id", "owner__memberships__cohort__lab_ids"
    )
    session, groups = None, []
    for owner_id, lab_id, cohort_id, lab_ids in rows:
        session = {"id": session_id, "owner_id": owner_id, "lab_id": lab_id}
        if cohort_id is not None and (not lab_ids or lab_id in lab_ids):
            groups.append(f"cohort.{cohort_id}")
    return session, groups


def publish_progress(session_id: int, events: Iterable[SessionEvent]) -> None:
    """Send each event's compact message to the boards; never raises (events are stored)."""
    events = list(events)
    if not events:
        return
    try:
        session, groups = session_and_groups(session_id)
        sends = [
            (group, {"type": "board.progress", "progress": board_message(session, event)})
            for group in groups
            for event in events
        ]
        if sends:
            async_to_sync(_send_all)(get_channel_layer(), sends)
    except Exception:
        log.exception("could not publish progress of session %s to its cohorts", session_id)


async def _send_all(layer, sends: list[tuple[str, dict[str, Any]]]) -> None:
    # One trip into the event loop for all of them: each async_to_sync costs a thread hop.
    for group, message in sends:
        await layer.group_send(group, message)
