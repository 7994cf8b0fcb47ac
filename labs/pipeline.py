"""The one data path: persist a session event with the next seq, run the checks, publish.

Called by the watch worker (pods, Events, other objects, node facts), Celery tasks (status,
action results) and tests.
Everything is synchronous; callers in async code wrap it with database_sync_to_async.
"""

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, transaction
from django.db.models import F

from cohorts.feed import publish_progress
from labs.checks import Facts, passing_steps
from labs.loader import get_lab
from labs.models import LabSession, SessionEvent, StepResult

log = logging.getLogger(__name__)
Kind = SessionEvent.Kind
# The kinds that are cluster facts: each one may make a step pass.
FACT_KINDS = (Kind.POD, Kind.EVENT, Kind.OBJECT, Kind.NODE)


def record(session_id: int, kind: str, payload: dict[str, Any], dedupe_key: str):
    """Store one event with the session's next seq; None if an event with this key exists.

    The seq comes from an atomic UPDATE of LabSession.last_seq in the same short transaction,
    so concurrent writers (watcher threads, workers) never share or skip a number.
    """
    try:
        with transaction.atomic():
            if SessionEvent.objects.filter(session_id=session_id, dedupe_key=dedupe_key).exists():
                return None
            bumped = LabSession.objects.filter(pk=session_id).update(last_seq=F("last_seq") + 1)
            if not bumped:  # the session was deleted meanwhile
                return None
            seq = LabSession.objects.values_list("last_seq", flat=True).get(pk=session_id)
            return SessionEvent.objects.create(
                session_id=session_id, seq=seq, kind=kind, payload=payload, dedupe_key=dedupe_key
            )
    except IntegrityError:
        # Another writer stored the same dedupe key between our check and our insert.
        return None


def ingest(session_id: int, kind: str, payload: dict[str, Any], dedupe_key: str):
    """Record an event, evaluate the open steps if it is a cluster fact, publish what is new."""
    event = record(session_id, kind, payload, dedupe_key)
    if event is None:
        return []
    new_events = [event]
    if kind in FACT_KINDS:
        new_events += evaluate_steps(session_id, evidence_seq=event.seq)
    publish(session_id, new_events)
    return new_events


def ingest_change(session_id: int, kind: str, payload: dict[str, Any], subject: str):
    """Record `payload` about `subject` only if it differs from the last one recorded about it.

    For facts read as snapshots, which carry no resourceVersion (node facts, the world
    status): reading the same state twice stores nothing. The dedupe key names the event it
    follows, so two writers racing with the same change store it once, and a state that comes
    back (A, B, A) is stored again.
    """
    last = (
        SessionEvent.objects.filter(session_id=session_id, dedupe_key__startswith=f"{subject}@")
        .order_by("-seq")
        .values_list("seq", "payload")
        .first()
    )
    if last is not None and last[1] == payload:
        return []
    return ingest(session_id, kind, payload, f"{subject}@{last[0] if last else 0}")


def evaluate_steps(session_id: int, evidence_seq: int) -> list[SessionEvent]:
    """Latch every open step whose check holds on the facts up to `evidence_seq`."""
    session = LabSession.objects.only("lab_id", "namespace").get(pk=session_id)
    lab = get_lab(session.lab_id)
    if lab is None:
        return []
    passed = set(StepResult.objects.filter(session_id=session_id).values_list("step_id", flat=True))
    open_ids = {step.id for step in lab.steps} - passed
    if not open_ids:
        return []
    activation = _activation_up_to(session, lab.world, evidence_seq)
    step_events = []
    for step_id in passing_steps(lab.steps, open_ids, activation):
        with transaction.atomic():
            payload = {"step": step_id, "evidence_seq": evidence_seq}
            event = record(session_id, Kind.STEP, payload, dedupe_key=f"step:{step_id}")
            if event is not None:
                StepResult.objects.create(
                    session_id=session_id, step_id=step_id, evidence_seq=evidence_seq
                )
                step_events.append(event)
    return step_events


# Each process keeps the folded facts of recent sessions, so a new event costs one fold, not a
# re-read of the session. Keyed by namespace too: a reused primary key is another session.
_FACTS: OrderedDict[tuple[int, str], Facts] = OrderedDict()
_FACTS_LOCK = threading.Lock()
MAX_CACHED_SESSIONS = 256


def _activation_up_to(session: LabSession, world: dict[str, Any], seq: int) -> dict[str, Any]:
    """The CEL variables for the session's facts up to and including `seq`."""
    key = (session.pk, session.namespace)
    with _FACTS_LOCK:
        facts = _FACTS.pop(key, None)
        if facts is None or facts.seq > seq:
            # New here, or another thread already folded past `seq`: fold from the start.
            facts = Facts(world)
        stored = SessionEvent.objects.filter(
            session_id=session.pk, kind__in=FACT_KINDS, seq__gt=facts.seq, seq__lte=seq
        ).values_list("kind", "payload")
        for kind, payload in stored.iterator():
            facts.add(kind, payload)
        facts.seq = seq
        _FACTS[key] = facts
        while len(_FACTS) > MAX_CACHED_SESSIONS:
            _FACTS.popitem(last=False)
        return facts.activation()


def recheck(session_id: int) -> list[SessionEvent]:
    """Evaluate open steps on every stored fact, e.g. after a watch restarts.

    A worker that died between storing an event and checking it must not leave a step open
    forever: the re-list stores nothing new (dedupe), so this is what checks again.
    """
    last_fact = (
        SessionEvent.objects.filter(session_id=session_id, kind__in=FACT_KINDS)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    if last_fact is None:
        return []
    step_events = evaluate_steps(session_id, evidence_seq=last_fact)
    publish(session_id, step_events)
    return step_events


def record_status(session: LabSession) -> list[SessionEvent]:
    """Tell the page the session's state changed (provisioning → ready/failed → ended)."""
    payload = {"state": session.state, "failure": session.failure}
    return ingest(session.pk, Kind.STATUS, payload, dedupe_key=f"status:{session.state}")


def record_action(session_id: int, request_id: str, phase: str, **details: Any):
    """A learner's request (`phase="sent"`) or the API server's answer (`phase="done"`)."""
    payload = {"request": request_id, "phase": phase, **details}
    return ingest(session_id, Kind.ACTION, payload, dedupe_key=f"action:{request_id}:{phase}")


def publish(session_id: int, events: Iterable[SessionEvent]) -> None:
    """Send events to the session's channel group.

    A failed send loses nothing: the events are stored, and a browser that reconnects replays
    them by seq.
    """
    events = list(events)
    layer = get_channel_layer()
    for event in events:
        try:
            async_to_sync(layer.group_send)(
                f"session.{session_id}", {"type": "session.event", "event": event.as_message()}
            )
        except Exception:
            log.exception("could not publish seq %s of session %s", event.seq, session_id)
    # Trainers' boards get a compact copy of each event (cohorts/feed.py).
    publish_progress(session_id, events)
