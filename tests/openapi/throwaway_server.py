"""A real kubectl v1.35, and a throwaway API server built on the modules under test.

The server serves the OpenAPI documents, minimal discovery, and pods and deployments kept in a
dict: create (with `fieldValidation` Strict or Warn), get, and patch through `apply_patch`. It
is not the simulated cluster (tests/kubectl/ drives that), only enough of an API server for
kubectl to reach the documents and the patch code. The test folders that use it import its
fixtures in their conftest.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clusters.apiserver.openapi import openapi_v3_document_bytes, openapi_v3_root
from clusters.apiserver.openapi_fields import StrictDecodingError, decode_fields
from clusters.sim.patching import APPLY_PATCH, PatchError, apply_patch
from scripts.install_kubectl import install


@pytest.fixture(scope="session")
def kubectl() -> Path:
    """The pinned kubectl v1.35, put in the venv by scripts/install_kubectl.py (a no-op when
    `make test-deps` already did it)."""
    return install(Path(sys.executable).parent)


def _not_found() -> JSONResponse:
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    return JSONResponse({**status, "reason": "NotFound", "code": 404}, status_code=404)


_RESOURCE = {"namespaced": True, "verbs": ["create", "get", "patch"]}
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
    # Each PATCH received, as (Content-Type, body): what kubectl sent.
    patches: list[tuple[str, bytes]] = field(default_factory=list)
    objects: dict[str, dict] = field(default_factory=dict)


# collection -> (apiVersion, kind)
_COLLECTIONS = {"pods": ("v1", "Pod"), "deployments": ("apps/v1", "Deployment")}


def _status(code: int, reason: str, message: str) -> JSONResponse:
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    body = {**status, "message": message, "reason": reason, "code": code}
    return JSONResponse(body, status_code=code)


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
        *_, collection, name = ["", ""] + path.strip("/").split("/")
        if request.method == "POST" and name in _COLLECTIONS:
            return _create(server, request, name, await request.json())
        if collection not in _COLLECTIONS:
            return _not_found()
        key = f"{collection}/{name}"
        if request.method == "GET":
            found = server.objects.get(key)
            return JSONResponse(found) if found else _status(404, "NotFound", f"{key} not found")
        return await _patch(server, request, key, collection)

    return Starlette(routes=[Route("/{rest:path}", handle, methods=["GET", "POST", "PATCH"])])


def _create(server: OpenAPIServer, request: Request, collection: str, obj: dict) -> JSONResponse:
    try:
        obj, warnings = decode_fields(obj, obj["kind"], request.query_params.get("fieldValidation"))
    except StrictDecodingError as error:
        return JSONResponse(error.status(), status_code=400)
    if request.query_params.get("dryRun") != "All":
        server.objects[f"{collection}/{obj['metadata']['name']}"] = obj
    response = JSONResponse(obj, status_code=201)
    for warning in warnings:
        response.headers.append("Warning", warning)
    return response


async def _patch(server: OpenAPIServer, request: Request, key: str, collection: str) -> Response:
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    server.patches.append((content_type, body))
    api_version, kind = _COLLECTIONS[collection]
    live = server.objects.get(key)
    if live is None and not content_type.startswith(APPLY_PATCH):
        return _status(404, "NotFound", f"{key} not found")
    try:
        patched = apply_patch(live or {"apiVersion": api_version}, body, content_type, kind)
    except PatchError as error:
        return JSONResponse(error.status(), status_code=error.code)
    server.objects[key] = patched
    return JSONResponse(patched)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
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


RunKubectl = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def run_kubectl(kubectl: Path, openapi_server: OpenAPIServer) -> RunKubectl:
    """Runs the pinned kubectl against the throwaway server, with its own HOME (so no cache)."""

    def run(*args: str) -> subprocess.CompletedProcess:
        env = {
            "KUBECONFIG": str(openapi_server.kubeconfig),
            "HOME": str(openapi_server.kubeconfig.parent),
        }
        return subprocess.run(
            [str(kubectl), *args], capture_output=True, text=True, env=env, timeout=60
        )

    return run
