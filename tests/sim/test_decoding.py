"""Type errors in a body are 400s in encoding/json's words, before defaulting or validation
(apiserver/pkg/endpoints/handlers/create.go: "<Kind> in version ... cannot be handled as a")."""

from __future__ import annotations

import pytest

from clusters.sim.errors import ApiError
from tests.sim.worlds import new_tenant

PREFIX = 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal '


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param(
            {"containers": "x"},
            "string into Go struct field PodSpec.spec.containers of type []v1.Container",
            id="a string for a list",
        ),
        pytest.param(
            {"containers": [{"name": 1, "image": "x"}]},
            "number into Go struct field Container.spec.containers.name of type string",
            id="a number for a string",
        ),
        pytest.param(
            {"containers": [5]},
            "number into Go struct field PodSpec.spec.containers of type v1.Container",
            id="a number for an object",
        ),
        pytest.param(
            {"nodeSelector": "x", "containers": []},
            "string into Go struct field PodSpec.spec.nodeSelector of type map[string]string",
            id="a string for a map",
        ),
        pytest.param(
            {"terminationGracePeriodSeconds": "30", "containers": []},
            "string into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64",
            id="a string for an integer",
        ),
    ],
)
def test_type_errors_are_400_in_the_decoders_words(spec: dict, message: str) -> None:
    _, _, tenant = new_tenant()
    with pytest.raises(ApiError) as caught:
        tenant.create("pods", "lab", {"metadata": {"name": "p"}, "spec": spec})
    assert caught.value.code == 400
    assert caught.value.status["message"] == PREFIX + message


def test_int_or_string_and_quantities_take_both() -> None:
    _, _, tenant = new_tenant()
    container = {
        "name": "w",
        "image": "lab/web:1.0",
        "resources": {"limits": {"cpu": 1, "memory": "64Mi"}},
    }
    tenant.create("pods", "lab", {"metadata": {"name": "p"}, "spec": {"containers": [container]}})
    tenant.create(
        "services",
        "lab",
        {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80, "targetPort": "http"}]}},
    )


# Quantity.UnmarshalJSON (apimachinery/pkg/api/resource/quantity.go) hands the JSON value to
# ParseQuantity and returns its error bare; encoding/json ends the decode with it.
FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


def _web(**resources: dict) -> dict:
    return {"name": "w", "image": "lab/web:1.0", "resources": resources}


def _template(**spec) -> dict:
    return {
        "metadata": {"labels": {"app": "w"}},
        "spec": {"containers": [_web()], **spec},
    }


