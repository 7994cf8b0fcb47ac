"""The AlwaysPullImages admission plugin, and the `apiserver` world action that turns it on.

Upstream: plugin/pkg/admission/alwayspullimages/admission.go. For pods (never a subresource
such as `ephemeralcontainers` or `status`) on CREATE and on an UPDATE that brings a new image:
Admit (mutating) sets every container's imagePullPolicy to Always, visiting containers,
initContainers and ephemeralContainers (pods.VisitContainersWithPath); Validate refuses a pod
where one is not Always, with `pods "NAME" is forbidden: <field>: Unsupported value: ...`.

Mutating admission runs before the pod strategy's validation (apiserver endpoints/handlers
create.go and update.go), so the rewritten policy is what validation sees: a lowercase
`always` is accepted as Always, and adding a new image to a pod created with IfNotPresent is
refused by ValidatePodUpdate, since the policy of a running pod may not change.

The `apiserver` action edits kube-apiserver's `--enable-admission-plugins`
(pkg/kubeapiserver/options/admission.go: an unknown name stops the API server from starting,
"enable-admission-plugins plugin \"X\" is unknown"). Simplification: a real API server
restarts (its static pod is re-created, the API is unavailable for some seconds); here the
new flags apply at once, and a refused flag list leaves the old one running.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim import errors

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

PLUGIN = "AlwaysPullImages"
CONTAINER_KINDS = ("initContainers", "containers", "ephemeralContainers")
# pkg/kubeapiserver/options/plugins.go AllOrderedPlugins: the names kube-apiserver knows.
KNOWN_PLUGINS = (
    "AlwaysAdmit",
    "NamespaceAutoProvision",
    "NamespaceLifecycle",
    "NamespaceExists",
    "LimitPodHardAntiAffinityTopology",
    "LimitRanger",
    "ServiceAccount",
    "NodeRestriction",
    "TaintNodesByCondition",
    "AlwaysPullImages",
    "ImagePolicyWebhook",
    "PodSecurity",
    "PodNodeSelector",
    "Priority",
    "DefaultTolerationSeconds",
    "PodTolerationRestriction",
    "EventRateLimit",
    "ExtendedResourceToleration",
    "DefaultStorageClass",
    "StorageObjectInUseProtection",
    "OwnerReferencesPermissionEnforcement",
    "PersistentVolumeClaimResize",
    "RuntimeClass",
    "CertificateApproval",
    "CertificateSigning",
    "ClusterTrustBundleAttest",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "DenyServiceExternalIPs",
    "PodTopologyLabels",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionWebhook",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook",
    "ResourceQuota",
    "AlwaysDeny",
)


def enabled(t: Tenant) -> bool:
    return PLUGIN in (t.apiserver.get("enableAdmissionPlugins") or [])


def _containers(pod: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(field path, container) for each container, as pods.VisitContainersWithPath visits."""
    spec = pod.get("spec") or {}
    return [
        (f"spec.{kind}[{index}]", container)
        for kind in CONTAINER_KINDS
        for index, container in enumerate(spec.get(kind) or [])
        if isinstance(container, dict)
    ]


def applies(pod: dict[str, Any], old: dict[str, Any] | None) -> bool:
    """shouldIgnore's opposite for a pods request: a create, or an update with a new image."""
    if old is None:
        return True
    old_images = {c.get("image") for _, c in _containers(old)}
    return any(c.get("image") not in old_images for _, c in _containers(pod))


def admit(pod: dict[str, Any], old: dict[str, Any] | None = None) -> None:
    """Admit (mutating): every container pulls Always."""
    if applies(pod, old):
        for _, container in _containers(pod):
            container["imagePullPolicy"] = "Always"


def validate(pod: dict[str, Any], old: dict[str, Any] | None = None) -> None:
    """Validate: a container that does not pull Always is refused (403)."""
    if not applies(pod, old):
        return
    name = (pod.get("metadata") or {}).get("name", "")
    problems = [
        f'pods "{name}" is forbidden: '
        + str(errors.not_supported(f"{path}.imagePullPolicy", c.get("imagePullPolicy"), ["Always"]))
        for path, c in _containers(pod)
        if c.get("imagePullPolicy") != "Always"
    ]
    if problems:  # utilerrors.NewAggregate: one error alone, several as [e1, e2]
        message = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
        raise errors.ApiError(
            errors.status_object(403, "Forbidden", message, {"name": name, "kind": "pods"})
        )


def set_apiserver(t: Tenant, spec: dict[str, Any]) -> str:
    """The `apiserver` world action: {enableAdmissionPlugins: [...]}, then a restart."""
    from clusters.sim.world import WorldChangeRefused

    plugins = spec.get("enableAdmissionPlugins") if isinstance(spec, dict) else None
    if not isinstance(plugins, list) or not all(isinstance(p, str) for p in plugins):
        raise errors.invalid_object(
            "LabWorldChange",
            t.name,
            [
                errors.invalid(
                    "change.apiserver.enableAdmissionPlugins", "", "must be a list of plugin names"
                )
            ],
            "sim.pullpolicylabs.dev",
        )
    unknown = [p for p in plugins if p not in KNOWN_PLUGINS]
    if unknown:
        raise WorldChangeRefused(
            f'kube-apiserver would not start: enable-admission-plugins plugin "{unknown[0]}" is '
            "unknown; the old flags keep running"
        )
    t.apiserver["enableAdmissionPlugins"] = list(plugins)
    return f"kube-apiserver restarted with --enable-admission-plugins={','.join(plugins)}"
