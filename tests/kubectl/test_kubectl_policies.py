"""Gatekeeper constraints and Kyverno ClusterPolicies through the real kubectl.

kubectl apply with validation on (its QueryParamVerifierV3 reads the kind's PATCH operation in
the OpenAPI v3 document), `get` with the CRDs' printer columns, and the webhook texts as kubectl
prints them (`Error from server (Forbidden): ... admission webhook "validation.gatekeeper.sh"
denied the request: [...]`, `Warning: [...]` for warn).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from clusters.apiserver.testing import SimulatorHandle
from tests.kubectl.conftest import Kubectl
from tests.sim.worlds import lab1_world

pytestmark = pytest.mark.kubectl

CONSTRAINT = """
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sDisallowedTags
metadata:
  name: no-latest
spec:
  enforcementAction: {action}
  match:
    kinds: [{{apiGroups: [""], kinds: [Pod]}}]
  parameters:
    tags: [latest]
"""
POLICY = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-always
  annotations: {pod-policies.kyverno.io/autogen-controllers: none}
spec:
  rules:
    - name: always-pull
      match: {any: [{resources: {kinds: [Pod]}}]}
      validate:
        failureAction: Enforce
        message: "Pods must pull Always."
        pattern: {spec: {containers: [{imagePullPolicy: Always}]}}
"""


@pytest.fixture(scope="module")
def policed(sim: SimulatorHandle, kubectl_binary: Path, tmp_path_factory) -> Kubectl:
    world = lab1_world(admission={"gatekeeper_templates": ["K8sDisallowedTags"], "kyverno": True})
    created = sim.create_world("lab-policy", world)
    path = tmp_path_factory.mktemp("kube") / "config"
    path.write_text(yaml.safe_dump(sim.kubeconfig(created["token"], created["namespace"])))
    return Kubectl(kubectl_binary, path)


def test_apply_get_and_deny(policed: Kubectl) -> None:
    applied = policed.stdin(CONSTRAINT.format(action="deny"), "apply")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.strip() == "k8sdisallowedtags.constraints.gatekeeper.sh/no-latest created"
    table = policed("get", "k8sdisallowedtags").stdout.split("\n")
    assert table[0].split() == ["NAME", "ENFORCEMENT-ACTION", "TOTAL-VIOLATIONS"]
    assert table[1].split()[:2] == ["no-latest", "deny"]
    refused = policed("run", "p", "--image=lab/web", ok=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (Forbidden): admission webhook "validation.gatekeeper.sh" denied the '
        "request: [no-latest] container <p> didn't specify an image tag <lab/web>"
    )


def test_warn_prints_a_warning_and_admits(policed: Kubectl) -> None:
    applied = policed.stdin(CONSTRAINT.format(action="warn"), "apply")
    assert applied.returncode == 0, applied.stderr
    assert "configured" in applied.stdout
    created = policed("run", "w", "--image=lab/web:latest", "--image-pull-policy=Always")
    assert created.stdout.strip() == "pod/w created"
    assert (
        "Warning: [no-latest] container <w> uses a disallowed tag <lab/web:latest>; "
        'disallowed tags are ["latest"]'
    ) in created.stderr


def test_kyverno_cluster_policy(policed: Kubectl) -> None:
    applied = policed.stdin(POLICY, "apply")
    assert applied.returncode == 0, applied.stderr
    table = policed("get", "cpol").stdout.split("\n")
    assert table[0].split() == ["NAME", "ADMISSION", "BACKGROUND", "READY", "AGE"]
    assert table[1].split()[:4] == ["require-always", "true", "true", "True"]
    refused = policed(
        "run", "k", "--image=lab/web:1.0", "--image-pull-policy=IfNotPresent", ok=False
    )
    assert refused.stderr.startswith(
        'Error from server: admission webhook "validate.kyverno.svc-fail" denied the request: '
    )
    assert "resource Pod/lab-policy/k was blocked due to the following policies" in refused.stderr
    assert "require-always:\n  always-pull: 'validation error: Pods must pull Always. rule" in (
        refused.stderr
    )


def test_kinds_not_installed_are_not_served(kubectl: Kubectl) -> None:
    missing = kubectl("get", "k8sallowedrepos", ok=False)
    assert missing.returncode == 1
    assert 'the server doesn\'t have a resource type "k8sallowedrepos"' in missing.stderr


def test_an_unknown_parameter_is_refused_under_strict_validation(policed: Kubectl) -> None:
    """kubectl apply sends fieldValidation=Strict; the template's schema is structural."""
    typo = CONSTRAINT.format(action="deny").replace("tags: [latest]", "tag: [latest]")
    refused = policed.stdin(typo.replace("no-latest", "typo"), "apply")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (BadRequest): error when creating "STDIN": K8sDisallowedTags in '
        'version "v1beta1" cannot be handled as a K8sDisallowedTags: strict decoding error: '
        'unknown field "spec.parameters.tag"'
    )


def test_the_constraints_category_and_explain(policed: Kubectl) -> None:
    """Gatekeeper's CRDs are in the categories constraint(s); explain reads the OpenAPI v3."""
    policed.stdin(CONSTRAINT.format(action="deny"), "apply")
    listed = policed("get", "constraints").stdout.split("\n")
    assert listed[1].split()[:2] == ["no-latest", "deny"]
    explained = policed("explain", "k8sdisallowedtags.spec.parameters").stdout
    assert "KIND:       K8sDisallowedTags" in explained
    assert "tags\t<[]string>" in explained


def test_describe_shows_the_denial_on_the_replicaset(policed: Kubectl) -> None:
    """19-empty-deployment's hint: the only trace is FailedCreate on the ReplicaSet."""
    policed.stdin(CONSTRAINT.format(action="deny"), "apply")
    policed("create", "deployment", "empty", "--image=lab/web:latest", "--replicas=2")
    deadline = time.monotonic() + 10
    described = ""
    while "FailedCreate" not in described and time.monotonic() < deadline:
        time.sleep(0.2)
        described = policed("describe", "rs", "-l", "app=empty").stdout
    assert "ReplicaFailure   True    FailedCreate" in described
    assert (
        'Error creating: admission webhook "validation.gatekeeper.sh" denied the request: '
        "[no-latest] container <web> uses a disallowed tag <lab/web:latest>"
    ) in described
    assert policed("get", "deployment", "empty").stdout.split("\n")[1].split()[1] == "0/2"
