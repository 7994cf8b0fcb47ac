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
    # qosClass is PrepareForCreate's, after mutating admission: Tenant.create sets it (qos.py).
    assert pod["status"] == {"phase": "Pending"}


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


@pytest.mark.parametrize(
    ("resources", "requests"),
    [
        pytest.param({"limits": {"cpu": "1", "memory": "1Gi"}}, {"cpu": "1", "memory": "1Gi"},
                     id="defaultPodRequests: pod-level limits only -> requests equal to them"),
        pytest.param({"limits": {"cpu": "1"}, "requests": {"cpu": "300m"}}, {"cpu": "300m"},
                     id="defaultPodRequests: a given pod-level request is kept"),
        pytest.param({"requests": {"cpu": "300m"}}, {"cpu": "300m"},
                     id="defaultPodRequests: without pod-level limits nothing is added"),
    ],
)  # fmt: skip
def test_pod_level_requests_default_to_pod_level_limits(
    resources: dict, requests: dict | None
) -> None:
    container = {"name": "c", "image": "nginx:1.27", "resources": {"requests": {"cpu": "100m"}}}
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [container], "resources": resources}}
    default_pod(pod, "abcde")
    assert pod["spec"]["resources"].get("requests") == requests


def _qos(spec: dict) -> str:
    """status.qosClass as Tenant.create writes it (podStrategy.PrepareForCreate)."""
    from tests.sim.worlds import new_tenant

    _, _, tenant = new_tenant()
    return tenant.create("pods", "lab", {"metadata": {"name": "q"}, "spec": spec})["status"][
        "qosClass"
    ]


def _c(name: str = "c", **resources: dict) -> dict:
    return {"name": name, "image": "lab/web:1.0", "resources": resources}


GUARANTEED = {"limits": {"cpu": "500m", "memory": "128Mi"}}


@pytest.mark.parametrize(
    ("spec", "qos"),
    [
        pytest.param({"containers": [_c()]}, "BestEffort",
                     id="requirementsQOS: no requests or limits is BestEffort"),
        pytest.param({"containers": [_c(limits={"example.com/dongle": "1"})]}, "BestEffort",
                     id="supportedQoSComputeResources: only cpu and memory count"),
        pytest.param({"containers": [_c(**GUARANTEED)]}, "Guaranteed",
                     id="SetDefaults_Pod then resourceQOS: limits alone give equal requests"),
        pytest.param({"containers": [_c(requests={"memory": "1Gi", "cpu": "1"},
                                        limits={"memory": "1024Mi", "cpu": "1000m"})]},
                     "Guaranteed", id="resourceQOS: Quantity.Equal compares values"),
        pytest.param({"containers": [_c(requests={"cpu": "100m"})]}, "Burstable",
                     id="resourceQOS: a request without a limit"),
        pytest.param({"containers": [_c(requests={"cpu": "100m", "memory": "64Mi"},
                                        limits={"cpu": "200m", "memory": "64Mi"})]},
                     "Burstable", id="resourceQOS: a request below its limit"),
        pytest.param({"containers": [_c(limits={"cpu": "1"})]}, "Burstable",
                     id="requirementsQOS: cpu Guaranteed but memory BestEffort"),
        pytest.param({"containers": [_c("a", **GUARANTEED), _c("b")]}, "Burstable",
                     id="ComputePodQOS: one Guaranteed and one BestEffort container"),
        pytest.param({"containers": [_c("a", **GUARANTEED), _c("b", **GUARANTEED)]},
                     "Guaranteed", id="ComputePodQOS: every container Guaranteed"),
        pytest.param({"initContainers": [_c("i")], "containers": [_c("a", **GUARANTEED)]},
                     "Burstable", id="ComputePodQOS: init containers count"),
        pytest.param({"initContainers": [_c("i", **GUARANTEED)],
                      "containers": [_c("a", **GUARANTEED)]},
                     "Guaranteed", id="ComputePodQOS: a Guaranteed init container"),
        pytest.param({"resources": GUARANTEED, "containers": [_c()]}, "Guaranteed",
                     id="PodLevelResources: pod-level limits (requests defaulted) decide alone"),
        pytest.param({"resources": {"requests": {"cpu": "1"}},
                      "containers": [_c(**GUARANTEED)]},
                     "Burstable", id="PodLevelResources: pod-level requests only"),
    ],
)  # fmt: skip
def test_the_qos_class_is_computed_on_create(spec: dict, qos: str) -> None:
    assert _qos(spec) == qos


def test_the_qos_class_counts_limit_range_defaults() -> None:
    """PrepareForCreate runs after mutating admission: LimitRanger's default limit and
    request (here equal) make the pod Guaranteed."""
    from tests.sim.worlds import new_tenant

    _, _, tenant = new_tenant()
    tenant.create("limitranges", "lab", {
        "metadata": {"name": "defaults"},
        "spec": {"limits": [{"type": "Container",
                             "default": {"cpu": "200m", "memory": "64Mi"},
                             "defaultRequest": {"cpu": "200m", "memory": "64Mi"}}]},
    })  # fmt: skip
    pod = tenant.create("pods", "lab", {"metadata": {"name": "q"}, "spec": {"containers": [_c()]}})
    assert pod["status"]["qosClass"] == "Guaranteed"
