"""The resource types the simulated cluster serves, described once for the store and discovery."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResourceType:
    plural: str
    kind: str
    namespaced: bool
    group: str = ""
    version: str = "v1"
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = (
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    )
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = field(default=())
    singular: str = ""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"


CORE_TYPES = [
    ResourceType(
        "pods",
        "Pod",
        True,
        short_names=("po",),
        subresources=("status", "log", "ephemeralcontainers", "eviction"),
        categories=("all",),
        singular="pod",
    ),
    ResourceType(
        "namespaces",
        "Namespace",
        False,
        short_names=("ns",),
        singular="namespace",
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
    ),
    ResourceType(
        "nodes", "Node", False, short_names=("no",), singular="node", subresources=("status",)
    ),
    ResourceType("events", "Event", True, short_names=("ev",), singular="event"),
    ResourceType("secrets", "Secret", True, singular="secret"),
    ResourceType("configmaps", "ConfigMap", True, short_names=("cm",), singular="configmap"),
    ResourceType(
        "serviceaccounts",
        "ServiceAccount",
        True,
        short_names=("sa",),
        singular="serviceaccount",
        subresources=("token",),
    ),
    ResourceType(
        "services", "Service", True, short_names=("svc",), categories=("all",), singular="service"
    ),
    # The session's policy objects (platform/templates/session): see clusters/sim/quota.py,
    # limitrange.py and session_admission.py for what they do.
    ResourceType(
        "resourcequotas",
        "ResourceQuota",
        True,
        short_names=("quota",),
        subresources=("status",),
        singular="resourcequota",
    ),
    ResourceType("limitranges", "LimitRange", True, short_names=("limits",), singular="limitrange"),
]
APPS_TYPES = [
    ResourceType(
        "deployments",
        "Deployment",
        True,
        group="apps",
        short_names=("deploy",),
        subresources=("status", "scale"),
        categories=("all",),
        singular="deployment",
    ),
    ResourceType(
        "replicasets",
        "ReplicaSet",
        True,
        group="apps",
        short_names=("rs",),
        subresources=("status", "scale"),
        categories=("all",),
        singular="replicaset",
    ),
]
APPS_TYPES.append(
    ResourceType(
        "daemonsets",
        "DaemonSet",
        True,
        group="apps",
        short_names=("ds",),
        subresources=("status",),
        categories=("all",),
        singular="daemonset",
    )
)
BATCH_TYPES = [
    ResourceType(
        "cronjobs",
        "CronJob",
        True,
        group="batch",
        short_names=("cj",),
        subresources=("status",),
        categories=("all",),
        singular="cronjob",
    ),
    ResourceType(
        "jobs",
        "Job",
        True,
        group="batch",
        subresources=("status",),
        categories=("all",),
        singular="job",
    ),
]
ADMISSION_TYPES = [
    ResourceType(
        "validatingadmissionpolicies",
        "ValidatingAdmissionPolicy",
        False,
        group="admissionregistration.k8s.io",
        subresources=("status",),
        categories=("api-extensions",),
        singular="validatingadmissionpolicy",
    ),
    ResourceType(
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
        False,
        group="admissionregistration.k8s.io",
        categories=("api-extensions",),
        singular="validatingadmissionpolicybinding",
    ),
]
RBAC_GROUP = "rbac.authorization.k8s.io"
RBAC_TYPES = [
    ResourceType("roles", "Role", True, group=RBAC_GROUP, singular="role"),
    ResourceType("rolebindings", "RoleBinding", True, group=RBAC_GROUP, singular="rolebinding"),
    ResourceType("clusterroles", "ClusterRole", False, group=RBAC_GROUP, singular="clusterrole"),
    ResourceType(
        "clusterrolebindings",
        "ClusterRoleBinding",
        False,
        group=RBAC_GROUP,
        singular="clusterrolebinding",
    ),
]
# Stored and validated only: the simulator has no pod network for a policy to act on.
NETWORKING_TYPES = [
    ResourceType(
        "networkpolicies",
        "NetworkPolicy",
        True,
        group="networking.k8s.io",
        short_names=("netpol",),
        singular="networkpolicy",
    ),
]
# `kubectl auth can-i`: a review is answered, never stored (clusters/apiserver/authorization.py).
AUTHORIZATION_GROUP = "authorization.k8s.io"
AUTHORIZATION_TYPES = [
    ResourceType(
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        False,
        group=AUTHORIZATION_GROUP,
        verbs=("create",),
        singular="selfsubjectaccessreview",
    )
]
# Custom resources of the policy engines a lab world may install (`world.admission`): each
# Gatekeeper constraint kind exists once its library template is installed (the CRD the
# constraint framework generates: plural and singular are the lower-cased kind, categories
# `constraint(s)`, cluster-scoped, v1beta1), and Kyverno's ClusterPolicy once Kyverno is.
GATEKEEPER_GROUP = "constraints.gatekeeper.sh"
GATEKEEPER_TYPES = [
    ResourceType(
        kind.lower(),
        kind,
        False,
        group=GATEKEEPER_GROUP,
        version="v1beta1",
        subresources=("status",),
        categories=("constraint", "constraints"),
        singular=kind.lower(),
    )
    for kind in ("K8sAllowedRepos", "K8sDisallowedTags", "K8sImageDigests")
]
KYVERNO_GROUP = "kyverno.io"
KYVERNO_TYPES = [
    ResourceType(
        "clusterpolicies",
        "ClusterPolicy",
        False,
        group=KYVERNO_GROUP,
        short_names=("cpol",),
        subresources=("status",),
        categories=("kyverno",),
        singular="clusterpolicy",
    )
]
EXTENSION_GROUPS = (GATEKEEPER_GROUP, KYVERNO_GROUP)
EVENTS_V1 = ResourceType(
    "events", "Event", True, group="events.k8s.io", short_names=("ev",), singular="event"
)

_ALL = (
    CORE_TYPES
    + APPS_TYPES
    + BATCH_TYPES
    + ADMISSION_TYPES
    + RBAC_TYPES
    + NETWORKING_TYPES
    + AUTHORIZATION_TYPES
    + GATEKEEPER_TYPES
    + KYVERNO_TYPES
)
BY_PLURAL: dict[str, ResourceType] = {t.plural: t for t in _ALL}
BY_KIND: dict[str, ResourceType] = {t.kind: t for t in _ALL}
BY_GROUP_KIND: dict[tuple[str, str], ResourceType] = {(t.group, t.kind): t for t in _ALL}
GROUPS: dict[str, list[ResourceType]] = {
    "": CORE_TYPES,
    "apps": APPS_TYPES,
    "batch": BATCH_TYPES,
    "admissionregistration.k8s.io": ADMISSION_TYPES,
    RBAC_GROUP: RBAC_TYPES,
    "networking.k8s.io": NETWORKING_TYPES,
    AUTHORIZATION_GROUP: AUTHORIZATION_TYPES,
    GATEKEEPER_GROUP: GATEKEEPER_TYPES,
    KYVERNO_GROUP: KYVERNO_TYPES,
}
# The one version each group is served at (the path /apis/<group>/<version>/...).
GROUP_VERSIONS: dict[str, str] = {group: types[0].version for group, types in GROUPS.items()}


def resource_type(plural: str, group: str = "") -> ResourceType | None:
    """The type served at /api/v1/<plural> (group "") or /apis/<group>/v1/<plural>."""
    rtype = BY_PLURAL.get(plural)
    return rtype if rtype is not None and rtype.group == group else None
