"""Quantities, LimitRanger defaults and ResourceQuota refusals, with the API server's texts.

The LimitRange and ResourceQuota are the session's own (platform/templates/session), so these
tests pin what a learner's namespace does on the simulator and on a real cluster alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from clusters.realcluster.templates import render_session
from clusters.sim.limitrange import ANNOTATION, apply_defaults, refusal, violations
from clusters.sim.quantity import format_quantity, parse_quantity
from clusters.sim.quota import exceeded, missing_constraints, status, usage

SESSION = {obj["kind"]: obj for obj in render_session("s-1")}
LIMIT_RANGE, QUOTA = SESSION["LimitRange"], SESSION["ResourceQuota"]


def pod(*containers: dict[str, Any], init: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": list(containers)}
    if init:
        spec["initContainers"] = list(init)
    return {"metadata": {"name": "p"}, "spec": spec}


def container(name: str = "app", **resources: dict[str, str]) -> dict[str, Any]:
    made: dict[str, Any] = {"name": name, "image": "lab/web:1.0"}
    if resources:
        made["resources"] = resources
    return made


@pytest.mark.parametrize(
    "text, canonical",
    [
        pytest.param("100m", "100m", id="quantity.go String: milli stays milli"),
        pytest.param("2000m", "2", id="quantity.go CanonicalizeBytes: largest whole suffix"),
        pytest.param("0.5", "500m", id="quantity.go: fractions print as milli"),
        pytest.param("1000", "1k", id="quantity.go: decimal SI 1000 is 1k"),
        pytest.param("1500", "1500", id="quantity.go: 1.5k is not whole, so 1500"),
        pytest.param("64Mi", "64Mi", id="quantity.go: binary keeps its suffix"),
        pytest.param("1024Mi", "1Gi", id="quantity.go: binary to the largest power of 1024"),
        pytest.param("1e3", "1k", id="quantity.go: exponent read as decimal SI"),
        pytest.param("0", "0", id="quantity.go: zero"),
        pytest.param("-", "0", id="parseQuantityString: a lone sign is 0"),
        pytest.param(".", "0", id="parseQuantityString: a lone point is 0"),
        pytest.param("1.G", "1G", id="parseQuantityString: 1.G is allowed (its TODO)"),
        pytest.param("0.1n", "1n", id="ParseQuantity: rounds up to nano"),
        pytest.param("1e-12", "1n", id="ParseQuantity: a tiny exponent rounds up to nano"),
        pytest.param("1.5Ki", "1536", id="ParseQuantity: a binary fraction, not whole Ki"),
        pytest.param("1E", "1E", id="suffix.go: E is exa, not an exponent"),
    ],
)
def test_quantity_canonical_form(text: str, canonical: str) -> None:
    assert format_quantity(parse_quantity(text)) == canonical


def test_a_sum_keeps_the_first_operands_format() -> None:
    """quantity.go Add: 64Mi + 64Mi is 128Mi; 10m + 1990m is 2; a zero takes the other's."""
    assert str(parse_quantity("64Mi") + parse_quantity("64Mi")) == "128Mi"
    assert str(parse_quantity("10m") + parse_quantity("1990m")) == "2"
    assert str(parse_quantity("0") + parse_quantity("64Mi")) == "64Mi"


def test_an_unreadable_quantity_is_refused() -> None:
    with pytest.raises(ValueError, match="quantities must match the regular expression"):
        parse_quantity("two")


FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


