"""Gatekeeper's webhook for the gatekeeper-library image templates (clusters/sim/gatekeeper.py).

The rules and messages are the library's Rego at commit
c26151706646965a87a43a18192e558bddb5e09f: library/general/allowedrepos/template.yaml,
library/general/disallowedtags/template.yaml, library/general/imagedigests/template.yaml; the
webhook's wording is gatekeeper pkg/webhook/policy.go (getValidationMessages: `[%s] %s`, 403,
joined by newlines) and the API server's webhookerrors.ToStatusErr.
"""

from __future__ import annotations

import pytest

from clusters.sim.errors import ApiError
from clusters.sim.gatekeeper import matches, violations
from tests.sim.worlds import lab1_world, new_tenant, pod

DIGEST = "sha256:" + "a" * 64


def _pod(*images: str, init: tuple[str, ...] = ()) -> dict:
    return {
        "spec": {
            "containers": [{"name": f"c{i}", "image": image} for i, image in enumerate(images)],
            "initContainers": [{"name": f"i{i}", "image": image} for i, image in enumerate(init)],
        }
    }


@pytest.mark.parametrize(
    ("kind", "parameters", "obj", "expected"),
    [
        pytest.param(
            "K8sAllowedRepos",
            {"repos": ["registry.corp.example"]},
            _pod("registry.corp.example.evil.io/x:1"),
            [],
            id="allowedrepos: startswith admits the look-alike host",
        ),
        pytest.param(
            "K8sAllowedRepos",
            {"repos": ["registry.corp.example/"]},
            _pod("registry.corp.example.evil.io/x:1"),
            [
                "container <c0> has an invalid image repo <registry.corp.example.evil.io/x:1>, "
                'allowed repos are ["registry.corp.example/"]'
            ],
            id="allowedrepos: a trailing slash refuses it",
        ),
        pytest.param(
            "K8sAllowedRepos",
            {"repos": ["gcr.io/", "docker.io/"]},
            _pod("nginx:1.27", init=("quay.io/x:1",)),
            [
                "container <c0> has an invalid image repo <nginx:1.27>, "
                'allowed repos are ["gcr.io/", "docker.io/"]',
                "initContainer <i0> has an invalid image repo <quay.io/x:1>, "
                'allowed repos are ["gcr.io/", "docker.io/"]',
            ],
            id="allowedrepos: the text, not the normalised name; initContainer wording",
        ),
        pytest.param(
            "K8sDisallowedTags",
            {"tags": ["latest"]},
            _pod("nginx:latest", "nginx", "reg:5000/app", "nginx:1.27"),
            [
                "container <c0> uses a disallowed tag <nginx:latest>; disallowed tags are "
                '["latest"]',
                "container <c1> didn't specify an image tag <nginx>",
            ],
            id="disallowedtags: the tag, no tag, a port counts as a tag",
        ),
        pytest.param(
            "K8sDisallowedTags",
            {"tags": ["latest"]},
            _pod("nginx", init=("busybox:latest",)),
            [
                "container <c0> didn't specify an image tag <nginx>",
                "container <i0> uses a disallowed tag <busybox:latest>; disallowed tags are "
                '["latest"]',
            ],
            id="disallowedtags: init containers say container too",
        ),
        pytest.param(
            "K8sDisallowedTags",
            {"tags": ["latest"], "exemptImages": ["nginx", "corp.example/tools/*"]},
            _pod("nginx", "corp.example/tools/x:latest", "nginx:latest"),
            ['container <c2> uses a disallowed tag <nginx:latest>; disallowed tags are ["latest"]'],
            id="disallowedtags: exempt images, exact or prefix with *",
        ),
        pytest.param(
            "K8sImageDigests",
            {},
            _pod("lab/web:latest", f"lab/web@{DIGEST}", init=("busybox:1.36",)),
            [
                "container <c0> uses an image without a digest <lab/web:latest>",
                "initContainer <i0> uses an image without a digest <busybox:1.36>",
            ],
            id="imagedigests: the digest regex; initContainer wording",
        ),
        pytest.param(
            "K8sImageDigests",
            {"exemptImages": ["lab/web:*"]},
            _pod("lab/web:latest"),
            [],
            id="imagedigests: exempt images",
        ),
    ],
)
def test_library_template_violations(kind: str, parameters: dict, obj: dict, expected) -> None:
    assert violations(kind, parameters, obj) == expected


@pytest.mark.parametrize(
    ("match", "kind", "namespace", "expected"),
    [
        pytest.param({}, "Pod", "lab", True, id="no match: everything"),
        pytest.param({"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]}, "Pod", "lab", True),
        pytest.param(
            {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]},
            "Deployment",
            "lab",
            False,
            id="a Deployment is not a Pod",
        ),
        pytest.param({"kinds": [{"apiGroups": ["*"], "kinds": ["*"]}]}, "Deployment", "lab", True),
        pytest.param({"namespaces": ["team-*"]}, "Pod", "team-a", True, id="namespace prefix"),
        pytest.param({"namespaces": ["prod"]}, "Pod", "lab", False),
        pytest.param({"excludedNamespaces": ["*-dev"]}, "Pod", "web-dev", False),
        pytest.param({"scope": "Cluster"}, "Pod", "lab", False),
    ],
)
def test_constraint_match(match: dict, kind: str, namespace: str, expected: bool) -> None:
    group = "" if kind == "Pod" else "apps"
    obj = {"metadata": {"name": "x", "namespace": namespace}}
    assert matches(match, group, kind, obj, {}) is expected


def _constraint(action: str = "deny", name: str = "no-latest") -> dict:
    return {
        "metadata": {"name": name},
        "spec": {
            "enforcementAction": action,
            "match": {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]},
            "parameters": {"tags": ["latest"]},
        },
    }


