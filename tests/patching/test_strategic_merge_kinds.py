"""Strategic merge patches that kubectl sends, applied to real Kubernetes kinds.

The merge keys and strategies come from the v1.35 definitions (the `patchStrategy` and
`patchMergeKey` tags of k8s.io/api/core/v1/types.go and apps/v1/types.go). The patches are those
kubectl builds: `kubectl set image` (k8s.io/kubectl/pkg/cmd/set/set_image.go, through
`CreateTwoWayMergePatch`) and `kubectl apply` on a changed manifest (k8s.io/kubectl/pkg/cmd/apply/
patcher.go, `CreateThreeWayMergePatch` with the last-applied annotation).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import yaml

from clusters.sim.patching import STRATEGIC_MERGE_PATCH, apply_patch
from clusters.sim.patching_schema import PatchSchema, definition_name_for
from tests.patching.cases import PatchCase, value_at

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True)
class FieldCase:
    id: str
    definition: str
    field: str
    strategies: tuple[str, ...]
    merge_key: str


FIELD_CASES = [
    FieldCase("PodSpec.containers", "io.k8s.api.core.v1.PodSpec", "containers", ("merge",), "name"),
    FieldCase(
        "PodSpec.initContainers", "io.k8s.api.core.v1.PodSpec", "initContainers", ("merge",), "name"
    ),
    FieldCase(
        "PodSpec.ephemeralContainers",
        "io.k8s.api.core.v1.PodSpec",
        "ephemeralContainers",
        ("merge",),
        "name",
    ),
    FieldCase(
        "PodSpec.volumes", "io.k8s.api.core.v1.PodSpec", "volumes", ("merge", "retainKeys"), "name"
    ),
    FieldCase(
        "PodSpec.imagePullSecrets",
        "io.k8s.api.core.v1.PodSpec",
        "imagePullSecrets",
        ("merge",),
        "name",
    ),
    # Tolerations carry no patch strategy: a patch replaces the whole list.
    FieldCase("PodSpec.tolerations", "io.k8s.api.core.v1.PodSpec", "tolerations", (), ""),
    FieldCase(
        "Container.ports", "io.k8s.api.core.v1.Container", "ports", ("merge",), "containerPort"
    ),
    FieldCase("Container.env", "io.k8s.api.core.v1.Container", "env", ("merge",), "name"),
    FieldCase(
        "Container.volumeMounts",
        "io.k8s.api.core.v1.Container",
        "volumeMounts",
        ("merge",),
        "mountPath",
    ),
    FieldCase(
        "PodStatus.conditions", "io.k8s.api.core.v1.PodStatus", "conditions", ("merge",), "type"
    ),
    FieldCase(
        "DeploymentSpec.strategy",
        "io.k8s.api.apps.v1.DeploymentSpec",
        "strategy",
        ("retainKeys",),
        "",
    ),
    FieldCase(
        "ObjectMeta.finalizers",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        "finalizers",
        ("merge",),
        "",
    ),
]


@pytest.mark.parametrize("case", FIELD_CASES, ids=[c.id for c in FIELD_CASES])
def test_it_reads_patch_metadata_from_the_definitions(case: FieldCase) -> None:
    meta = PatchSchema.named(case.definition).field(case.field)
    assert meta.strategies == case.strategies
    assert meta.merge_key == case.merge_key


@pytest.mark.parametrize(
    ("kind", "api_version", "expected"),
    [
        ("Pod", "", "io.k8s.api.core.v1.Pod"),
        ("Deployment", "", "io.k8s.api.apps.v1.Deployment"),
        ("Event", "", "io.k8s.api.core.v1.Event"),
        ("Event", "events.k8s.io/v1", "io.k8s.api.events.v1.Event"),
        ("CronJob", "batch/v1", "io.k8s.api.batch.v1.CronJob"),
        ("LabWorld", "sim.pullpolicylabs.dev/v1", None),
    ],
)
def test_it_finds_the_definition_of_a_kind(kind: str, api_version: str, expected: str) -> None:
    assert definition_name_for(kind, api_version) == expected


POD = """
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: front}
  finalizers: [a.example/one, a.example/two]
