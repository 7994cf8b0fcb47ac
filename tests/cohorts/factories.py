"""Sessions, passed steps and pod payloads for cohort tests, made through the real models."""

from datetime import timedelta

from django.utils import timezone

from labs.models import LabSession, SessionEvent, StepResult
from labs.pipeline import record

LAB_1 = "three-policies"
LAB_1_STEPS = ["ifnp-cached", "always-resolves", "never-cached", "never-uncached"]


def make_session(learner, state=LabSession.State.READY, minutes_ago: int = 0) -> LabSession:
    session = LabSession.objects.create(owner=learner, lab_id=LAB_1, state=state)
    if minutes_ago:
        started = timezone.now() - timedelta(minutes=minutes_ago)
        LabSession.objects.filter(pk=session.pk).update(created_at=started)
        session.refresh_from_db()
    return session


def pass_step(session: LabSession, step_id: str, minutes_after_start: int) -> None:
    event = record(
        session.pk, SessionEvent.Kind.STEP, {"step": step_id, "evidence_seq": 1}, step_id
    )
    result = StepResult.objects.create(session=session, step_id=step_id, evidence_seq=event.seq)
    passed_at = session.created_at + timedelta(minutes=minutes_after_start)
    StepResult.objects.filter(pk=result.pk).update(passed_at=passed_at)


def waiting_pod(name: str, reason: str, message: str, watch: str = "MODIFIED") -> dict:
    """A pod event payload as labs.normalise.pod_payload makes it, waiting on its image."""
    state = {"waiting": {"reason": reason, "message": message}} if reason else {"running": {}}
    pod = {
        "metadata": {"name": name, "uid": f"uid-{name}"},
        "spec": {"nodeName": "node-1"},
        "status": {"phase": "Pending", "containerStatuses": [{"name": "web", "state": state}]},
    }
    status = reason or "Running"
    summary = {"name": name, "uid": f"uid-{name}", "status": status, "node": "node-1"}
    return {"watch": watch, "object": pod, "summary": summary}
