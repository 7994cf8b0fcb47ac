"""A tenant: one learner's whole virtual cluster (store, nodes, caches, registries, kubelets).

Every public method first runs the timers that are due, so the cluster a request sees is the
cluster at that moment. Timers are plain lists `[due, seq, action, argument]`, whose action
names clusters/sim/timers.py turns back into functions, so the whole tenant saves to JSON-able
dicts and back (`to_state` / `from_state`, clusters/sim/tenant_state.py).
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import logging
import time
from collections.abc import Callable
from typing import Any

from clusters.sim import (
    alwayspullimages,
    errors,
    kubelet,
    nodelifecycle,
    tenant_state,
    webhooks,
)
from clusters.sim.admission import admit
from clusters.sim.clock import Clock
from clusters.sim.crd_validation import validate_custom_resource
from clusters.sim.cronjobs import arm as arm_cronjob
from clusters.sim.cronjobs import default_cronjob, validate_cronjob
from clusters.sim.decoding import check_types, without_nulls
from clusters.sim.defaults import default_pod, default_pod_spec
from clusters.sim.events import EVENT_TTL, EventRecorder
from clusters.sim.ids import make_suffix, make_uid, rfc3339
from clusters.sim.imagemanager import CONTAINER_BACK_OFF, MAX_CONTAINER_BACK_OFF, BackOff
from clusters.sim.jobs import default_job, prepare_job, validate_job
from clusters.sim.kinds import BY_PLURAL, ResourceType
from clusters.sim.noderesources import PlacedRequests
from clusters.sim.nodes import node_images_status
from clusters.sim.patching import PatchError, apply_patch, is_apply_patch
from clusters.sim.patching_apply import ApplyError, decode_apply_configuration
from clusters.sim.pullsecrets import secret_credentials, validate_docker_secret
from clusters.sim.qos import compute_pod_qos
from clusters.sim.scheduler import (
    has_anti_affinity,
    node_signature,
)
from clusters.sim.selectors import (
    field_selectors_for,
    fields_match,
    labels_match,
    parse_field_selector,
    parse_label_selector,
)
from clusters.sim.serviceaccounts import (
    DEFAULT_SERVICE_ACCOUNT,
    SERVICE_ACCOUNTS,
    default_service_account,
)
from clusters.sim.services import default_service, validate_service
from clusters.sim.session_admission import (
    QUOTA_INPUTS,
    QUOTAS,
    admit_pod_create,
    default_pod_resources,
)
from clusters.sim.store import Change, ObjectStore, deep_copy
from clusters.sim.timers import ACTIONS
from clusters.sim.tokens import ServiceAccountTokens
from clusters.sim.validation import (
    validate_ephemeral_update,
    validate_name,
    validate_pod_create,
    validate_pod_update,
)
from clusters.sim.workloads import default_workload, validate_workload

WORKLOADS = ("deployments", "replicasets", "daemonsets", "jobs", "cronjobs")
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


log = logging.getLogger(__name__)


class _Cursor:
    """The tenant's notion of now: a timer runs at its own due time, not at the clock's end."""

    def __init__(self, now: float) -> None:
        self.value = now

    def now(self) -> float:
        return self.value


class Tenant:
    def __init__(
        self, name: str, clock: Clock, token: str = "", namespace: str | None = None
    ) -> None:
        self.name = name
        self.namespace = namespace or name
        self.token = token
        self.seed = name
        self.source = clock
        self.clock = _Cursor(clock.now())
        self.store = ObjectStore()
        self.recorder = EventRecorder(self.store)
        self.registries: dict[str, dict[str, Any]] = {}
        self.caches: dict[str, dict[str, Any]] = {}
        # The world's kubelet configuration file; a node whose file a `kubelet` action changed
        # has its own in node_kubelet (clusters/sim/kubeletconfig.py).
        self.kubelet_config: dict[str, Any] = {}
        self.node_kubelet: dict[str, dict[str, Any]] = {}
        self.kubelet_errors: dict[str, str] = {}  # node -> why its kubelet refused a new file
        # kube-apiserver's flags that a world changes (`apiserver` action).
        self.apiserver: dict[str, Any] = {"enableAdmissionPlugins": []}
        self.backoff = BackOff()
        self.crash_backoff = BackOff(CONTAINER_BACK_OFF, MAX_CONTAINER_BACK_OFF)
        self.pull_errors: dict[str, str] = {}
        self.kube_pods: dict[str, dict[str, Any]] = {}
        self.load: dict[str, int] = {}
        self.node_busy_until: dict[str, list[float]] = {}
        self.node_disk_used: dict[str, int] = {}
        self.node_mirrors: dict[
            str, dict[str, list[str]]
        ] = {}  # node -> registry -> mirrors  # bytes on the image filesystem besides images
        # node -> containerd certs.d trust/hosts and kubelet credential providers (noderegistry.py)
        self.node_registry: dict[str, dict[str, Any]] = {}
        self.ip_next: dict[str, int] = {}
        self.timers: list[list[Any]] = []
        # (namespace, name, uid) -> due times of that pod's "schedule" timers: derived from
        # `timers`, so a pending pod's retry never scans every timer (thousands when many pods
        # cannot be placed).
        self.schedule_dues: dict[tuple, list[float]] = {}
        self.timer_seq = 0
        self.counter = 0
        self.timeline: list[dict[str, Any]] = []
        self.last_compaction_rv = 0
        self.reconcile_pending = False
        self.running = False
        # Timers whose action raised (logged); tests assert it stays 0.
        self.failed_timers = 0
        # owner uid -> [failures, retry at, API error] of controllers whose pod create failed
        self.create_failures: dict[str, list[Any]] = {}
        self.cron_seen: list[str] = []  # uids of finished Jobs the CronJob controller has seen
        # PodSecurity `warn` texts of the last create, for the API server's Warning headers.
        self.admission_warnings: list[str] = []
        # What world.admission installed (clusters/sim/webhooks.py): Gatekeeper templates, Kyverno.
        self.policy_engines: dict[str, Any] = {}
        # Tokens issued through TokenRequest (clusters/sim/tokens.py), keyed from the tenant's own.
        self.sa_tokens = ServiceAccountTokens(hashlib.sha256(f"sa:{token}".encode()).digest())
        self.quota_sync_pending: set[str] = set()  # namespaces with a quota_sync timer armed
        self.work_budget: float | None = None  # seconds of timers per run_due (run_due)
        # "namespace/name" of pods with required anti-affinity (derived from the store).
        self.anti_affinity_pods: set[str] = set()
        # node -> its labels, cordon, taints and allocatable as last seen, to retry pending pods
        # when they change.
        self.node_signatures: dict[str, str] = {}
        # The scheduler cache's pods and requests per node (derived from the store).
        self.placed = PlacedRequests()
        self.store.subscribe(self._on_change)

    def _on_change(self, change: Change) -> None:
        """Wake the workload controllers when something they watch changes; arm Event expiry."""
        if change.resource == "nodes":  # first: its pass runs before the scheduler's retries
            nodelifecycle.observe(self, change)
        if change.resource in ("pods", "nodes"):
            self._track_scheduling(change)
        if change.resource == "events" and change.type != "DELETED":
            meta = change.object["metadata"]
            key = [meta["namespace"], meta["name"], meta["resourceVersion"]]
            self.add_timer(EVENT_TTL, "expire_event", key)
            return
        namespace = change.object["metadata"].get("namespace", "")
        if (
            change.resource in QUOTA_INPUTS
            and namespace not in self.quota_sync_pending
            and self.store.list(QUOTAS, namespace)
        ):
            self.quota_sync_pending.add(namespace)
            self.add_timer(0.0, "quota_sync", namespace)
        if change.resource not in ("pods", *WORKLOADS) or self.reconcile_pending:
            return
        if change.resource in WORKLOADS or any(self.store.objects.get(r) for r in WORKLOADS):
            self.reconcile_pending = True
            self.add_timer(0.0, "reconcile")

    def _track_scheduling(self, change: Change) -> None:
        """Pods with required anti-affinity, and retries of pending pods on cluster events.

        The scheduler moves unschedulable pods back to its active queue when something that
        could make them fit happens (pkg/scheduler/internal/queue,
        MoveAllToActiveOrBackoffQueue): here, a pod deleted or finished (the scheduler's
        informer drops Succeeded and Failed pods), or a node added or changing its labels,
        cordon, taints or allocatable.
        """
        meta = change.object["metadata"]
        if change.resource == "nodes":
            signature = node_signature(change.object)
            changed = self.node_signatures.get(meta["name"]) != signature
            daemonsets = self.store.objects.get("daemonsets")
            # the DaemonSet controller's addNode, updateNode and deleteNode
            if (changed or change.type == "DELETED") and daemonsets and not self.reconcile_pending:
                self.reconcile_pending = True
                self.add_timer(0.0, "reconcile")
            if change.type != "DELETED" and changed:
                self.node_signatures[meta["name"]] = signature
                self._retry_pending(0.0)
            return
        key = f"{meta['namespace']}/{meta['name']}"
        left_node = self.placed.observe(change.object, change.type == "DELETED")
        if left_node and change.type != "DELETED":
            self._retry_pending(0.0)
        if change.type == "DELETED":
            self.anti_affinity_pods.discard(key)
            self._retry_pending(0.0)
        elif has_anti_affinity(change.object):
            self.anti_affinity_pods.add(key)
        else:
            self.anti_affinity_pods.discard(key)

    def _retry_pending(self, delay: float) -> None:
        """Schedule every pending pod again, the pod queued first first (PrioritySort, as all
        priorities are 0), unless a try is already due by then."""
        due = self.clock.now() + delay
        waiting = sorted(
            (
                p
                for p in self.store.list("pods")
                if not p["spec"].get("nodeName") and not p["metadata"].get("deletionTimestamp")
            ),
            key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["uid"]),
        )
        for pod in waiting:
            self.retry_scheduling(pod, delay, due)

    def retry_scheduling(self, pod: dict[str, Any], delay: float, due: float) -> None:
        pod_meta = pod["metadata"]
        retry = [pod_meta["namespace"], pod_meta["name"], pod_meta["uid"]]
        if min(self.schedule_dues.get(tuple(retry), ()), default=due + 1) > due:
            self.add_timer(delay, "schedule", retry)

    # --- time ------------------------------------------------------------------------------
    def add_timer(self, delay: float, action: str, argument: Any = None) -> None:
        self.timer_seq += 1
        due = self.clock.now() + delay
        heapq.heappush(self.timers, [due, self.timer_seq, action, argument])
        if action == "schedule":
            self.schedule_dues.setdefault(tuple(argument), []).append(due)

    def index_schedule_timers(self) -> None:
        """Rebuild `schedule_dues` from the timers (after a restore)."""
        self.schedule_dues = {}
        for due, _, action, argument in self.timers:
            if action == "schedule":
                self.schedule_dues.setdefault(tuple(argument), []).append(due)

    def _forget_schedule_due(self, argument: list[str], due: float) -> None:
        dues = self.schedule_dues.get(tuple(argument), [])
        if due in dues:
            dues.remove(due)
        if not dues:
            self.schedule_dues.pop(tuple(argument), None)

    def next_due(self) -> float | None:
        return self.timers[0][0] if self.timers else None

    def run_due(self, until: float | None = None) -> int:
        """Run every timer due up to `until` (default: the clock's now), in due order.

        With a `work_budget` (the live server sets one; tests never do), stop after that many
        seconds of work and leave the rest to the next call: one request never waits for
        every pod that fell due at once. The tenant's now then stays at the last timer run.
        """
        if self.running:
            return 0  # a controller calling the API from inside a timer: time stands still
        until = self.source.now() if until is None else until
        stop_at = time.perf_counter() + self.work_budget if self.work_budget else None
        ran = 0
        self.running = True
        try:
            while self.timers and self.timers[0][0] <= until:
                if stop_at is not None and ran and time.perf_counter() > stop_at:
                    return ran
                due, _, action, argument = heapq.heappop(self.timers)
                if action == "schedule":
                    self._forget_schedule_due(argument, due)
                self.clock.value = max(self.clock.value, due)
                try:
                    ACTIONS[action](self, argument)
                except Exception:
                    # An engine bug in one timer must not turn every later request of this
                    # learner into a 500: log it loudly and keep the cluster serving.
                    log.exception("timer %s(%r) failed in tenant %s", action, argument, self.name)
                    self.failed_timers += 1
                ran += 1
        finally:
            self.running = False
        self.clock.value = max(self.clock.value, until)
        return ran

    # --- helpers used by the kubelet -----------------------------------------------------------
    def next_uid(self) -> str:
        self.counter += 1
        return make_uid(self.seed, self.counter)

    def allocate_pod_ip(self, node: str) -> str:
        node_obj = self.store.get("nodes", "", node)
        cidr = node_obj["spec"]["podCIDR"] if node_obj else "10.244.0.0/24"
        self.ip_next[node] = self.ip_next.get(node, 1) + 1
        prefix = cidr.rsplit(".", 1)[0]
        return f"{prefix}.{self.ip_next[node]}"

    def refresh_node_images(self, node: str) -> None:
        obj = self.store.get("nodes", "", node)
        if obj is not None:
            status = {**obj["status"], "images": node_images_status(self.caches[node])}
            self.store.replace(
                "nodes", {**obj, "metadata": dict(obj["metadata"]), "status": status}
            )

    def pull_credentials(self, pod: dict[str, Any]) -> list[dict[str, str]]:
        """Credentials from the pod's usable imagePullSecrets, read afresh at each pull attempt.

        Each is {registry, username, password}; noderegistry.pull_credentials keeps those whose
        registry key matches the image."""
        namespace = pod["metadata"]["namespace"]
        secrets = [
            self.store.get("secrets", namespace, ref.get("name", ""))
            for ref in pod["spec"].get("imagePullSecrets") or []
        ]
        return secret_credentials([s for s in secrets if s is not None])

    # --- API -------------------------------------------------------------------------------
    def _type(self, resource: str) -> ResourceType:
        rtype = BY_PLURAL.get(resource)
        if rtype is None:
            raise errors.not_found(resource, "")
        if not webhooks.served(self, rtype):
            raise errors.ApiError(
                errors.status_object(
                    404, "NotFound", "the server could not find the requested resource"
                )
            )
        return rtype

    def _check_namespace(self, rtype: ResourceType, namespace: str | None) -> str:
        if not rtype.namespaced:
            return ""
        if not namespace:
            raise errors.bad_request("the namespace of the object is required")
        if self.store.get("namespaces", "", namespace) is None:
            raise errors.not_found("namespaces", namespace)
        return namespace

    def get(self, resource: str, namespace: str | None, name: str) -> dict[str, Any]:
        self.run_due()
        rtype = self._type(resource)
        return self.store.must_get(resource, namespace if rtype.namespaced else "", name)

    def list(
        self,
        resource: str,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """Matching objects and the list's resourceVersion."""
        self.run_due()
        rtype = self._type(resource)
        matcher = self.matcher(resource, label_selector, field_selector)
        items = self.store.list(resource, namespace if rtype.namespaced else None)
        return [o for o in items if matcher(o)], self.store.rv

    def matcher(self, resource: str, label_selector: str | None, field_selector: str | None):
        labels = parse_label_selector(label_selector)
        supported = field_selectors_for(resource)
        fields = parse_field_selector(field_selector, supported)

        def match(obj: dict[str, Any]) -> bool:
            return labels_match(labels, obj["metadata"].get("labels")) and fields_match(
                fields, obj, supported
            )

        return match

    def create(
        self,
        resource: str,
        namespace: str | None,
        body: dict[str, Any],
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> dict[str, Any]:
        self.run_due()
        rtype = self._type(resource)
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be an object")
        obj = without_nulls(body)
        obj["apiVersion"], obj["kind"] = rtype.api_version, rtype.kind
        check_types(obj, rtype.kind, rtype.api_version)
        meta = obj.setdefault("metadata", {})
        if (
            rtype.namespaced
            and meta.get("namespace")
            and namespace
            and meta["namespace"] != namespace
        ):
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"
            )
        ns = self._check_namespace(rtype, namespace or meta.get("namespace"))
        if rtype.namespaced:
            meta["namespace"] = ns
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = self._generate_name(
                resource, ns if rtype.namespaced else "", meta["generateName"]
            )
        for key in (
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "generation",
        ):
            meta.pop(key, None)
        if resource == "pods":
            obj.pop("status", None)
            self.counter += 1
            default_pod(obj, make_suffix(self.seed, self.counter))
            default_pod_resources(self.store, obj)  # mutating admission runs before validation
            if alwayspullimages.enabled(self):
                alwayspullimages.admit(obj)
            validate_pod_create(obj)
            obj["status"]["qosClass"] = compute_pod_qos(obj)  # podStrategy.PrepareForCreate
            meta["generation"] = 1
        elif resource == "secrets":
            _fold_string_data(obj)
            secret_errors = validate_name(meta.get("name")) + validate_docker_secret(obj)
            if secret_errors:
                raise errors.invalid_object("Secret", meta.get("name") or "", secret_errors)
        elif resource == "services":
            default_service(self, obj)
            validate_service(obj)
        elif resource == "cronjobs":
            obj.pop("status", None)
            default_cronjob(obj)
            validate_cronjob(obj)
            meta["generation"] = 1
        elif resource == "jobs":
            obj.pop("status", None)
            default_job(obj)
            validate_job(obj)
            meta["generation"] = 1
        elif resource in WORKLOADS:
            obj.pop("status", None)
            default_workload(obj)
            validate_workload(obj)
            meta["generation"] = 1
        else:
            name_errors = validate_name(meta.get("name"))
            if name_errors:
                raise errors.invalid_object(
                    rtype.kind, meta.get("name") or "", name_errors, rtype.group
                )
        if resource == "namespaces":
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
            obj["spec"] = {"finalizers": ["kubernetes"]}
            obj["status"] = {"phase": "Active"}
        if self.store.get(resource, ns, meta["name"]) is not None:
            raise errors.already_exists(resource, meta["name"], rtype.group)
        self.admission_warnings = admit_pod_create(self.store, obj) if resource == "pods" else []
        if resource == "pods" and alwayspullimages.enabled(self):
            alwayspullimages.validate(obj)
        validate_custom_resource(rtype, obj)
        admit(self, "CREATE", resource, obj, None)
        self.admission_warnings += webhooks.review(self, resource, obj)
        webhooks.prepare(self, resource, obj)
        meta["uid"] = self.next_uid()
        meta["creationTimestamp"] = rfc3339(self.clock.now())
        if resource == "jobs":
            prepare_job(obj)
        if field_manager:
            meta["managedFields"] = [
                self._managed_entry(
                    field_manager, "Update" if resource != "pods" else "Update", rtype
                )
            ]
        if dry_run:
            return obj
        created = self.store.create(resource, obj)
        if resource == "namespaces":
            self._ensure_default_service_account(meta["name"])
        if resource == "cronjobs":
            arm_cronjob(self, created)
        if resource == "pods":
            if created["spec"].get("nodeName"):
                self._bind_directly(created)
            else:
                self.add_timer(0.0, "schedule", [ns, meta["name"], meta["uid"]])
        return created

    def _ensure_default_service_account(self, namespace: str) -> None:
        """The serviceaccounts controller: `default` exists in every live namespace."""
        ns_obj = self.store.get("namespaces", "", namespace)
        if ns_obj is None or ns_obj["metadata"].get("deletionTimestamp"):
            return
        if self.store.get(SERVICE_ACCOUNTS, namespace, DEFAULT_SERVICE_ACCOUNT) is None:
            self.create(SERVICE_ACCOUNTS, namespace, default_service_account(namespace))

    def _managed_entry(self, manager: str, operation: str, rtype: ResourceType) -> dict[str, Any]:
        return {
            "manager": manager,
            "operation": operation,
            "apiVersion": rtype.api_version,
            "time": rfc3339(self.clock.now()),
            "fieldsType": "FieldsV1",
            "fieldsV1": {},
        }

    def _bind_directly(self, pod: dict[str, Any]) -> None:
        """spec.nodeName set by the user: no scheduler, the node's kubelet takes it at once."""
        if self.store.get("nodes", "", pod["spec"]["nodeName"]) is None:
            return  # a real pod bound to a missing node stays Pending (until pod GC)
        kubelet.admit(self, pod)
        now = rfc3339(self.clock.now())
        status = {
            **pod["status"],
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": now,
                }
            ],
        }
        self.store.replace("pods", {**pod, "metadata": dict(pod["metadata"]), "status": status})

    def update(
        self,
        resource: str,
        namespace: str | None,
        name: str,
        body: dict[str, Any],
        dry_run: bool = False,
        subresource: str = "",
    ) -> dict[str, Any]:
        self.run_due()
        rtype = self._type(resource)
        ns = namespace if rtype.namespaced else ""
        current = self.store.must_get(resource, ns or "", name)
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be an object")
        new = without_nulls(body)
        check_types({**new, "apiVersion": rtype.api_version}, rtype.kind, rtype.api_version)
        meta = new.setdefault("metadata", {})
        if meta.get("name") and meta["name"] != name:
            raise errors.bad_request("the name of the object does not match the name on the URL")
        expected_rv = meta.get("resourceVersion")
        if expected_rv and expected_rv != current["metadata"]["resourceVersion"]:
            raise errors.conflict(resource, name, rtype.group)
        keep = (
            "name",
            "namespace",
            "uid",
            "creationTimestamp",
            "generation",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        )
        meta.update({k: current["metadata"][k] for k in keep if k in current["metadata"]})
        new["apiVersion"], new["kind"] = rtype.api_version, rtype.kind
        if subresource == "status":
            new = {
                **current,
                "status": new.get("status", {}),
                "metadata": dict(current["metadata"]),
            }
        elif resource == "pods" and subresource == "ephemeralcontainers":
            ephemeral = (new.get("spec") or {}).get("ephemeralContainers") or []
            new = {
                **current,
                "metadata": dict(current["metadata"]),
                "spec": {**current["spec"], "ephemeralContainers": deep_copy(ephemeral)},
            }
            default_pod_spec({"ephemeralContainers": new["spec"]["ephemeralContainers"]})
            validate_ephemeral_update(current, new)
        elif resource == "pods":
            new["status"] = current.get("status", {})
            for key in ("containers", "initContainers"):
                for container in (new.get("spec") or {}).get(key) or []:
                    if isinstance(container, dict) and not container.get("imagePullPolicy"):
                        old = next(
                            (
                                c
                                for c in current["spec"].get(key) or []
                                if c["name"] == container.get("name")
                            ),
                            None,
                        )
                        container["imagePullPolicy"] = old["imagePullPolicy"] if old else ""
            if alwayspullimages.enabled(self):
                alwayspullimages.admit(new, current)
            validate_pod_update(current, new)
            if new["spec"] != current["spec"]:
                meta["generation"] = current["metadata"].get("generation", 1) + 1
        elif resource == "secrets":
            _fold_string_data(new)
            secret_errors = validate_docker_secret(new)
            if new["type"] != current.get("type", "Opaque"):
                # ValidateSecretUpdate: ValidateImmutableField(newSecret.Type, oldSecret.Type)
                secret_errors.append(errors.invalid("type", new["type"], "field is immutable"))
            if secret_errors:
                raise errors.invalid_object("Secret", name, secret_errors)
        elif resource == "namespaces":
            # SetDefaults_Namespace always sets the name label; namespaceStrategy.PrepareForUpdate
            # keeps finalizers and status (they change only through /finalize and /status).
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = name
            new["spec"] = current.get("spec", {})
            new["status"] = current.get("status", {})
        elif resource in WORKLOADS:
            new["status"] = current.get("status", {})
            if resource == "jobs":
                default_job(new)
                validate_job(new)
            elif resource == "cronjobs":
                default_cronjob(new)
                validate_cronjob(new)
            else:
                default_workload(new)
                validate_workload(new)
            if new["spec"] != current["spec"]:
                meta["generation"] = current["metadata"].get("generation", 1) + 1
        if resource == "pods" and not subresource and alwayspullimages.enabled(self):
            alwayspullimages.validate(new, current)
        validate_custom_resource(rtype, new)
        admit(self, "UPDATE", resource, new, current)
        self.admission_warnings = webhooks.review(self, resource, new, subresource)
        if dry_run:
            return new
        stored = self.store.replace(resource, new)
        if resource == "cronjobs" and stored["spec"]["schedule"] != current["spec"]["schedule"]:
            arm_cronjob(self, stored)
        if resource == "pods" and subresource == "ephemeralcontainers":
            kubelet.ephemeral_added(self, stored)
        elif resource == "pods" and subresource != "status":
            pending = not stored["spec"].get("nodeName")
            if pending and stored["spec"].get("tolerations") != current["spec"].get("tolerations"):
                # queue hint isSchedulableAfterPodTolerationChange: the pod itself changed
                self.retry_scheduling(stored, 0.0, self.clock.now())
            old_images = {c["name"]: c["image"] for c in current["spec"]["containers"]}
            if old_images != {c["name"]: c["image"] for c in stored["spec"]["containers"]}:
                kubelet.image_changed(self, stored, old_images)
        return stored

    def patch(
        self,
        resource: str,
        namespace: str | None,
        name: str,
        content_type: str,
        patch: Any,
        dry_run: bool = False,
        subresource: str = "",
        decode: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """`decode` sees the patched object before it is stored (the HTTP layer's field check)."""
        self.run_due()
        rtype = self._type(resource)
        current = self.store.get(resource, namespace if rtype.namespaced else "", name)
        if current is None and is_apply_patch(content_type) and not subresource:
            return self._apply_create(resource, namespace, name, patch, dry_run, decode)
        if current is None:
            raise errors.not_found(resource, name, rtype.group)
        try:
            patched = apply_patch(current, patch, content_type, rtype.kind)
        except PatchError as err:
            raise errors.ApiError(err.status()) from err
        if decode is not None:
            patched = decode(patched)
        # A resourceVersion the patch carries is a precondition (409 when stale); without one
        # the patch applies to whatever is current, as the API server's patcher does.
        meta = patched.setdefault("metadata", {}) if isinstance(patched, dict) else None
        if isinstance(meta, dict) and not meta.get("resourceVersion"):
            meta["resourceVersion"] = current["metadata"]["resourceVersion"]
        return self.update(
            resource, namespace, name, patched, dry_run=dry_run, subresource=subresource
        )

    def _apply_create(
        self,
        resource: str,
        namespace: str | None,
        name: str,
        patch: Any,
        dry_run: bool,
        decode: Callable[[dict[str, Any]], dict[str, Any]] | None,
    ) -> dict[str, Any]:
        """Server-side apply of an object that does not exist creates it (the API server's
        patcher, `applyPatcher.createNewObject` in staging/.../handlers/patch.go)."""
        try:
            config = decode_apply_configuration(patch)
        except ApplyError as err:
            raise errors.bad_request(str(err)) from err
        if (config.get("metadata") or {}).get("name", name) != name:
            raise errors.bad_request("the name of the object does not match the name on the URL")
        if decode is not None:
            config = decode(config)
        config.setdefault("metadata", {})["name"] = name
        return self.create(resource, namespace, config, dry_run)

    def delete(
        self,
        resource: str,
        namespace: str | None,
        name: str,
        grace: int | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        self.run_due()
        rtype = self._type(resource)
        ns = namespace if rtype.namespaced else ""
        current = self.store.must_get(resource, ns or "", name)
        if dry_run:
            return current
        if resource == "pods":
            return self._delete_pod(current, grace)
        if resource == "namespaces":
            for res, bucket in list(self.store.objects.items()):
                for key in [k for k in bucket if k[0] == name]:
                    self.store.delete(res, key[0], key[1])
        deleted = self.store.delete(resource, ns or "", name)
        if resource == SERVICE_ACCOUNTS and name == DEFAULT_SERVICE_ACCOUNT:
            self._ensure_default_service_account(ns or "")
        return deleted

    def _delete_pod(self, pod: dict[str, Any], grace: int | None) -> dict[str, Any]:
        meta = pod["metadata"]
        if meta.get("deletionTimestamp"):
            return pod
        uid = meta["uid"]
        if grace is None:
            grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
        if grace == 0 or uid not in self.kube_pods:
            kubelet.forget(self, uid)
            return self.store.delete("pods", meta["namespace"], meta["name"])
        marked_meta = {
            **meta,
            "deletionTimestamp": rfc3339(self.clock.now() + grace),
            "deletionGracePeriodSeconds": grace,
        }
        marked = self.store.replace("pods", {**pod, "metadata": marked_meta})
        seconds = kubelet.kill(self, marked)
        self.add_timer(min(seconds, grace), "finish_delete", [meta["namespace"], meta["name"], uid])
        return marked

    def _generate_name(self, resource: str, namespace: str, prefix: str) -> str:
        """A free name for generateName. Like RetryGenerateName (GA in v1.32, registry/rest
        create.go), a suffix that is taken is drawn again, up to 8 tries in all."""
        for _ in range(8):
            self.counter += 1
            name = prefix + make_suffix(self.seed, self.counter)
            if self.store.get(resource, namespace, name) is None:
                break
        return name

    # --- state (clusters/sim/tenant_state.py) ----------------------------------------------
    def to_state(self) -> dict[str, Any]:
        return tenant_state.dump(self)

    @classmethod
    def from_state(cls, state: dict[str, Any], clock: Clock) -> Tenant:
        return tenant_state.load(
            cls(state["name"], clock, state["token"], state["namespace"]), state
        )


def _fold_string_data(secret: dict[str, Any]) -> None:
    """The API server writes a Secret's stringData into data (base64) and drops it."""
    string_data = secret.pop("stringData", None) or {}
    if string_data:
        data = secret.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    secret.setdefault("type", "Opaque")