spec:
  imagePullSecrets: [{name: regcred}]
  tolerations: [{key: k1, operator: Exists}]
  containers:
  - name: app
    image: lab/web:1.0
    imagePullPolicy: IfNotPresent
    ports: [{containerPort: 80, protocol: TCP}, {containerPort: 443, protocol: TCP}]
    env: [{name: A, value: "1"}, {name: B, value: "2"}]
    volumeMounts: [{name: data, mountPath: /data}]
  - name: sidecar
    image: lab/side:1.0
  volumes: [{name: data, emptyDir: {}}]
"""

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}
  template:
    spec:
      containers: [{name: app, image: lab/web:1.0}]
"""


PATCH_CASES = [
    PatchCase(
        "kubectl set image sends $setElementOrder and only the changed container",
        POD,
        {
            "spec": {
                "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
                "containers": [{"image": "lab/web:2.0", "name": "app"}],
            }
        },
        (
            ("spec.containers.0.image", "lab/web:2.0"),
            ("spec.containers.0.imagePullPolicy", "IfNotPresent"),
            ("spec.containers.0.ports.1.containerPort", 443),
            ("spec.containers.1", {"name": "sidecar", "image": "lab/side:1.0"}),
        ),
    ),
    PatchCase(
        "$setElementOrder reorders the containers",
        POD,
        {"spec": {"$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}]}},
        (("spec.containers.0.name", "sidecar"), ("spec.containers.1.name", "app")),
    ),
    PatchCase(
        "ports merge on containerPort",
        POD,
        {"spec": {"containers": [{"name": "app", "ports": [{"containerPort": 8080}]}]}},
        (
            ("spec.containers.0.ports.0.containerPort", 8080),
            ("spec.containers.0.ports.1.containerPort", 80),
            ("spec.containers.0.ports.2.containerPort", 443),
        ),
    ),
    PatchCase(
        "env merges on name and $patch: delete removes one variable",
        POD,
        {
            "spec": {
                "containers": [
                    {
                        "name": "app",
                        "env": [{"name": "B", "value": "3"}, {"name": "A", "$patch": "delete"}],
                    }
                ]
            }
        },
        (("spec.containers.0.env", [{"name": "B", "value": "3"}]),),
    ),
    PatchCase(
        "a container is deleted by its merge key",
        POD,
        {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}},
        (("spec.containers.0.name", "app"), ("spec.containers.1", None)),
    ),
    PatchCase(
        # A new element sorts before the live ones it has no position against (mergeSortedSlice).
        "imagePullSecrets merge on name, the new one first",
        POD,
        {"spec": {"imagePullSecrets": [{"name": "other"}]}},
        (("spec.imagePullSecrets", [{"name": "other"}, {"name": "regcred"}]),),
    ),
    PatchCase(
        "tolerations have no merge key, so the patch replaces them",
        POD,
        {"spec": {"tolerations": [{"key": "k2", "operator": "Exists"}]}},
        (("spec.tolerations", [{"key": "k2", "operator": "Exists"}]),),
    ),
    PatchCase(
        "$patch: replace in a list replaces the whole list",
        POD,
        {"spec": {"containers": [{"name": "only", "image": "x"}, {"$patch": "replace"}]}},
        (("spec.containers", [{"name": "only", "image": "x"}]),),
    ),
    PatchCase(
        "null deletes a label and a new one is added",
        POD,
        {"metadata": {"labels": {"tier": None, "track": "stable"}}},
        (("metadata.labels", {"app": "web", "track": "stable"}),),
    ),
    PatchCase(
        "$deleteFromPrimitiveList removes a finalizer",
        POD,
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a.example/one"]}},
        (("metadata.finalizers", ["a.example/two"]),),
    ),
    PatchCase(
        "kubectl apply Recreate: $retainKeys drops rollingUpdate (DeploymentStrategy retainKeys)",
        DEPLOYMENT,
        {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}},
        (("spec.strategy", {"type": "Recreate"}), ("spec.replicas", 2)),
    ),
    PatchCase(
        "kubectl apply switching a volume's source: $retainKeys in a volumes element",
        POD,
        {
            "spec": {
                "$setElementOrder/volumes": [{"name": "data"}],
                "volumes": [
                    {
                        "$retainKeys": ["configMap", "name"],
                        "configMap": {"name": "web-config"},
                        "name": "data",
                    }
                ],
            }
        },
        (("spec.volumes", [{"name": "data", "configMap": {"name": "web-config"}}]),),
    ),
    # k8s.io/kubectl/pkg/cmd/debug/debug.go: a two-way patch of the pod's ephemeralContainers,
    # sent to the ephemeralcontainers subresource.
    PatchCase(
        "kubectl debug adds an ephemeral container by its merge key",
        POD,
        {
            "spec": {
                "ephemeralContainers": [
                    {"name": "debugger-x7k2p", "image": "busybox", "stdin": True, "tty": True}
                ]
            }
        },
        (
            ("spec.ephemeralContainers.0.name", "debugger-x7k2p"),
            ("spec.containers.1.name", "sidecar"),
        ),
    ),
    # k8s.io/kubectl/pkg/polymorphichelpers/objectrestarter.go: `kubectl rollout restart`.
    PatchCase(
        "kubectl rollout restart stamps the pod template's annotations",
        DEPLOYMENT,
        {
            "spec": {
                "template": {
                    "metadata": {
                        "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-28T14:00:00Z"}
                    }
                }
            }
        },
        (
            (
                "spec.template.metadata.annotations",
                {"kubectl.kubernetes.io/restartedAt": "2026-11-28T14:00:00Z"},
            ),
            ("spec.template.spec.containers.0.image", "lab/web:1.0"),
        ),
    ),
]


