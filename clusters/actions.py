"""What a learner asks of their cluster, done as the learner (their session kubeconfig).

The learner's page (through Celery) and `validate_labs --solve` (labs/solver.py) both call
these functions, so a lab's reference solution does exactly what a learner's clicks do.
The kubectl-shaped ones (`delete`, `annotate`, `debug`) take kubectl's argument text.
"""

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from kubernetes.client import CoreV1Api
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ResourceNotFoundError
from urllib3.exceptions import HTTPError

from clusters.kube import api_client_from_kubeconfig, api_error_message, session_namespace
from labs.manifests import ManifestError, parse_manifest

UNREACHABLE = "The cluster did not answer. Try again in a moment."
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
STRATEGIC_MERGE = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
APPLY_MANAGER = "kubectl-client-side-apply"  # the field manager `kubectl apply` writes as

# kubectl's resource names and short names for the kinds labs use: (apiVersion, kind).
RESOURCE_TYPES: dict[str, tuple[str, str]] = {}
for _names, _type in (
    (("pod", "pods", "po"), ("v1", "Pod")),
    (("secret", "secrets"), ("v1", "Secret")),
    (("configmap", "configmaps", "cm"), ("v1", "ConfigMap")),
    (("serviceaccount", "serviceaccounts", "sa"), ("v1", "ServiceAccount")),
    (("service", "services", "svc"), ("v1", "Service")),
    (("namespace", "namespaces", "ns"), ("v1", "Namespace")),
    (("deployment", "deployments", "deploy"), ("apps/v1", "Deployment")),
    (("replicaset", "replicasets", "rs"), ("apps/v1", "ReplicaSet")),
    (("daemonset", "daemonsets", "ds"), ("apps/v1", "DaemonSet")),
    (("job", "jobs"), ("batch/v1", "Job")),
    (("cronjob", "cronjobs", "cj"), ("batch/v1", "CronJob")),
):
    for _name in _names:
        RESOURCE_TYPES[_name] = _type


@dataclass(frozen=True)
class Target:
    """One object an action touched, so a caller can wait for it (kubectl delete --wait)."""

    api_version: str
    kind: str
    namespace: str | None
    name: str


@dataclass(frozen=True)
class Answer:
    ok: bool
    message: str
    targets: tuple[Target, ...] = field(default=())


class ArgumentError(ValueError):
    """kubectl arguments that kubectl itself would refuse; the message is kubectl's."""


def _resource(api: Any, api_version: str, kind: str) -> Any:
    return DynamicClient(api).resources.get(api_version=api_version, kind=kind)


def _without_last_applied(manifest: dict[str, Any]) -> dict[str, Any]:
    copy = json.loads(json.dumps(manifest))
    annotations = (copy.get("metadata") or {}).get("annotations") or {}
    annotations.pop(LAST_APPLIED, None)
    return copy


