"""Save and restore a tenant: `Tenant.to_state()` and `Tenant.from_state()`.

A tenant is plain dicts and lists throughout, so its state is JSON; what is derived (the
scheduler's indexes, heap order) is rebuilt on load rather than saved.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Any

from clusters.sim.events import EventRecorder
from clusters.sim.imagemanager import CONTAINER_BACK_OFF, MAX_CONTAINER_BACK_OFF, BackOff
from clusters.sim.noderesources import PlacedRequests
from clusters.sim.scheduler import has_anti_affinity, node_signature
from clusters.sim.store import ObjectStore
from clusters.sim.tokens import ServiceAccountTokens

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant


def dump(tenant: Tenant) -> dict[str, Any]:
    """Everything a tenant is, as JSON-able dicts and lists."""
    return {
        "name": tenant.name,
        "namespace": tenant.namespace,
        "token": tenant.token,
        "seed": tenant.seed,
        "now": tenant.clock.value,
        "store": tenant.store.to_state(),
        "events_recorder": tenant.recorder.to_state(),
        "registries": tenant.registries,
        "caches": tenant.caches,
        "kubelet_config": tenant.kubelet_config,
        "backoff": tenant.backoff.to_state(),
        "crash_backoff": tenant.crash_backoff.to_state(),
        "pull_errors": tenant.pull_errors,
        "kube_pods": tenant.kube_pods,
        "load": tenant.load,
        "node_busy_until": tenant.node_busy_until,
        "node_disk_used": tenant.node_disk_used,
        "node_mirrors": tenant.node_mirrors,
        "node_registry": tenant.node_registry,
        "node_kubelet": tenant.node_kubelet,
        "kubelet_errors": tenant.kubelet_errors,
        "apiserver": tenant.apiserver,
        "cron_seen": tenant.cron_seen,
        "create_failures": tenant.create_failures,
        "policy_engines": tenant.policy_engines,
        "ip_next": tenant.ip_next,
        "timers": tenant.timers,
        "timer_seq": tenant.timer_seq,
        "counter": tenant.counter,
        "timeline": tenant.timeline,
        "last_compaction_rv": tenant.last_compaction_rv,
        "sa_tokens": tenant.sa_tokens.to_state(),
    }


def load(tenant: Tenant, state: dict[str, Any]) -> Tenant:
    """A new tenant (its name, clock, token and namespace set) given the rest of `state`."""
    tenant.seed = state["seed"]
    tenant.clock.value = state["now"]
    tenant.store = ObjectStore.from_state(state["store"])
    tenant.store.subscribe(tenant._on_change)
    tenant.anti_affinity_pods = {
        f"{p['metadata']['namespace']}/{p['metadata']['name']}"
        for p in tenant.store.list("pods")
        if has_anti_affinity(p)
    }
    tenant.placed = PlacedRequests.of(tenant.store.list("pods"))
    tenant.node_signatures = {
        n["metadata"]["name"]: node_signature(n) for n in tenant.store.list("nodes")
    }
    tenant.recorder = EventRecorder(tenant.store, state.get("events_recorder"))
    for key in (
        "registries",
        "caches",
        "kubelet_config",
        "pull_errors",
        "kube_pods",
        "load",
        "node_busy_until",
        "node_disk_used",
        "node_mirrors",
        "node_registry",
        "cron_seen",
        "ip_next",
        "timers",
        "timer_seq",
        "counter",
        "timeline",
        "last_compaction_rv",
    ):
        setattr(tenant, key, state[key])
    tenant.sa_tokens = ServiceAccountTokens.from_state(state["sa_tokens"])
    tenant.create_failures = state.get("create_failures", {})
    tenant.policy_engines = state.get("policy_engines", {})
    for key in ("node_kubelet", "kubelet_errors", "apiserver"):  # absent in older states
        if key in state:
            setattr(tenant, key, state[key])
    tenant.backoff = BackOff.from_state(state["backoff"])
    tenant.crash_backoff = BackOff.from_state(state["crash_backoff"])
    tenant.crash_backoff.initial, tenant.crash_backoff.maximum = (
        CONTAINER_BACK_OFF,
        MAX_CONTAINER_BACK_OFF,
    )
    heapq.heapify(tenant.timers)
    tenant.index_schedule_timers()
    return tenant
