"""Pod validation with the API server's field paths and messages.

Upstream: pkg/apis/core/validation/validation.go (ValidatePodCreate, ValidatePodUpdate,
validateContainers, validatePullPolicy, validateRestartPolicy; resources in
validation_resources.py) and
apimachinery/pkg/util/validation/validation.go (the DNS-1123 messages).
"""

from __future__ import annotations

from typing import Any

from clusters.sim.errors import (
    FieldError,
    duplicate,
    field_forbidden,
    invalid,
    invalid_object,
    not_supported,
    required,
)
from clusters.sim.names import (
    DNS1123_LABEL_MESSAGE,
    DNS1123_LABEL_RE,
    DNS1123_SUBDOMAIN_MESSAGE,
    DNS1123_SUBDOMAIN_RE,
)
from clusters.sim.validation_resources import validate_container_resources, validate_pod_resources

PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)"
)


def validate_name(name: Any, field: str = "metadata.name") -> list[FieldError]:
    if not name:
        return [required(field, "name or generateName is required")]
    if not isinstance(name, str):
        return [invalid(field, name, "must be a string")]
    errors: list[FieldError] = []
    if len(name) > 253:
        errors.append(invalid(field, name, "must be no more than 253 characters"))
    if not DNS1123_SUBDOMAIN_RE.match(name):
        errors.append(invalid(field, name, DNS1123_SUBDOMAIN_MESSAGE))
    return errors


def validate_metadata(meta: dict[str, Any]) -> list[FieldError]:
    errors = validate_name(meta.get("name"))
    for key in ("labels", "annotations"):
        value = meta.get(key)
        if value is not None and not isinstance(value, dict):
            errors.append(invalid(f"metadata.{key}", value, "must be a map of strings"))
    return errors


def _validate_container(
    container: Any, path: str, seen: set[str], ephemeral: bool = False
) -> list[FieldError]:
    if not isinstance(container, dict):
        return [invalid(path, container, "must be an object")]
    errors: list[FieldError] = []
    name = container.get("name")
    if not name:
        errors.append(required(f"{path}.name"))
    elif not isinstance(name, str) or not DNS1123_LABEL_RE.match(name) or len(name) > 63:
        errors.append(invalid(f"{path}.name", name, DNS1123_LABEL_MESSAGE))
    elif name in seen:
        errors.append(duplicate(f"{path}.name", name))
    else:
        seen.add(name)
    image = container.get("image")
    if not image:
        errors.append(required(f"{path}.image"))
    elif not isinstance(image, str):
        errors.append(invalid(f"{path}.image", image, "must be a string"))
    elif image != image.strip():
        errors.append(
            invalid(f"{path}.image", image, "must not have leading or trailing whitespace")
        )
    policy = container.get("imagePullPolicy")
    if not policy:
        errors.append(required(f"{path}.imagePullPolicy"))
    elif policy not in PULL_POLICIES:
        errors.append(not_supported(f"{path}.imagePullPolicy", policy, PULL_POLICIES))
    return errors + validate_container_resources(container, path, ephemeral)


