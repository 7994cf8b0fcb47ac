"""World changes (docs/lab-authoring.md, "World actions") made through the cluster's API.

The platform, never the learner, changes a lab's world: on the simulated cluster it POSTs a
LabWorldChange to `labworlds/{name}/changes` with its admin credentials, the same client it
makes LabWorlds with. Used by `labs/solver.py` and by the learner's node panel task.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from kubernetes.client.exceptions import ApiException

from clusters.kube import (
    LABWORLD_GROUP,
    LABWORLD_PLURAL,
    LABWORLD_VERSION,
    admin_api_client,
    api_error_message,
)
from clusters.worldfacts import refresh_world_facts
from labs.models import LabSession


class WorldChangeRefused(Exception):
    """The world did not change: the node or API server refused it, it is malformed, or the
    cluster the platform runs on cannot make it. The message says which, in the cluster's words."""


def real_cluster_refusal(action: str) -> str:
    return (
        f"This lab needs the simulated cluster: the platform cannot make the world change "
        f"{action!r} on a real cluster (it has no access to the nodes' files, the registries "
        f"or the API server's flags there)."
    )


def apply_world_change(session: LabSession, change: dict[str, Any]) -> str:
    """Make one world action in the session's world; return what happened.

    Raises WorldChangeRefused with the reason when the world did not change.
    """
    if settings.CLUSTER_KUBECONFIG:
        raise WorldChangeRefused(real_cluster_refusal(", ".join(sorted(change))))
    body = {
        "apiVersion": f"{LABWORLD_GROUP}/{LABWORLD_VERSION}",
        "kind": "LabWorldChange",
        "change": change,
    }
    path = (
        f"/apis/{LABWORLD_GROUP}/{LABWORLD_VERSION}/{LABWORLD_PLURAL}/{session.namespace}/changes"
    )
    with admin_api_client() as api:
        request = api.param_serialize(
            "POST",
            path,
            header_params={"Content-Type": "application/json", "Accept": "application/json"},
            body=body,
            auth_settings=["BearerToken"],
        )
        response = api.call_api(*request)
        response.read()
    if response.status >= 400:
        exc = ApiException(http_resp=response)
        if response.status < 500:
            raise WorldChangeRefused(api_error_message(exc)) from exc
        raise exc
    answer = json.loads(response.data)
    status = answer.get("status") or {}
    # Let the session's checks see the changed world.
    refresh_world_facts(session.pk)
    if not status.get("accepted"):
        raise WorldChangeRefused(status.get("message") or "the world change was refused")
    return status.get("message") or "world changed"
