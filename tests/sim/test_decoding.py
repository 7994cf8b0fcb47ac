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
