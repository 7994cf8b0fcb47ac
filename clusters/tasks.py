"""Celery tasks: thin wrappers that take ids, reload state and call the domain code."""

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from clusters import actions, provisioning
from clusters.worldchanges import WorldChangeRefused, apply_world_change
from labs.models import LabSession, SessionEvent
from labs.pipeline import record_action

log = logging.getLogger(__name__)

# Errors worth another try: the cluster is down, busy, or has not finished making the world.
RETRYABLE = (HTTPError, ApiException, provisioning.WorldNotReady)
MAX_PROVISION_RETRIES = 6


@shared_task(name="clusters.provision_session", bind=True, acks_late=True)
def provision_session(self, session_id: int) -> None:
    try:
        provisioning.provision_session(session_id)
    except provisioning.ProvisioningRefused as exc:
        provisioning.mark_failed(session_id, str(exc))
    except RETRYABLE as exc:
        if self.request.retries >= MAX_PROVISION_RETRIES:
            log.warning("giving up provisioning session %s: %s", session_id, exc)
            provisioning.mark_failed(session_id, "The cluster could not make your lab. Try again.")
            return
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 30)) from exc
    except Exception:
        # Anything unexpected (a failed image push, a bug): the learner sees a failed lab,
        # never a page stuck in "Provisioning…".
        log.exception("provisioning session %s failed", session_id)
        provisioning.mark_failed(session_id, "The cluster could not make your lab. Try again.")


@shared_task(name="clusters.end_session", bind=True, acks_late=True, max_retries=5)
def end_session(self, session_id: int) -> None:
    try:
        provisioning.end_session(session_id)
    except (HTTPError, ApiException) as exc:
        raise self.retry(exc=exc, countdown=min(2**self.request.retries, 60)) from exc


def _as_learner(session_id: int, request_id: str, act: Callable[[str], actions.Answer]) -> None:
    """Run `act` with the session's kubeconfig and publish the API server's answer."""
    session = LabSession.objects.filter(pk=session_id, state=LabSession.State.READY).first()
    if session is None:
        answer = actions.Answer(False, "This lab session is not running.")
    else:
        try:
            answer = act(session.kubeconfig)
        except Exception:
            # The learner always gets an answer, never a request that hangs at "Sent".
            log.exception("learner request %s of session %s failed", request_id, session_id)
            answer = actions.Answer(False, "The platform could not send this request.")
    record_action(session_id, request_id, "done", ok=answer.ok, message=answer.message)


# Learner actions are not retried: a create that reached the server must not be sent twice.


@shared_task(name="clusters.apply_manifest")
def apply_manifest(session_id: int, request_id: str, manifest: dict[str, Any]) -> None:
    _as_learner(
        session_id, request_id, lambda kubeconfig: actions.apply_manifest(kubeconfig, manifest)
    )


@shared_task(name="clusters.delete_pod")
def delete_pod(session_id: int, request_id: str, pod_name: str) -> None:
    _as_learner(session_id, request_id, lambda kubeconfig: actions.delete_pod(kubeconfig, pod_name))


@shared_task(name="clusters.change_world")
def change_world(session_id: int, request_id: str) -> None:
    """The learner's node panel: the world change stored with the request, made once.

    Takes ids only: the change is read from the request's `sent` record, and a request that
    already has its answer is not made again, so running the task twice is harmless.
    """
    sent = SessionEvent.objects.filter(
        session_id=session_id, dedupe_key=f"action:{request_id}:sent"
    ).first()
    answered = SessionEvent.objects.filter(
        session_id=session_id, dedupe_key=f"action:{request_id}:done"
    ).exists()
    if sent is None or answered:
        return
    session = LabSession.objects.filter(pk=session_id, state=LabSession.State.READY).first()
    if session is None:
        ok, message = False, "This lab session is not running."
    else:
        try:
            ok, message = True, apply_world_change(session, sent.payload["change"])
        except WorldChangeRefused as refused:
            ok, message = False, str(refused)
        except Exception:
            log.exception("world change %s of session %s failed", request_id, session_id)
            ok, message = False, "The platform could not make this change."
    record_action(session_id, request_id, "done", ok=ok, message=message)
