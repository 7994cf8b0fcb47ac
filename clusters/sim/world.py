"""Realise a lab world (docs/architecture.md, "A lab world") inside a tenant, and its timeline."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from clusters.sim import errors, nodeactions
from clusters.sim.alwayspullimages import set_apiserver
from clusters.sim.imagegc import IMAGE_GC_PERIOD, parse_quantity
from clusters.sim.kinds import BY_GROUP_KIND
from clusters.sim.kubeletconfig import defaulted, set_kubelet, startup_error
from clusters.sim.noderegistry import REGISTRY_CHANGES, realise_node
from clusters.sim.nodes import add_image, new_cache, node_object
from clusters.sim.reference import InvalidReference, parse_normalized_named
from clusters.sim.registry import lookup_tag, move_tag
from clusters.sim.store import deep_copy
from clusters.sim.tenant import SYSTEM_NAMESPACES, Tenant
from clusters.sim.webhooks import install as install_policy_engines

_DURATION_RE = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


def parse_duration(text: str | int | float) -> float:
    """`90s`, `2m`, `1h30m` or a number of seconds."""
    if isinstance(text, int | float):
        return float(text)
    match = _DURATION_RE.match(text.strip())
    if not match or not any(match.groups()):
        raise ValueError(f"invalid duration {text!r}")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _world_error(message: str) -> errors.ApiError:
    return errors.ApiError(errors.status_object(422, "Invalid", f"invalid world: {message}"))


def seed_cache(t: Tenant, node: str, entry: str | dict[str, Any]) -> None:
    """Put an image on a node: a ref resolved through the registry, or {ref, digest, size}."""
    ref_text = entry if isinstance(entry, str) else entry.get("ref", "")
    try:
        ref = parse_normalized_named(ref_text)
    except InvalidReference as err:
        raise _world_error(f"node {node}: cache entry {ref_text!r}: {err}") from err
    if isinstance(entry, dict) and entry.get("digest"):
        digest, size = entry["digest"], int(entry.get("size", 0))
    else:
        tag_ref = ref if ref.tag or ref.digest else parse_normalized_named(ref_text + ":latest")
        found = lookup_tag(t.registries, tag_ref)
        if found is None:
            raise _world_error(f"node {node}: cache entry {ref_text!r} is not in any registry")
        digest, size, ref = found["digest"], int(found.get("size", 0)), tag_ref
    last_used = t.clock.now()
    if isinstance(entry, dict) and entry.get("last_used"):  # how long ago, e.g. `72h`
        last_used -= parse_duration(entry["last_used"])
    add_image(t.caches[node], ref, digest, size, last_used)


def create_namespace(t: Tenant, entry: str | dict[str, Any]) -> None:
    """One of `world.namespaces`: a name, or {name, labels} (what `namespaceObject` shows)."""
    spec = {"name": entry} if isinstance(entry, str) else entry
    if t.store.get("namespaces", "", spec["name"]) is not None:
        raise _world_error(f"namespace {spec['name']!r} exists already")
    metadata = {"name": spec["name"], "labels": dict(spec.get("labels") or {})}
    t.create("namespaces", None, {"metadata": metadata})


def plural_of(obj: dict[str, Any]) -> str:
    """The resource a world object is created as, by its apiVersion and kind."""
    group = obj.get("apiVersion", "").rpartition("/")[0]
    rtype = BY_GROUP_KIND.get((group, obj.get("kind", "")))
    if rtype is None:
        raise _world_error(f"objects: no kind {obj.get('kind')!r} in {obj.get('apiVersion')!r}")
    return rtype.plural


def realise(t: Tenant, world: dict[str, Any]) -> None:
    """Create namespaces, nodes (with caches), secrets and objects; arm the timeline."""
    world = deep_copy(world or {})
    t.registries = {r["host"]: r for r in world.get("registries") or []}
    t.kubelet_config.update(world.get("kubelet") or {})
    kubelet_error = startup_error(defaulted(t.kubelet_config))
    if kubelet_error:  # a world whose nodes' kubelets could not start is an authoring mistake
        raise _world_error(f"kubelet: {kubelet_error}")
    install_policy_engines(t, world.get("admission"))
    t.apiserver.update(world.get("apiserver") or {})
    for namespace in (*SYSTEM_NAMESPACES, t.namespace):
        if t.store.get("namespaces", "", namespace) is None:
            t.create("namespaces", None, {"metadata": {"name": namespace}})
    for entry in world.get("namespaces") or []:
        create_namespace(t, entry)
    kubernetes = {
        "metadata": {
            "name": "kubernetes",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "clusterIP": "10.96.0.1",
            "ports": [{"name": "https", "port": 443, "targetPort": 6443}],
        },
    }
    if t.store.get("services", "default", "kubernetes") is None:
        t.create("services", "default", kubernetes)
    for index, spec in enumerate(world.get("nodes") or [{"name": "node-1"}]):
        name = spec["name"]
        t.caches[name] = new_cache()
        realise_node(t, spec)
        if spec.get("disk_used"):
            t.node_disk_used[name] = parse_quantity(spec["disk_used"])
        for entry in spec.get("cache") or []:
            seed_cache(t, name, entry)
        t.store.create(
            "nodes", node_object(spec, index, t.next_uid(), t.clock.now(), t.caches[name])
        )
    for obj in [*(world.get("secrets") or []), *(world.get("objects") or [])]:
        namespace = (obj.get("metadata") or {}).get("namespace")
        if namespace and t.store.get("namespaces", "", namespace) is None:
            t.create("namespaces", None, {"metadata": {"name": namespace}})
    for secret in world.get("secrets") or []:
        t.create(
            "secrets",
            secret.get("metadata", {}).get("namespace") or t.namespace,
            {"type": "Opaque", **secret},
        )
    for obj in world.get("objects") or []:
        t.create(plural_of(obj), obj.get("metadata", {}).get("namespace") or t.namespace, obj)
    t.timeline = list(world.get("timeline") or [])
    for index, change in enumerate(t.timeline):
        t.add_timer(parse_duration(change.get("after", 0)), "timeline", index)
    t.add_timer(300.0, "compact")
    t.add_timer(IMAGE_GC_PERIOD, "image_gc")


class WorldChangeRefused(Exception):
    """The node or API server would not take this change; the old configuration keeps running.

    The API answers it as a LabWorldChange with `status.accepted: false` and this message.
    """


def _move_tag(t: Tenant, spec: dict[str, Any]) -> str:
    ref = parse_normalized_named(spec["ref"])
    move_tag(t.registries, ref, spec["digest"], int(spec.get("size", 0)))
    return f"{spec['ref']} now points at {spec['digest']}"


def _registry_down(t: Tenant, host: str) -> str:
    t.registries.setdefault(host, {"host": host})["down"] = True
    return f"registry {host} is down"


def _registry_up(t: Tenant, host: str) -> str:
    t.registries.get(host, {}).pop("down", None)
    return f"registry {host} is up"


def _apply(t: Tenant, manifest: str | dict[str, Any]) -> str:
    """The lab acting on its own cluster (an autoscaler, a CI job): create the object, or
    replace the one of that name. Replacement keeps the live metadata, as an update does; it is
    not a three-way merge, so a timeline manifest gives the whole object."""
    obj = yaml.safe_load(manifest) if isinstance(manifest, str) else deep_copy(manifest)
    plural = plural_of(obj)
    meta = obj.setdefault("metadata", {})
    namespace = meta.get("namespace") or t.namespace
    if t.store.get(plural, namespace, meta.get("name", "")) is None:
        t.create(plural, namespace, obj)
        return f"{obj['kind'].lower()}/{meta['name']} created"
    t.update(plural, namespace, meta["name"], obj)
    return f"{obj['kind'].lower()}/{meta['name']} configured"


def _delete(t: Tenant, target: str) -> str:
    """The lab deleting objects (a chaos kill): `NAME` (a pod), `RESOURCE NAME` or
    `RESOURCE -l SELECTOR`, in the lab namespace, with the default grace period."""
    words = target.split()
    resource, rest = ("pods", words) if len(words) == 1 else (words[0], words[1:])
    resource = {"pod": "pods", "po": "pods", "deployment": "deployments"}.get(resource, resource)
    if rest[0] == "-l":
        names = [o["metadata"]["name"] for o in t.list(resource, t.namespace, rest[1])[0]]
    else:
        names = rest
    for name in names:
        t.delete(resource, t.namespace, name)
    return f"{len(names)} {resource} deleted"


def _cache(t: Tenant, spec: dict[str, Any]) -> str:
    """{node, image: ref or {ref, digest, size}}: an image appears in a node's cache."""
    seed_cache(t, spec["node"], spec.get("image") or spec)
    t.refresh_node_images(spec["node"])
    return f"node {spec['node']}: image loaded"


