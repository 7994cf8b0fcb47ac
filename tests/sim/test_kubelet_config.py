"""The `kubelet` world action: each node's KubeletConfiguration, defaulted and validated as the
kubelet does it, and the engine running with it.

Upstream: pkg/kubelet/apis/config/v1beta1/defaults.go (SetDefaults_KubeletConfiguration),
pkg/kubelet/apis/config/validation/validation.go (ValidateKubeletConfiguration),
pkg/kubelet/images/pullmanager/image_pull_policies.go (getAllowlistImagePattern),
cmd/kubelet/app/server.go (the "failed to validate kubelet configuration" wrapper).
"""

from __future__ import annotations

import pytest

from clusters.sim.imagemanager import go_duration
from clusters.sim.kubeletconfig import allowlist_pattern_error, defaulted, startup_error
from clusters.sim.world import WorldChangeRefused, apply_change
from clusters.sim.worldstatus import node_status
from tests.sim.worlds import lab1_world, new_tenant, pod, run

PREFIX = "failed to validate kubelet configuration, error: "


@pytest.mark.parametrize(
    ("file", "field", "value"),
    [
        pytest.param({}, "serializeImagePulls", True, id="serialized by default"),
        pytest.param({"maxParallelImagePulls": 3}, "serializeImagePulls", False,
                     id="maxParallelImagePulls >= 2 alone defaults serializeImagePulls to false"),
        pytest.param({"maxParallelImagePulls": 1}, "serializeImagePulls", True, id="1 keeps it"),
        pytest.param({}, "imageGCHighThresholdPercent", 85, id="high 85"),
        pytest.param({}, "imageGCLowThresholdPercent", 80, id="low 80"),
        pytest.param({}, "imageMinimumGCAge", "2m0s", id="minimum age 2m"),
        pytest.param({"imageMinimumGCAge": "0s"}, "imageMinimumGCAge", "2m0s", id="zero: 2m"),
        pytest.param({"imageMaximumGCAge": "1h"}, "imageMaximumGCAge", "1h0m0s", id="Go form"),
        pytest.param({}, "imagePullCredentialsVerificationPolicy", "NeverVerifyPreloadedImages",
                     id="KEP-2535 policy default with the gate on"),
    ],
)  # fmt: skip
def test_defaults(file: dict, field: str, value: object) -> None:
    """v1beta1/defaults.go SetDefaults_KubeletConfiguration."""
    assert defaulted(file)[field] == value


def test_the_verification_policy_is_not_defaulted_with_the_gate_off() -> None:
    file = {"featureGates": {"KubeletEnsureSecretPulledImages": False}}
    assert "imagePullCredentialsVerificationPolicy" not in defaulted(file)


@pytest.mark.parametrize(
    ("file", "error"),
    [
        pytest.param({"imageGCHighThresholdPercent": 101},
                     "invalid configuration: imageGCHighThresholdPercent "
                     "(--image-gc-high-threshold) 101 must be between 0 and 100, inclusive",
                     id="high above 100"),
        pytest.param({"imageGCHighThresholdPercent": 60, "imageGCLowThresholdPercent": 70},
                     "invalid configuration: imageGCLowThresholdPercent "
                     "(--image-gc-low-threshold) 70 must be less than "
                     "imageGCHighThresholdPercent (--image-gc-high-threshold) 60",
                     id="low above high"),
        pytest.param({"imageGCHighThresholdPercent": 70, "imageGCLowThresholdPercent": 70},
                     "invalid configuration: imageGCLowThresholdPercent "
                     "(--image-gc-low-threshold) 70 must be less than "
                     "imageGCHighThresholdPercent (--image-gc-high-threshold) 70",
                     id="low equal to high"),
        pytest.param({"imageMinimumGCAge": "-1m"},
                     "invalid configuration: imageMinimumGCAge -1m0s must not be negative",
                     id="negative minimum age"),
        pytest.param({"imageMaximumGCAge": "1m"},
                     "invalid configuration: imageMaximumGCAge 1m0s must be greater than "
                     "imageMinimumGCAge 2m0s", id="maximum not above minimum"),
        pytest.param({"serializeImagePulls": True, "maxParallelImagePulls": 2},
                     "invalid configuration: maxParallelImagePulls cannot be larger than 1 unless "
                     "SerializeImagePulls (--serialize-image-pulls) is set to false",
                     id="parallel limit with serialized pulls"),
        pytest.param({"serializeImagePulls": False, "maxParallelImagePulls": 0},
                     "invalid configuration: maxParallelImagePulls 0 must be a positive number",
                     id="parallel limit 0"),
        pytest.param({"imagePullCredentialsVerificationPolicy": "Sometimes"},
                     'invalid configuration: option "Sometimes" specified for '
                     'imagePullCredentialsVerificationPolicy. Valid options are "NeverVerify", '
                     '"NeverVerifyPreloadedImages", "NeverVerifyAllowlistedImages" or '
                     '"AlwaysVerify"', id="unknown verification policy"),
        pytest.param({"preloadedImagesVerificationAllowlist": ["priv.reg/*"]},
                     "invalid configuration: can't set `preloadedImagesVerificationAllowlist` if "
                     "`imagePullCredentialsVertificationPolicy` is not "
                     '"NeverVerifyAllowlistedImages"',
                     id="allowlist needs its policy (upstream's typo kept)"),
        pytest.param({"imagePullCredentialsVerificationPolicy": "NeverVerifyAllowlistedImages",
                      "preloadedImagesVerificationAllowlist": ["priv.reg/team*"]},
                     "invalid configuration: invalid image pattern in "
                     "`preloadedImagesVerificationAllowlist`: not a valid wildcard pattern, only "
                     "patterns ending with '/*' are allowed: priv.reg/team*", id="bad pattern"),
        pytest.param({"featureGates": {"KubeletEnsureSecretPulledImages": False},
                      "imagePullCredentialsVerificationPolicy": "AlwaysVerify"},
                     "invalid configuration: `imagePullCredentialsVerificationPolicy` must not be "
                     "set if KubeletEnsureSecretPulledImages feature gate is not enabled",
                     id="policy with the gate off"),
    ],
)  # fmt: skip
def test_validation_errors(file: dict, error: str) -> None:
    """validation.go ValidateKubeletConfiguration, wrapped as server.go does."""
    assert startup_error(defaulted(file)) == PREFIX + error


