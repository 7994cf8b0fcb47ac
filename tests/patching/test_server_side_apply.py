"""Server-side apply, simplified to a structured merge (see clusters/sim/patching_apply.py).

The list semantics follow sigs.k8s.io/structured-merge-diff (`x-kubernetes-list-type` and
`x-kubernetes-list-map-keys`), as the Kubernetes docs describe them:
https://kubernetes.io/docs/reference/using-api/server-side-apply/#merge-strategy
"""

from __future__ import annotations

import json

import pytest
import yaml

from clusters.sim.patching import APPLY_PATCH, PatchError, apply_patch
from tests.patching.cases import PatchCase, value_at

LIVE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}, finalizers: [a/one]}
spec:
  replicas: 3
  template:
    spec:
      tolerations: [{key: k1, operator: Exists}]
      containers:
      - name: app
        image: lab/web:1.0
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 80, protocol: TCP}]
"""


CASES = [
    PatchCase(
        "a map list (containers, keyed by name) merges element by element",
        LIVE,
        "spec: {template: {spec: {containers: [{name: app, image: lab/web:2.0}]}}}",
        (
            ("spec.template.spec.containers.0.image", "lab/web:2.0"),
            ("spec.template.spec.containers.0.imagePullPolicy", "IfNotPresent"),
        ),
    ),
    PatchCase(
        "a new container is appended",
        LIVE,
        "spec: {template: {spec: {containers: [{name: side, image: s}]}}}",
        (("spec.template.spec.containers.1.name", "side"),),
    ),
    PatchCase(
        "a port applied without protocol is the live port defaulted to TCP",
        LIVE,
        "spec: {template: {spec: {containers: "
        "[{name: app, ports: [{containerPort: 80, name: http}]}]}}}",
        (
            (
                "spec.template.spec.containers.0.ports",
                [{"containerPort": 80, "protocol": "TCP", "name": "http"}],
            ),
        ),
    ),
    PatchCase(
        "an atomic list (tolerations) is replaced whole",
        LIVE,
        "spec: {template: {spec: {tolerations: [{key: k2, operator: Exists}]}}}",
        (("spec.template.spec.tolerations", [{"key": "k2", "operator": "Exists"}]),),
    ),
    PatchCase(
        "a set (finalizers) is a union",
        LIVE,
        "metadata: {finalizers: [a/two, a/one]}",
        (("metadata.finalizers", ["a/one", "a/two"]),),
    ),
    PatchCase(
        "scalars change and maps merge",
        LIVE,
        "{spec: {replicas: 1}, metadata: {labels: {tier: front}}}",
        (("spec.replicas", 1), ("metadata.labels", {"app": "web", "tier": "front"})),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_it_merges_the_applied_configuration(case: PatchCase) -> None:
    live = yaml.safe_load(case.obj)
    result = apply_patch(live, case.patch.encode(), APPLY_PATCH, "Deployment")
    for path, expected in case.expect:
        assert value_at(result, path) == expected, path
    assert live == yaml.safe_load(LIVE)


def test_kubectl_sends_json_as_yaml_and_it_is_read() -> None:
    body = json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 5}})
    result = apply_patch(yaml.safe_load(LIVE), body.encode(), APPLY_PATCH, "Deployment")
    assert result["spec"]["replicas"] == 5


def test_a_configuration_that_is_not_an_object_is_a_bad_request() -> None:
    with pytest.raises(PatchError) as raised:
        apply_patch(yaml.safe_load(LIVE), b"- a\n- b\n", APPLY_PATCH, "Deployment")
    assert (raised.value.code, raised.value.reason) == (400, "BadRequest")
    assert raised.value.message.startswith("error decoding YAML")


def test_a_custom_resource_can_be_applied() -> None:
    live = {"apiVersion": "sim.pullpolicylabs.dev/v1", "kind": "LabWorld", "spec": {"a": [1]}}
    result = apply_patch(live, b"spec: {a: [2], b: x}", APPLY_PATCH, "LabWorld")
    assert result["spec"] == {"a": [2], "b": "x"}
