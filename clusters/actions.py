"""What a learner asks of their cluster, done as the learner (their session kubeconfig)."""

from dataclasses import dataclass
from typing import Any

from kubernetes import utils
from kubernetes.client import CoreV1Api
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from clusters.kube import api_client_from_kubeconfig, api_error_message, session_namespace

UNREACHABLE = "The cluster did not answer. Try again in a moment."


@dataclass(frozen=True)
class Answer:
    ok: bool
    message: str


def apply_manifest(kubeconfig: str, manifest: dict[str, Any]) -> Answer:
    """Create the object, like `kubectl create -f`, and say what the API server said."""
    namespace = session_namespace(kubeconfig)
    kind = manifest.get("kind", "")
    name = (manifest.get("metadata") or {}).get("name", "")
    try:
        with api_client_from_kubeconfig(kubeconfig) as api:
            utils.create_from_dict(api, manifest, namespace=namespace)
    except utils.FailToCreateError as exc:
        return Answer(False, "; ".join(api_error_message(e) for e in exc.api_exceptions))
    except AttributeError:
        # create_from_dict found no client method: the kind is unknown to the client.
        version = manifest.get("apiVersion", "")
        return Answer(False, f'no matches for kind "{kind}" in version "{version}"')
    except HTTPError:
        return Answer(False, UNREACHABLE)
    return Answer(True, f"{kind.lower()}/{name} created")


def delete_pod(kubeconfig: str, name: str) -> Answer:
    namespace = session_namespace(kubeconfig)
    try:
        with api_client_from_kubeconfig(kubeconfig) as api:
            CoreV1Api(api).delete_namespaced_pod(name, namespace)
    except ApiException as exc:
        return Answer(False, api_error_message(exc))
    except HTTPError:
        return Answer(False, UNREACHABLE)
    return Answer(True, f'pod "{name}" deleted')
