"""Kyverno ClusterPolicy validate rules with `pattern` (clusters/sim/kyverno.py).

Upstream kyverno/kyverno: pkg/engine/pattern (Validate, validateString: `|` alternatives,
`&` conditions, `!` not, wildcard.Match), pkg/engine/validate/validate.go (validateMap,
validateArray, validateArrayOfMaps: the path `/spec/containers/0/image/`),
pkg/engine/handlers/validation buildErrorMessage, pkg/webhooks/utils GetBlockedMessages,
pkg/autogen (PodControllers). Policies as in kyverno/policies best-practices/disallow-latest-tag.
"""

from __future__ import annotations

import pytest

from clusters.sim.errors import ApiError
from clusters.sim.kyverno import evaluate, first_failure, value_matches
from tests.sim.worlds import lab1_world, new_tenant, pod

TAG_REQUIRED = {"spec": {"containers": [{"image": "*:*"}]}}
NOT_LATEST = {"spec": {"containers": [{"image": "!*:latest"}]}}


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        pytest.param("lab/web:1.0", "*:*", True),
        pytest.param("lab/web", "*:*", False, id="no tag"),
        pytest.param("lab/web:latest", "!*:latest", False),
        pytest.param("lab/web:1.0", "!*:latest", True),
        pytest.param("Always", "Always", True),
        pytest.param("IfNotPresent", "Always", False),
        pytest.param("IfNotPresent", "Always | IfNotPresent", True, id="alternatives"),
        pytest.param("lab/web:1.0", "lab/* & !*:latest", True, id="conditions"),
        pytest.param("ab", "a?", True, id="? is one character"),
        pytest.param("abc", "a?", False),
        pytest.param(None, "*:*", False, id="a missing value is the empty string"),
        pytest.param(None, "!*:latest", True),
        pytest.param(3, "3", True, id="numbers compare as strings"),
    ],
)
def test_string_patterns(value, pattern, expected: bool) -> None:
    assert value_matches(value, pattern) is expected


@pytest.mark.parametrize(
    ("resource", "pattern", "path"),
    [
        pytest.param(
            {"spec": {"containers": [{"image": "a:1"}, {"image": "b"}]}},
            TAG_REQUIRED,
            "/spec/containers/1/image/",
            id="every item against the first pattern map",
        ),
        pytest.param({"spec": {"containers": [{"image": "a:1"}]}}, TAG_REQUIRED, None),
        pytest.param({"spec": {}}, TAG_REQUIRED, "/spec/containers/", id="missing list"),
        pytest.param(
            {"spec": {"containers": [{"image": "a:1"}]}},
            {"spec": {"containers": [{"imagePullPolicy": "Always"}]}},
            "/spec/containers/0/imagePullPolicy/",
            id="missing field",
        ),
        pytest.param(
            {"spec": {"containers": [{"image": "a:1"}]}},
            {"spec": {"containers": [{"=(imagePullPolicy)": "Always"}]}},
            None,
            id="=(key): only when present",
        ),
    ],
)
def test_pattern_paths(resource: dict, pattern: dict, path: str | None) -> None:
    assert first_failure(resource, pattern) == path


def _policy(action: str = "Enforce", autogen: str | None = "none", per_rule: bool = True) -> dict:
    annotations = {"pod-policies.kyverno.io/autogen-controllers": autogen} if autogen else {}
    rules = []
    for name, message, pattern in (
        ("require-image-tag", "An image tag is required.", TAG_REQUIRED),
        (
            "validate-image-tag",
            "Using a mutable image tag e.g. 'latest' is not allowed.",
            NOT_LATEST,
        ),
    ):
        validate = {"message": message, "pattern": pattern}
        if per_rule:
            validate["failureAction"] = action
        rules.append(
            {
                "name": name,
                "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                "validate": validate,
            }
        )
    spec: dict = {"background": True, "rules": rules}
    if not per_rule:
        spec["validationFailureAction"] = action
    return {"metadata": {"name": "disallow-latest-tag", "annotations": annotations}, "spec": spec}


def _tenant():
    return new_tenant(lab1_world(admission={"kyverno": True}))[2]


