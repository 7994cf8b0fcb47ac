"""Pod validation messages (pkg/apis/core/validation/validation.go) as the API server words them."""

from __future__ import annotations

import pytest

from clusters.sim.defaults import default_pod
from clusters.sim.errors import ApiError
from clusters.sim.validation import validate_pod_create, validate_pod_update


def _pod(name: str = "p", **container: object) -> dict:
    pod = {
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "web", "image": "lab/web:1.0", **container}]},
    }
    default_pod(pod, "abcde")
    return pod


def _message(pod: dict) -> str:
    with pytest.raises(ApiError) as caught:
        validate_pod_create(pod)
    assert caught.value.code == 422
    assert caught.value.status["reason"] == "Invalid"
    return caught.value.status["message"]


@pytest.mark.parametrize(
    ("pod", "message"),
    [
        pytest.param(
            _pod(imagePullPolicy="always"),
            'Pod "p" is invalid: spec.containers[0].imagePullPolicy: Unsupported value: "always": '
            'supported values: "Always", "IfNotPresent", "Never"',
            id="validatePullPolicy: values are case-sensitive",
        ),
        pytest.param(
            _pod(image=""),
            'Pod "p" is invalid: spec.containers[0].image: Required value',
            id="validateContainers: image required",
        ),
        pytest.param(
            _pod(name="My_Pod"),
            'Pod "My_Pod" is invalid: metadata.name: Invalid value: "My_Pod": a lowercase '
            "RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
            "and must start and end with an "
            "alphanumeric character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            id="ValidateObjectMeta: DNS-1123 subdomain name",
        ),
        pytest.param(
            _pod(name=""),
            'Pod "" is invalid: metadata.name: Required value: name or generateName is required',
            id="ValidateObjectMeta: name required",
        ),
        pytest.param(
            _pod(image=" nginx"),
            'Pod "p" is invalid: spec.containers[0].image: Invalid value: " nginx": '
            "must not have leading or trailing whitespace",
            id="validateContainers: whitespace around image",
        ),
    ],
)
def test_it_answers_422_in_the_api_servers_words(pod: dict, message: str) -> None:
    assert _message(pod) == message


def test_several_errors_are_listed_in_brackets_with_one_cause_each() -> None:
    pod = _pod(image="", imagePullPolicy="sometimes")
    message = _message(pod)
    assert message.startswith('Pod "p" is invalid: [spec.containers[0].image: Required value, ')
    with pytest.raises(ApiError) as caught:
        validate_pod_create(pod)
    causes = caught.value.status["details"]["causes"]
    assert [(c["reason"], c["field"]) for c in causes] == [
        ("FieldValueRequired", "spec.containers[0].image"),
        ("FieldValueNotSupported", "spec.containers[0].imagePullPolicy"),
    ]


def test_a_pod_without_containers_is_refused() -> None:
    pod = {"metadata": {"name": "p"}, "spec": {"containers": []}}
    default_pod(pod, "abcde")
    assert _message(pod) == 'Pod "p" is invalid: spec.containers: Required value'


def test_duplicate_container_names_are_refused() -> None:
    pod = _pod()
    pod["spec"]["containers"].append(dict(pod["spec"]["containers"][0]))
    assert _message(pod) == 'Pod "p" is invalid: spec.containers[1].name: Duplicate value: "web"'


def test_an_update_may_change_the_image() -> None:
    old = _pod()
    new = _pod()
    new["spec"]["containers"][0]["image"] = "lab/web:2.0"
    validate_pod_update(old, new)


def test_an_update_may_not_change_the_pull_policy() -> None:
    old = _pod(imagePullPolicy="IfNotPresent")
    new = _pod(imagePullPolicy="Always")
    with pytest.raises(ApiError) as caught:
        validate_pod_update(old, new)
    message = caught.value.status["message"]
    assert message.startswith(
        'Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than '
        "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
        "`spec.tolerations` (only additions to existing tolerations),"
        "`spec.terminationGracePeriodSeconds` "
        "(allow it to be set to 1 if it was previously negative)"
    )
    assert "imagePullPolicy" in message


def _resources(**resources: dict) -> dict:
    return _pod(resources=resources)


# validation.go validateResourceRequirements / validateContainerResourceName /
# ValidateNonnegativeQuantity / validatePodResources, after SetDefaults_Pod (requests from limits).
C = "spec.containers[0].resources"