@pytest.mark.parametrize(
    "text, error",
    [
        pytest.param("", FORMAT_WRONG, id="ParseQuantity: empty is ErrFormatWrong"),
        pytest.param("abc", FORMAT_WRONG, id="parseQuantityString: no digits, no suffix letters"),
        pytest.param("1KB", FORMAT_WRONG, id="parseQuantityString: B ends the suffix scan"),
        pytest.param("1.5.5", FORMAT_WRONG, id="parseQuantityString: a second point"),
        pytest.param("1e3x", FORMAT_WRONG, id="parseQuantityString: a letter after the exponent"),
        pytest.param("1kk", "unable to parse quantity's suffix", id="interpret: kk is ErrSuffix"),
        pytest.param(
            "1mi", "unable to parse quantity's suffix", id="interpret: suffixes are case-sensitive"
        ),
        pytest.param(
            "1e", "unable to parse quantity's suffix", id="interpret: e needs an exponent"
        ),
        pytest.param(
            "1ee3", "unable to parse quantity's suffix", id="interpret: ParseInt(e3) fails"
        ),
        pytest.param(
            ".e-20", "unable to parse numeric part of quantity", id="inf.Dec SetString: no digits"
        ),
    ],
)
def test_parse_quantity_errors_are_the_api_servers(text: str, error: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_quantity(text)
    assert str(caught.value) == error


@dataclass
class DefaultCase:
    id: str
    pod: dict[str, Any]
    resources: list[dict[str, Any]]
    annotation: str | None


SESSION_DEFAULTS = {
    "requests": {"cpu": "10m", "memory": "16Mi"},
    "limits": {"cpu": "200m", "memory": "64Mi"},
}
DEFAULT_CASES = [
    DefaultCase(
        "admission.go mergeContainerResources: a plain container gets both",
        pod(container()),
        [SESSION_DEFAULTS],
        "LimitRanger plugin set: cpu, memory request for container app; "
        "cpu, memory limit for container app",
    ),
    DefaultCase(
        "admission.go mergeContainerResources: only what is missing, init containers last",
        pod(
            container(limits={"cpu": "500m"}),
            init=(container("init", requests={"cpu": "1m", "memory": "1Mi"}),),
        ),
        [
            {
                "requests": {"cpu": "10m", "memory": "16Mi"},
                "limits": {"cpu": "500m", "memory": "64Mi"},
            },
            {
                "requests": {"cpu": "1m", "memory": "1Mi"},
                "limits": {"cpu": "200m", "memory": "64Mi"},
            },
        ],
        "LimitRanger plugin set: cpu, memory request for container app; memory limit for container "
        "app; cpu, memory limit for init container init",
    ),
    DefaultCase(
        "admission.go mergePodResourceRequirements: nothing set, no annotation",
        pod(container(**SESSION_DEFAULTS)),
        [SESSION_DEFAULTS],
        None,
    ),
]


@pytest.mark.parametrize("case", DEFAULT_CASES, ids=lambda c: c.id)
def test_limit_range_defaults(case: DefaultCase) -> None:
    apply_defaults(case.pod, [LIMIT_RANGE])
    everyone = case.pod["spec"]["containers"] + case.pod["spec"].get("initContainers", [])
    assert [c["resources"] for c in everyone] == case.resources
    assert (case.pod["metadata"].get("annotations") or {}).get(ANNOTATION) == case.annotation


@pytest.mark.parametrize(
    "resources, expected",
    [
        pytest.param(SESSION_DEFAULTS, [], id="within max"),
        pytest.param(
            {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}},
            [
                "maximum cpu usage per Container is 1, but limit is 2",
                "maximum memory usage per Container is 512Mi, but limit is 1Gi",
            ],
            id="admission.go maxConstraint: limit over max",
        ),
        pytest.param(
            {
                "requests": {"cpu": "1500m", "memory": "16Mi"},
                "limits": {"cpu": "1", "memory": "64Mi"},
            },
            ["maximum cpu usage per Container is 1, but request is 1500m"],
            id="admission.go maxConstraint: request over max",
        ),
    ],
)
def test_limit_range_max(resources: dict[str, Any], expected: list[str]) -> None:
    assert violations(pod(container(**resources)), [LIMIT_RANGE]) == expected


def test_aggregate_texts() -> None:
    """utilerrors.NewAggregate: one error as is, several in brackets."""
    assert refusal(["a"]) == "a"
    assert refusal(["a", "b"]) == "[a, b]"


def defaulted(*containers: dict[str, Any]) -> dict[str, Any]:
    made = pod(*containers)
    apply_defaults(made, [LIMIT_RANGE])
    return made


def test_pod_usage_counts_requests_limits_and_itself() -> None:
    """pods.go PodUsageFunc, with the aliases cpu/memory for requests."""
    used = usage("pods", "", defaulted(container("a"), container("b")))
    assert {k: str(v) for k, v in used.items()} == {
        "count/pods": "1",
        "pods": "1",
        "requests.cpu": "20m",
        "cpu": "20m",
        "requests.memory": "32Mi",
        "memory": "32Mi",
        "limits.cpu": "400m",
        "limits.memory": "128Mi",
    }


def test_a_larger_init_container_sets_the_pods_request() -> None:
    """PodRequests: max(sum of containers, each init container)."""
    big_init = container("init", requests={"cpu": "1"}, limits={"cpu": "1"})
    assert (
        str(
            usage("pods", "", pod(container(requests={"cpu": "10m"}), init=(big_init,)))[
                "requests.cpu"
            ]
        )
        == "1"
    )


def test_finished_pods_count_only_as_objects() -> None:
    """pods.go PodUsageFunc: "always quota the object count (even if the pod is end of life)";
    QuotaV1Pod leaves a Succeeded or Failed pod out of `pods` and the compute resources."""
    finished = {**defaulted(container()), "status": {"phase": "Succeeded"}}
    assert {k: str(v) for k, v in usage("pods", "", finished).items()} == {"count/pods": "1"}


