"""Each node's kubelet configuration file (KubeletConfiguration v1beta1) and the `kubelet` world
action that edits it and restarts the kubelet.

Upstream: staging/src/k8s.io/kubelet/config/v1beta1/types.go (field names),
pkg/kubelet/apis/config/v1beta1/defaults.go (SetDefaults_KubeletConfiguration),
pkg/kubelet/apis/config/validation/validation.go (ValidateKubeletConfiguration, whose errors
the kubelet joins as an aggregate: one error alone, several as `[e1, e2]`),
pkg/kubelet/images/pullmanager/image_pull_policies.go (the KEP-2535 allowlist patterns) and
cmd/kubelet/app/server.go ("failed to validate kubelet configuration, error: ...").

A node's file is the world's `kubelet` mapping plus every field a `kubelet` action set since.
The engine reads the *effective* configuration: the file with the kubelet's defaults applied.

Simplification: a real kubelet given an invalid file exits at start ("command failed"
err="failed to validate kubelet configuration, error: ..., path: ..."); systemd restarts it
in a loop and, after node-monitor-grace-period, the node controller marks the node
`Ready=Unknown` ("Kubelet stopped posting node status."); running containers go on. The
simulator refuses the file instead: the old configuration keeps running and the node's
`kubelet_error` says why, so a lab can teach the validation rule without a broken node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim import errors
from clusters.sim.imagemanager import go_duration
from clusters.sim.noderegistry import target_nodes
from clusters.sim.reference import InvalidReference, parse_normalized_named

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

# The v1beta1 fields the simulator's kubelet acts on, and the JSON type each one takes.
FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "serializeImagePulls": bool,
    "maxParallelImagePulls": int,
    "imageGCHighThresholdPercent": int,
    "imageGCLowThresholdPercent": int,
    "imageMinimumGCAge": str,
    "imageMaximumGCAge": str,
    "imagePullCredentialsVerificationPolicy": str,
    "preloadedImagesVerificationAllowlist": list,
    "featureGates": dict,
}
DURATIONS = ("imageMinimumGCAge", "imageMaximumGCAge")
# Feature gates the simulated kubelet knows, at their v1.35 defaults (pkg/features).
FEATURE_GATES = {"KubeletEnsureSecretPulledImages": True, "ImageMaximumGCAge": True}
VERIFICATION_POLICIES = (
    "NeverVerify",
    "NeverVerifyPreloadedImages",
    "NeverVerifyAllowlistedImages",
    "AlwaysVerify",
)


def config_file(t: Tenant, node: str) -> dict[str, Any]:
    """What /var/lib/kubelet/config.yaml on `node` says (the fields the simulator models)."""
    return t.node_kubelet.get(node, t.kubelet_config)


def effective(t: Tenant, node: str) -> dict[str, Any]:
    """The configuration `node`'s kubelet runs with (its /configz)."""
    return defaulted(config_file(t, node))


def gates(config: dict[str, Any]) -> dict[str, bool]:
    return {**FEATURE_GATES, **(config.get("featureGates") or {})}


def defaulted(file: dict[str, Any]) -> dict[str, Any]:
    """SetDefaults_KubeletConfiguration, for the modelled fields."""
    config = dict(file)
    if "serializeImagePulls" not in config:
        # true unless maxParallelImagePulls asks for 2 or more (defaults.go)
        config["serializeImagePulls"] = int(config.get("maxParallelImagePulls") or 0) < 2
    config.setdefault("imageGCHighThresholdPercent", 85)
    config.setdefault("imageGCLowThresholdPercent", 80)
    minimum = duration_seconds(config.get("imageMinimumGCAge", 0)) or 120.0  # zero: the default
    config["imageMinimumGCAge"] = _go_duration(minimum)
    config["imageMaximumGCAge"] = _go_duration(duration_seconds(config.get("imageMaximumGCAge", 0)))
    config["featureGates"] = dict(config.get("featureGates") or {})
    if gates(config)["KubeletEnsureSecretPulledImages"]:
        config.setdefault("imagePullCredentialsVerificationPolicy", "NeverVerifyPreloadedImages")
    return config


