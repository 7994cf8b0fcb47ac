"""Make and remove a learner's lab world. Idempotent: each call reloads the session's state."""

import logging
from pathlib import Path
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
from clusters.realcluster.provision import set_up_session, tear_down_session
from clusters.realcluster.registry import Credentials, RemoteRegistry
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
        kubeconfig = _set_up_on_real_cluster(session, lab.world)
    else:
        kubeconfig = _make_lab_world(session, lab.world)
    updated = LabSession.objects.filter(pk=session_id, state=State.PROVISIONING).update(
        state=State.READY, kubeconfig=yaml.safe_dump(kubeconfig)
    )
    if updated:
        session.refresh_from_db()
        record_status(session)


def _make_lab_world(session: LabSession, world: dict[str, Any]) -> dict[str, Any]:
    """On the simulated cluster: one LabWorld, whose status carries the learner's token."""
    with admin_api_client() as api:
        made = _create_or_get_world(CustomObjectsApi(api), session.namespace, world)
    status = made.get("status") or {}
    if not status.get("token"):
        raise WorldNotReady(f"lab world {session.namespace} has no token yet")
    return token_kubeconfig(
        settings.SIM_URL,
        status["token"],
        status.get("namespace", session.namespace),
        ca_data=status.get("certificateAuthorityData", ""),
    )


def _lab_registries() -> tuple[RemoteRegistry, RemoteRegistry | None]:
    """Where a real cluster's lab images are pushed, per session (kind: localhost:5001)."""
    private = None
    if settings.LAB_PRIVATE_REGISTRY:
        credentials = Credentials(
            settings.LAB_PRIVATE_REGISTRY_USER, settings.LAB_PRIVATE_REGISTRY_PASSWORD
        )
        private = RemoteRegistry(settings.LAB_PRIVATE_REGISTRY, credentials)
    return RemoteRegistry(settings.LAB_REGISTRY), private


def _set_up_on_real_cluster(session: LabSession, world: dict[str, Any]) -> dict[str, Any]:
    """On a real cluster: namespace, ServiceAccount, RBAC, quota, netpol, PSA, the world's
    images under the session's own registry path, and a ServiceAccount token kubeconfig."""
    public, private = _lab_registries()
    workdir = Path(settings.VAR_DIR) / "worlds" / session.namespace
    with admin_api_client() as api:
        return set_up_session(api, session.namespace, world, workdir, public, private)


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
        with admin_api_client() as api:
            tear_down_session(api, session.namespace)
        return
    with admin_api_client() as api:
        try:
            CustomObjectsApi(api).delete_cluster_custom_object(
                LABWORLD_GROUP, LABWORLD_VERSION, LABWORLD_PLURAL, session.namespace
            )
        except ApiException as exc:
            if exc.status != 404:
                raise
