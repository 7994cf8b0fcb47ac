"""Turn watched Kubernetes objects into session event payloads (pure functions, no I/O)."""

from collections.abc import Iterable
from typing import Any

# A pure function over the API's Pod JSON (no simulator state), so it holds for any cluster.
from clusters.sim.podstatus import pod_reason
from clusters.sim.reference import InvalidReference, familiar_name, parse_normalized_named

# managedFields' field sets are large and no check needs them; who wrote the object (manager,
# operation) is kept, so a check can tell `kubectl apply` from `kubectl create`.
_MANAGED_FIELDS_KEPT = ("manager", "operation", "apiVersion")


def _managers(managed_fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: entry[k] for k in _MANAGED_FIELDS_KEPT if k in entry} for entry in managed_fields]


def pod_display_status(pod: dict[str, Any]) -> str:
    """The STATUS column of `kubectl get pods` (printPod, shared with the simulator's Table)."""
    return pod_reason(pod)[0]


def name_in_lab(name: str, namespace: str | None, lab_namespace: str | None) -> str:
    """A fact's name: bare in the lab namespace, `ns/name` in the world's other namespaces."""
    if namespace and lab_namespace and namespace != lab_namespace:
        return f"{namespace}/{name}"
    return name


def pod_payload(
    watch_type: str, pod: dict[str, Any], lab_namespace: str | None = None
) -> tuple[dict[str, Any], str]:
    """A `pod` event payload and its dedupe key from one watch event or list item.

    `pods` is keyed by the summary's name: `ns/name` outside the lab namespace."""
    metadata = dict(pod["metadata"])
    if metadata.get("managedFields"):
        metadata["managedFields"] = _managers(metadata["managedFields"])
    pod = {**pod, "metadata": metadata}
    uid, version = metadata.get("uid", ""), metadata.get("resourceVersion", "")
    payload = {
        "watch": watch_type,
        "object": pod,
        "summary": {
            "name": name_in_lab(metadata["name"], metadata.get("namespace"), lab_namespace),
            "uid": uid,
            "status": "Deleted" if watch_type == "DELETED" else pod_display_status(pod),
            "node": (pod.get("spec") or {}).get("nodeName") or "",
        },
    }
    key = f"pod:{uid}:deleted" if watch_type == "DELETED" else f"pod:{uid}:{version}"
    return payload, key


def normalise_event(event: dict[str, Any], lab_namespace: str | None = None) -> dict[str, Any]:
    """The Event shape checks read (docs/lab-authoring.md); `name` is `ns/name` for an object
    outside the lab namespace."""
    involved = event.get("involvedObject") or {}
    namespace = involved.get("namespace") or (event.get("metadata") or {}).get("namespace")
    return {
        "type": event.get("type", ""),
        "reason": event.get("reason", ""),
        "message": event.get("message", ""),
        "kind": involved.get("kind", ""),
        "name": name_in_lab(involved.get("name", ""), namespace, lab_namespace),
        "uid": involved.get("uid", ""),
        "fieldPath": involved.get("fieldPath", ""),
        # core/v1 `count` (the kubelet's recorder), or `series.count` for an events.k8s.io/v1
        # Event (the scheduler's) read through core/v1, where `count` is left empty.
        "count": event.get("count") or (event.get("series") or {}).get("count") or 1,
    }


def event_payload(
    watch_type: str, event: dict[str, Any], lab_namespace: str | None = None
) -> tuple[dict[str, Any], str] | None:
    """An `event` payload and its dedupe key, or None for a deleted (expired) Event."""
    if watch_type == "DELETED":
        # Events expire after the apiserver's --event-ttl; what happened still happened.
        return None
    metadata = event.get("metadata") or {}
    uid = metadata.get("uid", "")
    payload = {"watch": watch_type, "id": uid, "event": normalise_event(event, lab_namespace)}
    return payload, f"event:{uid}:{metadata.get('resourceVersion', '')}"


# The annotation `kubectl apply` writes holds the whole object as sent: for a Secret, its values.
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def object_fact_key(obj: dict[str, Any], lab_namespace: str) -> str:
    """`Kind/name` in the lab namespace and for cluster-scoped objects, else `Kind/ns/name`."""
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace") or ""
    if namespace and namespace != lab_namespace:
        return f"{obj.get('kind', '')}/{namespace}/{metadata.get('name', '')}"
    return f"{obj.get('kind', '')}/{metadata.get('name', '')}"