def _tenant():
    return new_tenant(lab1_world(admission={"gatekeeper_templates": ["K8sDisallowedTags"]}))[2]


def test_a_deny_constraint_refuses_in_the_webhook_words() -> None:
    tenant = _tenant()
    tenant.create("k8sdisallowedtags", None, _constraint())
    with pytest.raises(ApiError) as caught:
        tenant.create("pods", "lab", pod("p", image="lab/web"))
    assert caught.value.code == 403
    assert caught.value.status["reason"] == "Forbidden"
    assert str(caught.value) == (
        'admission webhook "validation.gatekeeper.sh" denied the request: '
        "[no-latest] container <web> didn't specify an image tag <lab/web>"
    )


def test_several_violations_are_joined_by_newlines() -> None:
    tenant = _tenant()
    tenant.create("k8sdisallowedtags", None, _constraint(name="a"))
    tenant.create("k8sdisallowedtags", None, _constraint(name="b"))
    with pytest.raises(ApiError) as caught:
        tenant.create("pods", "lab", pod("p", image="lab/web:latest"))
    lines = str(caught.value).split("\n")
    assert lines[0].endswith(
        '[a] container <web> uses a disallowed tag <lab/web:latest>; disallowed tags are ["latest"]'
    )
    assert lines[1].startswith("[b] container <web>")


@pytest.mark.parametrize(
    ("action", "warnings"),
    [
        pytest.param("warn", ["[no-latest] container <web> didn't specify an image tag <lab/web>"]),
        pytest.param("dryrun", [], id="dryrun: audit only, nothing in the response"),
    ],
)
def test_warn_and_dryrun_let_the_pod_in(action: str, warnings: list[str]) -> None:
    tenant = _tenant()
    tenant.create("k8sdisallowedtags", None, _constraint(action))
    tenant.create("pods", "lab", pod("p", image="lab/web"))
    assert tenant.admission_warnings == warnings


def test_an_unknown_enforcement_action_is_refused() -> None:
    tenant = _tenant()
    with pytest.raises(ApiError, match='unrecognized enforcementAction: "block"') as caught:
        tenant.create("k8sdisallowedtags", None, _constraint("block"))
    assert caught.value.code == 500


def test_an_update_is_reviewed_too() -> None:
    tenant = _tenant()
    tenant.create("pods", "lab", pod("p", image="lab/web:1.0"))
    tenant.create("k8sdisallowedtags", None, _constraint())
    created = tenant.get("pods", "lab", "p")
    changed = {
        **created,
        "spec": {
            **created["spec"],
            "containers": [{**created["spec"]["containers"][0], "image": "lab/web:latest"}],
        },
    }
    with pytest.raises(ApiError, match="uses a disallowed tag"):
        tenant.update("pods", "lab", "p", changed)


def test_a_constraint_kind_without_its_template_is_not_served() -> None:
    tenant = _tenant()
    with pytest.raises(ApiError, match="could not find the requested resource"):
        tenant.create("k8sallowedrepos", None, _constraint())
    _, _, plain = new_tenant()
    with pytest.raises(ApiError) as caught:
        plain.list("k8sdisallowedtags")
    assert caught.value.code == 404


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param(
            {"parameters": {"tags": "latest"}},
            'K8sDisallowedTags.constraints.gatekeeper.sh "no-latest" is invalid: '
            'spec.parameters.tags: Invalid value: "string": spec.parameters.tags in body must be '
            'of type array: "string"',
            id="a string where the template says array",
        ),
        pytest.param(
            {"parameters": {"tags": ["latest", 1]}},
            'K8sDisallowedTags.constraints.gatekeeper.sh "no-latest" is invalid: '
            'spec.parameters.tags[1]: Invalid value: "integer": spec.parameters.tags[1] in body '
            'must be of type string: "integer"',
            id="an item of the wrong type",
        ),
    ],
)
def test_the_crd_schema_refuses_wrong_types(spec: dict, message: str) -> None:
    """apiextensions-apiserver ValidateCustomResource against the template's openAPIV3Schema."""
    tenant = _tenant()
    with pytest.raises(ApiError) as caught:
        tenant.create("k8sdisallowedtags", None, {"metadata": {"name": "no-latest"}, "spec": spec})
    assert caught.value.code == 422
    assert str(caught.value) == message


def test_audit_counts_the_violations_of_what_is_already_there() -> None:
    """pkg/audit/manager.go: every 60 s, whatever the action; dryrun shows only here."""
    simulator, clock, tenant = new_tenant(
        lab1_world(admission={"gatekeeper_templates": ["K8sDisallowedTags"]})
    )
    tenant.create("pods", "lab", pod("old", image="lab/web"))
    tenant.create("k8sdisallowedtags", None, _constraint("dryrun"))
    tenant.create("pods", "lab", pod("new", image="lab/web:latest"))
    assert "totalViolations" not in tenant.get("k8sdisallowedtags", None, "no-latest").get(
        "status", {}
    )
    clock.advance(60)
    tenant.run_due()
    status = tenant.get("k8sdisallowedtags", None, "no-latest")["status"]
    assert status["totalViolations"] == 2
    by_name = {v["name"]: v for v in status["violations"]}
    assert by_name["new"] == {
        "enforcementAction": "dryrun",
        "group": "",
        "version": "v1",
        "kind": "Pod",
        "name": "new",
        "namespace": "lab",
        "message": "container <web> uses a disallowed tag <lab/web:latest>; disallowed tags are "
        '["latest"]',
    }
    assert by_name["old"]["message"] == "container <web> didn't specify an image tag <lab/web>"
