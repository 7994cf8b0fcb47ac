"""RBAC: may this user do this verb on this resource? And the API server's 403 text if not.

Upstream:
- plugin/pkg/auth/authorizer/rbac/rbac.go (RBACAuthorizer.Authorize): allowed when any rule of
  a role bound to the user allows the request; ClusterRoleBindings apply everywhere,
  RoleBindings only in their namespace (rule_resolver.go VisitRulesFor).
- pkg/apis/rbac/v1/evaluation_helpers.go: VerbMatches, APIGroupMatches, ResourceMatches
  (`*`, `resource/subresource`, `*/subresource`), ResourceNameMatches (empty = any name).
- rule_resolver.go appliesToUser: a ServiceAccount subject is the user
  `system:serviceaccount:NS:NAME`; its namespace defaults to the binding's.
- staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go
  forbiddenMessage: `User "U" cannot VERB resource "R[/SUB]" in API group "G" in the namespace
  "NS"` (or `at the cluster scope`), after `RESOURCE[.GROUP] ["NAME" ]is forbidden: `.

A ServiceAccount's groups are `system:serviceaccounts`, `system:serviceaccounts:NS` and
`system:authenticated` (serviceaccount/util.go). Not modelled: aggregated ClusterRoles,
nonResourceURLs (discovery stays open to every authenticated user, as the default
system:discovery binding makes it), and escalation checks on creating Roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"


@dataclass(frozen=True)
class Request:
    verb: str
    resource: str
    group: str = ""
    namespace: str = ""  # "" = cluster scope
    name: str = ""
    subresource: str = ""


@dataclass(frozen=True)
class User:
    name: str
    groups: tuple[str, ...] = ()


def service_account_user(namespace: str, name: str) -> User:
    return User(
        f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}",
        ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"),
    )


def _matches(values: list[str] | None, wanted: str) -> bool:
    return "*" in (values or []) or wanted in (values or [])


def rule_allows(rule: dict[str, Any], request: Request) -> bool:
    """evaluation_helpers.go RuleAllows for a resource request."""
    combined = f"{request.resource}/{request.subresource}" if request.subresource else None
    resources = rule.get("resources") or []
    if combined:
        resource_ok = (
            "*" in resources or combined in resources or f"*/{request.subresource}" in resources
        )
    else:
        resource_ok = _matches(resources, request.resource)
    names = rule.get("resourceNames") or []
    return (
        _matches(rule.get("verbs"), request.verb)
        and _matches(rule.get("apiGroups"), request.group)
        and resource_ok
        and (not names or request.name in names)
    )


def _applies_to(binding: dict[str, Any], user: User) -> bool:
    """rule_resolver.go appliesToUser, for any subject of the binding."""
    for subject in binding.get("subjects") or []:
        kind = subject.get("kind")
        if kind == "User" and subject.get("name") == user.name:
            return True
        if kind == "Group" and subject.get("name") in user.groups:
            return True
        if kind == "ServiceAccount":
            namespace = subject.get("namespace") or binding["metadata"].get("namespace", "")
            if user.name == f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{subject.get('name')}":
                return True
    return False


def allowed(
    user: User,
    request: Request,
    roles: list[dict[str, Any]],
    bindings: list[dict[str, Any]],
) -> bool:
    """Roles and ClusterRoles by (kind, namespace, name); bindings of both kinds."""
    by_ref = {
        (role["kind"], role["metadata"].get("namespace", ""), role["metadata"]["name"]): role
        for role in roles
    }
    for binding in bindings:
        namespace = binding["metadata"].get("namespace", "")
        if binding["kind"] == "RoleBinding" and namespace != request.namespace:
            continue
        if not _applies_to(binding, user):
            continue
        ref = binding.get("roleRef") or {}
        role_namespace = namespace if ref.get("kind") == "Role" else ""
        role = by_ref.get((ref.get("kind"), role_namespace, ref.get("name")))
        if role and any(rule_allows(rule, request) for rule in role.get("rules") or []):
            return True
    return False


def forbidden_message(user: User, request: Request) -> str:
    """The whole 403 message, as responsewriters.ForbiddenStatusError writes it."""
    qualified = f"{request.resource}.{request.group}" if request.group else request.resource
    subject = f'{qualified} "{request.name}"' if request.name else qualified
    resource = (
        f"{request.resource}/{request.subresource}" if request.subresource else request.resource
    )
    scope = (
        f'in the namespace "{request.namespace}"' if request.namespace else "at the cluster scope"
    )
    return (
        f'{subject} is forbidden: User "{user.name}" cannot {request.verb} resource '
        f'"{resource}" in API group "{request.group}" {scope}'
    )
