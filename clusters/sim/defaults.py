"""Defaults the API server gives a Pod on creation.

Upstream: pkg/apis/core/v1/defaults.go (SetDefaults_Container, SetDefaults_PodSpec,
SetDefaults_Pod, which also defaults each container's missing requests to its limits, and
pod-level requests to pod-level limits) plus what the admission plugins add on a real cluster:
ServiceAccount (the service account and its token volume), DefaultTolerationSeconds and
Priority.
"""

from __future__ import annotations

from typing import Any

from clusters.sim.noderesources import POD_LEVEL, aggregate_container_resources
from clusters.sim.reference import InvalidReference, parse_image_name

SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
DEFAULT_TOLERATION_SECONDS = 300


def default_pull_policy(image: str) -> str:
    """SetDefaults_Container: tag `latest` (or none) gives Always, anything else IfNotPresent.

    An unparseable image gets IfNotPresent: ParseImageName returns an empty tag on error.
    """
    try:
        _, tag, _ = parse_image_name(image)
    except InvalidReference:
        return "IfNotPresent"
    return "Always" if tag == "latest" else "IfNotPresent"


def default_container(container: dict[str, Any]) -> None:
    if not container.get("imagePullPolicy"):
        container["imagePullPolicy"] = default_pull_policy(container.get("image") or "")
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")


def _default_tolerations(spec: dict[str, Any]) -> None:
    """DefaultTolerationSeconds admission: tolerate not-ready/unreachable for 300 s."""
    tolerations = spec.setdefault("tolerations", [])
    present = {t.get("key") for t in tolerations}
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if key not in present:
            tolerations.append(
                {
                    "key": key,
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": DEFAULT_TOLERATION_SECONDS,
                }
            )


def _requests_from_limits(spec: dict[str, Any]) -> None:
    """SetDefaults_Pod: "If limits are specified, but requests are not, default requests to
    limits", per resource, for containers and init containers. Only on a Pod, never on a pod
    template (so a Deployment's template keeps what it says; its pods get the defaults)."""
    for key in ("containers", "initContainers"):
        for container in spec.get(key) or []:
            if not isinstance(container, dict):
                continue
            resources = container.get("resources")
            limits = resources.get("limits") if isinstance(resources, dict) else None
            if not isinstance(limits, dict) or not limits:
                continue
            requests = resources.get("requests")
            requests = requests if isinstance(requests, dict) else {}
            if any(name not in requests for name in limits):
                # a Go map is encoded with its keys sorted
                resources["requests"] = dict(sorted({**limits, **requests}.items()))


def _pod_requests_from_limits(spec: dict[str, Any]) -> None:
    """SetDefaults_Pod's defaultPodRequests (PodLevelResources): with pod-level limits set, a
    missing pod-level request of a supported resource (cpu, memory, hugepages-*) defaults to
    the containers' aggregate request for hugepages, else to the pod-level limit. Read from a
    vendored copy of pkg/apis/core/v1/defaults.go at kubernetes commit 6df7e09a."""
    resources = spec.get("resources")
    if not isinstance(resources, dict) or not isinstance(resources.get("limits"), dict):
        return
    limits = resources["limits"]
    if not limits:
        return
    requests = resources.get("requests")
    requests = dict(requests) if isinstance(requests, dict) else {}
    aggregate = aggregate_container_resources({"spec": spec}, "requests")
    for name, value in aggregate.items():
        if name not in requests and name.startswith("hugepages-"):
            requests[name] = str(value)
    for name, value in limits.items():
        if name not in requests and (name in POD_LEVEL or name.startswith("hugepages-")):
            requests[name] = value
    if requests:
        resources["requests"] = dict(sorted(requests.items()))


def _service_account_volume(spec: dict[str, Any], volume_suffix: str) -> None:
    """ServiceAccount admission: a projected token volume mounted in every container."""
    if spec.get("automountServiceAccountToken") is False:
        return
    name = f"kube-api-access-{volume_suffix}"
    spec.setdefault("volumes", []).append(
        {
            "name": name,
            "projected": {
                "defaultMode": 420,
                "sources": [
                    {
                        "serviceAccountToken": {
                            "expirationSeconds": 3607,
                            "path": "token",
                        }
                    },
                    {
                        "configMap": {
                            "name": "kube-root-ca.crt",
                            "items": [{"key": "ca.crt", "path": "ca.crt"}],
                        }
                    },
                    {
                        "downwardAPI": {
                            "items": [
                                {
                                    "path": "namespace",
                                    "fieldRef": {
                                        "apiVersion": "v1",
                                        "fieldPath": "metadata.namespace",
                                    },
                                }
                            ]
                        }
                    },
                ],
            },
        }
    )
    for container in spec.get("containers") or []:
        container.setdefault("volumeMounts", []).append(
            {"name": name, "readOnly": True, "mountPath": SERVICE_ACCOUNT_MOUNT}
        )


def default_pod_spec(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec and SetDefaults_Container: for pods and for workload templates."""
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(key) or []:
            if isinstance(container, dict):
                default_container(container)
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")


def default_pod(pod: dict[str, Any], volume_suffix: str) -> None:
    """Fill a valid, newly created Pod in place with what a real API server adds."""
    spec = pod.setdefault("spec", {})
    default_pod_spec(spec)
    _requests_from_limits(spec)
    _pod_requests_from_limits(spec)
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("priority", 0)
    service_account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = service_account
    spec["serviceAccount"] = service_account
    _service_account_volume(spec, volume_suffix)
    _default_tolerations(spec)
    status = pod.setdefault("status", {})
    status.setdefault("phase", "Pending")
    # status.qosClass is the pod strategy's (PrepareForCreate), after mutating admission:
    # Tenant.create sets it with clusters/sim/qos.py.