def test_several_errors_are_one_aggregate() -> None:
    """utilerrors.NewAggregate: `[e1, e2]`."""
    file = {"imageGCHighThresholdPercent": 101, "imageGCLowThresholdPercent": 101}
    assert startup_error(defaulted(file)) == PREFIX + (
        "[invalid configuration: imageGCHighThresholdPercent (--image-gc-high-threshold) 101 "
        "must be between 0 and 100, inclusive, invalid configuration: imageGCLowThresholdPercent "
        "(--image-gc-low-threshold) 101 must be between 0 and 100, inclusive, invalid "
        "configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) 101 must be less "
        "than imageGCHighThresholdPercent (--image-gc-high-threshold) 101]"
    )


def test_an_unknown_feature_gate_stops_the_kubelet_before_validation() -> None:
    assert startup_error(defaulted({"featureGates": {"MakeItFaster": True}})) == (
        "failed to set feature gates from initial flags-based config: unrecognized feature "
        "gate: MakeItFaster"
    )


@pytest.mark.parametrize(
    ("pattern", "error"),
    [
        pytest.param("priv.reg/*", "", id="registry wildcard"),
        pytest.param("priv.reg/team/app", "", id="one repository"),
        pytest.param(" priv.reg/*", "leading/trailing spaces are not allowed:  priv.reg/*",
                     id="spaces"),
        pytest.param("/*", "at least registry hostname is required", id="bare wildcard"),
        pytest.param("priv.reg/team/app:1.0",
                     "neither tag nor digest is accepted in an image reference: "
                     "priv.reg/team/app:1.0", id="tag"),
    ],
)  # fmt: skip
def test_allowlist_patterns(pattern: str, error: str) -> None:
    """pullmanager getAllowlistImagePattern."""
    assert allowlist_pattern_error(pattern) == error


def test_a_valid_change_restarts_the_kubelet_and_the_status_shows_it() -> None:
    _, _, tenant = new_tenant()
    message = apply_change(
        tenant, {"kubelet": {"node": "node-1", "set": {"imageGCHighThresholdPercent": 70,
                                                       "imageGCLowThresholdPercent": 60}}}
    )  # fmt: skip
    assert message == "kubelet restarted on node-1 with the new configuration"
    status = node_status(tenant, "node-1")
    assert status["kubelet"]["imageGCHighThresholdPercent"] == 70
    assert status["kubelet_error"] is None
    assert node_status(tenant, "node-2")["kubelet"]["imageGCHighThresholdPercent"] == 85


def test_an_invalid_change_is_refused_and_the_old_configuration_keeps_running() -> None:
    _, _, tenant = new_tenant()
    change = {"kubelet": {"node": "all", "set": {"imageGCHighThresholdPercent": 60,
                                                 "imageGCLowThresholdPercent": 70}}}  # fmt: skip
    with pytest.raises(WorldChangeRefused) as refused:
        apply_change(tenant, change)
    assert "the old one keeps running" in str(refused.value)
    for node in ("node-1", "node-2"):
        status = node_status(tenant, node)
        assert status["kubelet"]["imageGCHighThresholdPercent"] == 85
        assert status["kubelet_error"] == PREFIX + (
            "invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) 70 "
            "must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) 60"
        )
    apply_change(tenant, {"kubelet": {"node": "node-1", "set": {"imageGCLowThresholdPercent": 50}}})
    assert node_status(tenant, "node-1")["kubelet_error"] is None


