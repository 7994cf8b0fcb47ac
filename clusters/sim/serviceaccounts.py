"""ServiceAccounts: the controller's `default` account and the admission plugin for pods.

Upstream:
- pkg/controller/serviceaccount/serviceaccounts_controller.go: every namespace gets a
  ServiceAccount `default`, and it is made again when deleted. The simulator does this at once
  when the namespace is created or the account deleted, so no pod create ever races it.
- plugin/pkg/admission/serviceaccount/admission.go (Plugin.Admit), on pod CREATE only:
  `serviceAccountName` defaults to `default`; the account must exist, otherwise
  `error looking up service account NS/NAME: serviceaccount "NAME" not found` (403);
  "if the pod does not contain any ImagePullSecrets, the ImagePullSecrets of the service
  account are added". A pod that lists its own keeps them; pods that exist never change when
  the account changes, since admission runs only when a pod is created.

Not modelled: mountable-secrets enforcement (the `kubernetes.io/enforce-mountable-secrets`
annotation) and the account's `automountServiceAccountToken` (the token volume follows the
pod's own field, clusters/sim/defaults.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clusters.sim.store import ObjectStore

SERVICE_ACCOUNTS = "serviceaccounts"
DEFAULT_SERVICE_ACCOUNT = "default"


def default_service_account(namespace: str) -> dict[str, Any]:
    """The object the serviceaccounts controller creates: no secrets since v1.24."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": DEFAULT_SERVICE_ACCOUNT, "namespace": namespace},
    }


def admit_service_account(store: ObjectStore, pod: dict[str, Any]) -> str | None:
    """Mutate a new pod as the plugin does; the refusal's text when its account is missing."""
    spec = pod["spec"]
    name = spec.get("serviceAccountName") or DEFAULT_SERVICE_ACCOUNT
    spec["serviceAccountName"] = name
    namespace = pod["metadata"]["namespace"]
    account = store.get(SERVICE_ACCOUNTS, namespace, name)
    if account is None:
        return (
            f"error looking up service account {namespace}/{name}: "
            f'serviceaccount "{name}" not found'
        )
    if not spec.get("imagePullSecrets"):
        pull_secrets = [{"name": s.get("name", "")} for s in account.get("imagePullSecrets") or []]
        if pull_secrets:
            spec["imagePullSecrets"] = pull_secrets
    return None
