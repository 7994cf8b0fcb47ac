"""Deployments and ReplicaSets: defaulting, validation and their controllers.

Upstream: pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment, SetDefaults_ReplicaSet),
pkg/apis/apps/validation (ValidateDeployment: the selector must match the template's labels),
pkg/controller/deployment (rolling.go, sync.go, progress.go; pod-template-hash from
controller.ComputeHash) and pkg/controller/replicaset (manageReplicas).

The rolling update is the upstream rule with maxSurge and maxUnavailable; old pods go only as
new ones become ready, so a rollout whose new pods cannot pull stays half done, as on a real
cluster.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import TYPE_CHECKING, Any

from clusters.sim import errors
from clusters.sim.defaults import default_pod_spec
from clusters.sim.errors import FieldError, GoLiteral, invalid, not_supported, required
from clusters.sim.events import EventRecorder
from clusters.sim.ids import parse_rfc3339, rfc3339
from clusters.sim.store import deep_copy
from clusters.sim.validation import validate_metadata, validate_pod_spec

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery rand.SafeEncodeString


# --- API side: defaults and validation ------------------------------------------------------
def default_workload(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    if obj["kind"] == "DaemonSet":
        from clusters.sim.daemonsets import default_daemonset

        default_daemonset(obj)
    else:
        spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    if obj["kind"] == "Deployment":
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {"type": "RollingUpdate"})
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            strategy["type"] = "RollingUpdate"
            rolling = strategy.setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", "25%")
            rolling.setdefault("maxSurge", "25%")
    default_template(obj)


def _go_map(labels: dict[str, str]) -> str:
    inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items()))
    return "map[string]string{" + inner + "}"


def validate_workload(obj: dict[str, Any]) -> None:
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    problems: list[FieldError] = validate_metadata(meta)
    replicas = spec.get("replicas", 0 if obj["kind"] == "DaemonSet" else None)
    if not isinstance(replicas, int) or replicas < 0:
        problems.append(invalid("spec.replicas", replicas, "must be greater than or equal to 0"))
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not spec.get("selector"):
        problems.append(required("spec.selector"))
    elif not selector or any(labels.get(k) != v for k, v in selector.items()):
        problems.append(
            invalid(
                "spec.template.metadata.labels",
                GoLiteral(_go_map(labels)),
                "`selector` does not match template `labels`",
            )
        )
    rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
    for key in ("maxSurge", "maxUnavailable"):
        if key in rolling:
            problems += _int_or_percent(rolling[key], f"spec.strategy.rollingUpdate.{key}")
    template_spec = (spec.get("template") or {}).get("spec")
    problems += validate_pod_spec(template_spec, "spec.template.spec")
    if isinstance(template_spec, dict) and template_spec.get("restartPolicy") not in (
        None,
        "Always",
    ):
        problems.append(
            not_supported(
                "spec.template.spec.restartPolicy", template_spec["restartPolicy"], ["Always"]
            )
        )
    if problems:
        raise errors.invalid_object(obj["kind"], meta.get("name") or "", problems, "apps")


def _int_or_percent(value: Any, field: str) -> list[FieldError]:
    """apps validation.go ValidatePositiveIntOrPercent: `N%` or a non-negative integer. The
    value prints as Go's %#v of the IntOrString (its String method has a pointer receiver)."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]+%", value):
        literal = GoLiteral(f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:"{value}"}}')
        detail = (
            "a valid percent string must be a numeric string followed by an ending '%' "
            "(e.g. '1%', or '93%', regex used for validation is '[0-9]+%')"
        )
        return [invalid(field, literal, detail)]
    if isinstance(value, int) and value < 0:
        return [invalid(field, value, "must be greater than or equal to 0")]
    return []


# --- controllers -----------------------------------------------------------------------------
def pod_template_hash(template: dict[str, Any]) -> str:
    """controller.ComputeHash: a 32-bit hash of the template, safe-encoded like upstream."""
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    number = str(int.from_bytes(digest[:4], "big"))
    return "".join(_SAFE_ALPHABET[ord(ch) % len(_SAFE_ALPHABET)] for ch in number)


def controller_uid(obj: dict[str, Any]) -> str | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("uid")
    return None


