"""ServiceAccount tokens: TokenRequest (`serviceaccounts/<name>/token`) and who a token is.

Upstream:
- pkg/registry/core/serviceaccount/storage/token.go (TokenREST.Create): the ServiceAccount must
  exist; `spec.expirationSeconds` defaults to 3600 (pkg/apis/authentication/v1/defaults.go);
  an empty `spec.audiences` becomes the API server's own audience; the answer is the request
  with `status.token` and `status.expirationTimestamp`, code 201.
- pkg/apis/authentication/validation/validation.go (ValidateTokenRequest): at least 10 minutes
  and at most 2^32 seconds, with those messages.
- pkg/serviceaccount/claims.go: the JWT claims (`iss`, `sub`, `aud`, `exp`, `iat`, `nbf`, `jti`,
  `kubernetes.io: {namespace, serviceaccount: {name, uid}}`). A bound token stops working when
  its ServiceAccount is deleted or replaced (the UID in the claims no longer matches,
  validator.go), and when it expires.

Simplified: tokens are signed with HMAC-SHA256 by a per-tenant key instead of the API server's
RSA key (nobody outside the simulator verifies them), and no Pod or Secret can be bound.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from typing import Any

from clusters.sim import errors
from clusters.sim.ids import rfc3339

ISSUER = "https://kubernetes.default.svc.cluster.local"
DEFAULT_EXPIRATION_SECONDS = 3600
MIN_EXPIRATION_SECONDS = 10 * 60
MAX_EXPIRATION_SECONDS = 1 << 32


@dataclass(frozen=True)
class IssuedToken:
    namespace: str
    service_account: str
    uid: str  # the ServiceAccount's UID when the token was issued
    expires: float  # on the simulator's clock


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(claims: dict[str, Any], key: bytes) -> str:
    header = _b64(json.dumps({"alg": "HS256", "kid": "sim"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def expiration_problems(seconds: Any) -> list[errors.FieldError]:
    """ValidateTokenRequest's two rules on spec.expirationSeconds."""
    field = "spec.expirationSeconds"
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        return [errors.invalid(field, seconds, "must be an integer")]
    if seconds < MIN_EXPIRATION_SECONDS:
        return [errors.invalid(field, seconds, "may not specify a duration less than 10 minutes")]
    if seconds > MAX_EXPIRATION_SECONDS:
        return [
            errors.invalid(field, seconds, "may not specify a duration larger than 2^32 seconds")
        ]
    return []


class ServiceAccountTokens:
    """The tokens one tenant's API server has issued, by token."""

    def __init__(self, key: bytes, issued: dict[str, IssuedToken] | None = None) -> None:
        self.key = key
        self.issued = issued or {}

    def request(
        self, service_account: dict[str, Any], body: Any, now: float, jti: str
    ) -> dict[str, Any]:
        """TokenREST.Create for an existing ServiceAccount; the TokenRequest answered."""
        body = body if isinstance(body, dict) else {}
        spec = dict(body.get("spec") or {})
        meta = service_account["metadata"]
        seconds = spec.get("expirationSeconds", DEFAULT_EXPIRATION_SECONDS)
        problems = expiration_problems(seconds)
        if problems:
            group = "authentication.k8s.io"
            raise errors.invalid_object("TokenRequest", meta["name"], problems, group)
        audiences = spec.get("audiences") or [ISSUER]
        claims = {
            "aud": audiences,
            "exp": int(now + seconds),
            "iat": int(now),
            "iss": ISSUER,
            "jti": jti,
            "kubernetes.io": {
                "namespace": meta["namespace"],
                "serviceaccount": {"name": meta["name"], "uid": meta["uid"]},
            },
            "nbf": int(now),
            "sub": f"system:serviceaccount:{meta['namespace']}:{meta['name']}",
        }
        token = _jwt(claims, self.key)
        self.issued[token] = IssuedToken(
            meta["namespace"], meta["name"], meta["uid"], now + seconds
        )
        return {
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            "spec": {**spec, "audiences": audiences, "expirationSeconds": seconds},
            "status": {"token": token, "expirationTimestamp": rfc3339(now + seconds)},
        }

    def holder(self, token: str, now: float, uid_of: Any) -> IssuedToken | None:
        """The token's ServiceAccount while the token is valid; `uid_of(ns, name)` reads it now."""
        issued = self.issued.get(token)
        if issued is None:
            return None
        if now >= issued.expires or uid_of(issued.namespace, issued.service_account) != issued.uid:
            return None
        return issued

    def to_state(self) -> dict[str, Any]:
        return {
            "key": self.key.hex(),
            "issued": {token: asdict(issued) for token, issued in self.issued.items()},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ServiceAccountTokens:
        issued = {token: IssuedToken(**fields) for token, fields in state["issued"].items()}
        return cls(bytes.fromhex(state["key"]), issued)
