"""Pod Security Admission: the namespace's `pod-security.kubernetes.io/*` labels judge a pod.

Upstream: staging/src/k8s.io/pod-security-admission. Each check is a pure function of the pod
(policy/check_*.go) that returns a reason and a detail, or nothing. The checks of a level run in
the order of their ids; `restricted` runs the baseline checks too, with its own capabilities
and seccomp checks in place of the baseline ones (check `OverrideCheckIDs`).
The answer texts come from admission/response.go and the evaluator:

- enforce: 403 `pods "x" is forbidden: violates PodSecurity "baseline:latest": <reason>
  (<detail>), <reason> (<detail>)`
- warn: a `Warning` header `would violate PodSecurity "restricted:latest": ...`

Only the `latest` version is modelled, and only the checks a lab pod can trip: privileged,
host namespaces, hostPath volumes, host ports, added capabilities, and the restricted set
(allowPrivilegeEscalation, capabilities drop ALL, runAsNonRoot, seccompProfile).
Not modelled: AppArmor, SELinux, /proc mount, sysctls, volume types other than hostPath,
exemptions, and the audit annotation (the simulator keeps no audit log).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

LABEL_PREFIX = "pod-security.kubernetes.io/"
LEVELS = ("privileged", "baseline", "restricted")

# policy/check_capabilities_baseline.go: what a baseline pod may add.
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)

Finding = tuple[str, str]  # (ForbiddenReason, ForbiddenDetail)


def _containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """policy/visitor.go visitContainers: init, regular, then ephemeral containers."""
    for key in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(key) or []


def _join_quote(names: list[str]) -> str:
    """policy/helpers.go joinQuote."""
    return ", ".join(f'"{name}"' for name in names)


def _pluralize(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def _security_context(container: dict[str, Any]) -> dict[str, Any]:
    return container.get("securityContext") or {}


def check_privileged(spec: dict[str, Any]) -> Finding | None:
    """policy/check_privileged.go privileged_1_0."""
    bad = [c["name"] for c in _containers(spec) if _security_context(c).get("privileged")]
    if not bad:
        return None
    containers = _pluralize("container", "containers", len(bad))
    return (
        "privileged",
        f"{containers} {_join_quote(bad)} must not set securityContext.privileged=true",
    )


def check_host_namespaces(spec: dict[str, Any]) -> Finding | None:
    """policy/check_hostNamespaces.go hostNamespaces_1_0."""
    used = [f"{field}=true" for field in ("hostNetwork", "hostPID", "hostIPC") if spec.get(field)]
    return ("host namespaces", ", ".join(used)) if used else None


def check_host_path_volumes(spec: dict[str, Any]) -> Finding | None:
    """policy/check_hostPathVolumes.go hostPathVolumes_1_0."""
    bad = [v["name"] for v in spec.get("volumes") or [] if v.get("hostPath") is not None]
    if not bad:
        return None
    volumes = _pluralize("volume", "volumes", len(bad))
    return "hostPath volumes", f"{volumes} {_join_quote(bad)}"


def _offenders(
    spec: dict[str, Any], items_of: Callable[[dict[str, Any]], list[str]]
) -> tuple[list[str], list[str]]:
    """The containers with any bad items, and those items once each, in visiting order."""
    names: list[str] = []
    items: list[str] = []
    for container in _containers(spec):
        bad = items_of(container)
        if bad:
            names.append(container["name"])
            items += [item for item in bad if item not in items]
    return names, items


def _added_capabilities(container: dict[str, Any]) -> list[str]:
    return (_security_context(container).get("capabilities") or {}).get("add") or []


def check_host_ports(spec: dict[str, Any]) -> Finding | None:
    """policy/check_hostPorts.go hostPorts_1_0."""
    names, ports = _offenders(
        spec, lambda c: [str(p["hostPort"]) for p in c.get("ports") or [] if p.get("hostPort")]
    )
    if not names:
        return None
    containers = _pluralize("container", "containers", len(names))
    verb = _pluralize("uses", "use", len(names))
    noun = _pluralize("hostPort", "hostPorts", len(ports))
    return "hostPort", f"{containers} {_join_quote(names)} {verb} {noun} {', '.join(ports)}"


def check_capabilities_baseline(spec: dict[str, Any]) -> Finding | None:
    """policy/check_capabilities_baseline.go capabilitiesBaseline_1_0."""
    names, added = _offenders(
        spec, lambda c: [cap for cap in _added_capabilities(c) if cap not in BASELINE_CAPABILITIES]
    )
    if not names:
        return None
    containers = _pluralize("container", "containers", len(names))
    return (
        "non-default capabilities",
        f"{containers} {_join_quote(names)} must not include "
        f"{_join_quote(sorted(added))} in securityContext.capabilities.add",
    )


def check_allow_privilege_escalation(spec: dict[str, Any]) -> Finding | None:
    """policy/check_allowPrivilegeEscalation.go allowPrivilegeEscalation_1_8: false required."""
    bad = [
        c["name"]
        for c in _containers(spec)
        if _security_context(c).get("allowPrivilegeEscalation") is not False
    ]
    if not bad:
        return None
    containers = _pluralize("container", "containers", len(bad))
    return (
        "allowPrivilegeEscalation != false",
        f"{containers} {_join_quote(bad)} must set securityContext.allowPrivilegeEscalation=false",
    )


def check_capabilities_restricted(spec: dict[str, Any]) -> Finding | None:
    """policy/check_capabilities_restricted.go: drop ALL; add nothing but NET_BIND_SERVICE."""
    no_drop = [
        c["name"]
        for c in _containers(spec)
        if "ALL" not in ((_security_context(c).get("capabilities") or {}).get("drop") or [])
    ]
    bad_add, added = _offenders(
        spec, lambda c: [cap for cap in _added_capabilities(c) if cap != "NET_BIND_SERVICE"]
    )
    details = []
    if no_drop:
        containers = _pluralize("container", "containers", len(no_drop))
        details.append(
            f"{containers} {_join_quote(no_drop)} must set "
            'securityContext.capabilities.drop=["ALL"]'
        )
    if bad_add:
        containers = _pluralize("container", "containers", len(bad_add))
        details.append(
            f"{containers} {_join_quote(bad_add)} must not include {_join_quote(added)} in "
            "securityContext.capabilities.add"
        )
    return ("unrestricted capabilities", "; ".join(details)) if details else None


def _set_by_each(
    spec: dict[str, Any], key: str, valid: Callable[[Any], bool]
) -> tuple[bool | None, list[str], list[Any], list[str]]:
    """(pod's value valid? or None if unset, containers with a bad value, those values, and
    containers that leave it unset) for one securityContext field."""
    pod_value = (spec.get("securityContext") or {}).get(key)
    pod_valid = None if pod_value is None else valid(pod_value)
    explicit, values, implicit = [], [], []
    for container in _containers(spec):
        value = _security_context(container).get(key)
        if value is None:
            if not pod_valid:
                implicit.append(container["name"])
        elif not valid(value):
            explicit.append(container["name"])
            values.append(value)
    return pod_valid, explicit, values, implicit


def check_run_as_non_root(spec: dict[str, Any]) -> Finding | None:
    """policy/check_runAsNonRoot.go runAsNonRoot_1_0: the pod's or every container's true."""
    pod_valid, explicit, _, implicit = _set_by_each(spec, "runAsNonRoot", lambda v: v is True)
    setters = ["pod"] if pod_valid is False else []
    if explicit:
        setters.append(
            f"{_pluralize('container', 'containers', len(explicit))} {_join_quote(explicit)}"
        )
    if setters:
        detail = f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false"
        return "runAsNonRoot != true", detail
    if implicit:
        containers = _pluralize("container", "containers", len(implicit))
        detail = (
            f"pod or {containers} {_join_quote(implicit)} must set "
            "securityContext.runAsNonRoot=true"
        )
        return "runAsNonRoot != true", detail
    return None


def check_seccomp_profile(spec: dict[str, Any]) -> Finding | None:
    """policy/check_seccompProfile_restricted.go seccompProfileRestricted_1_19."""

    def valid(profile: Any) -> bool:
        return isinstance(profile, dict) and profile.get("type") in ("RuntimeDefault", "Localhost")

    pod_valid, explicit, values, implicit = _set_by_each(spec, "seccompProfile", valid)
    details = []
    if pod_valid is False:
        pod_type = spec["securityContext"]["seccompProfile"].get("type")
        details.append(f'pod must not set securityContext.seccompProfile.type to "{pod_type}"')
    if explicit:
        containers = _pluralize("container", "containers", len(explicit))
        bad_types = _join_quote([v.get("type", "") for v in values])
        details.append(
            f"{containers} {_join_quote(explicit)} must not set "
            f"securityContext.seccompProfile.type to {bad_types}"
        )
    if implicit:
        containers = _pluralize("container", "containers", len(implicit))
        details.append(
            f"pod or {containers} {_join_quote(implicit)} must set "
            'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'
        )
    return ("seccompProfile", "; ".join(details)) if details else None


# Check id -> (level, function). Sorted by id, as the evaluator runs them.
CHECKS: dict[str, tuple[str, Callable[[dict[str, Any]], Finding | None]]] = {
    "allowPrivilegeEscalation": ("restricted", check_allow_privilege_escalation),
    "capabilities_baseline": ("baseline", check_capabilities_baseline),
    "capabilities_restricted": ("restricted", check_capabilities_restricted),
    "hostNamespaces": ("baseline", check_host_namespaces),
    "hostPathVolumes": ("baseline", check_host_path_volumes),
    "hostPorts": ("baseline", check_host_ports),
    "privileged": ("baseline", check_privileged),
    "runAsNonRoot": ("restricted", check_run_as_non_root),
    "seccompProfile_restricted": ("restricted", check_seccomp_profile),
}
# The restricted checks that replace a baseline one (their Check.Versions OverrideCheckIDs).
OVERRIDDEN_AT_RESTRICTED = {"capabilities_baseline"}


def findings(level: str, spec: dict[str, Any]) -> list[Finding]:
    """Every check of `level` that the pod spec fails, in the evaluator's order."""
    if level not in ("baseline", "restricted"):
        return []
    found = []
    for check_id, (check_level, check) in sorted(CHECKS.items()):
        if check_level == "restricted" and level == "baseline":
            continue
        if level == "restricted" and check_id in OVERRIDDEN_AT_RESTRICTED:
            continue
        result = check(spec)
        if result is not None:
            found.append(result)
    return found


