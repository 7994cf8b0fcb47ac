"""Set up, hand out and tear down a learner's session on a real cluster.

Every call goes through the official `kubernetes` client's typed APIs. Applying is
idempotent (an object that already exists is replaced), so a retried Celery task is harmless.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from clusters.kube import token_kubeconfig
from clusters.realcluster.templates import render_session

LEARNER_SERVICE_ACCOUNT = "learner"

# kind -> (API class, model name, create method, replace method)
_KINDS: dict[str, tuple[type, str, str, str]] = {
    "Namespace": (client.CoreV1Api, "V1Namespace", "create_namespace", "replace_namespace"),
    "ServiceAccount": (
        client.CoreV1Api,
        "V1ServiceAccount",
        "create_namespaced_service_account",
        "replace_namespaced_service_account",
    ),
    "ResourceQuota": (
        client.CoreV1Api,
        "V1ResourceQuota",
        "create_namespaced_resource_quota",
        "replace_namespaced_resource_quota",
    ),
    "LimitRange": (
        client.CoreV1Api,
        "V1LimitRange",
        "create_namespaced_limit_range",
        "replace_namespaced_limit_range",
    ),
    "Role": (
        client.RbacAuthorizationV1Api,
        "V1Role",
        "create_namespaced_role",
        "replace_namespaced_role",
    ),
    "RoleBinding": (
        client.RbacAuthorizationV1Api,
        "V1RoleBinding",
        "create_namespaced_role_binding",
        "replace_namespaced_role_binding",
    ),
    "NetworkPolicy": (
        client.NetworkingV1Api,
        "V1NetworkPolicy",
        "create_namespaced_network_policy",
        "replace_namespaced_network_policy",
    ),
}

MODEL_NAMES = {kind: entry[1] for kind, entry in _KINDS.items()}


def to_model(api: client.ApiClient, obj: dict[str, Any]) -> Any:
    """Deserialise a manifest dict into the official client's model class for its kind."""
    # The client only exposes deserialisation of HTTP responses; this is the same routine.
    return api._ApiClient__deserialize(obj, MODEL_NAMES[obj["kind"]])


def apply_object(api: client.ApiClient, session: str, obj: dict[str, Any]) -> None:
    """Create one rendered object, or replace it if an earlier attempt made it already."""
    api_class, _, create, replace = _KINDS[obj["kind"]]
    typed = api_class(api)
    body = to_model(api, obj)
    args = (body,) if obj["kind"] == "Namespace" else (session, body)
    try:
        getattr(typed, create)(*args)
    except ApiException as exc:
        if exc.status != 409:
            raise
        getattr(typed, replace)(obj["metadata"]["name"], *args)


def apply_session(api: client.ApiClient, session: str) -> list[str]:
    """Create the session's namespace and its objects; returns "Kind/name" in order applied."""
    applied = []
    for obj in render_session(session):
        apply_object(api, session, obj)
        applied.append(f"{obj['kind']}/{obj['metadata']['name']}")
    return applied


def delete_session(api: client.ApiClient, session: str) -> None:
    """Delete the namespace; the cluster deletes everything in it. Gone already is fine."""
    try:
        client.CoreV1Api(api).delete_namespace(session)
    except ApiException as exc:
        if exc.status != 404:
            raise


def request_token(api: client.ApiClient, session: str, expiration_seconds: int) -> str:
    """A bound token for the session's ServiceAccount (TokenRequest, no Secret is made)."""
    request = client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=expiration_seconds)
    )
    answer = client.CoreV1Api(api).create_namespaced_service_account_token(
        LEARNER_SERVICE_ACCOUNT, session, request
    )
    return answer.status.token


def learner_kubeconfig(
    api: client.ApiClient, session: str, expiration_seconds: int = 4 * 3600
) -> dict[str, Any]:
    """The kubeconfig the learner's terminal uses: same server and CA, the learner's token."""
    configuration = api.configuration
    token = request_token(api, session, expiration_seconds)
    kubeconfig = token_kubeconfig(configuration.host, token, namespace=session, name=session)
    cluster = kubeconfig["clusters"][0]["cluster"]
    if configuration.ssl_ca_cert:
        ca = Path(configuration.ssl_ca_cert).read_bytes()
        cluster["certificate-authority-data"] = base64.b64encode(ca).decode()
    if not configuration.verify_ssl:
        cluster["insecure-skip-tls-verify"] = True
    return kubeconfig