# One world action's key -> what it does to the tenant. A handler returns what happened (or
# None), raises WorldChangeRefused when the node would not take the change, and ApiError (422)
# when the change is malformed. Other modules add their actions here (docs/simulator.md).
WORLD_CHANGES: dict[str, Callable[[Tenant, Any], str | None]] = {
    "move_tag": _move_tag,
    "registry_down": _registry_down,
    "registry_up": _registry_up,
    "cache": _cache,
    "apply": _apply,
    "delete": _delete,
    **REGISTRY_CHANGES,  # registry, trust_ca, registry_host, mirror(s), credential_provider
    "kubelet": set_kubelet,
    "apiserver": set_apiserver,
    "rmi": nodeactions.rmi,
    "load_image": nodeactions.load_image,
    "disk": nodeactions.disk,
}

# Keys of a timeline entry that are not actions.
_NOT_ACTIONS = {"after"}


def apply_change(t: Tenant, change: dict[str, Any]) -> str:
    """One world change (a timeline entry or a LabWorldChange): each action key, in order."""
    unknown = sorted(set(change) - set(WORLD_CHANGES) - _NOT_ACTIONS)
    if unknown:
        raise errors.ApiError(
            errors.status_object(
                422,
                "Invalid",
                f"change: unsupported world action(s) {unknown}; "
                f"supported: {sorted(WORLD_CHANGES)}",
            )
        )
    messages = [
        WORLD_CHANGES[key](t, value) for key, value in change.items() if key in WORLD_CHANGES
    ]
    return "; ".join(m for m in messages if m) or "world changed"
