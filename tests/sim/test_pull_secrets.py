"""Which imagePullSecrets the kubelet uses, and when it reads them.

Upstream: pkg/credentialprovider/secrets/secrets.go (secretsToTrackedDockerConfigs: only the
two docker secret types, each with its own non-empty key), credentialprovider/config.go
(DockerConfigEntry.UnmarshalJSON: `auth` wins), pkg/kubelet/kubelet_pods.go
(getPullSecretsForPod: the FailedToRetrieveImagePullSecret warning, secrets fetched at every
sync), pkg/apis/core/validation/validation.go (ValidateSecret, ValidateSecretUpdate).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from clusters.sim import errors
from clusters.sim.pullsecrets import docker_config, secret_credentials
from tests.sim.worlds import events_of, new_tenant, pod, run, waiting

AUTHS = {"docker.io": {"username": "u", "password": "p"}}


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def _secret(type_: str, data: dict[str, Any]) -> dict[str, Any]:
    encoded = {
        key: _b64(value if isinstance(value, str) else json.dumps(value))
        for key, value in data.items()
    }
    return {"metadata": {"name": "regcred"}, "type": type_, "data": encoded}


@pytest.mark.parametrize(
    ("secret", "usable"),
    [
        pytest.param(
            _secret("kubernetes.io/dockerconfigjson", {".dockerconfigjson": {"auths": AUTHS}}),
            True,
            id="secrets.go: dockerconfigjson with .dockerconfigjson",
        ),
        pytest.param(
            _secret("kubernetes.io/dockercfg", {".dockercfg": AUTHS}),
            True,
            id="secrets.go: dockercfg with .dockercfg (the map itself, no auths)",
        ),
        pytest.param(
            _secret("Opaque", {".dockerconfigjson": {"auths": AUTHS}}),
            False,
            id="secrets.go: an Opaque secret with the same key is skipped",
        ),
        pytest.param(
            _secret("kubernetes.io/dockercfg", {".dockerconfigjson": {"auths": AUTHS}}),
            False,
            id="secrets.go: dockercfg reads only .dockercfg",
        ),
        pytest.param(
            _secret("kubernetes.io/dockerconfigjson", {".dockerconfigjson": ""}),
            False,
            id="secrets.go: an empty key is skipped (len(bytes) > 0)",
        ),
    ],
)
def test_only_docker_secret_types_are_credentials(secret: dict, usable: bool) -> None:
    assert (docker_config(secret) is not None) is usable
    expected = [{"registry": "docker.io", "username": "u", "password": "p"}] if usable else []
    assert secret_credentials([secret]) == expected


@pytest.mark.parametrize(
    ("entry", "username", "password"),
    [
        pytest.param({"username": "u", "password": "p"}, "u", "p", id="username and password"),
        pytest.param({"auth": _b64("a:b:c")}, "a", "b:c", id="auth: split at the first colon"),
        pytest.param(
            {"username": "u", "password": "p", "auth": _b64("a:b")},
            "a",
            "b",
            id="config.go UnmarshalJSON: auth overrides username/password",
        ),
    ],
)
def test_entry_credentials(entry: dict, username: str, password: str) -> None:
    secret = _secret(
        "kubernetes.io/dockerconfigjson", {".dockerconfigjson": {"auths": {"r": entry}}}
    )
    assert secret_credentials([secret]) == [
        {"registry": "r", "username": username, "password": password}
    ]


def _private_pod(tenant) -> None:
    tenant.create(
        "pods",
        "lab",
        pod(
            "app",
            "lab/private:1.0",
            "IfNotPresent",
            "node-2",
            imagePullSecrets=[{"name": "regcred"}],
        ),
    )


def test_an_opaque_secret_is_ignored_and_the_pull_is_anonymous() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("secrets", "lab", _secret("Opaque", {".dockerconfigjson": {"auths": AUTHS}}))
    _private_pod(tenant)
    run(simulator, clock, 5)
    reasons = [reason for _, reason, _ in events_of(tenant, "app")]
    # The secret exists, so there is no FailedToRetrieveImagePullSecret: it is only unusable.
    assert "FailedToRetrieveImagePullSecret" not in reasons
    assert waiting(tenant, "app")["reason"] in ("ErrImagePull", "ImagePullBackOff")
    assert "pull access denied" in waiting(tenant, "app")["message"]


def test_a_missing_secret_warns_and_a_secret_created_later_is_used_at_the_next_attempt() -> None:
    simulator, clock, tenant = new_tenant()
    _private_pod(tenant)
    run(simulator, clock, 5)
    assert (
        "Warning",
        "FailedToRetrieveImagePullSecret",
        "Unable to retrieve some image pull secrets (regcred); attempting to pull the image may "
        "not succeed.",
    ) in events_of(tenant, "app")
    tenant.create(
        "secrets",
        "lab",
        _secret("kubernetes.io/dockerconfigjson", {".dockerconfigjson": {"auths": AUTHS}}),
    )
    run(simulator, clock, 30)  # the next attempt after the 10 s, then 20 s back-off
    assert tenant.store.get("pods", "lab", "app")["status"]["phase"] == "Running"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            {"metadata": {"name": "s"}, "type": "kubernetes.io/dockerconfigjson", "data": {}},
            'Secret "s" is invalid: data[.dockerconfigjson]: Required value',
            id="ValidateSecret: dockerconfigjson needs its key",
        ),
        pytest.param(
            {
                "metadata": {"name": "s"},
                "type": "kubernetes.io/dockercfg",
                "stringData": {"x": "y"},
            },
            'Secret "s" is invalid: data[.dockercfg]: Required value',
            id="ValidateSecret: dockercfg needs its key",
        ),
    ],
)
def test_docker_secrets_without_their_key_are_refused(body: dict, message: str) -> None:
    _, _, tenant = new_tenant()
    with pytest.raises(errors.ApiError) as raised:
        tenant.create("secrets", "lab", body)
    assert raised.value.status["message"] == message
    assert raised.value.status["code"] == 422


def test_a_secret_type_cannot_change() -> None:
    _, _, tenant = new_tenant()
    tenant.create("secrets", "lab", {"metadata": {"name": "s"}, "stringData": {"a": "b"}})
    changed = {
        "metadata": {"name": "s"},
        "type": "kubernetes.io/dockerconfigjson",
        "stringData": {".dockerconfigjson": json.dumps({"auths": AUTHS})},
    }
    with pytest.raises(errors.ApiError) as raised:
        tenant.update("secrets", "lab", "s", changed)
    assert raised.value.status["message"] == (
        'Secret "s" is invalid: type: Invalid value: "kubernetes.io/dockerconfigjson": '
        "field is immutable"
    )
