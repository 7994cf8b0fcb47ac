"""OpenAPI v3 documents of the policy engines' custom resources, as the API server publishes
a CRD's: enough for kubectl to learn that the server validates fields (`fieldValidation` on
the PATCH operation of the kind, which kubectl's QueryParamVerifierV3 looks for) and for
`kubectl explain`.

Schema names are the CRD builder's (`sh.gatekeeper.constraints.v1beta1.K8sAllowedRepos`,
`io.kyverno.v1.ClusterPolicy`). Constraint specs follow the constraint framework's CRD
(`enforcementAction`, `match`, `parameters` from the template's schema); ClusterPolicy keeps its
spec open (`x-kubernetes-preserve-unknown-fields`).
"""

from __future__ import annotations

from typing import Any

from clusters.sim.gatekeeper import constraint_spec_schema
from clusters.sim.kinds import (
    BY_GROUP_KIND,
    EXTENSION_GROUPS,
    GATEKEEPER_GROUP,
    GROUP_VERSIONS,
    GROUPS,
    ResourceType,
)

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_REF = "#/components/schemas/"

_OPEN = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def crd_group_versions() -> list[str]:
    """The `/openapi/v3` names of the custom resources' group-versions."""
    return [f"apis/{group}/{GROUP_VERSIONS[group]}" for group in EXTENSION_GROUPS]


def schema_name(rtype: ResourceType) -> str:
    reversed_group = ".".join(reversed(rtype.group.split(".")))
    return f"{reversed_group}.{rtype.version}.{rtype.kind}"


def _gvk(rtype: ResourceType) -> dict[str, str]:
    return {"group": rtype.group, "version": rtype.version, "kind": rtype.kind}


def _spec(rtype: ResourceType) -> dict[str, Any]:
    return constraint_spec_schema(rtype.kind) if rtype.group == GATEKEEPER_GROUP else _OPEN


def crd_schema(kind: str, api_version: str) -> dict[str, Any] | None:
    """The schema of a custom resource kind the simulator serves, or None."""
    group, _, version = api_version.rpartition("/")
    rtype = BY_GROUP_KIND.get((group, kind))
    if rtype is None or group not in EXTENSION_GROUPS or rtype.version != version:
        return None
    return _schemas(rtype)[schema_name(rtype)]


def _schemas(rtype: ResourceType) -> dict[str, Any]:
    name = schema_name(rtype)
    kind = {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"allOf": [{"$ref": _REF + META + "ObjectMeta"}], "default": {}},
            "spec": _spec(rtype),
            "status": _OPEN,
        },
        "x-kubernetes-group-version-kind": [_gvk(rtype)],
    }
    listing = {
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": {"type": "string"},
            "items": {"type": "array", "items": {"$ref": _REF + name}},
            "kind": {"type": "string"},
            "metadata": {"allOf": [{"$ref": _REF + META + "ListMeta"}], "default": {}},
        },
        "x-kubernetes-group-version-kind": [{**_gvk(rtype), "kind": rtype.list_kind}],
    }
    return {name: kind, f"{name}List": listing}


def _query(name: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}


def _operation(rtype: ResourceType, action: str, body: bool, write: bool) -> dict[str, Any]:
    ref = {"$ref": _REF + schema_name(rtype)}
    operation: dict[str, Any] = {
        "operationId": f"{action}{rtype.kind}",
        "responses": {"200": {"content": {"application/json": {"schema": ref}}}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(rtype),
    }
    if write:
        operation["parameters"] = [_query("dryRun"), _query("fieldManager")]
        operation["parameters"].append(_query("fieldValidation"))
    if body:
        media = "application/merge-patch+json" if action == "patch" else "application/json"
        operation["requestBody"] = {"content": {media: {"schema": ref}}, "required": True}
    return operation


def _paths(rtype: ResourceType) -> dict[str, Any]:
    base = f"/apis/{rtype.group}/{rtype.version}/{rtype.plural}"
    item = {
        "get": _operation(rtype, "get", False, False),
        "put": _operation(rtype, "put", True, True),
        "patch": _operation(rtype, "patch", True, True),
        "delete": _operation(rtype, "delete", False, False),
        "parameters": [
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
    }
    return {
        base: {
            "get": _operation(rtype, "list", False, False),
            "post": _operation(rtype, "post", True, True),
        },
        f"{base}/{{name}}": item,
        f"{base}/{{name}}/status": {
            key: value
            for key, value in item.items()
            if key in ("get", "put", "patch", "parameters")
        },
    }


def crd_document(group: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """The paths, the kinds' schemas, and the meta definitions they refer to."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for rtype in GROUPS[group]:
        paths.update(_paths(rtype))
        schemas.update(_schemas(rtype))
    return paths, schemas, [META + "ObjectMeta", META + "ListMeta"]
