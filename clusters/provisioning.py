"""Make and remove a learner's lab world. Idempotent: each call reloads the session's state."""

import logging
from typing import Any

import yaml
from django.conf import settings
from kubernetes.client import CustomObjectsApi
from kubernetes.client.exceptions import ApiException

from clusters.kube import (
    LABWORLD_GROUP,
    LABWORLD_PLURAL,
    LABWORLD_VERSION,
    admin_api_client,
    api_error_message,
    token_kubeconfig,
)
from labs.loader import get_lab
from labs.models import LabSession
from labs.pipeline import record_status

log = logging.getLogger(__name__)
State = LabSession.State


class WorldNotReady(Exception):
    """The cluster accepted the world but has not reported a token yet: try again later."""


class ProvisioningRefused(Exception):
    """The cluster will not make this world; retrying will not help."""


def provision_session(session_id: int) -> None:
    """Create the session's lab world and store the learner's kubeconfig; no-op once ready."""
    session = LabSession.objects.filter(pk=session_id).first()
    if session is None or session.state != State.PROVISIONING:
        return
    lab = get_lab(session.lab_id)
    if lab is None:
        raise ProvisioningRefused(f"There is no lab named {session.lab_id!r}.")
    if settings.CLUSTER_KUBECONFIG:
        # Real clusters get a namespace + ServiceAccount instead of a LabWorld (issue 4).
        raise ProvisioningRefused("Lab worlds on a real cluster are not supported yet.")
    with admin_api_client() as api:
        world = _create_or_get_world(CustomObjectsApi(api), session.namespace, lab.world)
    status = world.get("status") or {}
    if not status.get("token"):
        raise WorldNotReady(f"lab world {session.namespace} has no token yet")
    kubeconfig = token_kubeconfig(
        settings.SIM_URL,
        status["token"],
        status.get("namespace", session.namespace),
        ca_data=status.get("certificateAuthorityData", ""),
    )
    updated = LabSession.objects.filter(pk=session_id, state=State.PROVISIONING).update(
        state=State.READY, kubeconfig=yaml.safe_dump(kubeconfig)
    )
    if updated:
        session.refresh_from_db()
        record_status(session)


def _create_or_get_world(api: CustomObjectsApi, name: str, world: dict[str, Any]) -> dict:
    body = {
        "apiVersion": f"{LABWORLD_GROUP}/{LABWORLD_VERSION}",
        "kind": "LabWorld",
        "metadata": {"name": name},
        "spec": world,
    }
    try:
        return api.create_cluster_custom_object(
            LABWORLD_GROUP, LABWORLD_VERSION, LABWORLD_PLURAL, body
        )
    except ApiException as exc:
        if exc.status == 409:  # made by an earlier attempt of this same task
            return api.get_cluster_custom_object(
                LABWORLD_GROUP, LABWORLD_VERSION, LABWORLD_PLURAL, name
            )
        if exc.status and 400 <= exc.status < 500:
            raise ProvisioningRefused(api_error_message(exc)) from exc
        raise


def mark_failed(session_id: int, failure: str) -> None:
    updated = LabSession.objects.filter(pk=session_id, state=State.PROVISIONING).update(
        state=State.FAILED, failure=failure
    )
    if updated:
        record_status(LabSession.objects.get(pk=session_id))


def end_session(session_id: int) -> None:
    """End the session and delete its world. Safe to call again, or on a failed session."""
    session = LabSession.objects.filter(pk=session_id).first()
    if session is None:
        return
    if session.state != State.ENDED:
        LabSession.objects.filter(pk=session_id).exclude(state=State.ENDED).update(
            state=State.ENDED, kubeconfig=""
        )
        session.refresh_from_db()
        record_status(session)
    if settings.CLUSTER_KUBECONFIG:
        return
    with admin_api_client() as api:
        try:
            CustomObjectsApi(api).delete_cluster_custom_object(
                LABWORLD_GROUP, LABWORLD_VERSION, LABWORLD_PLURAL, session.namespace
            )
        except ApiException as exc:
            if exc.status != 404:
                raise