@pytest.mark.parametrize("case", PATCH_CASES, ids=[c.id for c in PATCH_CASES])
def test_it_applies_what_kubectl_sends(case: PatchCase) -> None:
    obj = yaml.safe_load(case.obj)
    body = json.dumps(case.patch).encode()
    result = apply_patch(obj, body, STRATEGIC_MERGE_PATCH, obj["kind"])
    for path, expected in case.expect:
        assert value_at(result, path) == expected, path


def test_it_applies_kubectl_apply_of_a_changed_manifest() -> None:
    """`kubectl apply` after editing a manifest: new image, a label and an env var removed.

    The patch is what CreateThreeWayMergePatch yields for this change: the new last-applied
    annotation, `$setElementOrder` for each list it touches, null for a removed map key and a
    `$patch: delete` element for a removed list element. The server only applies it.
    """
    live = yaml.safe_load(POD)
    new_manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}}
    patch = {
        "metadata": {
            "annotations": {LAST_APPLIED: json.dumps(new_manifest) + "\n"},
            "labels": {"tier": None},
        },
        "spec": {
            "$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
            "containers": [
                {
                    "$setElementOrder/env": [{"name": "A"}],
                    "env": [{"$patch": "delete", "name": "B"}],
                    "image": "lab/web:1.1",
                    "name": "app",
                }
            ],
        },
    }
    result = apply_patch(live, json.dumps(patch), STRATEGIC_MERGE_PATCH, "Pod")
    app = result["spec"]["containers"][0]
    assert app["image"] == "lab/web:1.1"
    assert app["env"] == [{"name": "A", "value": "1"}]
    assert "$setElementOrder/env" not in app
    assert result["metadata"]["labels"] == {"app": "web"}
    assert json.loads(result["metadata"]["annotations"][LAST_APPLIED]) == new_manifest
    assert [c["name"] for c in result["spec"]["containers"]] == ["app", "sidecar"]