def owner_ref(owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def involved_object(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    return {
        "kind": obj["kind"],
        "namespace": meta["namespace"],
        "name": meta["name"],
        "uid": meta["uid"],
        "apiVersion": obj["apiVersion"],
        "resourceVersion": meta.get("resourceVersion", ""),
    }


def _resolve(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, str) and value.endswith("%"):
        scaled = int(value[:-1]) * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    return int(value or 0)


def is_ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def active(pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")]


# Status fields without `omitempty` (k8s.io/api apps/v1 types.go): a new object shows them as 0
# before its controller first syncs it, and the official client's models require them.
ZERO_STATUS: dict[str, dict[str, int]] = {
    "ReplicaSet": {"replicas": 0},
    "DaemonSet": {
        "currentNumberScheduled": 0,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 0,
        "numberReady": 0,
    },
}


def default_template(obj: dict[str, Any]) -> None:
    """The pod template's defaults, shared by every controller kind (SetDefaults_PodSpec)."""
    template = obj["spec"].setdefault("template", {})
    template.setdefault("metadata", {})
    if isinstance(template.get("spec"), dict):
        default_pod_spec(template["spec"])
    obj.setdefault("status", dict(ZERO_STATUS.get(obj.get("kind", ""), {})))


def pod_from_template(owner: dict[str, Any]) -> dict[str, Any]:
    """A new pod of `owner`'s template, named `<owner>-<suffix>` (controller.GetPodFromTemplate)."""
    template = owner["spec"]["template"]
    return {
        "metadata": {
            **deep_copy(template.get("metadata") or {}),
            "generateName": f"{owner['metadata']['name']}-",
            "ownerReferences": [owner_ref(owner)],
        },
        "spec": deep_copy(template["spec"]),
    }


# client-go workqueue.DefaultControllerRateLimiter: a key whose sync failed comes back after
# 5 ms, doubling per failure up to 1000 s, and is forgotten on success (queue.Forget).
CREATE_RETRY_BASE = 0.005
CREATE_RETRY_MAX = 1000.0


def create_pod_for(
    t: Tenant, owner: dict[str, Any], body: dict[str, Any], controller: str
) -> dict[str, Any] | None:
    """Create a controller's pod and record `SuccessfulCreate` (controller_utils.go).

    When the API server refuses the pod (admission, quota, validation), the controller records
    `FailedCreate` with `Error creating: <the API error>` on its owner, as
    RealPodControl.createPods does, and the owner's sync fails: it is retried after the
    rate limiter's back-off (`may_create`) and None is returned, so callers stop creating in
    this sync (slowStartBatch stops at its first error).
    """
    uid = owner["metadata"]["uid"]
    try:
        created = t.create("pods", owner["metadata"]["namespace"], body)
    except errors.ApiError as err:
        message = f"Error creating: {err}"
        t.recorder.record(
            t.clock.now(), involved_object(owner), "Warning", "FailedCreate", message, controller
        )
        failures = t.create_failures.get(uid, [0])[0] + 1
        delay = min(CREATE_RETRY_BASE * 2 ** (failures - 1), CREATE_RETRY_MAX)
        t.create_failures[uid] = [failures, t.clock.now() + delay, str(err)]
        t.add_timer(delay, "reconcile")
        return None
    t.create_failures.pop(uid, None)
    message = f"Created pod: {created['metadata']['name']}"
    t.recorder.record(
        t.clock.now(), involved_object(owner), "Normal", "SuccessfulCreate", message, controller
    )
    return created


def may_create(t: Tenant, owner: dict[str, Any]) -> bool:
    """False while the owner waits out the back-off of a failed pod create."""
    failure = t.create_failures.get(owner["metadata"]["uid"])
    return failure is None or failure[1] <= t.clock.now()


def create_error(t: Tenant, owner: dict[str, Any]) -> str | None:
    """The API error of the owner's last failed pod create, until a create succeeds."""
    failure = t.create_failures.get(owner["metadata"]["uid"])
    return failure[2] if failure else None


def delete_pod_of(t: Tenant, owner: dict[str, Any], pod: dict[str, Any], controller: str) -> None:
    """Delete a controller's pod and record `SuccessfulDelete` (controller_utils.go)."""
    name = pod["metadata"]["name"]
    t.delete("pods", owner["metadata"]["namespace"], name)
    message = f"Deleted pod: {name}"
    t.recorder.record(
        t.clock.now(), involved_object(owner), "Normal", "SuccessfulDelete", message, controller
    )


def reconcile(t: Tenant, _: Any = None) -> None:
    """One pass of the garbage collector, the deployment and the replicaset controllers."""
    from clusters.sim.cronjobs import sync_cronjob
    from clusters.sim.daemonsets import sync_daemonset
    from clusters.sim.jobs import sync_job

    t.reconcile_pending = False
    _collect_garbage(t)
    for daemonset in t.store.list("daemonsets"):
        sync_daemonset(t, daemonset)
    for job in t.store.list("jobs"):
        sync_job(t, job)
    for cronjob in t.store.list("cronjobs"):
        sync_cronjob(t, cronjob)
    for deployment in t.store.list("deployments"):
        _sync_deployment(t, deployment)
    for replicaset in t.store.list("replicasets"):
        _sync_replicaset(t, replicaset)
    for deployment in t.store.list("deployments"):
        _deployment_status(t, deployment)
    # the rate limiter forgets a key whose object is gone
    owners = {
        o["metadata"]["uid"] for r in ("replicasets", "daemonsets", "jobs") for o in t.store.list(r)
    }
    for uid in set(t.create_failures) - owners:
        del t.create_failures[uid]


DEPENDENTS = (
    ("replicasets", ("deployments",)),
    ("jobs", ("cronjobs",)),
    ("pods", ("replicasets", "daemonsets", "jobs")),
)


def _collect_garbage(t: Tenant) -> None:
    """The garbage collector's background deletion: dependents of a deleted owner go too."""
    for dependent, owners in DEPENDENTS:
        live = {o["metadata"]["uid"] for res in owners for o in t.store.list(res)}
        for obj in t.store.list(dependent):
            owner = controller_uid(obj)
            if owner and owner not in live and not obj["metadata"].get("deletionTimestamp"):
                t.delete(dependent, obj["metadata"]["namespace"], obj["metadata"]["name"])


def owned_by(t: Tenant, resource: str, owner: dict[str, Any]) -> list[dict[str, Any]]:
    uid = owner["metadata"]["uid"]
    return [
        o
        for o in t.store.list(resource, owner["metadata"]["namespace"])
        if controller_uid(o) == uid
    ]


def _scale(
    t: Tenant, recorder: EventRecorder, deployment: dict, replicaset: dict, replicas: int
) -> dict:
    old = replicaset["spec"]["replicas"]
    if old == replicas:
        return replicaset
    meta = {
        **replicaset["metadata"],
        "annotations": {
            **(replicaset["metadata"].get("annotations") or {}),
            "deployment.kubernetes.io/desired-replicas": str(deployment["spec"]["replicas"]),
        },
    }
    updated = t.store.replace(
        "replicasets",
        {**replicaset, "metadata": meta, "spec": {**replicaset["spec"], "replicas": replicas}},
    )
    word = "up" if replicas > old else "down"
    recorder.record(
        t.clock.now(),
        involved_object(deployment),
        "Normal",
        "ScalingReplicaSet",
        f"Scaled {word} replica set {replicaset['metadata']['name']} from {old} to {replicas}",
        "deployment-controller",
    )
    return updated


def _new_replicaset(
    t: Tenant, deployment: dict[str, Any], hash_: str, revision: int
) -> dict[str, Any]:
    meta = deployment["metadata"]
    template = deep_copy(deployment["spec"]["template"])
    template["metadata"].setdefault("labels", {})[HASH_LABEL] = hash_
    selector = deep_copy(deployment["spec"]["selector"])
    selector.setdefault("matchLabels", {})[HASH_LABEL] = hash_
    body = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{meta['name']}-{hash_}",
            "namespace": meta["namespace"],
            "labels": dict(template["metadata"]["labels"]),
            "annotations": {
                REVISION: str(revision),
                "deployment.kubernetes.io/desired-replicas": str(deployment["spec"]["replicas"]),
                "deployment.kubernetes.io/max-replicas": str(deployment["spec"]["replicas"]),
            },
            "ownerReferences": [owner_ref(deployment)],
        },
        "spec": {"replicas": 0, "selector": selector, "template": template},
    }
    return t.create("replicasets", meta["namespace"], body)


def _sync_deployment(t: Tenant, deployment: dict[str, Any]) -> None:
    spec = deployment["spec"]
    hash_ = pod_template_hash(spec["template"])
    owned = owned_by(t, "replicasets", deployment)
    new = next(
        (rs for rs in owned if rs["metadata"].get("labels", {}).get(HASH_LABEL) == hash_), None
    )
    revisions = [int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)) for rs in owned]
    if new is None:
        new = _new_replicaset(t, deployment, hash_, max(revisions, default=0) + 1)
    elif int((new["metadata"].get("annotations") or {}).get(REVISION, 0)) < max(
        revisions, default=0
    ):
        # rollout undo: the old template is the newest revision again
        annotations = {**new["metadata"]["annotations"], REVISION: str(max(revisions) + 1)}
        new = t.store.replace(
            "replicasets", {**new, "metadata": {**new["metadata"], "annotations": annotations}}
        )
    _annotate_revision(t, deployment, (new["metadata"].get("annotations") or {}).get(REVISION, "1"))
    old = [rs for rs in owned if rs["metadata"]["uid"] != new["metadata"]["uid"]]
    desired = spec["replicas"]
    rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
    surge = _resolve(rolling.get("maxSurge", "25%"), desired, round_up=True)
    unavailable = _resolve(rolling.get("maxUnavailable", "25%"), desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    old_total = sum(rs["spec"]["replicas"] for rs in old)
    recorder = t.recorder
    # rolling.go reconcileNewReplicaSet: grow the new set within desired + maxSurge
    if new["spec"]["replicas"] < desired:
        room = desired + surge - old_total - new["spec"]["replicas"]
        target = min(desired, new["spec"]["replicas"] + max(0, room))
        new = _scale(t, recorder, deployment, new, target)
    elif new["spec"]["replicas"] > desired:
        new = _scale(t, recorder, deployment, new, desired)
    # reconcileOldReplicaSets: shrink old sets while keeping desired - maxUnavailable available
    new_ready = sum(1 for p in active(owned_by(t, "pods", new)) if is_ready(p))
    old_ready = sum(1 for rs in old for p in active(owned_by(t, "pods", rs)) if is_ready(p))
    removable = max(0, new_ready + old_ready - (desired - unavailable))
    for rs in sorted(old, key=lambda r: r["metadata"]["creationTimestamp"]):
        # cleanupUnhealthyReplicas: spec.replicas - available, so replicas whose pods were
        # never created (a refused create) count as unhealthy too
        unready = rs["spec"]["replicas"] - sum(
            1 for p in active(owned_by(t, "pods", rs)) if is_ready(p)
        )
        cut = min(rs["spec"]["replicas"], unready + removable)
        if cut:
            removable -= max(0, cut - unready)
            _scale(t, recorder, deployment, rs, rs["spec"]["replicas"] - cut)


def _annotate_revision(t: Tenant, deployment: dict[str, Any], revision: str) -> None:
    """The deployment controller copies the new ReplicaSet's revision onto the Deployment."""
    meta = deployment["metadata"]
    annotations = meta.get("annotations") or {}
    if annotations.get(REVISION) == revision:
        return
    current = t.store.get("deployments", meta["namespace"], meta["name"])
    if current is not None:
        new_meta = {**current["metadata"], "annotations": {**annotations, REVISION: revision}}
        t.store.replace("deployments", {**current, "metadata": new_meta})


def _sync_replicaset(t: Tenant, replicaset: dict[str, Any]) -> None:
    meta = replicaset["metadata"]
    pods = active(owned_by(t, "pods", replicaset))
    diff = len(pods) - replicaset["spec"]["replicas"]
    if diff < 0 and may_create(t, replicaset):
        for _ in range(-diff):
            template = pod_from_template(replicaset)
            if create_pod_for(t, replicaset, template, "replicaset-controller") is None:
                break
    elif diff > 0:
        # controller.ActivePods ordering: unscheduled, then not ready, then the newest first
        victims = sorted(
            pods,
            key=lambda p: (
                bool(p["spec"].get("nodeName")),
                is_ready(p),
                [-ord(c) for c in p["metadata"]["creationTimestamp"]],
            ),
        )[:diff]
        for pod in victims:
            delete_pod_of(t, replicaset, pod, "replicaset-controller")
    pods = active(owned_by(t, "pods", replicaset))
    ready = sum(1 for p in pods if is_ready(p))
    status = {
        "replicas": len(pods),
        "fullyLabeledReplicas": len(pods),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": meta.get("generation", 1),
    }
    if not ready:
        status.pop("readyReplicas")
        status.pop("availableReplicas")
    failure = _replica_failure(t, replicaset, len(pods))
    if failure:
        status["conditions"] = [failure]
    current = t.store.get("replicasets", meta["namespace"], meta["name"])
    if current is not None and current.get("status") != status:
        t.store.replace(
            "replicasets", {**current, "metadata": dict(current["metadata"]), "status": status}
        )


def _replica_failure(t: Tenant, replicaset: dict[str, Any], count: int) -> dict[str, Any] | None:
    """replica_set_utils.go calculateStatus: `ReplicaFailure` (reason FailedCreate, the API
    error as message) while pod creates fail; kept from its first failure until one succeeds."""
    error = create_error(t, replicaset)
    if error is None or count >= replicaset["spec"]["replicas"]:
        return None
    old = next(
        (
            c
            for c in (replicaset.get("status") or {}).get("conditions") or []
            if c["type"] == "ReplicaFailure"
        ),
        None,
    )
    return {
        "type": "ReplicaFailure",
        "status": "True",
        "lastTransitionTime": old["lastTransitionTime"] if old else rfc3339(t.clock.now()),
        "reason": "FailedCreate",
        "message": old["message"] if old else error,
    }


def _condition(
    type_: str, status: str, reason: str, message: str, now: str, old: dict | None
) -> dict:
    since = old["lastTransitionTime"] if old and old.get("status") == status else now
    updated = (
        old["lastUpdateTime"]
        if old and old.get("reason") == reason and old.get("status") == status
        else now
    )
    return {
        "type": type_,
        "status": status,
        "lastUpdateTime": updated,
        "lastTransitionTime": since,
        "reason": reason,
        "message": message,
    }


def _progressing(
    t: Tenant, spec: dict, new_name: str, complete: bool, now_text: str, old: dict | None
) -> dict[str, Any]:
    """progress.go syncRolloutStatus: the Progressing condition and its deadline."""
    if complete:
        message = f'ReplicaSet "{new_name}" has successfully progressed.'
        return _condition("Progressing", "True", "NewReplicaSetAvailable", message, now_text, old)
    same_rollout = old is not None and f'"{new_name}"' in old.get("message", "")
    if same_rollout and old["reason"] == "ProgressDeadlineExceeded":
        return old  # stays failed until the template changes
    deadline = spec.get("progressDeadlineSeconds", 600)
    if same_rollout and old["reason"] == "ReplicaSetUpdated":
        if t.clock.now() - parse_rfc3339(old["lastUpdateTime"]) >= deadline:
            message = f'ReplicaSet "{new_name}" has timed out progressing.'
            return _condition(
                "Progressing", "False", "ProgressDeadlineExceeded", message, now_text, old
            )
        return old
    t.add_timer(deadline + 1, "reconcile")  # come back when the deadline has passed
    message = f'ReplicaSet "{new_name}" is progressing.'
    return _condition("Progressing", "True", "ReplicaSetUpdated", message, now_text, old)


def _deployment_status(t: Tenant, deployment: dict[str, Any]) -> None:
    spec, meta = deployment["spec"], deployment["metadata"]
    owned = owned_by(t, "replicasets", deployment)
    hash_ = pod_template_hash(spec["template"])
    new = next(
        (rs for rs in owned if rs["metadata"].get("labels", {}).get(HASH_LABEL) == hash_), None
    )
    pods = [p for rs in owned for p in active(owned_by(t, "pods", rs))]
    updated = len(active(owned_by(t, "pods", new))) if new else 0
    ready = sum(1 for p in pods if is_ready(p))
    desired = spec["replicas"]
    unavailable = _resolve(
        ((spec.get("strategy") or {}).get("rollingUpdate") or {}).get("maxUnavailable", "25%"),
        desired,
        round_up=False,
    )
    now_text = rfc3339(t.clock.now())
    previous = {c["type"]: c for c in (deployment.get("status") or {}).get("conditions") or []}
    available = _condition(
        "Available",
        "True" if ready >= desired - unavailable else "False",
        "MinimumReplicasAvailable"
        if ready >= desired - unavailable
        else "MinimumReplicasUnavailable",
        "Deployment has minimum availability."
        if ready >= desired - unavailable
        else "Deployment does not have minimum availability.",
        now_text,
        previous.get("Available"),
    )
    new_name = new["metadata"]["name"] if new else ""
    complete = new is not None and updated == desired and ready >= desired and len(pods) == desired
    progressing = _progressing(t, spec, new_name, complete, now_text, previous.get("Progressing"))
    status = {
        "observedGeneration": meta.get("generation", 1),
        "replicas": len(pods),
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "conditions": [available, progressing],
    }
    # progress.go getReplicaFailures: the ReplicaSets' ReplicaFailure becomes the Deployment's
    for rs in owned:
        for c in (rs.get("status") or {}).get("conditions") or []:
            if c["type"] == "ReplicaFailure" and len(status["conditions"]) == 2:
                status["conditions"].append({**c, "lastUpdateTime": c["lastTransitionTime"]})
    if desired - ready > 0:
        status["unavailableReplicas"] = desired - ready
    if not ready:
        status.pop("readyReplicas")
        status.pop("availableReplicas")
    if status != deployment.get("status"):
        current = t.store.get("deployments", meta["namespace"], meta["name"])
        if current is not None:
            t.store.replace(
                "deployments", {**current, "metadata": dict(current["metadata"]), "status": status}
            )
