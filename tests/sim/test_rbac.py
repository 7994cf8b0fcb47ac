"""RBAC decisions and texts, pinned with the session's own Role and RoleBinding."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from clusters.realcluster.templates import render_session
from clusters.sim.rbac import Request, User, allowed, forbidden_message, service_account_user

SESSION = {obj["kind"]: obj for obj in render_session("s-1")}
LEARNER = service_account_user("s-1", "learner")
ROLES, BINDINGS = [SESSION["Role"]], [SESSION["RoleBinding"]]


@dataclass
class Case:
    id: str
    request: Request
    allowed: bool


CASES = [
    Case("a Role rule: list pods in its namespace", Request("list", "pods", namespace="s-1"), True),
    Case("create pods", Request("create", "pods", namespace="s-1"), True),
    Case(
        "rbac.go: a RoleBinding applies only in its namespace",
        Request("list", "pods", namespace="kube-system"),
        False,
    ),
    Case("a namespaced Role grants nothing at cluster scope", Request("list", "nodes"), False),
    Case(
        "evaluation_helpers.go ResourceMatches: pods/log is its own resource",
        Request("get", "pods", namespace="s-1", name="p", subresource="log"),
        True,
    ),
    Case(
        "pods/status may be read, not written",
        Request("update", "pods", namespace="s-1", name="p", subresource="status"),
        False,
    ),
    Case(
        "APIGroupMatches: deployments only in apps",
        Request("create", "deployments", group="apps", namespace="s-1"),
        True,
    ),
    Case(
        "VerbMatches: events are read-only",
        Request("delete", "events", namespace="s-1", name="e"),
        False,
    ),
    Case(
        "the learner cannot change its own Role",
        Request("update", "roles", group="rbac.authorization.k8s.io", namespace="s-1"),
        False,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_session_role(case: Case) -> None:
    assert allowed(LEARNER, case.request, ROLES, BINDINGS) is case.allowed


def test_another_service_account_gets_nothing() -> None:
    """rule_resolver.go appliesToUser: the subject names one ServiceAccount."""
    other = service_account_user("s-1", "default")
    assert not allowed(other, Request("list", "pods", namespace="s-1"), ROLES, BINDINGS)


def test_cluster_role_binding_to_a_group_and_resource_names() -> None:
    cluster_role = {
        "kind": "ClusterRole",
        "metadata": {"name": "read-one-node"},
        "rules": [
            {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"], "resourceNames": ["n1"]}
        ],
    }
    binding = {
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "all-sa"},
        "roleRef": {"kind": "ClusterRole", "name": "read-one-node"},
        "subjects": [{"kind": "Group", "name": "system:serviceaccounts"}],
    }
    assert allowed(LEARNER, Request("get", "nodes", name="n1"), [cluster_role], [binding])
    assert not allowed(LEARNER, Request("get", "nodes", name="n2"), [cluster_role], [binding])
    assert not allowed(LEARNER, Request("list", "nodes"), [cluster_role], [binding])
    assert not allowed(User("alice"), Request("get", "nodes", name="n1"), [cluster_role], [binding])


@pytest.mark.parametrize(
    "request_, message",
    [
        pytest.param(
            Request("list", "nodes"),
            'nodes is forbidden: User "system:serviceaccount:s-1:learner" cannot list resource '
            '"nodes" in API group "" at the cluster scope',
            id="responsewriters/errors.go forbiddenMessage: cluster scope",
        ),
        pytest.param(
            Request("list", "pods", namespace="kube-system"),
            'pods is forbidden: User "system:serviceaccount:s-1:learner" cannot list resource '
            '"pods" in API group "" in the namespace "kube-system"',
            id="forbiddenMessage: another namespace",
        ),
        pytest.param(
            Request("get", "roles", group="rbac.authorization.k8s.io", namespace="s-1", name="x"),
            'roles.rbac.authorization.k8s.io "x" is forbidden: User '
            '"system:serviceaccount:s-1:learner" cannot get resource "roles" in API group '
            '"rbac.authorization.k8s.io" in the namespace "s-1"',
            id="forbiddenMessage: named object in a group",
        ),
        pytest.param(
            Request("create", "pods", namespace="s-1", name="p", subresource="eviction"),
            'pods "p" is forbidden: User "system:serviceaccount:s-1:learner" cannot create '
            'resource "pods/eviction" in API group "" in the namespace "s-1"',
            id="forbiddenMessage: subresource",
        ),
    ],
)
def test_forbidden_message(request_: Request, message: str) -> None:
    assert forbidden_message(LEARNER, request_) == message
