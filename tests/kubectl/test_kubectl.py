"""Lab 1 played with the real kubectl; outputs are compared with kubectl's real formats."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.kubectl.conftest import Kubectl

pytestmark = pytest.mark.kubectl
LAB1 = [
    ("p-always", "Always", "node-1"),
    ("p-ifnp", "IfNotPresent", "node-1"),
    ("p-never", "Never", "node-1"),
    ("p-never-2", "Never", "node-2"),
]


@pytest.fixture(scope="module")
def lab1(kubectl: Kubectl) -> Kubectl:
    for name, policy, node in LAB1:
        out = kubectl(
            "run",
            name,
            "--image=lab/web:1.0",
            f"--image-pull-policy={policy}",
            "--overrides",
            f'{{"spec": {{"nodeName": "{node}"}}}}',
        ).stdout
        assert out == f"pod/{name} created\n"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        phases = kubectl("get", "pods", "-o", "jsonpath={.items[*].status.phase}").stdout.split()
        if phases.count("Running") == 3:
            break
        time.sleep(0.2)
    return kubectl


def test_it_is_the_pinned_version(kubectl_binary: Path) -> None:
    from install_kubectl import KUBECTL_VERSION

    out = subprocess.run(
        [str(kubectl_binary), "version", "--client"], capture_output=True, text=True
    ).stdout
    assert f"Client Version: {KUBECTL_VERSION}" in out


def test_get_pods_shows_the_waiting_reason_in_status(lab1: Kubectl) -> None:
    lines = lab1("get", "pods").stdout.splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = {line.split()[0]: line.split()[1:4] for line in lines[1:]}
    assert rows == {
        "p-always": ["1/1", "Running", "0"],
        "p-ifnp": ["1/1", "Running", "0"],
        "p-never": ["1/1", "Running", "0"],
        "p-never-2": ["0/1", "ErrImageNeverPull", "0"],
    }


def test_get_pods_wide_adds_ip_and_node(lab1: Kubectl) -> None:
    lines = lab1("get", "pods", "-o", "wide").stdout.splitlines()
    assert lines[0].split() == [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
        "NOMINATED",
        "NODE",
        "READINESS",
        "GATES",
    ]
    never_2 = next(line.split() for line in lines if line.startswith("p-never-2"))
    assert never_2[5].startswith("10.244.2.") and never_2[6:] == ["node-2", "<none>", "<none>"]


def test_describe_shows_the_reason_and_the_kubelets_events(lab1: Kubectl) -> None:
    out = lab1("describe", "pod", "p-never-2").stdout
    assert "Node:             node-2/172.18.0.3" in out
    assert "    State:          Waiting\n      Reason:       ErrImageNeverPull" in out
    assert "Image:          lab/web:1.0" in out
    events = out.split("Events:")[1]
    assert "Warning  ErrImageNeverPull" in events
    assert 'Container image "lab/web:1.0" is not present with pull policy of Never' in events
    assert "Error: ErrImageNeverPull" in events
    always = lab1("describe", "pod", "p-always").stdout.split("Events:")[1]
    assert 'Pulling image "lab/web:1.0"' in always
    assert (
        'Successfully pulled image "lab/web:1.0" in 300ms (300ms including waiting). '
        "Image size: 7340032 bytes." in always
    )
    ifnp = lab1("describe", "pod", "p-ifnp").stdout.split("Events:")[1]
    assert "already present on machine" in ifnp and "Pulling" not in ifnp


def test_run_keeps_the_policy_given_and_the_server_defaults_the_rest(kubectl: Kubectl) -> None:
    kubectl("run", "explicit", "--image=nginx", "--image-pull-policy=Never")
    kubectl("run", "defaulted", "--image=nginx:1.27")
    policy = "jsonpath={.spec.containers[0].imagePullPolicy}"
    assert kubectl("get", "pod", "explicit", "-o", policy).stdout == "Never"
    assert kubectl("get", "pod", "defaulted", "-o", policy).stdout == "IfNotPresent"
    assert (
        kubectl("run", "bad", "--image=nginx", "--image-pull-policy=always", ok=False).returncode
        != 0
    )


def test_an_invalid_policy_reaches_the_user_in_the_api_servers_words(kubectl: Kubectl) -> None:
    manifest = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: typo}\nspec:\n  containers:\n"
        "  - {name: web, image: lab/web:1.0, imagePullPolicy: always}\n"
    )
    result = subprocess.run(
        [str(kubectl.binary), "--kubeconfig", str(kubectl.kubeconfig), "create", "-f", "-"],
        input=manifest,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        'The Pod "typo" is invalid: spec.containers[0].imagePullPolicy: '
        'Unsupported value: "always": '
        'supported values: "Always", "IfNotPresent", "Never"'
    ) in result.stderr


def test_delete_waits_until_the_pod_is_gone(kubectl: Kubectl) -> None:
    kubectl(
        "run",
        "short-lived",
        "--image=lab/web:1.0",
        "--image-pull-policy=IfNotPresent",
        "--overrides",
        '{"spec": {"nodeName": "node-1"}}',
    )
    time.sleep(1.5)
    out = kubectl("delete", "pod", "short-lived").stdout
    assert out.startswith('pod "short-lived" deleted')
    missing = kubectl("get", "pod", "short-lived", ok=False)
    assert missing.returncode == 1
    assert 'pods "short-lived" not found' in missing.stderr


def test_get_nodes_and_events(lab1: Kubectl) -> None:
    nodes = lab1("get", "nodes").stdout.splitlines()
    assert nodes[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [line.split()[:3] for line in nodes[1:]] == [
        ["node-1", "Ready", "<none>"],
        ["node-2", "Ready", "<none>"],
    ]
    events = lab1(
        "get", "events", "--field-selector", "involvedObject.name=p-ifnp"
    ).stdout.splitlines()
    assert events[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert [line.split()[2] for line in events[1:]] == ["Pulled", "Created", "Started"]


def test_logs(lab1: Kubectl) -> None:
    assert "listening on :8080" in lab1("logs", "p-ifnp").stdout


TYPO = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: typo-field}\nspec:\n  containers:\n"
    "  - {name: web, image: lab/web:1.0, imagePullPolice: IfNotPresent}\n"
)


def test_a_misspelt_field_is_refused_by_server_side_validation(kubectl: Kubectl) -> None:
    result = kubectl.stdin(TYPO, "apply")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" '
        "cannot be handled as a Pod: strict decoding error: "
        'unknown field "spec.containers[0].imagePullPolice"'
    )
    warned = kubectl.stdin(TYPO, "create", "--validate=warn")
    assert warned.returncode == 0
    assert 'Warning: unknown field "spec.containers[0].imagePullPolice"' in warned.stderr


BAD_CPU = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: bad-cpu}\nspec:\n  containers:\n"
    "  - {name: web, image: lab/web:1.0, resources: {requests: {cpu: abc}}}\n"
)


def test_a_malformed_quantity_is_refused_by_the_decoder(kubectl: Kubectl) -> None:
    """Quantity.UnmarshalJSON's ParseQuantity error (apimachinery resource/quantity.go
    ErrFormatWrong), wrapped by handlers/rest.go transformDecodeError: a 400 kubectl prints."""
    result = kubectl.stdin(BAD_CPU, "create")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" '
        "cannot be handled as a Pod: quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )
    assert kubectl("get", "pod", "bad-cpu", ok=False).returncode == 1


def test_apply_creates_then_configures_and_set_image_patches(kubectl: Kubectl) -> None:
    manifest = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: applied, labels: {app: web}}\nspec:\n"
        "  nodeName: node-1\n  containers:\n  - {name: web, image: lab/web:1.0}\n"
    )
    assert kubectl.stdin(manifest, "apply").stdout == "pod/applied created\n"
    assert (
        kubectl.stdin(manifest.replace("app: web", "app: front"), "apply").stdout
        == "pod/applied configured\n"
    )
    assert (
        kubectl("set", "image", "pod/applied", "web=lab/web:2.0").stdout
        == "pod/applied image updated\n"
    )
    container = "{.spec.containers[0].image} {.spec.containers[0].imagePullPolicy}"
    fields = "jsonpath={.metadata.labels.app} " + container
    # the policy was defaulted once, at creation, from the 1.0 tag, and stays
    assert kubectl("get", "pod", "applied", "-o", fields).stdout == "front lab/web:2.0 IfNotPresent"


def test_get_watch_prints_rows_as_the_pod_changes(kubectl: Kubectl) -> None:
    kubectl(
        "run",
        "watched",
        "--image=lab/web:1.0",
        "--image-pull-policy=Never",
        "--overrides",
        '{"spec": {"nodeName": "node-2"}}',
    )
    out = kubectl(
        "get", "pod", "watched", "-w", "--request-timeout=3s", ok=False
    ).stdout.splitlines()
    assert out[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert out[-1].split()[:3] == ["watched", "0/1", "ErrImageNeverPull"]


def test_debug_adds_ephemeral_containers_with_their_own_pull_policy(lab1: Kubectl) -> None:
    """Brief L15.2: `kubectl debug --image-pull-policy=Never` on a node without the image.

    Keep this test last in the module: dbg-2's pull puts lab/web:1.0 on node-2, after which the
    kubelet's next retry starts p-never-2 as well.
    """
    lab1(
        "debug",
        "pod/p-never-2",
        "--image=lab/web:1.0",
        "--image-pull-policy=Never",
        "--container=dbg-1",
    )
    lab1(
        "debug",
        "pod/p-never-2",
        "--image=lab/web:1.0",
        "--image-pull-policy=IfNotPresent",
        "--container=dbg-2",
    )
    time.sleep(2.5)
    states = lab1(
        "get",
        "pod",
        "p-never-2",
        "-o",
        'jsonpath={range .status.ephemeralContainerStatuses[*]}{.name}={.state}{"\\n"}{end}',
    ).stdout
    rows = dict(line.split("=", 1) for line in states.splitlines())
    assert "running" in rows["dbg-2"]
    events = lab1("describe", "pod", "p-never-2").stdout.split("Events:")[1]
    assert (
        'spec.ephemeralContainers{dbg-1}: Container image "lab/web:1.0" is not present with pull '
        "policy of Never"
    ) in events


@pytest.mark.parametrize(
    ("resources", "qos"),
    [
        pytest.param("{limits: {cpu: 100m, memory: 64Mi}}", "Guaranteed",
                     id="qos.go ComputePodQOS: limits alone (requests defaulted) are Guaranteed"),
        pytest.param("{requests: {cpu: 100m}}", "Burstable",
                     id="qos.go ComputePodQOS: a request without a limit is Burstable"),
        pytest.param("{}", "BestEffort", id="qos.go ComputePodQOS: nothing set is BestEffort"),
    ],
)  # fmt: skip
def test_describe_prints_the_qos_class_the_server_computed(
    kubectl: Kubectl, resources: str, qos: str
) -> None:
    """kubectl describe prints `QoS Class:` from status.qosClass (describe.go describePod)."""
    name = f"qos-{qos.lower()}"
    manifest = (
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  nodeName: node-1\n"
        f"  containers:\n  - {{name: web, image: lab/web:1.0, resources: {resources}}}\n"
    )
    assert kubectl.stdin(manifest, "create").returncode == 0
    assert kubectl("get", "pod", name, "-o", "jsonpath={.status.qosClass}").stdout == qos
    described = kubectl("describe", "pod", name).stdout
    assert re.search(rf"^QoS Class:\s+{qos}$", described, re.MULTILINE), described
    kubectl("delete", "pod", name, "--wait=false")