def with_last_applied(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest with kubectl's last-applied annotation: what `kubectl apply` sends."""
    sent = _without_last_applied(manifest)
    metadata = sent.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        return sent  # the API server words the error
    annotations = metadata.get("annotations") or {}
    recorded = json.dumps(_without_last_applied(manifest), sort_keys=True, separators=(",", ":"))
    metadata["annotations"] = {**annotations, LAST_APPLIED: recorded}
    return sent


def apply_manifest(kubeconfig: str, manifest: dict[str, Any]) -> Answer:
    """`kubectl apply -f`: create the object, or patch the one that exists; say what happened.

    The manifest goes to the server as the learner wrote it (the dynamic client, not the typed
    models), so the server, not client-side model checks, judges it and words the error. Like
    kubectl, the object records what was sent in the last-applied annotation.
    """
    namespace = session_namespace(kubeconfig)
    kind, version = manifest["kind"], manifest["apiVersion"]
    metadata = manifest.get("metadata")
    sent = with_last_applied(manifest)
    try:
        with api_client_from_kubeconfig(kubeconfig) as api:
            resource = _resource(api, version, kind)
            where: dict[str, Any] = {}
            if resource.namespaced:
                if isinstance(metadata, dict) and metadata.get("namespace"):
                    namespace = metadata["namespace"]
                where = {"namespace": namespace}
            try:
                created = resource.create(body=sent, field_manager=APPLY_MANAGER, **where)
                return Answer(True, f"{kind.lower()}/{created.metadata.name} created")
            except ApiException as exc:
                if exc.status != 409:
                    raise
            name = metadata["name"]
            before = resource.get(name=name, **where)
            recorded = (before.metadata.annotations or {}).get(LAST_APPLIED)
            if recorded == sent["metadata"]["annotations"][LAST_APPLIED]:
                # kubectl's three-way patch is empty: it sends nothing and says so.
                return Answer(True, f"{kind.lower()}/{name} unchanged")
            # Built-in kinds take a strategic merge patch (lists merge by key), as kubectl sends.
            group = version.rpartition("/")[0]
            content_type = MERGE if "." in group else STRATEGIC_MERGE
            after = resource.patch(
                body=sent,
                name=name,
                content_type=content_type,
                field_manager=APPLY_MANAGER,
                **where,
            )
    except ResourceNotFoundError:
        return Answer(False, f'no matches for kind "{kind}" in version "{version}"')
    except ApiException as exc:
        return Answer(False, api_error_message(exc))
    except HTTPError:
        return Answer(False, UNREACHABLE)
    same = before.metadata.resourceVersion == after.metadata.resourceVersion
    return Answer(True, f"{kind.lower()}/{name} {'unchanged' if same else 'configured'}")


POD_ROW = re.compile(r"^(?:([a-z0-9][-a-z0-9]*)/)?([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$")


def delete_pod(kubeconfig: str, name: str) -> Answer:
    """Delete one pod (the page's Delete button): `name` in the lab namespace, or `ns/name`
    for a pod of one of the world's other namespaces, as the page names its rows."""
    found = POD_ROW.match(name)
    if found is None:
        return Answer(False, f'"{name}" is not a pod name')
    namespace, pod = found.group(1), found.group(2)
    return delete(kubeconfig, f"pod {pod}" + (f" -n {namespace}" if namespace else ""))


@dataclass
class KubectlArgs:
    """What `kubectl delete|annotate` arguments select, and the annotation changes."""

    resource_type: str
    names: list[str]
    selectors: dict[str, str]  # label_selector / field_selector, as the client takes them
    namespace: str
    every: bool = False  # --all
    changes: list[str] = field(default_factory=list)  # key=value or key-


def parse_kubectl_args(args: str, namespace: str) -> KubectlArgs:
    """kubectl's selection arguments. `web` alone means the pod `web` (a lab's short form)."""
    words = shlex.split(args)
    if len(words) == 1 and "/" not in words[0] and words[0] not in RESOURCE_TYPES:
        words = ["pod", words[0]]
    parsed = KubectlArgs("", [], {}, namespace)
    index = 0
    while index < len(words):
        word = words[index]
        flag, _, value = word.partition("=")
        if flag in ("-l", "--selector", "--field-selector", "-n", "--namespace"):
            if not value:
                index += 1
                if index >= len(words):
                    raise ArgumentError(f"error: flag needs an argument: {flag}")
                value = words[index]
            if flag in ("-n", "--namespace"):
                parsed.namespace = value
            else:
                key = "field_selector" if flag == "--field-selector" else "label_selector"
                parsed.selectors[key] = value
        elif word in ("--all", "-A"):
            parsed.every = True
        elif word.startswith("-"):
            pass  # --wait, --now, --overwrite, --grace-period...: the same result for a lab
        elif parsed.resource_type and ("=" in word or word.endswith("-")):
            parsed.changes.append(word)
        elif "/" in word:
            type_name, _, name = word.partition("/")
            parsed.resource_type = parsed.resource_type or type_name
            parsed.names.append(name)
        elif not parsed.resource_type:
            parsed.resource_type = word
        else:
            parsed.names.append(word)
        index += 1
    if parsed.resource_type not in RESOURCE_TYPES:
        raise ArgumentError(
            f'error: the server doesn\'t have a resource type "{parsed.resource_type}"'
        )
    if not parsed.names and not parsed.selectors and not parsed.every:
        raise ArgumentError("error: resource(s) were provided, but no name was specified")
    return parsed


def _selected_names(resource: Any, where: dict[str, str], parsed: KubectlArgs) -> list[str]:
    if parsed.names:
        return parsed.names
    listed = resource.get(**where, **parsed.selectors)
    return [item.metadata.name for item in listed.items]


def delete(kubeconfig: str, args: str) -> Answer:
    """`kubectl delete ARGS`: by names, selectors or --all; the answer names each object deleted.

    It does not wait here (a learner's request must not hang); `targets` lets a caller wait.
    """
    try:
        parsed = parse_kubectl_args(args, session_namespace(kubeconfig))
    except ArgumentError as exc:
        return Answer(False, str(exc))
    version, kind = RESOURCE_TYPES[parsed.resource_type]
    deleted: list[Target] = []
    try:
        with api_client_from_kubeconfig(kubeconfig) as api:
            resource = _resource(api, version, kind)
            where = {"namespace": parsed.namespace} if resource.namespaced else {}
            names = _selected_names(resource, where, parsed)
            if not names:
                return Answer(True, "No resources found")
            for name in names:
                resource.delete(name=name, **where)
                deleted.append(Target(version, kind, where.get("namespace"), name))
    except ApiException as exc:
        return Answer(False, api_error_message(exc), tuple(deleted))
    except HTTPError:
        return Answer(False, UNREACHABLE, tuple(deleted))
    lines = [f'{t.kind.lower()} "{t.name}" deleted' for t in deleted]
    return Answer(True, "\n".join(lines), tuple(deleted))


def present(kubeconfig: str, targets: tuple[Target, ...]) -> list[Target]:
    """The targets that still exist (a deleted pod lingers while it terminates)."""
    left = []
    with api_client_from_kubeconfig(kubeconfig) as api:
        for target in targets:
            resource = _resource(api, target.api_version, target.kind)
            where = {"namespace": target.namespace} if target.namespace else {}
            try:
                resource.get(name=target.name, **where)
            except ApiException as exc:
                if exc.status == 404:
                    continue
                raise
            left.append(target)
    return left


def annotate(kubeconfig: str, args: str) -> Answer:
    """`kubectl annotate TYPE (NAME | -l SEL [--field-selector SEL]) key=value... [key-]`."""
    try:
        parsed = parse_kubectl_args(args, session_namespace(kubeconfig))
    except ArgumentError as exc:
        return Answer(False, str(exc))
    if not parsed.changes:
        return Answer(False, "error: at least one annotation update is required")
    annotations = {
        change[:-1] if "=" not in change else change.partition("=")[0]: (
            None if "=" not in change else change.partition("=")[2]
        )
        for change in parsed.changes
    }
    version, kind = RESOURCE_TYPES[parsed.resource_type]
    try:
        with api_client_from_kubeconfig(kubeconfig) as api:
            resource = _resource(api, version, kind)
            where = {"namespace": parsed.namespace} if resource.namespaced else {}
            names = _selected_names(resource, where, parsed)
            for name in names:
                resource.patch(
                    body={"metadata": {"annotations": annotations}},
                    name=name,
                    content_type=MERGE,
                    **where,
                )
    except ApiException as exc:
        return Answer(False, api_error_message(exc))
    except HTTPError:
        return Answer(False, UNREACHABLE)
    if not names:
        return Answer(True, "No resources found")
    return Answer(True, "\n".join(f"{kind.lower()}/{name} annotated" for name in names))


def debug(kubeconfig: str, args: str) -> Answer:
    """`kubectl debug pod/NAME --image=I [--image-pull-policy=P] [--container=C] [-- CMD...]`.

    Adds an ephemeral container through the pods/ephemeralcontainers subresource.
    """
    words = shlex.split(args)
    command: list[str] = []
    if "--" in words:
        at = words.index("--")
        words, command = words[:at], words[at + 1 :]
    options = dict(w[2:].partition("=")[::2] for w in words if w.startswith("--"))
    targets = [w for w in words if not w.startswith("-")]
    if not targets or not options.get("image"):
        return Answer(False, "error: --image is required, with a pod to debug")
    name = targets[0].removeprefix("pod/").removeprefix("pods/")
    container: dict[str, Any] = {
        "name": options.get("container") or "debugger",
        "image": options["image"],
        "stdin": True,
        "tty": True,
    }
    if options.get("image-pull-policy"):
        container["imagePullPolicy"] = options["image-pull-policy"]
    if options.get("target"):
        container["targetContainerName"] = options["target"]
    if command:
        container["command"] = command
    namespace = session_namespace(kubeconfig)
    try:
        with api_client_from_kubeconfig(kubeconfig) as api:
            core = CoreV1Api(api)
            pod = core.read_namespaced_pod(name, namespace)
            existing = [
                api.sanitize_for_serialization(c) for c in pod.spec.ephemeral_containers or []
            ]
            core.patch_namespaced_pod_ephemeralcontainers(
                name, namespace, {"spec": {"ephemeralContainers": [*existing, container]}}
            )
    except ApiException as exc:
        return Answer(False, api_error_message(exc))
    except HTTPError:
        return Answer(False, UNREACHABLE)
    return Answer(True, f"Defaulting debug container name to {container['name']}.")


def run_kubectl_action(kubeconfig: str, action: dict[str, Any]) -> Answer:
    """One `apply`, `delete`, `annotate` or `debug` action of a lab file (docs/lab-authoring.md)."""
    if "apply" in action:
        text = action["apply"]
        try:
            manifest = parse_manifest(text) if isinstance(text, str) else text
        except ManifestError as exc:
            return Answer(False, str(exc))
        return apply_manifest(kubeconfig, manifest)
    if "delete" in action:
        return delete(kubeconfig, action["delete"])
    if "annotate" in action:
        return annotate(kubeconfig, action["annotate"])
    if "debug" in action:
        return debug(kubeconfig, action["debug"])
    raise ValueError(f"not a kubectl action: {sorted(action)}")
