"""TokenRequest for a ServiceAccount, and RBAC on the requests made with that token.

Pins:
- pkg/registry/core/serviceaccount/storage/token.go (TokenREST.Create) and
  pkg/apis/authentication/validation/validation.go (ValidateTokenRequest);
- pkg/serviceaccount/claims.go and validator.go: a bound token dies with its ServiceAccount
  (UID) and at `exp`;
- plugin/pkg/auth/authorizer/rbac/rbac.go with requestinfo.go's verbs, and the 403 text of
  responsewriters/errors.go (clusters/sim/rbac.py).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from clusters.apiserver.testing import SimulatorHandle, running_simulator
from clusters.realcluster.session import apply_session, request_token

WORLD = {"nodes": [{"name": "node-1"}]}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorHandle]:
    with running_simulator() as handle:
        yield handle


@pytest.fixture(scope="module")
def platform(sim: SimulatorHandle) -> tuple[client.ApiClient, str]:
    """The world's own token, as the platform holds it, with the session objects applied."""
    world = sim.create_world("tokens", WORLD)
    api = sim.api_client(world["token"])
    apply_session(api, world["namespace"])
    return api, world["namespace"]


@pytest.fixture(scope="module")
def learner(sim: SimulatorHandle, platform) -> client.ApiClient:
    api, namespace = platform
    return sim.api_client(request_token(api, namespace, 3600))


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def refusal(call) -> tuple[int, str]:
    with pytest.raises(ApiException) as refused:
        call()
    body = json.loads(refused.value.body)
    return refused.value.status, body["message"]


def test_the_token_names_its_service_account_and_expires_when_asked(sim, platform) -> None:
    api, namespace = platform
    request = client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=600)
    )
    answer = client.CoreV1Api(api).create_namespaced_service_account_token(
        "learner", namespace, request
    )
    token = claims(answer.status.token)
    assert token["sub"] == f"system:serviceaccount:{namespace}:learner"
    assert token["kubernetes.io"]["serviceaccount"]["name"] == "learner"
    assert token["exp"] - token["iat"] == 600
    assert answer.spec.audiences == ["https://kubernetes.default.svc.cluster.local"]


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (599, "may not specify a duration less than 10 minutes"),
        (2**32 + 1, "may not specify a duration larger than 2^32 seconds"),
    ],
)
def test_an_expiration_out_of_range_is_invalid(platform, seconds: int, message: str) -> None:
    api, namespace = platform
    request = client.AuthenticationV1TokenRequest(
        spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=seconds)
    )
    status, text = refusal(
        lambda: client.CoreV1Api(api).create_namespaced_service_account_token(
            "learner", namespace, request
        )
    )
    assert status == 422
    assert f"spec.expirationSeconds: Invalid value: {seconds}: {message}" in text


def test_a_token_for_a_missing_service_account_is_not_found(platform) -> None:
    api, namespace = platform
    request = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[]))
    status, text = refusal(
        lambda: client.CoreV1Api(api).create_namespaced_service_account_token(
            "nobody", namespace, request
        )
    )
    assert (status, text) == (404, 'serviceaccounts "nobody" not found')


@pytest.mark.parametrize(
    ("call", "verb", "resource", "scope"),
    [
        (lambda core, ns: core.list_node(), "list", "nodes", "at the cluster scope"),
        (
            lambda core, ns: core.list_namespaced_pod("kube-system"),
            "list",
            "pods",
            'in the namespace "kube-system"',
        ),
        (
            lambda core, ns: core.delete_namespace(ns),
            "delete",
            "namespaces",
            "at the cluster scope",
        ),
        (
            lambda core, ns: core.create_namespaced_resource_quota(
                ns, {"metadata": {"name": "more"}, "spec": {"hard": {"pods": "100"}}}
            ),
            "create",
            "resourcequotas",
            'in the namespace "{ns}"',
        ),
    ],
    ids=["list-nodes", "other-namespace", "delete-own-namespace", "raise-own-quota"],
)
def test_the_learner_role_refuses_with_the_api_servers_text(
    learner, platform, call, verb: str, resource: str, scope: str
) -> None:
    _, namespace = platform
    status, text = refusal(lambda: call(client.CoreV1Api(learner), namespace))
    assert status == 403
    user = f"system:serviceaccount:{namespace}:learner"
    assert text.endswith(
        f'is forbidden: User "{user}" cannot {verb} resource "{resource}" in API group "" '
        + scope.replace("{ns}", namespace)
    )


def test_the_learner_role_allows_the_lab_work(learner, platform) -> None:
    _, namespace = platform
    core, apps = client.CoreV1Api(learner), client.AppsV1Api(learner)
    pod = {
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "web", "image": "lab/web:1.0"}]},
    }
    core.create_namespaced_pod(namespace, pod)
    assert [p.metadata.name for p in core.list_namespaced_pod(namespace).items] == ["web"]
    assert apps.list_namespaced_deployment(namespace).items == []
    core.read_namespaced_resource_quota("lab-session", namespace)
    core.delete_namespaced_pod("web", namespace)


def test_discovery_lists_the_token_subresource(learner) -> None:
    resources = {r.name: r for r in client.CoreV1Api(learner).get_api_resources().resources}
    token = resources["serviceaccounts/token"]
    assert (token.group, token.kind, token.verbs) == (
        "authentication.k8s.io",
        "TokenRequest",
        ["create"],
    )


def test_a_token_dies_with_its_service_account_and_at_its_expiry(sim, platform) -> None:
    api, namespace = platform
    core = client.CoreV1Api(api)
    core.create_namespaced_service_account(namespace, {"metadata": {"name": "short"}})

    def token(seconds: int = 3600) -> str:
        request = client.AuthenticationV1TokenRequest(
            spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=seconds)
        )
        answer = core.create_namespaced_service_account_token("short", namespace, request)
        return answer.status.token

    def whoami(token: str) -> int:
        try:
            client.CoreV1Api(sim.api_client(token)).get_api_resources()
        except ApiException as err:
            return err.status
        return 200

    expiring, replaced = token(600), token()
    assert whoami(expiring) == 200
    sim.advance(600)
    assert whoami(expiring) == 401
    core.delete_namespaced_service_account("short", namespace)
    core.create_namespaced_service_account(namespace, {"metadata": {"name": "short"}})
    assert whoami(replaced) == 401  # same name, new UID: the old bound token is dead
    assert whoami(token()) == 200