def _level(labels: dict[str, str], mode: str) -> tuple[str, str]:
    """The level and version a namespace sets for `mode` (enforce, warn, audit)."""
    level = labels.get(f"{LABEL_PREFIX}{mode}", "privileged")
    version = labels.get(f"{LABEL_PREFIX}{mode}-version", "latest")
    return level, version


def _describe(found: list[Finding]) -> str:
    return ", ".join(f"{reason} ({detail})" for reason, detail in found)


def pod_security(
    namespace_labels: dict[str, str], spec: dict[str, Any]
) -> tuple[str | None, list[str]]:
    """(the enforce refusal's text or None, the warnings) for a pod created in the namespace.

    The refusal text follows `pods "x" is forbidden: `. Warnings come with a refusal too
    (admission.go EvaluatePod), except when warn names the enforced level and version.
    """
    refusal = None
    enforce = _level(namespace_labels, "enforce")
    enforced = findings(enforce[0], spec)
    if enforced:
        refusal = f'violates PodSecurity "{enforce[0]}:{enforce[1]}": {_describe(enforced)}'
    warnings = []
    level, version = _level(namespace_labels, "warn")
    warned = findings(level, spec) if (level, version) != enforce else []
    if warned:
        warnings.append(f'would violate PodSecurity "{level}:{version}": {_describe(warned)}')
    return refusal, warnings
