"""The session's own kinds through the real kubectl: the server's Table columns for `get`.

Columns pinned from pkg/printers/internalversion/printers.go (printServiceAccount,
printRoleBinding, printNetworkPolicy; metav1.FormatLabelSelector for the selector).
"""

from __future__ import annotations

import time

import pytest
import yaml

from tests.kubectl.conftest import Kubectl

pytestmark = pytest.mark.kubectl

SESSION_KINDS = """
apiVersion: v1
kind: ServiceAccount
metadata:
  name: learner
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: lab-learner
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: learner-can-read
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: lab-learner
subjects:
  - kind: ServiceAccount
    name: learner
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
spec:
  podSelector: {}
  policyTypes: ["Ingress", "Egress"]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-only
spec:
  podSelector:
    matchLabels: {tier: web, app: shop}
"""


@pytest.fixture(scope="module")
def session_kinds(kubectl: Kubectl) -> Kubectl:
    applied = kubectl.stdin(SESSION_KINDS, "apply")
    assert applied.returncode == 0, applied.stderr
    return kubectl


def rows(kubectl: Kubectl, resource: str) -> list[list[str]]:
    return [line.split() for line in kubectl("get", resource).stdout.splitlines()]


def test_get_rolebindings_shows_the_role(session_kinds: Kubectl) -> None:
    table = rows(session_kinds, "rolebindings")
    assert table[0] == ["NAME", "ROLE", "AGE"]
    assert table[1][:2] == ["learner-can-read", "Role/lab-learner"]


def test_get_networkpolicies_shows_the_pod_selector(session_kinds: Kubectl) -> None:
    table = rows(session_kinds, "networkpolicies")
    assert table[0] == ["NAME", "POD-SELECTOR", "AGE"]
    selectors = {row[0]: row[1] for row in table[1:]}
    assert selectors == {"default-deny": "<none>", "web-only": "app=shop,tier=web"}


def test_get_serviceaccounts_counts_secrets(session_kinds: Kubectl) -> None:
    table = rows(session_kinds, "serviceaccounts")
    assert table[0] == ["NAME", "SECRETS", "AGE"]
    assert ["learner", "0"] in [row[:2] for row in table[1:]]


QUOTA = """
apiVersion: v1
kind: ResourceQuota
metadata:
  name: lab-quota
spec:
  hard: {pods: "4", requests.cpu: "1", limits.cpu: "2"}
---
apiVersion: v1
kind: Pod
metadata:
  name: counted
spec:
  containers:
    - name: app
      image: lab/web:1.0
      resources: {requests: {cpu: 250m}, limits: {cpu: 500m}}
"""


def test_get_resourcequotas_shows_used_over_hard(session_kinds: Kubectl) -> None:
    """printResourceQuota: the quota controller's status.used beside status.hard, requests and
    `limits.*` in their own columns (pkg/printers/internalversion/printers.go)."""
    applied = session_kinds.stdin(QUOTA, "apply")
    assert applied.returncode == 0, applied.stderr
    table = session_kinds("get", "resourcequota", "lab-quota").stdout.splitlines()
    assert table[0].split() == ["NAME", "AGE", "REQUEST", "LIMIT"]
    assert "pods: 1/4, requests.cpu: 250m/1" in table[1]
    assert table[1].endswith("limits.cpu: 500m/2")
    session_kinds("delete", "pod", "counted", "--grace-period=0", "--force")
    deadline = time.monotonic() + 10  # wall time here: the controller syncs on the next tick
    while "pods: 0/4" not in (row := session_kinds("get", "resourcequota").stdout):
        assert time.monotonic() < deadline, row
        time.sleep(0.1)
    assert "requests.cpu: 0/1" in row


def test_auth_can_i_answers_for_the_learners_token(session_kinds: Kubectl, sim, tmp_path) -> None:
    """`kubectl auth can-i` asks the server (SelfSubjectAccessReview): yes and exit 0, or no
    and exit 1 (staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go)."""
    token = session_kinds("create", "token", "learner").stdout.strip()
    config = yaml.safe_load(session_kinds.kubeconfig.read_text())
    config["users"][0]["user"] = {"token": token}
    path = tmp_path / "learner"
    path.write_text(yaml.safe_dump(config))
    learner = Kubectl(session_kinds.binary, path)
    assert learner("auth", "can-i", "list", "pods").stdout.strip() == "yes"
    denied = learner("auth", "can-i", "create", "pods", ok=False)
    assert (denied.stdout.strip(), denied.returncode) == ("no", 1)
    assert session_kinds("auth", "can-i", "create", "pods").stdout.strip() == "yes"