def test_enforce_denies_with_kyverno_blocked_message() -> None:
    tenant = _tenant()
    tenant.create("clusterpolicies", None, _policy())
    with pytest.raises(ApiError) as caught:
        tenant.create("pods", "lab", pod("p", image="lab/web:latest"))
    assert caught.value.code == 400
    assert str(caught.value) == (
        'admission webhook "validate.kyverno.svc-fail" denied the request: \n\n'
        "resource Pod/lab/p was blocked due to the following policies \n\n"
        "disallow-latest-tag:\n"
        "  validate-image-tag: 'validation error: Using a mutable image tag e.g. ''latest''\n"
        "    is not allowed. rule validate-image-tag failed at path /spec/containers/0/image/'\n"
    )


@pytest.mark.parametrize(
    ("policy", "denied"),
    [
        pytest.param(_policy("Audit"), False, id="per-rule Audit"),
        pytest.param(_policy("Enforce"), True, id="per-rule Enforce"),
        pytest.param(_policy("enforce", per_rule=False), True, id="spec-level, any case"),
        pytest.param(_policy("Audit", per_rule=False), False),
        pytest.param({**_policy(), "spec": {**_policy()["spec"], "admission": False}}, False),
    ],
)
def test_failure_action(policy: dict, denied: bool) -> None:
    tenant = _tenant()
    tenant.create("clusterpolicies", None, policy)
    try:
        tenant.create("pods", "lab", pod("p", image="lab/web:latest"))
        refused = False
    except ApiError:
        refused = True
    assert refused is denied


def test_autogen_applies_pod_rules_to_deployments_unless_switched_off() -> None:
    deployment = {
        "metadata": {"name": "web", "namespace": "lab"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "lab/web:latest"}]}}},
    }
    failed = evaluate(_policy(autogen=None), "Deployment", deployment, {})
    assert [(name, action) for name, _, action in failed] == [
        ("autogen-validate-image-tag", "Enforce")
    ]
    assert failed[0][1].endswith("failed at path /spec/template/spec/containers/0/image/")
    assert evaluate(_policy(autogen="none"), "Deployment", deployment, {}) == []


def test_a_replicaset_pod_denied_by_kyverno_is_failed_create() -> None:
    _, clock, tenant = new_tenant(lab1_world(admission={"kyverno": True}))
    tenant.create("clusterpolicies", None, _policy())
    tenant.create(
        "deployments",
        "lab",
        {
            "metadata": {"name": "probe"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "probe"}},
                "template": {
                    "metadata": {"labels": {"app": "probe"}},
                    "spec": {"containers": [{"name": "c", "image": "lab/web:latest"}]},
                },
            },
        },
    )
    clock.advance(1)
    tenant.run_due()
    events = [e for e in tenant.store.list("events", "lab") if e["reason"] == "FailedCreate"]
    assert events[0]["message"].startswith(
        'Error creating: admission webhook "validate.kyverno.svc-fail" denied the request: \n\n'
        "resource Pod/lab/probe-"
    )
    assert "disallow-latest-tag:" in events[0]["message"]


def test_a_cluster_policy_gets_ready_status_and_defaults() -> None:
    tenant = _tenant()
    created = tenant.create("clusterpolicies", None, _policy())
    assert created["spec"]["admission"] is True
    assert created["status"]["conditions"][0]["type"] == "Ready"
    assert created["status"]["rulecount"]["validate"] == 2


def test_failure_action_is_an_enum_of_the_crd() -> None:
    """api/kyverno/v1 ValidateRule: `+kubebuilder:validation:Enum=Audit;Enforce`."""
    tenant = _tenant()
    policy = _policy("enforce")
    with pytest.raises(ApiError) as caught:
        tenant.create("clusterpolicies", None, policy)
    assert caught.value.code == 422
    assert str(caught.value) == (
        'ClusterPolicy.kyverno.io "disallow-latest-tag" is invalid: [spec.rules[0].validate.'
        'failureAction: Unsupported value: "enforce": supported values: "Audit", "Enforce", '
        'spec.rules[1].validate.failureAction: Unsupported value: "enforce": supported values: '
        '"Audit", "Enforce"]'
    )
