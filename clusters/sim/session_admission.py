"""The admission chain a real API server runs on a pod create in a learner's namespace.

Order as kube-apiserver's default plugins run it (pkg/kubeapiserver/options/plugins.go
AllOrderedPlugins): LimitRanger (mutating: defaults, then validating: max/min),
ServiceAccount (mutating: the account must exist, its imagePullSecrets for a pod that lists
none; clusters/sim/serviceaccounts.py), PodSecurity (validating), ResourceQuota (validating,
last). Each reads the namespace's own
objects from the tenant's store: the Namespace's `pod-security.kubernetes.io/*` labels, its
LimitRanges and its ResourceQuotas. A namespace without those objects admits every pod
unchanged, so worlds that do not apply the session objects behave as before.

`admit_pod_create` is meant to run in Tenant.create after defaulting and validation and before
the store write; it returns the PodSecurity warnings for the response's `Warning` headers.
After a pod is stored or deleted, `quota_statuses` gives each ResourceQuota's fresh status as
the quota controller would compute it (synchronously here, so quota is never "status unknown").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim import errors
from clusters.sim.admission_psa import pod_security
from clusters.sim.limitrange import apply_defaults, refusal, violations
from clusters.sim.quota import exceeded, missing_constraints, status, usage
from clusters.sim.serviceaccounts import admit_service_account

if TYPE_CHECKING:
    from clusters.sim.store import ObjectStore
    from clusters.sim.tenant import Tenant

LIMIT_RANGES, QUOTAS = "limitranges", "resourcequotas"
# What a quota may count, besides pods: the kinds the simulator serves (quota.usage keys).
COUNTED = ("pods", "secrets", "configmaps", "services", "deployments.apps", "replicasets.apps",
           "jobs.batch", "cronjobs.batch")  # fmt: skip
# A write to one of these (or to a quota) makes the namespace's quota status stale.
QUOTA_INPUTS = frozenset({QUOTAS, *(key.partition(".")[0] for key in COUNTED)})


def _forbidden(pod: dict[str, Any], message: str) -> errors.ApiError:
    """apierrors.NewForbidden for a pod: `pods "NAME" is forbidden: MESSAGE`."""
    name = pod["metadata"]["name"]
    return errors.ApiError(
        errors.status_object(
            403,
            "Forbidden",
            f'pods "{name}" is forbidden: {message}',
            {"name": name, "kind": "pods"},
        )
    )


def default_pod_resources(store: ObjectStore, pod: dict[str, Any]) -> None:
    """LimitRanger's mutating half: the namespace's defaults, filled in before the pod is
    validated (the handler runs mutating admission before the registry's PrepareForCreate and
    Validate), so a default limit below a request is refused as validation words it."""
    limit_ranges = store.list(LIMIT_RANGES, pod["metadata"]["namespace"])
    if limit_ranges:
        apply_defaults(pod, limit_ranges)


def admit_pod_create(store: ObjectStore, pod: dict[str, Any]) -> list[str]:
    """Mutate `pod` as LimitRanger does (a no-op after default_pod_resources), or raise the
    403 a real API server gives."""
    namespace = pod["metadata"]["namespace"]
    limit_ranges = store.list(LIMIT_RANGES, namespace)
    if limit_ranges:
        apply_defaults(pod, limit_ranges)
        found = violations(pod, limit_ranges)
        if found:
            raise _forbidden(pod, refusal(found))
    missing_account = admit_service_account(store, pod)
    if missing_account:
        raise _forbidden(pod, missing_account)
    labels = ((store.get("namespaces", "", namespace) or {}).get("metadata") or {}).get("labels")
    denial, warnings = pod_security(labels or {}, pod["spec"])
    if denial:
        raise _forbidden(pod, denial)
    for quota in store.list(QUOTAS, namespace):
        message = missing_constraints(quota, pod) or exceeded(
            quota, status(quota, counted_objects(store, namespace))["used"], usage("pods", "", pod)
        )
        if message:
            raise _forbidden(pod, message)
    return warnings


def counted_objects(store: ObjectStore, namespace: str) -> dict[str, list[dict[str, Any]]]:
    """The namespace's objects a quota counts, keyed as quota.usage expects."""
    return {key: store.list(key.partition(".")[0], namespace) for key in COUNTED}


def quota_statuses(store: ObjectStore, namespace: str) -> list[tuple[dict[str, Any], dict]]:
    """(quota, its fresh status) for each ResourceQuota whose status.used is out of date."""
    objects = counted_objects(store, namespace)
    stale = []
    for quota in store.list(QUOTAS, namespace):
        fresh = status(quota, objects)
        if quota.get("status") != fresh:
            stale.append((quota, fresh))
    return stale


def sync_quota_status(t: Tenant, namespace: str) -> None:
    """The quota controller's sync (pkg/controller/resourcequota): write each stale status.

    Its own write changes a ResourceQuota, which asks for another sync; that one finds
    nothing stale and stops.
    """
    t.quota_sync_pending.discard(namespace)
    for quota, fresh in quota_statuses(t.store, namespace):
        t.store.replace(QUOTAS, {**quota, "status": fresh})
