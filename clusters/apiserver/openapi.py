"""The OpenAPI v3 documents kubectl fetches for `apply` validation and `explain`.

kubectl v1.35 asks `GET /openapi/v3` (Accept `application/json, */*`) for the list of
group-versions, then `GET /openapi/v3/<api/v1|apis/GROUP/VERSION>?hash=...` for one of them.
Both are built here, once per process, from the kept Kubernetes v1.35 definitions
(`clusters.sim.patching_schema`), turned back from their JSON Schema form into the form the real
API server publishes; the paths (which kubectl reads to learn that the server supports
`fieldValidation`) come from the official client's API classes (`openapi_paths`). The one
thing no kept package has, the enum of the image pull policy, is restored (`openapi_enums`).

The API server calls:

- `openapi_v3_root()` for `GET /openapi/v3`;
- `openapi_v3_document_bytes(group_version)` for `GET /openapi/v3/<group_version>`, answering
  404 when it is None. `group_version` is the path after `/openapi/v3/`, e.g. `api/v1` or
  `apis/apps/v1`; the `hash` query parameter needs no check (the document never changes within
  a process).
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from clusters.apiserver.openapi_crds import crd_document, crd_group_versions
from clusters.apiserver.openapi_enums import restore_enums
from clusters.apiserver.openapi_paths import paths_for
from clusters.sim.patching_schema import KUBERNETES_VERSION, JSONSchema, definitions, ref_name

# The group-versions the simulated cluster serves, as `/openapi/v3` names them.
SERVED_GROUP_VERSIONS = (
    "api/v1",
    "apis/apps/v1",
    "apis/batch/v1",
    "apis/admissionregistration.k8s.io/v1",
    "apis/events.k8s.io/v1",
    "apis/networking.k8s.io/v1",
    "apis/rbac.authorization.k8s.io/v1",
)

_REF_PREFIX = "#/components/schemas/"
# openapi2jsonschema (which built the kept package) pinned `apiVersion` and `kind` of each
# kind with an `enum`; the real documents have no such enums, so they are dropped.
_ADDED_BY_CONVERSION = ("enum", "$schema", "$id")


def openapi_v3_root(custom: tuple[str, ...] = ()) -> dict[str, Any]:
    """`GET /openapi/v3`: each served group-version and the URL of its document; `custom`
    adds the installed custom resources' group-versions (`openapi_crds.crd_group_versions`)."""
    return {
        "paths": {
            gv: {"serverRelativeURL": f"/openapi/v3/{gv}?hash={_document(gv)[1]}"}
            for gv in (*SERVED_GROUP_VERSIONS, *custom)
        }
    }


def openapi_v3_document(group_version: str) -> dict[str, Any] | None:
    """The document of one group-version (`api/v1`, `apis/apps/v1`), or None if not served."""
    body = openapi_v3_document_bytes(group_version)
    return json.loads(body) if body is not None else None


def openapi_v3_document_bytes(group_version: str) -> bytes | None:
    """The same document, serialised once, ready to send as `application/json`."""
    if group_version not in (*SERVED_GROUP_VERSIONS, *crd_group_versions()):
        return None
    return _document(group_version)[0]


@functools.cache
def _document(group_version: str) -> tuple[bytes, str]:
    """The serialised document and its hash (upper-case hex SHA-512, as the API server does)."""
    group, version = _group_and_version(group_version)
    if group_version in crd_group_versions():
        paths, custom, meta = crd_document(group)
        schemas = {
            name: openapi_schema(definitions()[name]) for name in _closure(meta, {})
        } | custom
        return _serialise(paths, schemas)
    kinds = [
        name
        for name, schema in definitions().items()
        if any(
            (gvk["group"], gvk["version"]) == (group, version)
            for gvk in schema.get("x-kubernetes-group-version-kind", [])
        )
        and not name.startswith("io.k8s.apimachinery.pkg.apis.meta.v1.")
    ]
    paths = paths_for(group, version)
    schemas = {
        name: restore_enums(name, openapi_schema(definitions()[name]))
        for name in _closure(kinds, paths)
    }
    return _serialise(paths, schemas)


def _serialise(paths: dict[str, Any], schemas: dict[str, Any]) -> tuple[bytes, str]:
    document = {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "BearerToken": {
                    "type": "apiKey",
                    "description": "Bearer Token authentication",
                    "name": "authorization",
                    "in": "header",
                }
            },
        },
    }
    body = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    return body, hashlib.sha512(body).hexdigest().upper()


def _group_and_version(group_version: str) -> tuple[str, str]:
    parts = group_version.split("/")
    if parts[0] == "api":
        return "", parts[1]
    return parts[1], parts[2]


def _closure(roots: list[str], paths: dict[str, Any]) -> list[str]:
    """Every definition the kinds and the paths refer to, directly or not."""
    seen: set[str] = set()
    pending = list(roots) + [
        ref.removeprefix(_REF_PREFIX) for ref in _refs(paths) if ref.startswith(_REF_PREFIX)
    ]
    while pending:
        name = pending.pop()
        if name in seen or name not in definitions():
            continue
        seen.add(name)
        pending.extend(ref.rsplit("/", 1)[-1] for ref in _refs(definitions()[name]))
    return sorted(seen)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def openapi_schema(schema: JSONSchema) -> JSONSchema:
    """One definition in the API server's OpenAPI v3 form.

    The JSON Schema form differs in three ways, each undone here: references point at
    `#/$defs/`, optional fields allow `null` (`"type": ["string", "null"]`), and a reference
    with siblings is bare (the API server wraps it in `allOf`, keeping the description beside).
    """
    result: JSONSchema = {}
    for key, value in schema.items():
        if key in _ADDED_BY_CONVERSION:
            continue
        if key == "type" and isinstance(value, list):
            types = [t for t in value if t != "null"]
            value = types[0] if len(types) == 1 else types
        elif key in ("properties", "patternProperties"):
            value = {name: openapi_schema(prop) for name, prop in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            value = openapi_schema(value)
        elif key in ("oneOf", "anyOf", "allOf"):
            value = [openapi_schema(option) for option in value]
        result[key] = value
    name = ref_name(schema)
    if name is None:
        return result
    del result["$ref"]
    reference = {"$ref": _REF_PREFIX + name}
    return {"allOf": [reference], **result} if result else reference
