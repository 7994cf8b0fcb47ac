"""API errors in the Kubernetes `Status` shape, with the API server's own wording.

Upstream: staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go and
pkg/util/validation/field/errors.go.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class ApiError(Exception):
    """An error the API answers with: `status` is the whole Status object."""

    def __init__(self, status: dict[str, Any]) -> None:
        super().__init__(status["message"])
        self.status = status

    @property
    def code(self) -> int:
        return self.status["code"]


def status_object(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        status["details"] = details
    return status


def _details(name: str, resource: str, group: str = "") -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    return details


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, name: str, group: str = "") -> ApiError:
    message = f'{_qualified(resource, group)} "{name}" not found'
    return ApiError(status_object(404, "NotFound", message, _details(name, resource, group)))


def already_exists(resource: str, name: str, group: str = "") -> ApiError:
    message = f'{_qualified(resource, group)} "{name}" already exists'
    return ApiError(status_object(409, "AlreadyExists", message, _details(name, resource, group)))


def conflict(resource: str, name: str, group: str = "") -> ApiError:
    message = (
        f'Operation cannot be fulfilled on {_qualified(resource, group)} "{name}": the object '
        "has been modified; please apply your changes to the latest version and try again"
    )
    return ApiError(status_object(409, "Conflict", message, _details(name, resource, group)))


def gone(requested: int, oldest: int) -> ApiError:
    # The watch cache's wording (storage/cacher/watch_cache.go).
    return ApiError(
        status_object(410, "Expired", f"too old resource version: {requested} ({oldest})")
    )


def bad_request(message: str) -> ApiError:
    return ApiError(status_object(400, "BadRequest", message))


def unauthorized() -> ApiError:
    return ApiError(status_object(401, "Unauthorized", "Unauthorized"))


def forbidden(message: str) -> ApiError:
    return ApiError(status_object(403, "Forbidden", message))


def method_not_allowed() -> ApiError:
    return ApiError(
        status_object(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
    )


ACCEPTED_PATCH_TYPES = (
    "application/json-patch+json, application/merge-patch+json, "
    "application/apply-patch+yaml, application/strategic-merge-patch+json"
)


def unsupported_media_type(content_type: str) -> ApiError:
    message = (
        "the body of the request was in an unknown format - accepted media types include: "
        f'{ACCEPTED_PATCH_TYPES}; got "{content_type}"'
    )
    return ApiError(status_object(415, "UnsupportedMediaType", message))


def not_acceptable(message: str) -> ApiError:
    return ApiError(status_object(406, "NotAcceptable", message))


# Field errors (field/errors.go): the type's text and the matching StatusCause reason.
FIELD_ERROR_TYPES = {
    "Required value": "FieldValueRequired",
    "Invalid value": "FieldValueInvalid",
    "Unsupported value": "FieldValueNotSupported",
    "Duplicate value": "FieldValueDuplicate",
    "Forbidden": "FieldValueForbidden",
    "Too long": "FieldValueTooLong",
    "Not found": "FieldValueNotFound",
}
_OMIT = object()


class GoLiteral(str):
    """A value already in Go's %#v form (e.g. a map), printed as it is."""


def _go_quote(value: Any) -> str:
    if isinstance(value, GoLiteral):
        return str(value)
    if value is None:
        return '""'  # an unset string field prints as Go's empty string
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class FieldError:
    type: str
    field: str
    detail: str = ""
    value: Any = _OMIT

    def body(self) -> str:
        """field/errors.go ErrorBody: the text after the field path."""
        text = self.type
        if self.value is not _OMIT and self.type in (
            "Invalid value",
            "Unsupported value",
            "Duplicate value",
        ):
            text += f": {_go_quote(self.value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"


def required(field: str, detail: str = "") -> FieldError:
    return FieldError("Required value", field, detail)


def invalid(field: str, value: Any, detail: str) -> FieldError:
    return FieldError("Invalid value", field, detail, value)


def not_supported(field: str, value: Any, supported: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(_go_quote(v) for v in supported)
    return FieldError("Unsupported value", field, detail, value)


def duplicate(field: str, value: Any) -> FieldError:
    return FieldError("Duplicate value", field, "", value)


def field_forbidden(field: str, detail: str) -> FieldError:
    return FieldError("Forbidden", field, detail)


def invalid_object(kind: str, name: str, errors: list[FieldError], group: str = "") -> ApiError:
    """errors.NewInvalid: `Pod "x" is invalid: <one error>` or `[e1, e2]` for several."""
    joined = str(errors[0]) if len(errors) == 1 else "[" + ", ".join(str(e) for e in errors) + "]"
    qualified = f"{kind}.{group}" if group else kind
    causes = [
        {"reason": FIELD_ERROR_TYPES[e.type], "message": e.body(), "field": e.field} for e in errors
    ]
    details: dict[str, Any] = {"name": name, "kind": kind, "causes": causes}
    if group:
        details["group"] = group
    return ApiError(
        status_object(422, "Invalid", f'{qualified} "{name}" is invalid: {joined}', details)
    )
