"""ServiceAccount admission and the `default` account of every namespace.

Upstream: plugin/pkg/admission/serviceaccount/admission.go (Plugin.Admit: default name,
lookup, "If the pod does not contain any ImagePullSecrets, the ImagePullSecrets of the
service account are added"), pkg/controller/serviceaccount/serviceaccounts_controller.go
(`default` in every namespace, re-created when deleted).
"""

from __future__ import annotations

from typing import Any

import pytest

from clusters.sim import errors
from tests.sim.worlds import new_tenant, pod


def _account(tenant, name: str, *secrets: str) -> None:
    body = {"metadata": {"name": name}, "imagePullSecrets": [{"name": s} for s in secrets]}
    if tenant.store.get("serviceaccounts", "lab", name) is None:
        tenant.create("serviceaccounts", "lab", body)
    else:
        tenant.update("serviceaccounts", "lab", name, body)


@pytest.mark.parametrize(
    ("spec", "account_secrets", "expected_account", "expected_secrets"),
    [
        pytest.param(
            {}, ["regcred"], "default", [{"name": "regcred"}],
            id="Admit: no serviceAccountName -> default, and its secrets are copied",
        ),
        pytest.param(
            {"imagePullSecrets": [{"name": "own"}]}, ["regcred"], "default", [{"name": "own"}],
            id="Admit: a pod that lists its own secrets keeps them (no merge)",
        ),
        pytest.param(
            {"serviceAccountName": "builder"}, ["a", "b"], "builder",
            [{"name": "a"}, {"name": "b"}],
            id="Admit: a named account's secrets, in order",
        ),
        pytest.param(
            {"imagePullSecrets": []}, ["regcred"], "default", [{"name": "regcred"}],
            id="Admit: an empty list counts as none (len == 0)",
        ),
        pytest.param(
            {}, [], "default", None,
            id="Admit: an account without secrets adds nothing",
        ),
    ],
)  # fmt: skip
def test_admission_copies_the_account_pull_secrets(
    spec: dict[str, Any],
    account_secrets: list[str],
    expected_account: str,
    expected_secrets: list[dict[str, str]] | None,
) -> None:
    _, _, tenant = new_tenant()
    _account(tenant, expected_account, *account_secrets)
    created = tenant.create("pods", "lab", pod("p", **spec))
    assert created["spec"]["serviceAccountName"] == expected_account
    assert created["spec"].get("imagePullSecrets") == expected_secrets


def test_existing_pods_keep_what_they_were_admitted_with() -> None:
    _, _, tenant = new_tenant()
    tenant.create("pods", "lab", pod("before"))
    _account(tenant, "default", "regcred")
    tenant.create("pods", "lab", pod("after"))
    assert "imagePullSecrets" not in tenant.get("pods", "lab", "before")["spec"]
    assert tenant.get("pods", "lab", "after")["spec"]["imagePullSecrets"] == [{"name": "regcred"}]


def test_a_missing_account_refuses_the_pod() -> None:
    _, _, tenant = new_tenant()
    with pytest.raises(errors.ApiError) as refused:
        tenant.create("pods", "lab", pod("p", serviceAccountName="ghost"))
    assert refused.value.code == 403
    assert refused.value.status["message"] == (
        'pods "p" is forbidden: error looking up service account lab/ghost: '
        'serviceaccount "ghost" not found'
    )


def test_every_namespace_has_a_default_account_made_again_when_deleted() -> None:
    _, _, tenant = new_tenant()
    tenant.create("namespaces", None, {"metadata": {"name": "team-a"}})
    assert tenant.get("serviceaccounts", "team-a", "default")["metadata"]["uid"]
    first_uid = tenant.get("serviceaccounts", "lab", "default")["metadata"]["uid"]
    tenant.delete("serviceaccounts", "lab", "default")
    again = tenant.get("serviceaccounts", "lab", "default")
    assert again["metadata"]["uid"] != first_uid
