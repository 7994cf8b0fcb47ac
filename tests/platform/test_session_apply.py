"""apply_session and learner_kubeconfig speak the Kubernetes API through the official client.

No cluster runs here, so a small HTTP endpoint records what the client sends and answers the
way an API server does: 201 for a create, 409 AlreadyExists when told so, 200 for a replace.
"""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from kubernetes import client

from clusters.kube import api_client_from_kubeconfig
from clusters.realcluster.session import apply_session, delete_session, learner_kubeconfig

SESSION = "s-1"


class RecordingAPI(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str, dict]] = []
        self.existing: set[str] = set()  # POST paths + names that answer 409


class _Handler(BaseHTTPRequestHandler):
    server: RecordingAPI

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length)) if length else {}

    def do_POST(self) -> None:
        body = self._body()
        self.server.requests.append(("POST", self.path, body))
        if self.path.endswith("/token"):
            self._answer(201, {**body, "status": {"token": "learner-token"}})
        elif f"{self.path}/{body['metadata']['name']}" in self.server.existing:
            self._answer(409, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                               "reason": "AlreadyExists", "code": 409})  # fmt: skip
        else:
            self._answer(201, body)

    def do_PUT(self) -> None:
        body = self._body()
        self.server.requests.append(("PUT", self.path, body))
        self._answer(200, body)

    def do_DELETE(self) -> None:
        self.server.requests.append(("DELETE", self.path, {}))
        self._answer(404, {"kind": "Status", "apiVersion": "v1", "code": 404})


@pytest.fixture
def api_server() -> Iterator[RecordingAPI]:
    server = RecordingAPI()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def api(api_server: RecordingAPI) -> Iterator[client.ApiClient]:
    configuration = client.Configuration(host=f"http://127.0.0.1:{api_server.server_port}")
    with client.ApiClient(configuration) as api_client:
        yield api_client


def test_apply_creates_the_namespace_first_then_its_objects(api_server, api):
    apply_session(api, SESSION)
    assert [(method, path) for method, path, _ in api_server.requests] == [
        ("POST", "/api/v1/namespaces"),
        ("POST", f"/api/v1/namespaces/{SESSION}/serviceaccounts"),
        ("POST", f"/apis/rbac.authorization.k8s.io/v1/namespaces/{SESSION}/roles"),
        ("POST", f"/apis/rbac.authorization.k8s.io/v1/namespaces/{SESSION}/rolebindings"),
        ("POST", f"/api/v1/namespaces/{SESSION}/resourcequotas"),
        ("POST", f"/api/v1/namespaces/{SESSION}/limitranges"),
        ("POST", f"/apis/networking.k8s.io/v1/namespaces/{SESSION}/networkpolicies"),
    ]
    namespace = api_server.requests[0][2]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"


def test_apply_again_replaces_what_exists(api_server, api):
    api_server.existing = {
        "/api/v1/namespaces/s-1",
        f"/api/v1/namespaces/{SESSION}/serviceaccounts/learner",
    }
    apply_session(api, SESSION)
    replaced = [path for method, path, _ in api_server.requests if method == "PUT"]
    assert replaced == [
        "/api/v1/namespaces/s-1",
        f"/api/v1/namespaces/{SESSION}/serviceaccounts/learner",
    ]


def test_deleting_a_gone_session_is_fine(api_server, api):
    delete_session(api, SESSION)
    assert api_server.requests == [("DELETE", f"/api/v1/namespaces/{SESSION}", {})]


def test_the_learner_kubeconfig_carries_a_bound_token_for_the_session(api_server, api, tmp_path):
    ca = tmp_path / "ca.crt"
    ca.write_bytes(b"-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n")
    api.configuration.ssl_ca_cert = str(ca)
    kubeconfig = learner_kubeconfig(api, SESSION, expiration_seconds=3600)
    method, path, body = api_server.requests[0]
    assert (method, path) == ("POST", f"/api/v1/namespaces/{SESSION}/serviceaccounts/learner/token")
    assert body["spec"]["expirationSeconds"] == 3600
    assert kubeconfig["users"][0]["user"] == {"token": "learner-token"}
    assert kubeconfig["contexts"][0]["context"]["namespace"] == SESSION
    assert kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"].startswith("LS0t")
    # The platform's own loader accepts it (the same path the learner's actions take).
    assert (
        api_client_from_kubeconfig(yaml.safe_dump(kubeconfig)).configuration.host
        == api.configuration.host
    )
