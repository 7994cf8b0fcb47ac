"""Which of a pod's imagePullSecrets the kubelet can use as registry credentials.

Upstream: pkg/credentialprovider/secrets/secrets.go (MakeDockerKeyring,
secretsToTrackedDockerConfigs): a secret counts only when its type is
`kubernetes.io/dockerconfigjson` with a non-empty `.dockerconfigjson` (whose `auths` map is
used), or `kubernetes.io/dockercfg` with a non-empty `.dockercfg` (the map itself). Any other
type, Opaque included, is skipped even when it holds the same key. An entry's `auth`
(base64 `user:password`) wins over `username`/`password` (credentialprovider/config.go,
DockerConfigEntry.UnmarshalJSON). The kubelet fetches the secrets again for every pull
attempt (kubelet.go getPullSecretsForPod, called from SyncPod), so callers read them from the
store each time rather than caching them.

The API server refuses such a secret without its key (validation.go ValidateSecret:
`data[.dockerconfigjson]: Required value`). Not modelled: its JSON check, whose message is
Go's encoding/json error text.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from clusters.sim.errors import FieldError, required

DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
DOCKERCFG = "kubernetes.io/dockercfg"
# Secret type -> the data key the kubelet reads (v1.DockerConfigJsonKey, v1.DockerConfigKey).
DOCKER_KEYS = {DOCKER_CONFIG_JSON: ".dockerconfigjson", DOCKERCFG: ".dockercfg"}


def _decode(value: str) -> Any:
    try:
        return json.loads(base64.b64decode(value))
    except (ValueError, TypeError, binascii.Error):
        return None


def docker_config(secret: dict[str, Any]) -> dict[str, Any] | None:
    """The secret's registry -> entry map, or None when the kubelet ignores the secret."""
    key = DOCKER_KEYS.get(secret.get("type", ""))
    raw = (secret.get("data") or {}).get(key or "")
    if not raw:
        return None
    decoded = _decode(raw)
    if not isinstance(decoded, dict):
        return None
    config = decoded.get("auths") if secret["type"] == DOCKER_CONFIG_JSON else decoded
    return config if isinstance(config, dict) else None


def _entry_credentials(entry: Any) -> tuple[str, str]:
    if not isinstance(entry, dict):
        return "", ""
    username, password = entry.get("username") or "", entry.get("password") or ""
    if entry.get("auth"):
        try:
            decoded = base64.b64decode(entry["auth"]).decode()
        except (ValueError, binascii.Error):
            return username, password
        if ":" in decoded:
            username, _, password = decoded.partition(":")
    return username, password


def secret_credentials(secrets: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every usable credential of these secrets, in order: {registry, username, password}."""
    found = []
    for secret in secrets:
        for registry, entry in (docker_config(secret) or {}).items():
            username, password = _entry_credentials(entry)
            found.append({"registry": registry, "username": username, "password": password})
    return found


def validate_docker_secret(secret: dict[str, Any]) -> list[FieldError]:
    """ValidateSecret's rule for the two docker types: their key must be present."""
    key = DOCKER_KEYS.get(secret.get("type", ""))
    if key is None or key in (secret.get("data") or {}):
        return []
    return [required(f"data[{key}]")]
