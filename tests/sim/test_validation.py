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
