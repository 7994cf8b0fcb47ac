"""Pod defaulting (pkg/apis/core/v1/defaults.go and the admission plugins a real cluster runs)."""

from __future__ import annotations

import pytest

from clusters.sim.defaults import default_pod, default_pod_spec, default_pull_policy

D = "sha256:" + "d" * 64


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        pytest.param("nginx", "Always", id="SetDefaults_Container: no tag means latest -> Always"),
        pytest.param("nginx:latest", "Always", id="SetDefaults_Container: :latest -> Always"),
        pytest.param(
            "nginx:1.27", "IfNotPresent", id="SetDefaults_Container: other tag -> IfNotPresent"
        ),
        pytest.param("nginx@" + D, "IfNotPresent", id="digest only: no tag -> IfNotPresent"),
        pytest.param(
            "nginx:latest@" + D, "Always", id="brief S3: :latest@sha256 parses tag latest -> Always"
        ),
        pytest.param("localhost:5001/web", "Always", id="a port is not a tag"),
        pytest.param("MyApp:1", "IfNotPresent", id="unparseable: ParseImageName errs, tag empty"),
    ],
)
def test_pull_policy_defaults_from_the_tag(image: str, policy: str) -> None:
    assert default_pull_policy(image) == policy


def test_an_explicit_policy_is_kept() -> None:
    pod = {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "nginx", "imagePullPolicy": "Never"}]},
    }
    default_pod(pod, "abcde")
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Never"


def test_a_pod_gets_what_a_real_api_server_adds() -> None:
    pod = {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
    }
    default_pod(pod, "abcde")
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["serviceAccountName"] == "default"
    assert spec["enableServiceLinks"] is True
    assert spec["priority"] == 0
    container = spec["containers"][0]
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["terminationMessagePolicy"] == "File"
    assert container["volumeMounts"][0]["name"] == "kube-api-access-abcde"
    assert [t["key"] for t in spec["tolerations"]] == [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ]
    assert {t["tolerationSeconds"] for t in spec["tolerations"]} == {300}
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


@pytest.mark.parametrize(
    ("resources", "requests"),
    [
        pytest.param({"limits": {"cpu": "1", "memory": "1Gi"}}, {"cpu": "1", "memory": "1Gi"},
                     id="SetDefaults_Pod: limits only -> requests equal to limits"),
        pytest.param({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "250m"}},
                     {"cpu": "250m", "memory": "1Gi"},
                     id="SetDefaults_Pod: per resource, a given request is kept"),
        pytest.param({"requests": {"cpu": "250m"}}, {"cpu": "250m"},
                     id="SetDefaults_Pod: requests without limits are left alone"),
        pytest.param({}, None, id="SetDefaults_Pod: no limits, no requests added"),
    ],
)  # fmt: skip
def test_requests_default_to_limits(resources: dict, requests: dict | None) -> None:
    container = {"name": "c", "image": "nginx:1.27", "resources": resources}
    init = {"name": "i", "image": "nginx:1.27", "resources": dict(resources)}
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [container], "initContainers": [init]}}
    default_pod(pod, "abcde")
    for defaulted in (pod["spec"]["containers"][0], pod["spec"]["initContainers"][0]):
        assert defaulted["resources"].get("requests") == requests


def test_a_pod_template_keeps_its_limits_only() -> None:
    # SetDefaults_Pod, not SetDefaults_PodSpec: "only on a v1.Pod and not a v1.PodTemplate".
    spec = {"containers": [{"name": "c", "image": "nginx:1.27",
                            "resources": {"limits": {"cpu": "1"}}}]}  # fmt: skip
    default_pod_spec(spec)
    assert spec["containers"][0]["resources"] == {"limits": {"cpu": "1"}}