def redact_secret(secret: dict[str, Any]) -> dict[str, Any]:
    """A Secret as checks may see it: its type and the names of its data keys, never a value."""
    metadata = dict(secret.get("metadata") or {})
    annotations = {
        k: v for k, v in (metadata.get("annotations") or {}).items() if k != LAST_APPLIED
    }
    if "annotations" in metadata:
        metadata["annotations"] = annotations
    keys = sorted({*(secret.get("data") or {}), *(secret.get("stringData") or {})})
    redacted = {k: v for k, v in secret.items() if k not in ("data", "stringData", "metadata")}
    return {**redacted, "metadata": metadata, "data": keys}


def object_payload(
    watch_type: str, obj: dict[str, Any], lab_namespace: str
) -> tuple[dict[str, Any], str]:
    """An `object` payload and its dedupe key from one watch event or list item.

    The object keeps what checks read (metadata.generation, annotations including
    last-applied-configuration, spec, status.conditions); managedFields shrink to who wrote
    it, as for pods. The `kind` comes from the watch when the item lacks it (list items do).
    """
    metadata = dict(obj.get("metadata") or {})
    if metadata.get("managedFields"):
        metadata["managedFields"] = _managers(metadata["managedFields"])
    obj = {**obj, "metadata": metadata}
    if obj.get("kind") == "Secret":
        obj = redact_secret(obj)
    uid, version = metadata.get("uid", ""), metadata.get("resourceVersion", "")
    payload = {"watch": watch_type, "key": object_fact_key(obj, lab_namespace), "object": obj}
    key = f"object:{uid}:deleted" if watch_type == "DELETED" else f"object:{uid}:{version}"
    return payload, key


def familiar_image(name: str) -> str:
    """`docker.io/library/nginx:1.25` → `nginx:1.25`, `docker.io/lab/web:1.0` → `lab/web:1.0`."""
    try:
        ref = parse_normalized_named(name)
    except InvalidReference:
        return name
    return (
        familiar_name(ref)
        + (f":{ref.tag}" if ref.tag else "")
        + (f"@{ref.digest}" if ref.digest else "")
    )


def cache_names(names: Iterable[str]) -> list[str]:
    """What `nodes[n].cache` holds for images known by `names` (tags and `repo@digest`s):
    each name as given, normalised (`docker.io/lab/web:1.0`) and familiar (`lab/web:1.0`),
    and each bare digest, so a check may ask `"lab/web:1.0" in nodes["node-1"].cache` or
    `"sha256:…" in nodes["node-1"].cache`."""
    found: set[str] = set()
    for name in names:
        found.add(name)
        try:
            ref = parse_normalized_named(name)
        except InvalidReference:
            continue
        found.update((str(ref), familiar_image(name)))
        if ref.digest:
            found.add(ref.digest)
    return sorted(found)


def image_names(ref: str, digest: str = "") -> list[str]:
    """The names of one cached image given as a ref and, if known, its digest."""
    names = [ref]
    if digest:
        try:
            names.append(f"{parse_normalized_named(ref).name}@{digest}")
        except InvalidReference:
            names.append(digest)
    return names


def node_facts_from_node(node: dict[str, Any]) -> dict[str, Any]:
    """A Node object's facts: labels, whether it is cordoned, its taints (`{key, value,
    effect}`, value "" when unset; the cordon's own taint included, as the node lifecycle
    controller adds it; `timeAdded` left out) and its cache from status.images (capped by the
    kubelet at nodeStatusMaxImages, 50 largest first)."""
    images = (node.get("status") or {}).get("images") or []
    spec = node.get("spec") or {}
    return {
        "labels": (node.get("metadata") or {}).get("labels") or {},
        "unschedulable": bool(spec.get("unschedulable")),
        "taints": [
            {
                "key": taint.get("key") or "",
                "value": taint.get("value") or "",
                "effect": taint.get("effect") or "",
            }
            for taint in spec.get("taints") or []
            if isinstance(taint, dict)
        ],
        "cache": cache_names(name for image in images for name in image.get("names") or []),
    }