def _sidecar(name: str, **resources: dict[str, str]) -> dict[str, Any]:
    return {**container(name, **resources), "restartPolicy": "Always"}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            {"containers": [container(requests={"cpu": "100m"})],
             "initContainers": [_sidecar("proxy", requests={"cpu": "50m"})]},
            {"requests.cpu": "150m", "cpu": "150m"},
            id="PodRequests: a sidecar adds to the containers' sum",
        ),
        pytest.param(
            {"containers": [container(requests={"cpu": "100m"}, limits={"cpu": "200m"})],
             "overhead": {"cpu": "250m", "memory": "64Mi"}},
            {"requests.cpu": "350m", "cpu": "350m", "limits.cpu": "450m",
             "requests.memory": "64Mi", "memory": "64Mi"},
            id="PodRequests adds overhead; PodLimits only to the limits that are set",
        ),
        pytest.param(
            {"containers": [container(requests={"cpu": "100m", "memory": "32Mi"})],
             "resources": {"requests": {"cpu": "500m"}}},
            {"requests.cpu": "500m", "cpu": "500m", "requests.memory": "32Mi", "memory": "32Mi"},
            id="PodRequests: pod-level requests replace the aggregate",
        ),
        pytest.param(
            {"containers": [container(requests={"ephemeral-storage": "1Gi",
                                                "example.com/dongle": "1"},
                                      limits={"example.com/dongle": "1"})]},
            {"requests.ephemeral-storage": "1Gi", "ephemeral-storage": "1Gi",
             "requests.example.com/dongle": "1"},
            id="podComputeUsageHelper: ephemeral-storage, and extended resources as requests.*",
        ),
    ],
)  # fmt: skip
def test_pod_usage_reads_pod_requests_and_pod_limits(spec: dict, expected: dict) -> None:
    """pods.go podComputeUsageHelper over resource helpers' PodRequests and PodLimits."""
    used = usage("pods", "", {"metadata": {"name": "p"}, "spec": spec})
    assert {k: str(v) for k, v in used.items()} == {"count/pods": "1", "pods": "1", **expected}


def test_status_sums_every_hard_resource() -> None:
    objects = {
        "pods": [defaulted(container()), defaulted(container())],
        "deployments.apps": [{}],
        "services": [{"spec": {"type": "NodePort"}}],
    }
    used = status(QUOTA, objects)["used"]
    assert used["pods"] == "2"
    assert used["requests.cpu"] == "20m"
    assert used["limits.memory"] == "128Mi"
    assert used["count/deployments.apps"] == "1"
    assert used["services.nodeports"] == "1"
    assert used["secrets"] == "0"
    assert set(used) == set(QUOTA["spec"]["hard"])


def test_exceeded_quota_names_only_the_exceeded_resources() -> None:
    """controller.go checkRequest: prettyPrint of the masked lists."""
    used = {"pods": "3", "requests.cpu": "1950m", "limits.cpu": "3900m"}
    requested = usage("pods", "", defaulted(container(requests={"cpu": "100m"})))
    assert exceeded(QUOTA, used, requested) == (
        "exceeded quota: lab-session, requested: limits.cpu=200m,requests.cpu=100m, "
        "used: limits.cpu=3900m,requests.cpu=1950m, limited: limits.cpu=4,requests.cpu=2"
    )


def test_within_quota_passes() -> None:
    assert exceeded(QUOTA, {"pods": "19"}, usage("pods", "", defaulted(container()))) is None


def test_the_twenty_first_pod_is_refused() -> None:
    tiny = {"cpu": "10m", "memory": "16Mi"}
    pods = [pod(container(requests=tiny, limits=tiny)) for _ in range(21)]
    used = status(QUOTA, {"pods": pods[:20]})["used"]
    message = exceeded(QUOTA, used, usage("pods", "", pods[20]))
    assert message == (
        "exceeded quota: lab-session, requested: pods=1, used: pods=20, limited: pods=20"
    )


def test_a_pod_without_resources_must_specify_them() -> None:
    """pods.go enforcePodContainerConstraints (no LimitRange to fill them in)."""
    assert missing_constraints(QUOTA, pod(container("web"), container("side"))) == (
        "failed quota: lab-session: must specify limits.cpu for: side,web; "
        "limits.memory for: side,web; requests.cpu for: side,web; requests.memory for: side,web"
    )
    assert missing_constraints(QUOTA, defaulted(container())) is None
