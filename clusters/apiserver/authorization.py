"""RBAC on requests made with a ServiceAccount token (TokenRequest), as the real API server does.

A world's own token stands for the platform inside that world and is not checked here. The
decision and the 403 text are clusters/sim/rbac.py; this module only names the request:
staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go (RequestInfoFactory) maps
GET on a collection to `list` (or `watch` with ?watch), on a name to `get`, DELETE on a
collection to `deletecollection`, and POST/PUT/PATCH/DELETE to create/update/patch/delete.
"""

from __future__ import annotations

from typing import Any, Protocol

from clusters.sim import errors
from clusters.sim.kinds import resource_type
from clusters.sim.rbac import Request, User, allowed, forbidden_message
from clusters.sim.tenant import Tenant


class Target(Protocol):
    resource: str
    namespace: str | None
    name: str | None
    subresource: str


def request_verb(method: str, has_name: bool, watch: bool) -> str:
    if method == "GET":
        return "get" if has_name else "watch" if watch else "list"
    if method == "DELETE":
        return "delete" if has_name else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method, method.lower())


def rbac_request(method: str, target: Target, group: str, watch: bool = False) -> Request:
    rtype = resource_type(target.resource, group)
    namespaced = rtype.namespaced if rtype else target.namespace is not None
    return Request(
        verb=request_verb(method, target.name is not None, watch),
        resource=target.resource,
        group=group,
        namespace=(target.namespace or "") if namespaced else "",
        name=target.name or "",
        subresource=target.subresource,
    )


# The default ClusterRole `system:basic-user`, bound to every authenticated user
# (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go): anyone may ask what they may do.
BASIC_USER = ("create", "selfsubjectaccessreviews", "authorization.k8s.io")


def is_allowed(tenant: Tenant, user: User, request: Request) -> bool:
    if (request.verb, request.resource, request.group) == BASIC_USER:
        return True
    objects = tenant.store.objects
    roles = [*objects.get("roles", {}).values(), *objects.get("clusterroles", {}).values()]
    bindings = [
        *objects.get("rolebindings", {}).values(),
        *objects.get("clusterrolebindings", {}).values(),
    ]
    return allowed(user, request, roles, bindings)


def authorize(tenant: Tenant, user: User, request: Request) -> None:
    """403 with the API server's text unless a Role or ClusterRole bound to `user` allows it."""
    if not is_allowed(tenant, user, request):
        raise errors.forbidden(forbidden_message(user, request))


def self_subject_access_review(tenant: Tenant, user: User | None, body: Any) -> dict[str, Any]:
    """pkg/registry/authorization/selfsubjectaccessreview: the review with `status.allowed`.

    The world's own token (user None) stands for the platform, which may do anything in it.
    """
    spec = body.get("spec") if isinstance(body, dict) else None
    spec = spec if isinstance(spec, dict) else {}
    attributes = spec.get("resourceAttributes")
    if not isinstance(attributes, dict):
        raise errors.invalid_object(
            "SelfSubjectAccessReview",
            "",
            [
                errors.invalid(
                    "spec.resourceAttributes",
                    None,
                    "exactly one of nonResourceAttributes or resourceAttributes must be specified",
                )
            ],
            "authorization.k8s.io",
        )
    request = Request(
        verb=attributes.get("verb", ""),
        resource=attributes.get("resource", ""),
        group=attributes.get("group", ""),
        namespace=attributes.get("namespace", ""),
        name=attributes.get("name", ""),
        subresource=attributes.get("subresource", ""),
    )
    permitted = user is None or is_allowed(tenant, user, request)
    return {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": spec,
        "status": {"allowed": permitted},
    }
