"""The kubelet of every simulated node: pod sync, image pulls, container starts.

Upstream: pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer: EnsureImageExists,
then `Error: <reason>` on failure, Created, Started), pkg/kubelet/pod_workers.go (a failed
sync is retried after backOffPeriod), pkg/kubelet/images/puller.go (serial vs parallel pulls).

Each step is a timer on the tenant, so time only moves through the tenant's clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim import imagemanager as im
from clusters.sim import kubeletconfig
from clusters.sim.events import involved_pod
from clusters.sim.ids import make_hex, rfc3339
from clusters.sim.noderegistry import mirror_routes, pull_credentials, route
from clusters.sim.nodes import add_image, cached_digest, node_address, node_images_status
from clusters.sim.podstatus import pod_status
from clusters.sim.probes import start_probing
from clusters.sim.reference import InvalidReference, parse_normalized_named
from clusters.sim.registry import (
    PullFailure,
    Source,
    image_behaviour,
    is_private,
    resolve_with_mirrors,
)

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

SANDBOX_SECONDS = 1.0  # from binding to PodReadyToStartContainers
CONTAINER_START_SECONDS = 0.2  # CreateContainer + StartContainer
DELETE_SECONDS = 1.0  # from deletionTimestamp to the kubelet's final status and removal


def admit(t: Tenant, pod: dict[str, Any]) -> None:
    """A pod was bound to a node: the kubelet creates its sandbox shortly after."""
    meta = pod["metadata"]
    containers = {
        c["name"]: {
            "state": "waiting",
            "reason": "ContainerCreating",
            "restarts": 0,
            "image": c["image"],
        }
        for c in all_containers(pod)
    }
    t.kube_pods[meta["uid"]] = {
        "namespace": meta["namespace"],
        "name": meta["name"],
        "node": pod["spec"]["nodeName"],
        "sandbox": False,
        "ip": "",
        "start_time": t.clock.now(),
        "containers": containers,
        "sync_due": True,
    }
    t.load[pod["spec"]["nodeName"]] = t.load.get(pod["spec"]["nodeName"], 0) + 1
    t.add_timer(SANDBOX_SECONDS, "kubelet_sync", meta["uid"])


def current_pod(t: Tenant, uid: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    kube = t.kube_pods.get(uid)
    if kube is None:
        return None
    pod = t.store.get("pods", kube["namespace"], kube["name"])
    if pod is None or pod["metadata"]["uid"] != uid or pod["metadata"].get("deletionTimestamp"):
        return None
    return pod, kube


def all_containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    """Init, regular and ephemeral containers (names are unique across all three)."""
    spec = pod["spec"]
    return [
        *(spec.get("initContainers") or []),
        *spec["containers"],
        *(spec.get("ephemeralContainers") or []),
    ]


def _list_of(pod: dict[str, Any], name: str) -> str:
    """Which list of the spec holds the container `name`."""
    for key in ("initContainers", "ephemeralContainers"):
        if any(c["name"] == name for c in pod["spec"].get(key) or []):
            return key
    return "containers"


def _is_init(pod: dict[str, Any], name: str) -> bool:
    return _list_of(pod, name) == "initContainers"


def _to_progress(pod: dict[str, Any], kube: dict[str, Any]) -> list[dict[str, Any]]:
    """The first init container not yet done, else every regular container (SyncPod's order)."""
    for init in pod["spec"].get("initContainers") or []:
        if not _init_done(kube["containers"][init["name"]]):
            return [init]
    return [*pod["spec"]["containers"], *(pod["spec"].get("ephemeralContainers") or [])]


def _init_done(state: dict[str, Any]) -> bool:
    return state["state"] == "terminated" and state["terminated"]["exitCode"] == 0


def record(
    t: Tenant, pod: dict, container: str | None, type_: str, reason: str, message: str, node: str
) -> None:
    """An event from this node's kubelet about the pod (or one of its containers)."""
    involved = involved_pod(pod, container)
    if container:
        involved["fieldPath"] = f"spec.{_list_of(pod, container)}{{{container}}}"
    t.recorder.record(t.clock.now(), involved, type_, reason, message, "kubelet", node)


def write_status(t: Tenant, uid: str) -> None:
    current = current_pod(t, uid)
    if current is None:
        return
    pod, kube = current
    node = t.store.get("nodes", "", kube["node"])
    host_ip = node_address(node) if node else ""
    status = pod_status(pod, kube, host_ip, t.clock.now())
    if status != pod.get("status"):
        t.store.replace("pods", {**pod, "metadata": dict(pod["metadata"]), "status": status})


def sync(t: Tenant, uid: str) -> None:
    """syncPod: make every container that is not running or pulling progress one step."""
    current = current_pod(t, uid)
    if current is None:
        return
    pod, kube = current
    kube["sync_due"] = False
    if not kube["sandbox"]:
        kube["sandbox"] = True
        kube["ip"] = t.allocate_pod_ip(kube["node"])
    _report_missing_pull_secrets(t, pod, kube)
    retry = False
    for container in _to_progress(pod, kube):
        state = kube["containers"][container["name"]]
        if state["state"] in ("pulling", "creating", "running", "terminated"):
            continue
        if state["state"] == "exited" and not _may_restart(t, pod, kube, container["name"]):
            retry = True
            continue
        outcome = ensure_image_exists(t, pod, kube, container)
        if outcome is None:  # a pull is under way
            state.update(state="pulling")
            continue
        if outcome[0] == "ok":
            _start_creating(t, uid, container["name"], outcome[1], outcome[2])
        else:
            _, reason, message = outcome
            state.update(state="waiting", reason=reason, message=message)
            record(
                t,
                pod,
                container["name"],
                "Warning",
                im.FAILED_TO_CREATE_CONTAINER,
                f"Error: {reason}",
                kube["node"],
            )
            retry = True
    write_status(t, uid)
    if retry:
        _requeue(t, uid, kube)


def _report_missing_pull_secrets(t: Tenant, pod: dict, kube: dict) -> None:
    """kubelet.go getPullSecretsForPod: warn, then pull anyway (v1.28+)."""
    if all(kube["containers"][c["name"]]["state"] == "running" for c in _to_progress(pod, kube)):
        return
    namespace = pod["metadata"]["namespace"]
    missing = [
        ref["name"]
        for ref in pod["spec"].get("imagePullSecrets") or []
        if ref.get("name") and t.store.get("secrets", namespace, ref["name"]) is None
    ]
    if missing:
        message = (
            f"Unable to retrieve some image pull secrets ({', '.join(missing)}); "
            "attempting to pull the image may not succeed."
        )
        record(t, pod, None, "Warning", "FailedToRetrieveImagePullSecret", message, kube["node"])


def _may_restart(t: Tenant, pod: dict, kube: dict, name: str) -> bool:
    """doBackOff: restart an exited container now, or wait in CrashLoopBackOff."""
    state = kube["containers"][name]
    meta = pod["metadata"]
    key = f"{meta['name']}_{meta['namespace']}_{meta['uid']}_{name}"
    now = t.clock.now()
    if t.crash_backoff.is_in_back_off_since(key, state["finished_at"], now):
        message = im.crash_back_off_waiting(
            t.crash_backoff.get(key), name, meta["name"], meta["namespace"], meta["uid"]
        )
        if state.get("terminated"):
            state["last_state"] = {"terminated": state.pop("terminated")}
        state.update(reason="CrashLoopBackOff", message=message)
        event = im.crash_back_off_event(name, meta["name"], meta["namespace"], meta["uid"])
        record(t, pod, name, "Warning", im.BACK_OFF_PULL_IMAGE, event, kube["node"])
        return False
    t.crash_backoff.next(key, now)
    if state.get("terminated"):
        state["last_state"] = {"terminated": state.pop("terminated")}
    state.update(state="waiting", restarts=state.get("restarts", 0) + 1, reason="", message="")
    return True


def exited(t: Tenant, payload: dict[str, Any]) -> None:
    """The container's process ended (the image's `run.exit_after`)."""
    current = current_pod(t, payload["uid"])
    if current is None:
        return
    pod, kube = current
    state = kube["containers"][payload["container"]]
    if state["state"] != "running" or state.get("container_id") != payload["container_id"]:
        return
    now, code = t.clock.now(), int(payload["exit_code"])
    terminated = {
        "exitCode": code,
        "reason": "Completed" if code == 0 else "Error",
        "startedAt": rfc3339(state["started_at"]),
        "finishedAt": rfc3339(now),
        "containerID": state["container_id"],
    }
    if payload.get("exit_message"):
        terminated["message"] = payload["exit_message"]  # what it wrote to /dev/termination-log
    policy = pod["spec"].get("restartPolicy", "Always")
    restarts = policy == "Always" or (policy == "OnFailure" and code != 0)
    init = _is_init(pod, payload["container"])
    if (init and code == 0) or _list_of(pod, payload["container"]) == "ephemeralContainers":
        restarts = False  # an init container is done; an ephemeral one never restarts
    state.update(
        state="exited" if restarts else "terminated", terminated=terminated, finished_at=now
    )
    write_status(t, payload["uid"])
    if restarts or init:
        _requeue_now(t, payload["uid"], kube)


def _requeue(t: Tenant, uid: str, kube: dict[str, Any]) -> None:
    if not kube["sync_due"]:
        kube["sync_due"] = True
        t.add_timer(im.POD_WORKER_BACK_OFF, "kubelet_sync", uid)


def ensure_image_exists(
    t: Tenant, pod: dict, kube: dict, container: dict
) -> tuple[str, str, str] | None:
    """EnsureImageExists: ("ok", image id, status image), ("error", reason, message) or None.

    None means a pull is under way.
    """
    image, policy, node = (
        container["image"],
        container.get("imagePullPolicy", "IfNotPresent"),
        kube["node"],
    )
    name = container["name"]
    try:
        tagged = im.apply_default_image_tag(image)
        ref = parse_normalized_named(tagged)
    except InvalidReference as err:
        message = im.invalid_image_message(image, err)
        record(t, pod, name, "Warning", im.FAILED_TO_INSPECT_IMAGE, message, node)
        return ("error", im.ERR_INVALID_IMAGE_NAME, message)
    cache = t.caches[node]
    if policy in ("IfNotPresent", "Never"):
        digest = cached_digest(cache, ref)
        if digest is None and policy == "Never":
            message = im.never_pull_message(image)
            record(t, pod, name, "Warning", im.ERR_IMAGE_NEVER_PULL_POLICY, message, node)
            return ("error", im.ERR_IMAGE_NEVER_PULL, message)
        config = kubeletconfig.effective(t, node)
        ensure = kubeletconfig.gates(config)["KubeletEnsureSecretPulledImages"]
        if digest is not None and im.must_attempt_pull(
            cache["images"][digest],
            im.credentials_key(pull_credentials(t, pod, ref, node)),
            ensure,
            config.get("imagePullCredentialsVerificationPolicy", ""),
            kubeletconfig.allowlisted(config, ref.name),
        ):
            if policy == "Never":  # present, but not for this pod: reported as absent
                message = im.never_pull_message(image)
                record(t, pod, name, "Warning", im.ERR_IMAGE_NEVER_PULL_POLICY, message, node)
                return ("error", im.ERR_IMAGE_NEVER_PULL, message)
            digest = None  # pull, so the registry checks this pod's credentials
        if digest is not None:
            message = im.already_present_message(image, ensure)
            record(t, pod, name, "Normal", im.PULLED_IMAGE, message, node)
            cache["images"][digest]["last_used"] = t.clock.now()
            return ("ok", f"{ref.name}@{digest}", f"{ref.name}:{ref.tag}" if ref.tag else ref.name)
    now = t.clock.now()
    key = im.back_off_key(pod["metadata"]["uid"], image)
    if t.backoff.is_in_back_off_since_update(key, now):
        message = im.back_off_message(image)
        record(t, pod, name, "Normal", im.BACK_OFF_PULL_IMAGE, message, node)
        previous = t.pull_errors.get(key)
        return (
            "error",
            im.ERR_IMAGE_PULL_BACK_OFF,
            f"{message}: {previous}" if previous else message,
        )
    t.pull_errors.pop(key, None)
    record(t, pod, name, "Normal", im.PULLING_IMAGE, im.pulling_message(image), node)
    credentials = pull_credentials(t, pod, ref, node)
    meta = pod["metadata"]
    source = Source(
        node,
        meta["name"] if meta["namespace"] == t.namespace else f"{meta['namespace']}/{meta['name']}",
    )
    outcome = resolve_with_mirrors(
        t.registries,
        ref,
        mirror_routes(t, node, ref.domain),
        credentials,
        now,
        frozenset(cache["images"]),
        route(t, node, ref.domain),
        source,
    )
    if isinstance(outcome, PullFailure):
        duration, result = outcome.latency, {"error": outcome.error}
    else:
        cached = outcome.digest in cache["images"]
        duration = outcome.latency + (0.0 if cached else outcome.size / outcome.bandwidth)
        result = {"digest": outcome.digest, "size": outcome.size}
    start = _pull_slot(t, node, now, duration)
    credentials = im.credentials_key(credentials) if is_private(t.registries, ref) else ""
    payload = {
        "credentials": credentials,
        "uid": pod["metadata"]["uid"],
        "container": name,
        "requested": now,
        "duration": duration,
        **result,
    }
    t.add_timer(start + duration - now, "kubelet_pull_done", payload)
    return None


def pull_slots(config: dict[str, Any]) -> int | None:
    """How many pulls a node runs at once: 1 when serialized, else maxParallelImagePulls (None:
    no limit). puller.go newSerialImagePuller / newParallelImagePuller."""
    if config.get("serializeImagePulls", True):
        return 1
    limit = config.get("maxParallelImagePulls")
    return int(limit) if limit else None


def _pull_slot(t: Tenant, node: str, now: float, duration: float) -> float:
    """When this pull starts: at once, or when the earliest busy slot frees."""
    slots = pull_slots(kubeletconfig.effective(t, node))
    busy = [end for end in t.node_busy_until.get(node, []) if end > now]
    start = now
    if slots is not None and len(busy) >= slots:
        busy.sort()
        start = busy.pop(0)
        busy = [end for end in busy if end > start]
    t.node_busy_until[node] = [*busy, start + duration]
    return start


def pull_done(t: Tenant, payload: dict[str, Any]) -> None:
    uid, name = payload["uid"], payload["container"]
    current = current_pod(t, uid)
    if current is None:
        return
    pod, kube = current
    container = next((c for c in all_containers(pod) if c["name"] == name), None)
    if container is None:
        return
    image, node, now = container["image"], kube["node"], t.clock.now()
    ref = parse_normalized_named(im.apply_default_image_tag(image))
    key = im.back_off_key(uid, image)
    state = kube["containers"][name]
    if "error" in payload:
        record(
            t,
            pod,
            name,
            "Warning",
            im.FAILED_TO_PULL_IMAGE,
            im.failed_to_pull_message(image, payload["error"]),
            node,
        )
        t.backoff.next(key, now)
        message, reason = im.eval_cri_pull_error(image, payload["error"])
        t.pull_errors[key] = f"{reason}: {message}"
        state.update(state="waiting", reason=reason, message=message)
        record(t, pod, name, "Warning", im.FAILED_TO_CREATE_CONTAINER, f"Error: {reason}", node)
        write_status(t, uid)
        _requeue(t, uid, kube)
        return
    add_image(
        t.caches[node], ref, payload["digest"], payload["size"], now, payload.get("credentials", "")
    )
    t.refresh_node_images(node)
    message = im.pulled_message(
        image, payload["duration"], now - payload["requested"], payload["size"]
    )
    record(t, pod, name, "Normal", im.PULLED_IMAGE, message, node)
    t.backoff.gc(now)
    _start_creating(
        t,
        uid,
        name,
        f"{ref.name}@{payload['digest']}",
        f"{ref.name}:{ref.tag}" if ref.tag else ref.name,
    )


def _start_creating(t: Tenant, uid: str, name: str, image_id: str, status_image: str = "") -> None:
    kube = t.kube_pods[uid]
    kube["containers"][name].update(
        state="creating",
        reason="ContainerCreating",
        message="",
        image_id=image_id,
        status_image=status_image or kube["containers"][name].get("status_image", ""),
    )
    t.add_timer(CONTAINER_START_SECONDS, "kubelet_start", {"uid": uid, "container": name})


def start(t: Tenant, payload: dict[str, Any]) -> None:
    uid, name = payload["uid"], payload["container"]
    current = current_pod(t, uid)
    if current is None:
        return
    pod, kube = current
    state = kube["containers"][name]
    if state["state"] != "creating":
        return
    record(t, pod, name, "Normal", im.CREATED_CONTAINER, "Container created", kube["node"])
    record(t, pod, name, "Normal", im.STARTED_CONTAINER, "Container started", kube["node"])
    t.counter += 1
    container_id = f"containerd://{make_hex(t.seed, t.counter)}"
    container = next(c for c in all_containers(pod) if c["name"] == name)
    probed = start_probing(t, uid, container, container_id)
    state.update(
        state="running",
        reason="",
        message="",
        started_at=t.clock.now(),
        container_id=container_id,
        ready=not probed,
    )
    write_status(t, uid)
    run = image_behaviour(t.registries, state.get("image_id", "").rpartition("@")[2])
    if run.get("exit_after") is not None:
        payload = {
            "uid": uid,
            "container": name,
            "container_id": container_id,
            "exit_code": run.get("exit_code", 1),
            "exit_message": run.get("exit_message", ""),
        }
        t.add_timer(float(run["exit_after"]), "kubelet_exit", payload)


def ephemeral_added(t: Tenant, pod: dict[str, Any]) -> None:
    """`kubectl debug` added an ephemeral container: the kubelet starts it on its next sync."""
    kube = t.kube_pods.get(pod["metadata"]["uid"])
    if kube is None:
        return
    for container in pod["spec"].get("ephemeralContainers") or []:
        kube["containers"].setdefault(
            container["name"],
            {
                "state": "waiting",
                "reason": "ContainerCreating",
                "restarts": 0,
                "image": container["image"],
            },
        )
    _requeue_now(t, pod["metadata"]["uid"], kube)


def image_changed(t: Tenant, pod: dict[str, Any], old_images: dict[str, str]) -> None:
    """A pod's image was updated: the kubelet kills that container and starts it again."""
    uid = pod["metadata"]["uid"]
    kube = t.kube_pods.get(uid)
    if kube is None:
        return
    for container in pod["spec"]["containers"]:
        name = container["name"]
        if old_images.get(name) == container["image"]:
            continue
        state = kube["containers"][name]
        if state["state"] == "running":
            record(
                t,
                pod,
                name,
                "Normal",
                im.KILLING_CONTAINER,
                f"Container {name} definition changed, will be restarted",
                kube["node"],
            )
            state["restarts"] = state.get("restarts", 0) + 1
            state["last_state"] = {
                "terminated": {
                    # a web server stops cleanly on the kubelet's SIGTERM
                    "exitCode": 0,
                    "reason": "Completed",
                    "startedAt": rfc3339(state["started_at"]),
                    "finishedAt": rfc3339(t.clock.now()),
                    "containerID": state.get("container_id", ""),
                }
            }
        state.update(state="waiting", reason="ContainerCreating", message="", status_image="")
    _requeue_now(t, uid, kube)


def _requeue_now(t: Tenant, uid: str, kube: dict[str, Any]) -> None:
    kube["sync_due"] = True
    t.add_timer(0.0, "kubelet_sync", uid)


def kill(t: Tenant, pod: dict[str, Any]) -> float:
    """The pod got a deletionTimestamp: stop its running containers; seconds until removal."""
    uid = pod["metadata"]["uid"]
    kube = t.kube_pods.get(uid)
    if kube is None:
        return 0.0
    for container in pod["spec"]["containers"]:
        if kube["containers"][container["name"]]["state"] == "running":
            record(
                t,
                pod,
                container["name"],
                "Normal",
                im.KILLING_CONTAINER,
                f"Stopping container {container['name']}",
                kube["node"],
            )
    return DELETE_SECONDS


def forget(t: Tenant, uid: str) -> None:
    kube = t.kube_pods.pop(uid, None)
    if kube is not None:
        t.load[kube["node"]] = max(0, t.load.get(kube["node"], 1) - 1)


def node_images(t: Tenant, node: str) -> list[dict[str, Any]]:
    return node_images_status(t.caches[node])
