"""What a learner asks of their cluster, done as the learner (their session kubeconfig)."""

from dataclasses import dataclass
from typing import Any

from kubernetes.client import CoreV1Api
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ResourceNotFoundError
from urllib3.exceptions import HTTPError

from clusters.kube import api_client_from_kubeconfig, api_error_message, session_namespace

UNREACHABLE = "The cluster did not answer. Try again in a moment."


@dataclass(frozen=True)
class Answer:
    ok: bool
    message: str


def apply_manifest(kubeconfig: str, manifest: dict[str, Any]) -> Answer:
    """Create the object, like `kubectl create -f`, and say what the API server said.

    The manifest goes to the server as the learner wrote it (the dynamic client, not the typed
    models), so the server, not client-side model checks, judges it and words the error.
    """
    namespace = session_namespace(kubeconfig)
    kind, version = manifest["kind"], manifest["apiVersion"]
    metadata = manifest.get("metadata")
    try:
        with api_client_from_kubeconfig(kubeconfig) as api:
            resource = DynamicClient(api).resources.get(api_version=version, kind=kind)
            if resource.namespaced:
                if isinstance(metadata, dict) and metadata.get("namespace"):
                    namespace = metadata["namespace"]
                created = resource.create(body=manifest, namespace=namespace)
            else:
                created = resource.create(body=manifest)
    except ResourceNotFoundError:
        return Answer(False, f'no matches for kind "{kind}" in version "{version}"')
    except ApiException as exc:
        return Answer(False, api_error_message(exc))
    except HTTPError:
        return Answer(False, UNREACHABLE)
    return Answer(True, f"{kind.lower()}/{created.metadata.name} created")


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
