"""What a real kubectl v1.35 sends as PATCH, applied by `apply_patch`.

`set image`, `apply` of a changed manifest, `patch --type=json|merge` and `apply --server-side`
against the throwaway server (tests/openapi/throwaway_server.py), which keeps the object and
answers each PATCH with `apply_patch`'s result or its `Status`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.openapi.throwaway_server import OpenAPIServer, RunKubectl

pytestmark = pytest.mark.kubectl

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {{app: web, tier: front}}
spec:
  containers:
  - name: app
    image: {image}
    imagePullPolicy: IfNotPresent
    env: [{env}]
  - name: sidecar
    image: lab/side:1.0
"""

FIRST = POD.format(image="lab/web:1.0", env="{name: A, value: '1'}, {name: B, value: '2'}")


@pytest.fixture
def web_pod(run_kubectl: RunKubectl, openapi_server: OpenAPIServer, tmp_path: Path) -> Path:
    """The pod `web`, created with `kubectl apply` (so it carries the last-applied annotation)."""
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(FIRST)
    created = run_kubectl("apply", "-f", str(manifest))
    assert created.stdout.strip() == "pod/web created", created.stderr
    return manifest


def test_set_image_changes_one_container(
    run_kubectl: RunKubectl, openapi_server: OpenAPIServer, web_pod: Path
) -> None:
    result = run_kubectl("set", "image", "pod/web", "app=lab/web:2.0")
    assert result.stdout.strip() == "pod/web image updated", result.stderr
    content_type, body = openapi_server.patches[-1]
    assert content_type == "application/strategic-merge-patch+json"
    assert json.loads(body)["spec"]["$setElementOrder/containers"] == [
        {"name": "app"},
        {"name": "sidecar"},
    ]
    containers = openapi_server.objects["pods/web"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("app", "lab/web:2.0"),
        ("sidecar", "lab/side:1.0"),
    ]
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]


def test_apply_of_a_changed_manifest_sends_a_three_way_patch(
    run_kubectl: RunKubectl, openapi_server: OpenAPIServer, web_pod: Path
) -> None:
    web_pod.write_text(
        POD.format(image="lab/web:1.1", env="{name: A, value: '1'}").replace(", tier: front", "")
    )
    result = run_kubectl("apply", "-f", str(web_pod))
    assert result.stdout.strip() == "pod/web configured", result.stderr
    content_type, body = openapi_server.patches[-1]
    assert content_type == "application/strategic-merge-patch+json"
    patch = json.loads(body)
    assert patch["metadata"]["labels"] == {"tier": None}
    assert {"$patch": "delete", "name": "B"} in patch["spec"]["containers"][0]["env"]
    pod = openapi_server.objects["pods/web"]
    assert pod["metadata"]["labels"] == {"app": "web"}
    assert pod["spec"]["containers"][0]["image"] == "lab/web:1.1"
    assert pod["spec"]["containers"][0]["env"] == [{"name": "A", "value": "1"}]
    last_applied = pod["metadata"]["annotations"][
        "kubectl.kubernetes.io/last-applied-configuration"
    ]
    assert json.loads(last_applied)["spec"]["containers"][0]["image"] == "lab/web:1.1"


def test_patch_type_merge_and_json(
    run_kubectl: RunKubectl, openapi_server: OpenAPIServer, web_pod: Path
) -> None:
    merge = '{"metadata":{"labels":{"tier":"back"}}}'
    result = run_kubectl("patch", "pod", "web", "--type=merge", "-p", merge)
    assert result.stdout.strip() == "pod/web patched", result.stderr
    ops = '[{"op":"replace","path":"/spec/containers/1/image","value":"lab/side:2.0"}]'
    result = run_kubectl("patch", "pod", "web", "--type=json", "-p", ops)
    assert result.stdout.strip() == "pod/web patched", result.stderr
    assert [c for c, _ in openapi_server.patches[-2:]] == [
        "application/merge-patch+json",
        "application/json-patch+json",
    ]
    pod = openapi_server.objects["pods/web"]
    assert pod["metadata"]["labels"]["tier"] == "back"
    assert pod["spec"]["containers"][1]["image"] == "lab/side:2.0"


def test_a_json_patch_that_does_not_apply_is_refused_in_kubectls_words(
    run_kubectl: RunKubectl, openapi_server: OpenAPIServer, web_pod: Path
) -> None:
    ops = '[{"op":"remove","path":"/spec/nodeName"}]'
    result = run_kubectl("patch", "pod", "web", "--type=json", "-p", ops)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "The request is invalid: the server rejected our request due to an error in our request"
    )


def test_apply_server_side(
    run_kubectl: RunKubectl, openapi_server: OpenAPIServer, web_pod: Path
) -> None:
    web_pod.write_text(FIRST.replace("lab/web:1.0", "lab/web:3.0"))
    result = run_kubectl("apply", "--server-side", "-f", str(web_pod))
    assert result.stdout.strip() == "pod/web serverside-applied", result.stderr
    assert openapi_server.patches[-1][0] == "application/apply-patch+yaml"
    assert openapi_server.objects["pods/web"]["spec"]["containers"][0]["image"] == "lab/web:3.0"
