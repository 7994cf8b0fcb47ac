"""normalise → persist (numbered, deduplicated) → check → publish, as one path."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from labs.models import SessionEvent, StepResult
from labs.normalise import event_payload, pod_payload
from labs.pipeline import evaluate_steps, ingest, recheck, record, record_action
from tests.labs.cluster_objects import already_present, never_pull, pod

pytestmark = pytest.mark.django_db

IFNP = pod("p-ifnp", policy="IfNotPresent", phase="Running")
NEVER_2 = pod("p-never-2", node="node-2", policy="Never", waiting="ErrImageNeverPull")


def ingest_pod(session, obj, watch_type="ADDED"):
    return ingest(session.pk, "pod", *pod_payload(watch_type, obj))


def ingest_event(session, obj):
    return ingest(session.pk, "event", *event_payload("ADDED", obj))


def test_seqs_count_up_from_one_without_gaps(ready_session):
    for n in range(5):
        record(ready_session.pk, "action", {"n": n}, dedupe_key=f"a{n}")
    seqs = list(ready_session.events.values_list("seq", flat=True))
    assert seqs == [1, 2, 3, 4, 5]
    ready_session.refresh_from_db()
    assert ready_session.last_seq == 5


def test_seqs_are_per_session(ready_session, learner):
    other = type(ready_session).objects.create(owner=learner, lab_id="three-policies")
    record(ready_session.pk, "action", {}, "a")
    assert record(other.pk, "action", {}, "a").seq == 1


def test_the_same_object_version_is_stored_once_and_uses_no_seq(ready_session):
    assert len(ingest_pod(ready_session, IFNP)) == 1
    # A re-list after a watch restart delivers the same uid and resourceVersion again.
    assert ingest_pod(ready_session, IFNP) == []
    assert ingest_pod(ready_session, IFNP, watch_type="MODIFIED") == []
    ready_session.refresh_from_db()
    assert ready_session.last_seq == 1


def test_a_step_passes_once_with_the_event_that_proved_it_as_evidence(ready_session):
    ingest_pod(ready_session, IFNP)
    new = ingest_event(ready_session, already_present(IFNP))
    assert [(e.seq, e.kind) for e in new] == [(2, "event"), (3, "step")]
    assert new[1].payload == {"step": "ifnp-cached", "evidence_seq": 2}
    result = StepResult.objects.get(session=ready_session)
    assert (result.step_id, result.evidence_seq) == ("ifnp-cached", 2)

    # Latched: later facts that would make the check false do not reopen or repeat it.
    ingest_pod(ready_session, IFNP, watch_type="DELETED")
    ingest_event(ready_session, never_pull(NEVER_2))
    assert SessionEvent.objects.filter(session=ready_session, kind="step").count() == 1
    assert StepResult.objects.filter(session=ready_session).count() == 1


def test_actions_are_recorded_but_never_checked(ready_session):
    new = record_action(ready_session.pk, "r1", "done", ok=False, message="nope")
    assert [e.kind for e in new] == ["action"]
    assert record_action(ready_session.pk, "r1", "done", ok=False, message="nope") == []


def test_new_events_are_published_to_the_session_group(ready_session):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(ready_session.group_name, channel)
    ingest_pod(ready_session, NEVER_2)
    ingest_event(ready_session, never_pull(NEVER_2))

    async def receive_three():
        return [await layer.receive(channel) for _ in range(3)]

    received = async_to_sync(receive_three)()
    assert [m["type"] for m in received] == ["session.event"] * 3
    assert [(m["event"]["seq"], m["event"]["kind"]) for m in received] == [
        (1, "pod"),
        (2, "event"),
        (3, "step"),
    ]
    assert received[2]["event"]["payload"]["step"] == "never-uncached"


def test_recheck_latches_a_step_whose_evidence_was_stored_but_never_checked(ready_session):
    # A worker died after storing these two facts and before running the checks.
    record(ready_session.pk, "pod", *pod_payload("ADDED", IFNP))
    record(ready_session.pk, "event", *event_payload("ADDED", already_present(IFNP)))
    assert not StepResult.objects.exists()

    [step] = recheck(ready_session.pk)
    assert step.payload == {"step": "ifnp-cached", "evidence_seq": 2}
    assert recheck(ready_session.pk) == []


def test_facts_are_folded_up_to_the_evidence_even_after_a_later_check(ready_session):
    # Two watch threads can check out of order: a check at an earlier seq must not see the
    # facts of a later one (here the pod's deletion).
    record(ready_session.pk, "pod", *pod_payload("ADDED", IFNP))
    record(ready_session.pk, "event", *event_payload("ADDED", already_present(IFNP)))
    record(ready_session.pk, "pod", *pod_payload("DELETED", IFNP))
    assert evaluate_steps(ready_session.pk, evidence_seq=3) == []
    [step] = evaluate_steps(ready_session.pk, evidence_seq=2)
    assert step.payload == {"step": "ifnp-cached", "evidence_seq": 2}
