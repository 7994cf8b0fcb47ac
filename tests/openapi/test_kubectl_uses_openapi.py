"""A real kubectl v1.35 reads the documents: `explain` answers and `apply` validates.

kubectl's own validation is never turned off here (no `--validate=false`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.openapi.throwaway_server import OpenAPIServer, RunKubectl

pytestmark = pytest.mark.kubectl

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: lab/web:1.0
    {policy_field}: IfNotPresent
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 25%}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: lab/web:1.0
        resources: {limits: {cpu: 500m, memory: 1Gi}}
"""


def _manifest(tmp_path: Path, text: str) -> str:
    path = tmp_path / "manifest.yaml"
    path.write_text(text)
    return str(path)


# `kubectl explain pod.spec.containers.imagePullPolicy` on a real v1.35 cluster.
# kubectl prints a paragraph break inside a description as a line of four spaces.
REAL_EXPLAIN_IMAGE_PULL_POLICY = "\n".join(
    [
        "KIND:       Pod",
        "VERSION:    v1",
        "",
        "FIELD: imagePullPolicy <string>",
        "ENUM:",
        "    Always",
        "    IfNotPresent",
        "    Never",
        "",
        "DESCRIPTION:",
        "    Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if",
        "    :latest tag is specified, or IfNotPresent otherwise. Cannot be updated. More",
        "    info: https://kubernetes.io/docs/concepts/containers/images#updating-images",
        "    ",
        "    Possible enum values:",
        '     - `"Always"` means that kubelet always attempts to pull the latest image.',
        "    Container will fail If the pull fails.",
        '     - `"IfNotPresent"` means that kubelet pulls if the image isn\'t present on',
        "    disk. Container will fail if the image isn't present and the pull fails.",
        '     - `"Never"` means that kubelet never pulls an image, but only uses a local',
        "    image. Container will fail if the image isn't present",
        "    ",
        "",
        "",
    ]
)


def test_explain_prints_what_a_real_cluster_prints(
    run_kubectl: RunKubectl, openapi_server: OpenAPIServer
) -> None:
    result = run_kubectl("explain", "pod.spec.containers.imagePullPolicy")
    assert result.returncode == 0, result.stderr
    assert result.stdout == REAL_EXPLAIN_IMAGE_PULL_POLICY
    assert any(r.startswith("GET /openapi/v3/api/v1?hash=") for r in openapi_server.requests)


def test_explain_walks_a_group_kind(run_kubectl: RunKubectl, openapi_server: OpenAPIServer) -> None:
    result = run_kubectl("explain", "deployment.spec.strategy.rollingUpdate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1")
    assert "maxSurge\t<IntOrString>" in result.stdout


def test_explain_of_a_missing_field_says_so(
    run_kubectl: RunKubectl, openapi_server: OpenAPIServer
) -> None:
    result = run_kubectl("explain", "pod.spec.containers.imagePullPolicyy")
    assert result.returncode != 0
    assert 'field "imagePullPolicyy" does not exist' in result.stderr


@pytest.mark.parametrize("manifest", [POD.format(policy_field="imagePullPolicy"), DEPLOYMENT])
def test_apply_dry_run_client_accepts_a_valid_manifest(
    run_kubectl: RunKubectl, openapi_server: OpenAPIServer, tmp_path: Path, manifest: str
) -> None:
    result = run_kubectl("apply", "--dry-run=client", "-f", _manifest(tmp_path, manifest))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("web created (dry run)")


def test_apply_sends_strict_field_validation_and_shows_the_servers_refusal(
    run_kubectl: RunKubectl, openapi_server: OpenAPIServer, tmp_path: Path
) -> None:
    """The documents advertise `fieldValidation` on PATCH, as a v1.35 API server does, so
    kubectl asks the server to validate (k8s.io/kubectl/pkg/cmd/util/factory_client_access.go,
    `Validator`, through `NewParamVerifyingSchema`), and prints the server's message."""
    path = _manifest(tmp_path, POD.format(policy_field="imagePullPolicyy"))
    result = run_kubectl("apply", "-f", path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f'Error from server (BadRequest): error when creating "{path}": Pod in version "v1" '
        "cannot be handled as a Pod: strict decoding error: "
        'unknown field "spec.containers[0].imagePullPolicyy"'
    )
    creates = [
        r for r in openapi_server.requests if r.startswith("POST /api/v1/namespaces/lab/pods")
    ]
    assert "fieldValidation=Strict" in creates[-1]


def test_apply_with_validate_warn_prints_the_servers_warning(
    run_kubectl: RunKubectl, openapi_server: OpenAPIServer, tmp_path: Path
) -> None:
    """`--validate=warn` sends `fieldValidation=Warn`: the server drops the field and says so in
    a `Warning` header, which kubectl prints only if it is in the RFC 7234 form upstream uses."""
    path = _manifest(tmp_path, POD.format(policy_field="imagePullPolicyy"))
    result = run_kubectl("apply", "--validate=warn", "-f", path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ('Warning: unknown field "spec.containers[0].imagePullPolicyy"')
    assert result.stdout.strip() == "pod/web created"
    stored = openapi_server.objects["pods/web"]["spec"]["containers"][0]
    assert "imagePullPolicyy" not in stored


def test_apply_dry_run_client_leaves_unknown_fields_to_the_server(
    run_kubectl: RunKubectl, openapi_server: OpenAPIServer, tmp_path: Path
) -> None:
    """What a real v1.35 cluster shows too: with server-side field validation advertised,
    a client-side dry run sends nothing, so nothing checks the typo."""
    path = _manifest(tmp_path, POD.format(policy_field="imagePullPolicyy"))
    result = run_kubectl("apply", "--dry-run=client", "-f", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pod/web created (dry run)"
