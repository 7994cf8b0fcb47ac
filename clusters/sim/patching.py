"""Apply a PATCH request's body to an object, picked by the request's Content-Type.

The one entry is `apply_patch`. It raises `PatchError`, whose `status()` is the `Status` the API
server answers with, in the words and codes of
k8s.io/apiserver/pkg/endpoints/handlers/patch.go (`applyJSPatch`,
`interpretStrategicMergePatchError`):

- a body that is not JSON, or a malformed strategic merge directive: 400 BadRequest;
- a JSON patch operation that does not apply: 422 Invalid, "the server rejected our request due
  to an error in our request" (kubectl prints "The request is invalid: " before it);
- a patch type the object does not accept: 415 UnsupportedMediaType.

Server-side apply (`application/apply-patch+yaml`) is a simplified merge: see `patching_apply`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch

from clusters.sim.patching_apply import ApplyError, decode_apply_configuration, server_side_apply
from clusters.sim.patching_schema import PatchSchema, definition_name_for
from clusters.sim.patching_strategic import (
    StrategicMergeError,
    json_kind,
    strategic_merge_patch,
)

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

# The order upstream lists them in its 415 message (`negotiation.NewUnsupportedMediaTypeError`).
BUILT_IN_PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)
CUSTOM_RESOURCE_PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, APPLY_PATCH)

REJECTED = "the server rejected our request due to an error in our request"


class PatchError(ValueError):
    """A patch the API server refuses; `status()` is its answer.

    `cause` keeps the underlying error for the server's log, which the answer leaves out.
    """

    def __init__(self, code: int, reason: str, message: str, cause: str = "") -> None:
        super().__init__(cause or message)
        self.code = code
        self.reason = reason
        self.message = message
        self.cause = cause

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.cause:
            # `errors.NewGenericServerResponse(422, ..., isUnexpectedResponse=false)` leaves the
            # details empty: the client never sees the cause, only the generic message.
            status["details"] = {}
        return status


def bad_request(message: str) -> PatchError:
    return PatchError(400, "BadRequest", message)


def rejected(cause: str) -> PatchError:
    return PatchError(422, "Invalid", REJECTED, cause)


def unsupported(accepted: tuple[str, ...]) -> PatchError:
    return PatchError(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted),
    )


def is_apply_patch(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == APPLY_PATCH


def apply_patch(obj: dict, patch: bytes | str | dict | list, content_type: str, kind: str) -> dict:
    """Return `obj` with `patch` applied (`obj` is left untouched).

    `obj` is the live object in its JSON form (camelCase keys); `kind` is its kind (`Pod`); its
    `apiVersion`, when set, tells apart kinds that two groups share (`Event`). A kind with no
    built-in definition is treated as a custom resource, which has no strategic merge patch.
    The API server checks the rest itself: the result keeps the kind, name and namespace, and
    an apply patch comes with a `fieldManager`.
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    definition = definition_name_for(kind, obj.get("apiVersion", ""))
    accepted = BUILT_IN_PATCH_TYPES if definition else CUSTOM_RESOURCE_PATCH_TYPES
    if media_type not in accepted:
        raise unsupported(accepted)
    schema = PatchSchema.named(definition) if definition else None
    if media_type == APPLY_PATCH:
        try:
            config = decode_apply_configuration(patch)
        except ApplyError as error:
            raise bad_request(str(error)) from error
        return server_side_apply(obj, config, schema)
    document = _decode(patch)
    if media_type == JSON_PATCH:
        return _json_patch(obj, document)
    if media_type == MERGE_PATCH:
        if not isinstance(document, dict):
            raise bad_request("Invalid JSON Patch")
        return merge_patch(obj, document)
    if not isinstance(document, dict):
        raise bad_request(
            f"json: cannot unmarshal {json_kind(document)} into Go value of type "
            "map[string]interface {}"
        )
    try:
        return strategic_merge_patch(obj, document, schema)
    except StrategicMergeError as error:
        raise (bad_request(str(error)) if error.bad_request else rejected(str(error))) from error


def merge_patch(target: Any, patch: Any) -> Any:
    """JSON merge patch (RFC 7386, section 2): objects merge, `null` removes, the rest replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _json_patch(obj: dict, operations: Any) -> dict:
    """JSON patch (RFC 6902) with the kept `jsonpatch` library, one operation at a time so that
    negative array indices can be resolved against the document as it is then."""
    if not isinstance(operations, list):
        raise bad_request(
            f"json: cannot unmarshal {json_kind(operations)} into Go value of type jsonpatch.Patch"
        )
    result = obj
    try:
        for operation in operations:
            operation = _with_negative_indices_resolved(result, operation)
            result = jsonpatch.JsonPatch([operation]).apply(result)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as error:
        raise rejected(str(error)) from error
    except (TypeError, KeyError, IndexError, AttributeError, ValueError) as error:
        # An operation of the wrong shape, e.g. a `path` that is not a string.
        raise rejected(f"invalid JSON patch operation: {error}") from error
    return result


def _with_negative_indices_resolved(document: Any, operation: Any) -> Any:
    """The operation with `-1`-style array indices counted from the end, as the API server's
    JSON patch library does (evanphx/json-patch `SupportNegativeIndices`; rest_test.go
    `TestJSONPatch` "valid-negative-index-patch"). For `add`, -1 means after the last element."""
    if not isinstance(operation, dict):
        return operation
    resolved = dict(operation)
    for field in ("path", "from"):
        pointer = operation.get(field)
        if not isinstance(pointer, str) or "/-" not in pointer:
            continue
        inserting = field == "path" and operation.get("op") == "add"
        parts = pointer.split("/")
        node = document
        for position in range(1, len(parts)):
            part = parts[position]
            if isinstance(node, list) and part.startswith("-") and part[1:].isdigit():
                # An insertion may also go after the last element.
                slots = len(node) + (inserting and position == len(parts) - 1)
                parts[position] = str(slots + int(part))
            node = _child(node, parts[position])
        resolved[field] = "/".join(parts)
    return resolved


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part.replace("~1", "/").replace("~0", "~"))
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None


def _decode(body: bytes | str | dict | list) -> Any:
    if isinstance(body, dict | list):
        return body
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise bad_request(_go_json_syntax_error(text, error)) from error


def _go_json_syntax_error(text: str, error: json.JSONDecodeError) -> str:
    """Word a syntax error as Go's encoding/json does, which is what the API server answers."""
    if error.pos >= len(text.rstrip()):
        return "unexpected end of JSON input"
    if error.msg == "Expecting value":
        return f"invalid character {text[error.pos]!r} looking for beginning of value"
    return f"invalid character {text[error.pos]!r}: {error.msg.lower()}"
