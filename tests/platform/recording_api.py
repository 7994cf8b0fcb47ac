"""A small HTTP endpoint that answers like a Kubernetes API server and records each request.

No cluster runs here. The official client's calls are still real HTTP, so recording them shows
what would reach a cluster: 201 for a create, 409 AlreadyExists when told so, 200 for a
replace, 404 for a delete, and a token for a TokenRequest.
"""

import json
from http.server import ThreadingHTTPServer

from clusters.realcluster.jsonhttp import QuietJSONHandler


class RecordingAPI(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str, dict]] = []
        self.existing: set[str] = set()  # POST paths + names that answer 409


class _Handler(QuietJSONHandler):
    server: RecordingAPI

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