@pytest.mark.parametrize(
    ("pod", "errors"),
    [
        pytest.param(
            _resources(requests={"cpu": "-100m"}),
            [f'{C}.requests[cpu]: Invalid value: "-100m": must be greater than or equal to 0'],
            id="ValidateNonnegativeQuantity: a negative request",
        ),
        pytest.param(
            _resources(limits={"memory": "-1Gi"}, requests={"memory": "-2Gi"}),
            [
                f'{C}.limits[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
                f'{C}.requests[memory]: Invalid value: "-2Gi": must be greater than or equal to 0',
            ],
            id="ValidateNonnegativeQuantity: limits first, then requests",
        ),
        pytest.param(
            _resources(requests={"cpu": "2"}, limits={"cpu": "1500m"}),
            [f'{C}.requests: Invalid value: "2": must be less than or equal to cpu limit of 1500m'],
            id="validateResourceRequirements: a request above its limit, on the requests path",
        ),
        pytest.param(
            _resources(requests={"memory": "1Gi"}, limits={"memory": "1024Mi"}),
            [],
            id="validateResourceRequirements: Cmp compares values, 1Gi equals 1024Mi",
        ),
        pytest.param(
            _resources(limits={"gpu": "1"}),
            [
                f'{C}.limits[gpu]: Invalid value: "gpu": must be a standard resource type or '
                "fully qualified",
                f'{C}.limits[gpu]: Invalid value: "gpu": must be a standard resource for '
                "containers",
                f'{C}.requests[gpu]: Invalid value: "gpu": must be a standard resource type or '
                "fully qualified",
                f'{C}.requests[gpu]: Invalid value: "gpu": must be a standard resource for '
                "containers",
            ],
            id="validateContainerResourceName: a bare name that is no resource",
        ),
        pytest.param(
            _resources(requests={"pods": "1"}),
            [
                f'{C}.requests[pods]: Invalid value: "pods": must be a standard resource for '
                "containers"
            ],
            id="validateContainerResourceName: pods is a quota resource, not a container's",
        ),
        pytest.param(
            _resources(requests={"example.com/dongle": "1"}),
            [f"{C}.limits: Required value: Limit must be set for non overcommitable resources"],
            id="IsOvercommitAllowed: an extended resource needs a limit",
        ),
        pytest.param(
            _resources(requests={"example.com/dongle": "1"}, limits={"example.com/dongle": "2"}),
            [f'{C}.requests: Invalid value: "1": must be equal to example.com/dongle limit of 2'],
            id="IsOvercommitAllowed: an extended resource's request equals its limit",
        ),
        pytest.param(
            _resources(limits={"example.com/dongle": "2"}),
            [],
            id="SetDefaults_Pod: a limit alone gives the equal request",
        ),
        pytest.param(
            _resources(limits={"hugepages-2Mi": "3Mi", "memory": "1Gi"}),
            [
                f'{C}.limits[hugepages-2Mi]: Invalid value: "3Mi": 3Mi is not positive integer '
                "multiple of hugepages-2Mi",
                f'{C}.requests[hugepages-2Mi]: Invalid value: "3Mi": 3Mi is not positive integer '
                "multiple of hugepages-2Mi",
            ],
            id="validateResourceQuantityHugePageValue: whole pages only",
        ),
        pytest.param(
            _resources(limits={"hugepages-2Mi": "4Mi"}),
            [f"{C}: Forbidden: HugePages require cpu or memory"],
            id="validateResourceRequirements: hugepages need cpu or memory beside them",
        ),
    ],
)
def test_container_resources_are_validated_in_the_api_servers_words(
    pod: dict, errors: list[str]
) -> None:
    if not errors:
        validate_pod_create(pod)
        return
    joined = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    assert _message(pod) == f'Pod "p" is invalid: {joined}'


def test_init_containers_are_validated_like_containers() -> None:
    pod = _pod()
    pod["spec"]["initContainers"] = [
        {**pod["spec"]["containers"][0], "name": "init", "resources": {"requests": {"cpu": "-1"}}}
    ]
    assert _message(pod) == (
        'Pod "p" is invalid: spec.initContainers[0].resources.requests[cpu]: Invalid value: "-1": '
        "must be greater than or equal to 0"
    )


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        pytest.param(
            {"requests": {"cpu": "200m"}},
            'spec.resources.requests[cpu]: Invalid value: "200m": must be greater than or equal '
            "to aggregate container requests of 500m",
            id="validatePodResourceConsistency: below what the containers request together",
        ),
        pytest.param(
            {"requests": {"cpu": "1"}, "limits": {"cpu": "800m"}},
            'spec.resources.requests: Invalid value: "1": must be less than or equal to cpu '
            "limit of 800m",
            id="validatePodResources: a pod-level request above its limit",
        ),
    ],
)
def test_pod_level_resources_are_validated(resources: dict, message: str) -> None:
    pod = _resources(requests={"cpu": "300m"})
    pod["spec"]["containers"].append(
        {**pod["spec"]["containers"][0], "name": "two", "resources": {"requests": {"cpu": "200m"}}}
    )
    pod["spec"]["resources"] = resources
    assert _message(pod) == f'Pod "p" is invalid: {message}'


def test_an_ephemeral_container_may_not_set_resources() -> None:
    """validateEphemeralContainers: resources is not in allowedEphemeralContainerFields."""
    from clusters.sim.validation import validate_ephemeral_update

    old = _pod()
    new = {**old, "spec": {**old["spec"], "ephemeralContainers": [
        {"name": "dbg", "image": "busybox", "imagePullPolicy": "IfNotPresent",
         "resources": {"limits": {"cpu": "100m"}}}
    ]}}  # fmt: skip
    with pytest.raises(ApiError) as caught:
        validate_ephemeral_update(old, new)
    assert caught.value.status["message"] == (
        'Pod "p" is invalid: spec.ephemeralContainers[0].resources: Forbidden: cannot be set for '
        "an Ephemeral Container"
    )
