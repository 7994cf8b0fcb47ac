"""A token server so the registry authenticates the way Docker Hub does (bearer tokens).

With htpasswd a registry answers 401 directly. Docker Hub instead sends clients to a token
server, grants each token a list of `access` scopes, and answers a token without the needed
scope with `insufficient_scope`. containerd then prints the familiar "pull access denied,
repository does not exist or may require authorization". To record that text from real
software, distribution runs in token mode (`auth.token`) and this server issues the tokens:

- anonymous clients get `pull` on public repositories, nothing else;
- the right username and password also get `pull` on private repositories;
- a wrong password gets 401 from the token server, as Docker Hub's does.

Tokens are ES256 JWTs signed with openssl, carrying the certificate in `x5c`, which is how
distribution verifies them against `rootcertbundle` (distribution registry/auth/token).
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from clusters.realcluster import processes
from clusters.realcluster.faultproxy import TLSFiles, self_signed_certificate
from clusters.realcluster.jsonhttp import QuietJSONHandler
from clusters.realcluster.registry import Credentials

ISSUER = "pull-policy-labs-token-issuer"
SERVICE = "pull-policy-labs-registry"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _der_to_jose(signature: bytes) -> bytes:
    """openssl's DER ECDSA signature (SEQUENCE of r, s) as JOSE's raw 32-byte r || s."""
    position = 2 if signature[1] < 0x80 else 3
    parts = []
    for _ in range(2):
        length = signature[position + 1]
        parts.append(signature[position + 2 : position + 2 + length].lstrip(b"\0").rjust(32, b"\0"))
        position += 2 + length
    return b"".join(parts)


class TokenIssuer:
    def __init__(self, keys: TLSFiles) -> None:
        self.keys = keys
        der = subprocess.run(
            ["openssl", "x509", "-in", str(keys.certificate), "-outform", "DER"],
            check=True,
            capture_output=True,
        ).stdout
        self._x5c = base64.b64encode(der).decode()

    def token(self, subject: str, access: list[dict]) -> str:
        now = int(time.time())
        header = {"typ": "JWT", "alg": "ES256", "x5c": [self._x5c]}
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "aud": SERVICE,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        signing_input = (
            f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        )
        der = subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", str(self.keys.key)],
            input=signing_input.encode(),
            check=True,
            capture_output=True,
        ).stdout
        return f"{signing_input}.{_b64url(_der_to_jose(der))}"


class TokenServer:
    """The token endpoint (GET with basic auth, or POST OAuth form); a context manager."""

    def __init__(
        self,
        workdir: Path,
        public: set[str],
        private: set[str],
        credentials: Credentials,
        publisher: Credentials,
    ) -> None:
        self.keys = self_signed_certificate(workdir, "token issuer")
        self.issuer = TokenIssuer(self.keys)
        self.public, self.private, self.credentials = public, private, credentials
        self.publisher = publisher  # may push anywhere: how the lab images get in
        self.port = processes.free_port()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def __enter__(self) -> TokenServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def registry_auth(self) -> dict:
        """The `auth` section of distribution's config that trusts this server's tokens."""
        return {
            "token": {
                "realm": self.realm,
                "service": SERVICE,
                "issuer": ISSUER,
                "rootcertbundle": str(self.keys.certificate),
            }
        }

    def grant(self, scope: str, user: str) -> list[dict]:
        # scope = "repository:NAME:pull"; Docker Hub grants nothing for unknown repositories.
        kind, _, rest = scope.partition(":")
        name, _, actions = rest.rpartition(":")
        if kind == "repository" and user == self.publisher.username:
            return [{"type": "repository", "name": name, "actions": ["pull", "push"]}]
        allowed = name in self.public or (
            user == self.credentials.username and name in self.private
        )
        if kind != "repository" or not allowed or "pull" not in actions.split(","):
            return []
        return [{"type": "repository", "name": name, "actions": ["pull"]}]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(QuietJSONHandler):
            def _issue(self, scope: str, username: str, password: str) -> None:
                known = {issuer.credentials.colon_joined, issuer.publisher.colon_joined}
                if username and f"{username}:{password}" not in known:
                    self._answer(401, {"details": "incorrect username or password"})
                    return
                access = issuer.grant(scope, username) if scope else []
                token = issuer.issuer.token(username, access)
                self._answer(200, {"token": token, "access_token": token, "expires_in": 300})

            def do_GET(self) -> None:
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                username = password = ""
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    decoded = base64.b64decode(header.removeprefix("Basic ")).decode()
                    username, _, password = decoded.partition(":")
                self._issue(query.get("scope", [""])[0], username, password)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                self._issue(
                    form.get("scope", [""])[0],
                    form.get("username", [""])[0],
                    form.get("password", [""])[0],
                )

        return Handler