def duration_seconds(text: str | float) -> float:
    """A metav1.Duration (`2m`, `1h30m`, `-1m`, `90s`) in seconds."""
    from clusters.sim.world import parse_duration

    if isinstance(text, str) and text.strip().startswith("-"):
        return -parse_duration(text.strip()[1:])
    return parse_duration(text)


def _go_duration(seconds: float) -> str:
    return ("-" if seconds < 0 else "") + go_duration(abs(seconds))


def validation_errors(config: dict[str, Any]) -> list[str]:
    """ValidateKubeletConfiguration's errors for the modelled fields, in its order."""
    problems = []
    enabled = gates(config)
    high, low = config["imageGCHighThresholdPercent"], config["imageGCLowThresholdPercent"]
    if not 0 <= high <= 100:
        problems.append(
            f"invalid configuration: imageGCHighThresholdPercent (--image-gc-high-threshold) "
            f"{high} must be between 0 and 100, inclusive"
        )
    if not 0 <= low <= 100:
        problems.append(
            f"invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) "
            f"{low} must be between 0 and 100, inclusive"
        )
    if low >= high:
        problems.append(
            f"invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) {low} "
            f"must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) {high}"
        )
    minimum = duration_seconds(config["imageMinimumGCAge"])
    maximum = duration_seconds(config["imageMaximumGCAge"])
    if maximum != 0 and not enabled["ImageMaximumGCAge"]:
        problems.append(
            "invalid configuration: ImageMaximumGCAge feature gate is required for Kubelet "
            "configuration option imageMaximumGCAge"
        )
    if minimum < 0:
        problems.append(
            f"invalid configuration: imageMinimumGCAge {_go_duration(minimum)} must not be negative"
        )
    if maximum < 0:
        problems.append(
            f"invalid configuration: imageMaximumGCAge {_go_duration(maximum)} must not be negative"
        )
    if maximum > 0 and maximum <= minimum:
        problems.append(
            f"invalid configuration: imageMaximumGCAge {_go_duration(maximum)} must be greater "
            f"than imageMinimumGCAge {_go_duration(minimum)}"
        )
    parallel = config.get("maxParallelImagePulls")
    if parallel is not None and parallel < 1:
        problems.append(
            f"invalid configuration: maxParallelImagePulls {parallel} must be a positive number"
        )
    if config["serializeImagePulls"] and parallel is not None and parallel > 1:
        problems.append(
            "invalid configuration: maxParallelImagePulls cannot be larger than 1 unless "
            "SerializeImagePulls (--serialize-image-pulls) is set to false"
        )
    policy = config.get("imagePullCredentialsVerificationPolicy") or ""
    allowlist = config.get("preloadedImagesVerificationAllowlist") or []
    if enabled["KubeletEnsureSecretPulledImages"]:
        if policy not in VERIFICATION_POLICIES:
            valid = ", ".join(f'"{p}"' for p in VERIFICATION_POLICIES[:-1])
            problems.append(
                f'invalid configuration: option "{policy}" specified for '
                f"imagePullCredentialsVerificationPolicy. Valid options are {valid} or "
                f'"{VERIFICATION_POLICIES[-1]}"'
            )
        if allowlist and policy != "NeverVerifyAllowlistedImages":
            problems.append(
                "invalid configuration: can't set `preloadedImagesVerificationAllowlist` if "
                '`imagePullCredentialsVertificationPolicy` is not "NeverVerifyAllowlistedImages"'
            )
        else:
            for pattern in allowlist:
                error = allowlist_pattern_error(pattern)
                if error:
                    problems.append(
                        "invalid configuration: invalid image pattern in "
                        f"`preloadedImagesVerificationAllowlist`: {error}"
                    )
                    break
    else:
        if policy:
            problems.append(
                "invalid configuration: `imagePullCredentialsVerificationPolicy` must not be set "
                "if KubeletEnsureSecretPulledImages feature gate is not enabled"
            )
        if allowlist:
            problems.append(
                "invalid configuration: `preloadedImagesVerificationAllowlist` must not be set if "
                "KubeletEnsureSecretPulledImages feature gate is not enabled"
            )
    return problems