def validate_pod_spec(spec: Any, path: str = "spec") -> list[FieldError]:
    """Checks a defaulted spec (a policy is required once defaulting has run, as upstream).

    `path` is where the spec sits: `spec`, or `spec.template.spec` in a workload.
    """
    if not isinstance(spec, dict):
        return [required(path)]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for key in ("initContainers", "containers"):
        containers = spec.get(key) or []
        if not isinstance(containers, list):
            errors.append(invalid(f"{path}.{key}", containers, "must be a list"))
            continue
        for index, container in enumerate(containers):
            errors += _validate_container(container, f"{path}.{key}[{index}]", seen)
    if not spec.get("containers"):
        errors.append(required(f"{path}.containers"))
    restart = spec.get("restartPolicy")
    if restart not in RESTART_POLICIES:
        errors.append(not_supported(f"{path}.restartPolicy", restart, RESTART_POLICIES))
    dns = spec.get("dnsPolicy")
    if dns not in DNS_POLICIES:
        errors.append(not_supported(f"{path}.dnsPolicy", dns, DNS_POLICIES))
    node_selector = spec.get("nodeSelector")
    if node_selector is not None and not isinstance(node_selector, dict):
        errors.append(invalid(f"{path}.nodeSelector", node_selector, "must be a map of strings"))
    node_name = spec.get("nodeName")
    if node_name and (not isinstance(node_name, str) or not DNS1123_SUBDOMAIN_RE.match(node_name)):
        errors.append(invalid(f"{path}.nodeName", node_name, DNS1123_SUBDOMAIN_MESSAGE))
    grace = spec.get("terminationGracePeriodSeconds")
    if grace is not None and (not isinstance(grace, int) or isinstance(grace, bool)):
        errors.append(invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be an integer"))
    return errors + validate_pod_resources(spec, path)


def validate_pod_create(pod: dict[str, Any]) -> None:
    """Raises ApiError 422 (Invalid) listing every problem, as ValidatePodCreate does."""
    errors = validate_metadata(pod.get("metadata") or {}) + validate_pod_spec(pod.get("spec"))
    if errors:
        raise invalid_object("Pod", (pod.get("metadata") or {}).get("name") or "", errors)


def _mutable_view(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with the fields a pod update may change blanked out (ValidatePodUpdate)."""
    view = dict(spec)
    for key in ("containers", "initContainers"):
        if key in view:
            view[key] = [{**c, "image": None} for c in view[key]]
    view.pop("activeDeadlineSeconds", None)
    view.pop("tolerations", None)
    view.pop("terminationGracePeriodSeconds", None)
    return view


def _changed_fields(old: Any, new: Any, path: str) -> list[str]:
    """Paths that differ, e.g. `spec.containers[0].imagePullPolicy`."""
    if isinstance(old, dict) and isinstance(new, dict):
        changed = []
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                changed += _changed_fields(old.get(key), new.get(key), f"{path}.{key}")
        return changed
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        changed = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                changed += _changed_fields(a, b, f"{path}[{index}]")
        return changed
    return [path]


def validate_pod_update(old: dict[str, Any], new: dict[str, Any]) -> None:
    """Only images (and a few scheduling fields) may change on a Pod."""
    name = old["metadata"]["name"]
    errors = validate_metadata(new.get("metadata") or {}) + validate_pod_spec(new.get("spec"))
    if errors:
        raise invalid_object("Pod", name, errors)
    old_view, new_view = _mutable_view(old["spec"]), _mutable_view(new["spec"])
    if old_view != new_view:
        # Upstream appends a cmp.Diff of the specs; we list the changed fields instead.
        diff = "\n".join(f"  changed: {f}" for f in _changed_fields(old_view, new_view, "spec"))
        raise invalid_object(
            "Pod", name, [field_forbidden("spec", f"{POD_UPDATE_FORBIDDEN}\n{diff}")]
        )


def validate_ephemeral_update(old: dict[str, Any], new: dict[str, Any]) -> None:
    """ValidatePodEphemeralContainersUpdate: ephemeral containers are added, never changed."""
    name = old["metadata"]["name"]
    path = "spec.ephemeralContainers"
    previous = {c["name"]: c for c in old["spec"].get("ephemeralContainers") or []}
    given = new["spec"].get("ephemeralContainers") or []
    if not isinstance(given, list):
        raise invalid_object("Pod", name, [invalid(path, given, "must be a list")])
    given_names = {c.get("name") for c in given if isinstance(c, dict)}
    for gone in sorted(set(previous) - given_names):
        raise invalid_object(
            "Pod",
            name,
            [field_forbidden(path, f'existing ephemeral containers "{gone}" may not be removed\n')],
        )
    seen = {
        c["name"] for key in ("containers", "initContainers") for c in old["spec"].get(key) or []
    }
    problems: list[FieldError] = []
    for index, container in enumerate(given):
        if isinstance(container, dict) and container.get("name") in previous:
            if container != previous[container["name"]]:
                detail = f'existing ephemeral containers "{container["name"]}" may not be changed\n'
                problems.append(field_forbidden(path, detail))
            seen.add(container["name"])
            continue
        problems += _validate_container(container, f"{path}[{index}]", seen, ephemeral=True)
    if problems:
        raise invalid_object("Pod", name, problems)
