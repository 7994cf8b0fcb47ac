"""Official `kubernetes` clients built from kubeconfigs: one per session, no global config."""

import base64
import json
from typing import Any

import yaml
from django.conf import settings
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.config.kube_config import KubeConfigLoader

LABWORLD_GROUP = "sim.pullpolicylabs.dev"
LABWORLD_VERSION = "v1"
LABWORLD_PLURAL = "labworlds"


def api_client_from_kubeconfig(kubeconfig: str | dict[str, Any]) -> client.ApiClient:
    """An ApiClient for the kubeconfig's current context (text or an already parsed dict)."""
    config_dict = yaml.safe_load(kubeconfig) if isinstance(kubeconfig, str) else kubeconfig
    configuration = client.Configuration()
    KubeConfigLoader(config_dict=config_dict).load_and_set(configuration)
    return client.ApiClient(configuration)


def admin_api_client() -> client.ApiClient:
    """The platform's own client: the simulator's admin token, or CLUSTER_KUBECONFIG's user."""
    if settings.CLUSTER_KUBECONFIG:
        with open(settings.CLUSTER_KUBECONFIG) as f:
            return api_client_from_kubeconfig(f.read())
    return api_client_from_kubeconfig(
        token_kubeconfig(
            settings.SIM_URL, settings.SIM_ADMIN_TOKEN, namespace="default", ca_data=sim_ca_data()
        )
    )


def sim_ca_data() -> str:
    """The simulator's CA (base64 PEM) when it serves HTTPS; empty for plain HTTP."""
    if not settings.SIM_URL.startswith("https:"):
        return ""
    with open(settings.SIM_CA_FILE, "rb") as f:
        return base64.b64encode(f.read()).decode()


def token_kubeconfig(
    server: str, token: str, namespace: str, ca_data: str = "", name: str = "lab"
) -> dict[str, Any]:
    """A kubeconfig with one bearer-token user whose context defaults to `namespace`.

    It is what a learner would paste into kubectl, and what the platform uses to act as them.
    `ca_data` is the base64 PEM of the CA that signed the server's certificate.
    """
    cluster: dict[str, Any] = {"server": server}
    if ca_data:
        cluster["certificate-authority-data"] = ca_data
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": name, "namespace": namespace}}
        ],
        "current-context": name,
    }


def session_namespace(kubeconfig: str | dict[str, Any]) -> str:
    """The namespace of the kubeconfig's current context."""
    config_dict = yaml.safe_load(kubeconfig) if isinstance(kubeconfig, str) else kubeconfig
    current = config_dict["current-context"]
    context = next(c for c in config_dict["contexts"] if c["name"] == current)
    return context["context"].get("namespace", "default")


def api_error_message(exc: ApiException) -> str:
    """The API server's own words: the `message` of its Status answer."""
    try:
        status = json.loads(exc.body or "")
    except (TypeError, ValueError):
        status = None
    if isinstance(status, dict) and status.get("message"):
        return str(status["message"])
    return f"{exc.status} {exc.reason}".strip()