@pytest.mark.parametrize(
    ("resource", "body", "prefix", "message"),
    [
        pytest.param(
            "pods",
            {"spec": {"containers": [_web(requests={"cpu": "abc"})]}},
            'Pod in version "v1" cannot be handled as a Pod: ',
            FORMAT_WRONG,
            id="container requests: ParseQuantity ErrFormatWrong",
        ),
        pytest.param(
            "pods",
            {"spec": {"containers": [_web(limits={"memory": "1kk"})]}},
            'Pod in version "v1" cannot be handled as a Pod: ',
            "unable to parse quantity's suffix",
            id="container limits: suffix letters the suffixer does not know are ErrSuffix",
        ),
        pytest.param(
            "pods",
            {"spec": {"containers": [_web(limits={"memory": "512MB"})]}},
            'Pod in version "v1" cannot be handled as a Pod: ',
            FORMAT_WRONG,
            id="container limits: 512MB (B is no suffix letter) is ErrFormatWrong",
        ),
        pytest.param(
            "pods",
            {
                "spec": {
                    "initContainers": [_web(requests={"cpu": True})],
                    "containers": [_web()],
                }
            },
            'Pod in version "v1" cannot be handled as a Pod: ',
            FORMAT_WRONG,
            id="init container: a bool reaches UnmarshalJSON too (no type error)",
        ),
        pytest.param(
            "pods",
            {"spec": {"resources": {"limits": {"cpu": ["1"]}}, "containers": [_web()]}},
            'Pod in version "v1" cannot be handled as a Pod: ',
            FORMAT_WRONG,
            id="pod-level resources: an array is no quantity",
        ),
        pytest.param(
            "pods",
            {"spec": {"overhead": {"cpu": "-e-20"}, "containers": [_web()]}},
            'Pod in version "v1" cannot be handled as a Pod: ',
            "unable to parse numeric part of quantity",
            id="overhead: no digit on ParseQuantity's inf.Dec path is ErrNumeric",
        ),
        pytest.param(
            "pods",
            {
                "spec": {
                    "terminationGracePeriodSeconds": "30",
                    "containers": [_web(requests={"cpu": "abc"})],
                }
            },
            'Pod in version "v1" cannot be handled as a Pod: ',
            FORMAT_WRONG,
            id="an earlier type error is only saved: the quantity's error ends the decode",
        ),
        pytest.param(
            "deployments",
            {
                "spec": {
                    "selector": {"matchLabels": {"app": "w"}},
                    "template": _template(containers=[_web(requests={"cpu": "1 core"})]),
                }
            },
            'Deployment in version "v1" cannot be handled as a Deployment: ',
            FORMAT_WRONG,
            id="a Deployment's pod template",
        ),
        pytest.param(
            "jobs",
            {"spec": {"template": _template(restartPolicy="Never", overhead={"memory": "x"})}},
            'Job in version "v1" cannot be handled as a Job: ',
            FORMAT_WRONG,
            id="a Job's pod template overhead",
        ),
        pytest.param(
            "limitranges",
            {"spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "fast"}}]}},
            'LimitRange in version "v1" cannot be handled as a LimitRange: ',
            FORMAT_WRONG,
            id="a LimitRange item",
        ),
        pytest.param(
            "resourcequotas",
            {"spec": {"hard": {"requests.memory": "1GB"}}},
            'ResourceQuota in version "v1" cannot be handled as a ResourceQuota: ',
            FORMAT_WRONG,
            id="a ResourceQuota's hard",
        ),
    ],
)
def test_a_malformed_quantity_is_a_400_in_the_decoders_words(
    resource: str, body: dict, prefix: str, message: str
) -> None:
    _, _, tenant = new_tenant()
    with pytest.raises(ApiError) as caught:
        tenant.create(resource, "lab", {"metadata": {"name": "q"}, **body})
    assert caught.value.code == 400
    assert caught.value.status["reason"] == "BadRequest"
    assert caught.value.status["message"] == prefix + message
    assert tenant.store.get(resource, "lab", "q") is None


def test_a_malformed_quantity_in_an_ephemeral_container_is_a_400() -> None:
    """The pods/ephemeralcontainers subresource decodes a whole Pod as well."""
    _, _, tenant = new_tenant()
    created = tenant.create("pods", "lab", pod_body())
    spec = {
        **created["spec"],
        "ephemeralContainers": [{"name": "dbg", **_web(limits={"cpu": "one"})}],
    }
    with pytest.raises(ApiError) as caught:
        tenant.update(
            "pods", "lab", "p", {**created, "spec": spec}, subresource="ephemeralcontainers"
        )
    assert caught.value.code == 400
    assert caught.value.status["message"] == (
        'Pod in version "v1" cannot be handled as a Pod: ' + FORMAT_WRONG
    )


def pod_body() -> dict:
    return {"metadata": {"name": "p"}, "spec": {"containers": [_web()]}}


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("-", id="a lone sign reads as 0 (parseQuantityString)"),
        pytest.param("1.G", id="a fraction with no digits: the TODO in parseQuantityString"),
        pytest.param(" 2 ", id="UnmarshalJSON trims spaces"),
        pytest.param(0.5, id="a JSON number"),
        pytest.param("1e3", id="a decimal exponent"),
    ],
)
def test_quantities_parse_quantity_reads(value) -> None:
    _, _, tenant = new_tenant()
    body = {"metadata": {"name": "p"}, "spec": {"containers": [_web(requests={"cpu": value})]}}
    assert tenant.create("pods", "lab", body)["metadata"]["name"] == "p"
