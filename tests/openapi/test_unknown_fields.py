"""Unknown fields for `fieldValidation=Strict`, found from the kind's schema."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from clusters.apiserver.openapi_fields import (
    StrictDecodingError,
    decode_fields,
    split_unknown_fields,
    strict_decoding_message,
    unknown_field_warning,
    unknown_fields,
)


@dataclass(frozen=True)
class Case:
    id: str
    obj: dict
    unknown: list[str]


def _pod(container: dict, **spec: object) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "labels": {"any": "label"}, "annotations": {"a": "b"}},
        "spec": {"containers": [{"name": "c", "image": "nginx", **container}], **spec},
    }


CASES = [
    Case("a valid pod", _pod({"imagePullPolicy": "Always"}), []),
    Case(
        "a typo in a container",
        _pod({"imagePullPolicyy": "Always"}),
        ["spec.containers[0].imagePullPolicyy"],
    ),
    Case(
        "two typos, in document order",
        _pod({"imagePullPolicyy": "Always"}, nodeNmae="node-1"),
        ["spec.containers[0].imagePullPolicyy", "spec.nodeNmae"],
    ),
    Case(
        "quantities and label maps take any key",
        _pod({"resources": {"limits": {"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": 1}}}),
        [],
    ),
    Case(
        "a typo at the top",
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "sepc": {}},
        ["sepc"],
    ),
    Case(
        "a deployment's template is a pod template",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "imagee": "x"}]}}},
        },
        ["spec.template.spec.containers[0].imagee"],
    ),
    Case(
        "a custom resource has no schema here",
        {"apiVersion": "sim.pullpolicylabs.dev/v1", "kind": "LabWorld", "x": 1},
        [],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_it_finds_unknown_fields(case: Case) -> None:
    assert unknown_fields(case.obj, case.obj["kind"]) == case.unknown


def test_the_message_is_the_api_servers() -> None:
    message = strict_decoding_message("Pod", "v1", ["spec.containers[0].imagePullPolicyy"])
    assert message == (
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: '
        'unknown field "spec.containers[0].imagePullPolicyy"'
    )
    assert strict_decoding_message("Deployment", "apps/v1", ["a", "b"]).startswith(
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "a", unknown field "b"'
    )


def test_the_decoder_drops_unknown_fields_and_keeps_the_rest() -> None:
    pod = _pod({"imagePullPolicyy": "Always"}, nodeNmae="node-1")
    kept, fields = split_unknown_fields(pod, "Pod")
    assert fields == ["spec.containers[0].imagePullPolicyy", "spec.nodeNmae"]
    assert kept["spec"] == {"containers": [{"name": "c", "image": "nginx"}]}
    assert kept["metadata"] == pod["metadata"]
    assert "imagePullPolicyy" in pod["spec"]["containers"][0]  # the input is left untouched


def test_a_warning_is_in_the_form_kubectl_prints() -> None:
    """k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager: `unknown field %q`, sent as an
    RFC 7234 warning with code 299 and no agent."""
    assert unknown_field_warning('spec.a"b') == '299 - "unknown field \\"spec.a\\\\\\"b\\""'


@pytest.mark.parametrize(
    ("field_validation", "warnings"),
    [
        (None, ['299 - "unknown field \\"spec.nodeNmae\\""']),
        ("Warn", ['299 - "unknown field \\"spec.nodeNmae\\""']),
        ("Ignore", []),
    ],
)
def test_warn_and_ignore_keep_the_object_without_the_unknown_fields(
    field_validation: str | None, warnings: list[str]
) -> None:
    kept, sent = decode_fields(_pod({}, nodeNmae="node-1"), "Pod", field_validation)
    assert "nodeNmae" not in kept["spec"]
    assert sent == warnings


def test_strict_refuses_with_a_bad_request() -> None:
    with pytest.raises(StrictDecodingError) as raised:
        decode_fields(_pod({"imagePullPolicyy": "Always"}), "Pod", "Strict")
    status = raised.value.status()
    assert (status["code"], status["reason"]) == (400, "BadRequest")
    assert status["message"].endswith('unknown field "spec.containers[0].imagePullPolicyy"')


def test_a_valid_object_passes_strict_untouched() -> None:
    pod = _pod({"imagePullPolicy": "Always"})
    assert decode_fields(pod, "Pod", "Strict") == (pod, [])


def test_a_patched_object_is_refused_without_the_decode_prefix() -> None:
    """k8s.io/apiserver/pkg/endpoints/handlers/patch.go: BadRequest(NewStrictDecodingError)."""
    with pytest.raises(StrictDecodingError) as raised:
        decode_fields(_pod({}, nodeNmae="n"), "Pod", "Strict", patch=True)
    assert str(raised.value) == 'strict decoding error: unknown field "spec.nodeNmae"'