def allowlist_pattern_error(pattern: str) -> str:
    """pullmanager getAllowlistImagePattern: "" for a valid pattern, else its error."""
    if pattern != pattern.strip():
        return f"leading/trailing spaces are not allowed: {pattern}"
    wildcard = pattern.endswith("/*")
    trimmed = pattern[:-1] if wildcard else pattern
    if not trimmed:
        return f"the supplied pattern is too short: {pattern}"
    if "*" in trimmed:
        return (
            f"not a valid wildcard pattern, only patterns ending with '/*' are allowed: {pattern}"
        )
    if wildcard:
        return "at least registry hostname is required" if len(trimmed) == 1 else ""
    try:
        ref = parse_normalized_named(trimmed)
    except InvalidReference as err:
        return f"failed to parse as an image name: {err}"
    if ref.tag or ref.digest:
        return f"neither tag nor digest is accepted in an image reference: {pattern}"
    return ""


def allowlisted(config: dict[str, Any], repository: str) -> bool:
    """NeverVerifyAllowlistedImages.imageMatches for an image's repository name."""
    for pattern in config.get("preloadedImagesVerificationAllowlist") or []:
        if pattern.endswith("/*") and repository.startswith(pattern[:-1]):
            return True
        if not pattern.endswith("/*") and parse_normalized_named(pattern).name == repository:
            return True
    return False


def startup_error(config: dict[str, Any]) -> str:
    """What the kubelet says when it will not start with `config` ("" when it starts)."""
    unknown = sorted(set(config.get("featureGates") or {}) - set(FEATURE_GATES))
    if unknown:  # server.go sets the file's feature gates before it validates the file
        return (
            "failed to set feature gates from initial flags-based config: unrecognized feature "
            f"gate: {unknown[0]}"
        )
    problems = list(dict.fromkeys(validation_errors(config)))
    if not problems:
        return ""
    joined = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
    return f"failed to validate kubelet configuration, error: {joined}"


def _check_types(fields: Any) -> list[errors.FieldError]:
    if not isinstance(fields, dict):
        return [errors.invalid("change.kubelet.set", "", "must be a KubeletConfiguration mapping")]
    problems = []
    for field, value in fields.items():
        path = f"change.kubelet.set.{field}"
        if field not in FIELD_TYPES:
            problems.append(errors.not_supported(path, field, sorted(FIELD_TYPES)))
        elif value is None:
            continue  # the line leaves the file: the kubelet's default applies again
        elif isinstance(value, bool) and FIELD_TYPES[field] is int:
            problems.append(errors.invalid(path, value, "must be an integer"))
        elif not isinstance(value, FIELD_TYPES[field]):
            problems.append(errors.invalid(path, errors.GoLiteral(repr(value)), "wrong type"))
        elif field in DURATIONS:
            try:
                duration_seconds(value)
            except ValueError:
                problems.append(errors.invalid(path, value, "must be a duration such as 2m"))
    return problems


def edited(file: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """The file with `fields` set; a field set to null is removed."""
    merged = {**file, **fields}
    return {field: value for field, value in merged.items() if value is not None}


def set_kubelet(t: Tenant, spec: dict[str, Any]) -> str:
    """The `kubelet` world action: {node: NAME|all, set: {v1beta1 fields}}, then a restart.

    A field set to null is removed from the file, so its default applies again.
    """
    from clusters.sim.world import WorldChangeRefused

    nodes = target_nodes(t, spec["node"])
    fields = spec.get("set")
    problems = _check_types(fields)
    if problems:
        raise errors.invalid_object("LabWorldChange", t.name, problems, "sim.pullpolicylabs.dev")
    refusals = []
    for node in nodes:
        new_file = edited(config_file(t, node), fields)
        error = startup_error(defaulted(new_file))
        if error:
            t.kubelet_errors[node] = error
            refusals.append(f"{node}: {error}")
    if refusals:
        raise WorldChangeRefused(
            "the kubelet would not start with this configuration; the old one keeps running. "
            + "; ".join(refusals)
        )
    for node in nodes:
        t.node_kubelet[node] = edited(config_file(t, node), fields)
        t.kubelet_errors.pop(node, None)
    return f"kubelet restarted on {', '.join(nodes)} with the new configuration"
