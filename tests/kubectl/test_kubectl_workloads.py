"""Deployments with the real kubectl: apply, rollout status, set image, undo, get, describe."""

from __future__ import annotations

import re

import pytest

from tests.kubectl.conftest import Kubectl

pytestmark = pytest.mark.kubectl

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: lab/web:1.0}]
"""


def test_a_deployment_rolls_out_and_a_bad_image_stalls_until_undone(kubectl: Kubectl) -> None:
    assert kubectl.stdin(DEPLOYMENT, "apply").stdout == "deployment.apps/web created\n"
    status = kubectl("rollout", "status", "deployment/web", "--timeout=30s").stdout
    assert status.endswith('deployment "web" successfully rolled out\n')

    lines = kubectl("get", "deployment", "web").stdout.splitlines()
    assert lines[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert lines[1].split()[:4] == ["web", "2/2", "2", "2"]
    rs = kubectl("get", "rs", "-o", "wide").stdout.splitlines()
    assert rs[0].split() == [
        "NAME",
        "DESIRED",
        "CURRENT",
        "READY",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    assert rs[1].split()[1:4] == ["2", "2", "2"] and "pod-template-hash=" in rs[1]

    assert kubectl("set", "image", "deployment/web", "web=lab/web:9.9").stdout == (
        "deployment.apps/web image updated\n"
    )
    stalled = kubectl("rollout", "status", "deployment/web", "--timeout=4s", ok=False)
    assert stalled.returncode == 1
    waiting = 'Waiting for deployment "web" rollout to finish: 1 out of 2 new replicas'
    assert f"{waiting} have been updated..." in stalled.stdout
    pods = kubectl("get", "pods", "-l", "app=web").stdout
    assert pods.count("Running") == 2 and ("ErrImagePull" in pods or "ImagePullBackOff" in pods)

    assert (
        kubectl("rollout", "undo", "deployment/web").stdout == "deployment.apps/web rolled back\n"
    )
    assert kubectl("rollout", "status", "deployment/web", "--timeout=30s").stdout.endswith(
        'deployment "web" successfully rolled out\n'
    )
    described = kubectl("describe", "deployment", "web").stdout
    assert (
        "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable"
        in described
    )
    assert "Progressing    True    NewReplicaSetAvailable" in described
    assert "deployment-controller  Scaled up replica set web-" in described

    assert kubectl("delete", "deployment", "web").stdout.startswith('deployment.apps "web" deleted')


def test_typed_create_commands_send_protobuf_and_work(kubectl: Kubectl) -> None:
    assert kubectl(
        "create", "deployment", "typed", "--image=lab/web:1.0", "--replicas=1"
    ).stdout == ("deployment.apps/typed created\n")
    assert (
        kubectl("scale", "deployment", "typed", "--replicas=2").stdout
        == "deployment.apps/typed scaled\n"
    )
    replicas = kubectl("get", "deployment", "typed", "-o", "jsonpath={.spec.replicas}").stdout
    assert replicas == "2"
    created = kubectl(
        "create",
        "secret",
        "docker-registry",
        "regcred",
        "--docker-server=docker.io",
        "--docker-username=u",
        "--docker-password=p",
    ).stdout
    assert created == "secret/regcred created\n"
    secret_type = kubectl("get", "secret", "regcred", "-o", "jsonpath={.type}").stdout
    assert secret_type == "kubernetes.io/dockerconfigjson"
    assert kubectl("create", "namespace", "team-b").stdout == "namespace/team-b created\n"
    kubectl("delete", "deployment", "typed")


def test_drain_evicts_and_the_deployment_moves_to_the_other_node(kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "moving", "--image=lab/web:1.0", "--replicas=2")
    kubectl("rollout", "status", "deployment/moving", "--timeout=30s")
    drained = kubectl("drain", "node-1", "--ignore-daemonsets").stdout
    assert drained.startswith("node/node-1 cordoned\n") and drained.endswith(
        "node/node-1 drained\n"
    )
    kubectl("rollout", "status", "deployment/moving", "--timeout=30s")
    nodes = kubectl(
        "get", "pods", "-l", "app=moving", "-o", "jsonpath={.items[*].spec.nodeName}"
    ).stdout
    assert nodes.split() == ["node-2", "node-2"]
    assert "Ready,SchedulingDisabled" in kubectl("get", "node", "node-1").stdout
    # The node lifecycle controller's doNoScheduleTaintingPass taints a cordoned node.
    described = kubectl("describe", "node", "node-1").stdout
    assert re.search(r"^Taints:\s+node.kubernetes.io/unschedulable:NoSchedule$", described, re.M)
    assert re.search(r"^Unschedulable:\s+true$", described, re.M)
    assert kubectl("uncordon", "node-1").stdout == "node/node-1 uncordoned\n"
    described = kubectl("describe", "node", "node-1").stdout
    assert re.search(r"^Taints:\s+<none>$", described, re.M), described
    kubectl("delete", "deployment", "moving")


def test_expose_and_get_services(kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "exposed", "--image=lab/web:1.0")
    assert (
        kubectl("expose", "deployment", "exposed", "--port=80").stdout
        == "service/exposed exposed\n"
    )
    assert (
        kubectl("create", "service", "nodeport", "np", "--tcp=80:8080").stdout
        == "service/np created\n"
    )
    lines = kubectl("get", "svc").stdout.splitlines()
    assert lines[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    rows = {line.split()[0]: line.split()[1:5] for line in lines[1:]}
    assert rows["exposed"][0] == "ClusterIP" and rows["exposed"][3] == "80/TCP"
    assert rows["np"][0] == "NodePort" and rows["np"][3].startswith("80:")
    kubectl("delete", "deployment", "exposed")


VAP = """apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: always-pull}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}
  validations:
  - expression: "object.spec.containers.all(c, c.imagePullPolicy == 'Always')"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: always-pull-binding}
spec:
  policyName: always-pull
  validationActions: [Deny]
"""


def test_a_validating_admission_policy_refuses_a_probe_pod(kubectl: Kubectl) -> None:
    created = kubectl.stdin(VAP, "apply").stdout
    assert "validatingadmissionpolicy.admissionregistration.k8s.io/always-pull created" in created
    probe = kubectl(
        "run",
        "probe",
        "--image=lab/web:1.0",
        "--image-pull-policy=IfNotPresent",
        "--dry-run=server",
        ok=False,
    )
    assert probe.returncode == 1
    assert (
        "ValidatingAdmissionPolicy 'always-pull' with binding 'always-pull-binding' denied "
        "request: failed expression: object.spec.containers.all(c, c.imagePullPolicy == 'Always')"
    ) in probe.stderr
    allowed = kubectl(
        "run", "probe", "--image=lab/web:1.0", "--image-pull-policy=Always", "--dry-run=server"
    )
    assert allowed.stdout == "pod/probe created (server dry run)\n"
    kubectl("delete", "validatingadmissionpolicybinding", "always-pull-binding")
    kubectl("delete", "validatingadmissionpolicy", "always-pull")