def test_maxparallelimagepulls_alone_is_refused_when_the_file_serializes_pulls() -> None:
    _, _, tenant = new_tenant(lab1_world(kubelet={"serializeImagePulls": True}))
    with pytest.raises(WorldChangeRefused):
        apply_change(tenant, {"kubelet": {"node": "node-2", "set": {"maxParallelImagePulls": 2}}})
    apply_change(
        tenant,
        {"kubelet": {"node": "node-2", "set": {"serializeImagePulls": False,
                                               "maxParallelImagePulls": 2}}},
    )  # fmt: skip
    assert node_status(tenant, "node-2")["kubelet"]["maxParallelImagePulls"] == 2


def test_a_node_pulls_in_parallel_once_its_kubelet_allows_it() -> None:
    """The node's own configuration drives its puller (puller.go), not another node's."""
    world = lab1_world()
    tags = world["registries"][0]["repositories"][0]["tags"]
    for index in range(2):
        tags[f"t{index}"] = {"digest": "sha256:" + str(index) * 64, "size": 1_000_000}
    simulator, clock, tenant = new_tenant(world)
    apply_change(tenant, {"kubelet": {"node": "node-2", "set": {"serializeImagePulls": False}}})
    for index in range(2):
        tenant.create(
            "pods", "lab", pod(f"p{index}", f"lab/web:t{index}", "IfNotPresent", "node-2")
        )
    run(simulator, clock, 10)
    pulled = [e["message"] for e in tenant.store.list("events") if e["reason"] == "Pulled"]
    own = go_duration(0.4)
    assert all(f"in {own} ({own} including waiting)" in message for message in pulled)


def test_gc_follows_the_nodes_new_thresholds() -> None:
    """image_gc_manager.go: above the high threshold, free down to the low one."""
    world = lab1_world()
    world["nodes"][0].update(disk="100M", disk_used="70M")  # 70 M + 7.3 M image: 78 %
    simulator, clock, tenant = new_tenant(world)
    run(simulator, clock, 301)
    assert len(tenant.caches["node-1"]["images"]) == 1  # below the default 85 %
    apply_change(
        tenant,
        {
            "kubelet": {
                "node": "node-1",
                "set": {"imageGCHighThresholdPercent": 75, "imageGCLowThresholdPercent": 70},
            }
        },
    )
    run(simulator, clock, 300)
    assert tenant.caches["node-1"]["images"] == {}
    assert node_status(tenant, "node-1")["imagefs_used_percent"] == 70


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"node": "node-1", "set": {"maxPods": 10}},
                     'change.kubelet.set.maxPods: Unsupported value: "maxPods"', id="unmodelled"),
        pytest.param({"node": "node-1", "set": {"imageGCHighThresholdPercent": "70"}},
                     "change.kubelet.set.imageGCHighThresholdPercent: Invalid value", id="type"),
    ],
)  # fmt: skip
def test_a_malformed_kubelet_change_is_a_422(change: dict, message: str) -> None:
    from clusters.sim import errors

    _, _, tenant = new_tenant()
    with pytest.raises(errors.ApiError) as caught:
        apply_change(tenant, {"kubelet": change})
    assert caught.value.code == 422
    assert message in caught.value.status["message"]


def test_a_node_the_world_does_not_have_is_refused() -> None:
    _, _, tenant = new_tenant()
    with pytest.raises(WorldChangeRefused) as refused:
        apply_change(tenant, {"kubelet": {"node": "node-9", "set": {}}})
    assert str(refused.value) == "no such node: node-9"


def test_a_field_set_to_null_leaves_the_file_and_its_default_applies_again() -> None:
    _, _, tenant = new_tenant(lab1_world(kubelet={"serializeImagePulls": True}))
    with pytest.raises(WorldChangeRefused):
        apply_change(tenant, {"kubelet": {"node": "node-1", "set": {"maxParallelImagePulls": 3}}})
    change = {"node": "node-1", "set": {"serializeImagePulls": None, "maxParallelImagePulls": 3}}
    apply_change(tenant, {"kubelet": change})
    config = node_status(tenant, "node-1")["kubelet"]
    # defaults.go: with no serializeImagePulls, maxParallelImagePulls >= 2 makes it false
    assert (config["serializeImagePulls"], config["maxParallelImagePulls"]) == (False, 3)


def test_a_world_whose_kubelet_file_is_invalid_is_refused_when_made() -> None:
    from clusters.sim import errors

    world = lab1_world(kubelet={"imageGCHighThresholdPercent": 50})
    with pytest.raises(errors.ApiError) as caught:
        new_tenant(world)
    assert caught.value.code == 422
    assert caught.value.status["message"] == (
        "invalid world: kubelet: " + PREFIX + "invalid configuration: imageGCLowThresholdPercent "
        "(--image-gc-low-threshold) 80 must be less than imageGCHighThresholdPercent "
        "(--image-gc-high-threshold) 50"
    )
