"""The image manager's pure decisions (pkg/kubelet/images/image_manager.go) and its back-off
(client-go/util/flowcontrol/backoff.go), pinned like image_manager_test.go: a sequence of
expected results over successive calls with a fake clock stepped between them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from clusters.sim.imagemanager import (
    BackOff,
    apply_default_image_tag,
    eval_cri_pull_error,
    go_duration,
    should_pull_image,
)
from clusters.sim.reference import InvalidReference


@pytest.mark.parametrize(
    ("policy", "present", "pull"),
    [
        pytest.param("Always", True, True, id="shouldPullImage: Always pulls even when present"),
        pytest.param("Always", False, True, id="shouldPullImage: Always pulls when absent"),
        pytest.param(
            "IfNotPresent", True, False, id="shouldPullImage: IfNotPresent uses the cache"
        ),
        pytest.param(
            "IfNotPresent", False, True, id="shouldPullImage: IfNotPresent pulls when absent"
        ),
        pytest.param("Never", True, False, id="shouldPullImage: Never never pulls (present)"),
        pytest.param("Never", False, False, id="shouldPullImage: Never never pulls (absent)"),
    ],
)
def test_should_pull_image(policy: str, present: bool, pull: bool) -> None:
    assert should_pull_image(policy, present) is pull


@pytest.mark.parametrize(
    ("image", "result"),
    [
        pytest.param(
            "busybox", "busybox:latest", id="applyDefaultImageTag: short name gets :latest"
        ),
        pytest.param("busybox:1.36", "busybox:1.36", id="applyDefaultImageTag: tag kept"),
        pytest.param(
            "busybox@sha256:" + "e" * 64,
            "busybox@sha256:" + "e" * 64,
            id="applyDefaultImageTag: digest kept",
        ),
    ],
)
def test_apply_default_image_tag(image: str, result: str) -> None:
    assert apply_default_image_tag(image) == result


def test_apply_default_image_tag_reports_parsers_words() -> None:
    with pytest.raises(InvalidReference) as caught:
        apply_default_image_tag("MyApp:1")
    assert str(caught.value) == (
        'couldn\'t parse image name "MyApp:1": invalid reference format: '
        "repository name (library/MyApp) must be lowercase"
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(0.3134, "313ms", id="time.Duration String: below a second in ms"),
        pytest.param(1.5941, "1.594s", id="Truncate(time.Millisecond) then seconds"),
        pytest.param(2.0, "2s", id="trailing zeros dropped"),
        pytest.param(123.5, "2m3.5s", id="minutes"),
        pytest.param(3723.0, "1h2m3s", id="hours"),
        pytest.param(0.0, "0s", id="zero"),
    ],
)
def test_go_duration_formatting(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


def test_registry_unavailable_errors_are_reworded() -> None:
    assert eval_cri_pull_error("x:1", "RegistryUnavailable: dial tcp") == (
        "image pull failed for x:1 because the registry is unavailable: dial tcp",
        "RegistryUnavailable",
    )
    assert eval_cri_pull_error("x:1", "rpc error: not found") == (
        "rpc error: not found",
        "ErrImagePull",
    )


@dataclass
class Step:
    at: float  # seconds since the first failure
    fail: bool  # a pull fails at this moment (Next)
    in_back_off: bool  # what IsInBackOffSinceUpdate answers at this moment


BACK_OFF_SEQUENCE = [
    Step(0, True, True),  # first failure: 10 s window
    Step(9.9, False, True),
    Step(10, True, True),  # window over, pull again, fails: 20 s
    Step(29.9, False, True),
    Step(30, True, True),  # 40 s
    Step(70, True, True),  # 80 s
    Step(150, True, True),  # 160 s
    Step(310, True, True),  # capped at 300 s (MaxImageBackOff)
    Step(609, False, True),
    Step(610, False, False),
]


def test_back_off_doubles_from_10s_to_a_300s_cap() -> None:
    backoff = BackOff()
    for step in BACK_OFF_SEQUENCE:
        if step.fail:
            backoff.next("uid_img", step.at)
        assert backoff.is_in_back_off_since_update("uid_img", step.at) is step.in_back_off, step
    assert backoff.entries["uid_img"].backoff == 300


def test_back_off_resets_after_twice_the_maximum_without_failure() -> None:
    backoff = BackOff()
    backoff.next("k", 0)
    backoff.next("k", 10)
    assert backoff.entries["k"].backoff == 20
    backoff.next("k", 10 + 601)  # hasExpired: more than 2 x 300 s since the last update
    assert backoff.entries["k"].backoff == 10


def test_back_off_is_keyed_per_pod_and_image() -> None:
    backoff = BackOff()
    backoff.next("uid-1_img", 0)
    assert backoff.is_in_back_off_since_update("uid-1_img", 1)
    assert not backoff.is_in_back_off_since_update("uid-2_img", 1)
