"""Wire helpers: JSON bodies in and out, and every error as a `Status`."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from clusters.sim import errors


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


_ENCODED: dict[int, tuple[dict[str, Any], bytes]] = {}
_ENCODED_MAX = 50_000


def encoded(obj: dict[str, Any]) -> bytes:
    """A stored object's JSON, computed once per version.

    The store never mutates an object it holds (a write stores a new dict), so the bytes of a
    given dict stay right; keeping the dict in the cache keeps its id from being reused.
    """
    hit = _ENCODED.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    data = dumps(obj)
    if len(_ENCODED) >= _ENCODED_MAX:
        _ENCODED.clear()
    _ENCODED[id(obj)] = (obj, data)
    return data


def list_response(kind: str, api_version: str, rv: int, items: list[dict[str, Any]]) -> Response:
    head = dumps(
        {"kind": kind, "apiVersion": api_version, "metadata": {"resourceVersion": str(rv)}}
    )
    body = head[:-1] + b',"items":[' + b",".join(encoded(o) for o in items) + b"]}"
    return Response(body, media_type="application/json")


def json_response(obj: Any, status_code: int = 200) -> Response:
    return Response(dumps(obj), status_code=status_code, media_type="application/json")


def error_response(error: errors.ApiError) -> Response:
    return json_response(error.status, error.code)


JSON_TYPES = ("application/json", "application/yaml", "")
PROTOBUF = "application/vnd.kubernetes.protobuf"


async def read_json(request: Request) -> Any:
    """The body as JSON data: JSON, or kubectl's protobuf; anything else (CBOR) is a 415."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == PROTOBUF:
        from clusters.apiserver.protobuf import decode_body

        try:
            return decode_body(await request.body())
        except (ValueError, UnicodeDecodeError, KeyError) as err:
            raise errors.bad_request(f"unable to decode the protobuf body: {err}") from err
    if media_type not in JSON_TYPES:
        message = (
            f"the body of the request was in an unknown format - accepted media types include: "
            f'application/json, application/yaml; got "{media_type}"'
        )
        raise errors.ApiError(errors.status_object(415, "UnsupportedMediaType", message))
    raw = await request.body()
    if not raw:
        raise errors.bad_request("the body of the request is empty")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        # The API server's decoder wording (runtime/serializer/json).
        raise errors.bad_request(f"couldn't get version/kind; json parse error: {err}") from err


def flag(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


def status_success(name: str, kind: str, group: str = "") -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": kind}
    if group:
        details["group"] = group
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }
