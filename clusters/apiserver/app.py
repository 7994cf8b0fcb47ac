"""The HTTP layer: the Kubernetes wire format over the engine, on one asyncio loop.

Every engine call happens on the server's event loop (all handlers are async), so the engine
needs no locks. A background task advances the simulator on a short timer; requests also bring
their tenant up to date before reading it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from clusters.apiserver import discovery, openapi
from clusters.apiserver.authorization import (
    authorize,
    rbac_request,
    self_subject_access_review,
)
from clusters.apiserver.collector import FreezeLongLived
from clusters.apiserver.labworlds import LabWorlds
from clusters.apiserver.openapi_crds import crd_group_versions
from clusters.apiserver.openapi_fields import StrictDecodingError, decode_fields, warning_header
from clusters.apiserver.podlogs import pod_log
from clusters.apiserver.scale import patch_scale, scale_of, set_scale
from clusters.apiserver.tables import table, wants_table
from clusters.apiserver.watch import WatchRequest, stream
from clusters.apiserver.wire import (
    encoded,
    error_response,
    flag,
    json_response,
    list_response,
    read_json,
    status_success,
)
from clusters.sim import errors
from clusters.sim.decoding import check_type_meta, check_types, without_nulls
from clusters.sim.kinds import GROUP_VERSIONS, ResourceType, resource_type
from clusters.sim.rbac import User
from clusters.sim.simulator import Simulator
from clusters.sim.tenant import Tenant

log = logging.getLogger(__name__)
ADMIN_USER = "sim-admin"


@dataclass
class ServerState:
    simulator: Simulator
    admin_token: str
    tick_seconds: float = 0.05
    bookmark_interval: float = 60.0
    ca_pem: bytes | None = None
    collector: FreezeLongLived | None = None  # the served process's GC policy (collector.py)
    labworlds: LabWorlds = field(init=False)
    open_streams: set = field(default_factory=set)

    def __post_init__(self) -> None:
        self.labworlds = LabWorlds(self.simulator, self.ca_pem)


@dataclass
class Target:
    """What a /api or /apis path names."""

    resource: str
    namespace: str | None = None
    name: str | None = None
    subresource: str = ""


def parse_core_path(parts: list[str]) -> Target:
    """Parts after /api/v1: `pods`, `namespaces/ns/pods/name/log`, `nodes/n`, `namespaces/ns`."""
    if len(parts) >= 3 and parts[0] == "namespaces":
        namespace, rest = parts[1], parts[2:]
        return Target(
            rest[0], namespace, rest[1] if len(rest) > 1 else None, rest[2] if len(rest) > 2 else ""
        )
    return Target(
        parts[0], None, parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else ""
    )


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _forbidden(
    verb: str, resource: str, group: str = "", namespace: str | None = None
) -> errors.ApiError:
    where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    return errors.forbidden(
        f'{resource} is forbidden: User "{ADMIN_USER}" cannot {verb} resource "{resource}" '
        f'in API group "{group}"{where}'
    )


VERBS = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


async def dispatch(request: Request) -> Response:
    state: ServerState = request.app.state.server
    path = request.url.path.rstrip("/") or "/"
    try:
        if path in ("/healthz", "/livez", "/readyz"):
            return PlainTextResponse("ok")
        token = _bearer(request)
        is_admin = bool(token) and token == state.admin_token
        identity = None if is_admin or not token else state.simulator.authenticate(token)
        if not is_admin and identity is None:
            raise errors.unauthorized()
        tenant, user = identity if identity else (None, None)
        return await _route(request, state, path, is_admin, tenant, user)
    except errors.ApiError as err:
        return error_response(err)
    except Exception:  # the last line of defence: a Status, never a traceback
        log.exception("internal error on %s %s", request.method, path)
        return json_response(
            errors.status_object(500, "InternalError", "an internal error occurred"), 500
        )


async def _route(
    request: Request,
    state: ServerState,
    path: str,
    is_admin: bool,
    tenant: Tenant | None,
    user: User | None = None,
) -> Response:
    parts = [p for p in path.split("/") if p]
    if path == "/version":
        return json_response(discovery.VERSION_INFO)
    if path == "/api":
        host = request.url.netloc or "127.0.0.1"
        return json_response(discovery.api_versions(host))
    if path == "/api/v1":
        return json_response(discovery.core_resources())
    if path == "/apis":
        return json_response(discovery.api_groups(is_admin, tenant))
    if path == "/openapi/v3":
        installed = discovery.served_groups(tenant) if tenant is not None else []
        custom = tuple(gv for gv in crd_group_versions() if gv.split("/")[1] in installed)
        return json_response(openapi.openapi_v3_root(custom))
    if path.startswith("/openapi/v3/"):
        document = openapi.openapi_v3_document_bytes(path[len("/openapi/v3/") :])
        if document is None:
            raise _not_found_path()
        return Response(document, media_type="application/json")
    if parts[:2] == ["apis", discovery.SIM_GROUP]:
        if not is_admin:
            raise _forbidden_tenant(request, parts)
        return await _labworlds(
            request, state, parts[3:] if len(parts) > 3 else [], len(parts) == 3
        )
    group, rest = _group_and_rest(parts)
    served = tenant is not None and group in discovery.served_groups(tenant)
    if tenant is not None and group is not None and not served:
        raise _not_found_path()  # a group this cluster does not serve (an engine not installed)
    if group is not None and served and not is_admin:
        if not rest:
            return json_response(discovery.group_resources(group, tenant))
        if tenant is not None:
            target = parse_core_path(rest)
            if user is not None:
                watch = flag(request.query_params.get("watch"))
                authorize(tenant, user, rbac_request(request.method, target, group, watch))
            return await _core(request, state, tenant, target, group, user)
    if group is not None and rest:
        target = parse_core_path(rest)
        raise _forbidden(
            VERBS.get(request.method, "get"), target.resource, group or "", target.namespace
        )
    raise _not_found_path()


def _group_and_rest(parts: list[str]) -> tuple[str | None, list[str]]:
    """("", rest) for /api/v1/rest, ("apps", rest) for /apis/apps/v1/rest, else (None, []).

    A group is served at one version (`GROUP_VERSIONS`: constraints at v1beta1); other groups'
    paths are read at v1, which answers 403 or 404 below."""
    if parts[:2] == ["api", "v1"]:
        return "", parts[2:]
    if len(parts) >= 3 and parts[0] == "apis" and parts[2] == GROUP_VERSIONS.get(parts[1], "v1"):
        return parts[1], parts[3:]
    return None, []


def _not_found_path() -> errors.ApiError:
    message = "the server could not find the requested resource"
    return errors.ApiError(errors.status_object(404, "NotFound", message))


def _forbidden_tenant(request: Request, parts: list[str]) -> errors.ApiError:
    """responsewriters.forbiddenMessage: `resource/subresource`, and the name when there is one."""
    resource = parts[3] if len(parts) > 3 else "labworlds"
    name = f' "{parts[4]}"' if len(parts) > 4 else ""
    requested = f"{resource}/{parts[5]}" if len(parts) > 5 else resource
    group = discovery.SIM_GROUP
    verb = VERBS.get(request.method, "get")
    return errors.forbidden(
        f'{resource}.{group}{name} is forbidden: User "system:serviceaccount:lab:learner" cannot '
        f'{verb} resource "{requested}" in API group "{group}" at the cluster scope'
    )


async def _labworlds(
    request: Request, state: ServerState, rest: list[str], group_root: bool
) -> Response:
    if group_root:
        return json_response(discovery.sim_resources())
    worlds = state.labworlds
    if not rest or rest[0] != "labworlds":
        raise _not_found_path()
    name = rest[1] if len(rest) > 1 else None
    method = request.method
    if name is None and method == "GET":
        return json_response(worlds.list())
    if name is None and method == "POST":
        return json_response(worlds.create(await read_json(request)), 201)
    subresource = rest[2] if len(rest) > 2 else ""
    if subresource:
        if subresource != "changes" or len(rest) > 3:
            raise _not_found_path()
        if method != "POST":
            raise errors.method_not_allowed()
        return json_response(worlds.change(name, await read_json(request)))
    if name is not None and method == "GET":
        return json_response(worlds.get_live(name))
    if name is not None and method == "DELETE":
        worlds.delete(name)
        return json_response(status_success(name, "labworlds", discovery.SIM_GROUP))
    raise errors.method_not_allowed()


async def _core(
    request: Request,
    state: ServerState,
    tenant: Tenant,
    target: Target,
    group: str = "",
    user: User | None = None,
) -> Response:
    rtype = resource_type(target.resource, group)
    if rtype is None:
        raise _not_found_path()
    if target.subresource and target.subresource not in rtype.subresources:
        raise _not_found_path()
    query = request.query_params
    method = request.method
    dry_run = query.get("dryRun") == "All"
    namespace = target.namespace if rtype.namespaced else None
    accept = request.headers.get("accept", "")
    include = query.get("includeObject", "Metadata")
    if target.name is None:
        if method == "GET":
            if flag(query.get("watch")):
                return _watch(
                    state, tenant, rtype.plural, namespace, query, wants_table(accept), include
                )
            items, rv = tenant.list(
                rtype.plural, namespace, query.get("labelSelector"), query.get("fieldSelector")
            )
            if wants_table(accept):
                return json_response(table(rtype.plural, items, rv, tenant.clock.now(), include))
            return list_response(rtype.list_kind, rtype.api_version, rv, items)
        if method == "POST" and rtype.plural == "selfsubjectaccessreviews":
            review = self_subject_access_review(tenant, user, await read_json(request))
            return json_response(review, 201)
        if method == "POST":
            body, warnings = _decode(await read_json(request), rtype, query)
            created = tenant.create(
                rtype.plural, namespace, body, dry_run, query.get("fieldManager")
            )
            warnings += [warning_header(text) for text in tenant.admission_warnings]
            return _with_warnings(json_response(created, 201), warnings)
        raise errors.method_not_allowed()
    if method == "POST" and target.subresource == "token":
        body = await read_json(request)
        answer = state.simulator.request_token(tenant, namespace, target.name, body)
        return json_response(answer, 201)
    if method == "POST" and target.subresource == "eviction":
        return json_response(await _evict(request, tenant, namespace, target.name, dry_run), 201)
    if method == "GET":
        if target.subresource == "log":
            pod = tenant.get("pods", namespace, target.name)
            return PlainTextResponse(pod_log(pod, query, tenant.clock.now()))
        if target.subresource == "scale":
            return json_response(scale_of(tenant.get(rtype.plural, namespace, target.name)))
        obj = tenant.get(rtype.plural, namespace, target.name)
        if wants_table(accept) and not target.subresource:
            return json_response(
                table(
                    rtype.plural,
                    [obj],
                    obj["metadata"]["resourceVersion"],
                    tenant.clock.now(),
                    include,
                )
            )
        return Response(encoded(obj), media_type="application/json")
    if target.subresource == "scale" and method == "PUT":
        body = await read_json(request)
        return json_response(set_scale(tenant, rtype.plural, namespace, target.name, body, dry_run))
    if target.subresource == "scale" and method == "PATCH":
        raw, content_type = await request.body(), request.headers.get("content-type", "")
        scaled = patch_scale(
            tenant, rtype.plural, namespace, target.name, content_type, raw, dry_run
        )
        return json_response(scaled)
    if method == "PUT":
        body, warnings = _decode(await read_json(request), rtype, query)
        updated = tenant.update(
            rtype.plural, namespace, target.name, body, dry_run, target.subresource
        )
        warnings += [warning_header(text) for text in tenant.admission_warnings]
        return _with_warnings(json_response(updated), warnings)
    if method == "PATCH":
        raw = await request.body()
        content_type = request.headers.get("content-type", "")
        warnings: list[str] = []

        def decode(obj: dict[str, Any]) -> dict[str, Any]:
            kept, found = _decode(obj, rtype, query, patch=True)
            warnings.extend(found)
            return kept

        # Server-side apply creates a missing object, and answers 201 as a create does.
        scope = namespace if rtype.namespaced else ""
        created = tenant.store.get(rtype.plural, scope or "", target.name) is None
        patched = tenant.patch(
            rtype.plural,
            namespace,
            target.name,
            content_type,
            raw,
            dry_run,
            target.subresource,
            decode,
        )
        warnings += [warning_header(text) for text in tenant.admission_warnings]
        return _with_warnings(json_response(patched, 201 if created else 200), warnings)
    if method == "DELETE":
        grace = await _grace_period(request)
        deleted = tenant.delete(rtype.plural, namespace, target.name, grace, dry_run)
        if rtype.plural in ("pods", "namespaces"):
            return json_response(deleted)
        return json_response(status_success(target.name, rtype.plural, rtype.group))
    raise errors.method_not_allowed()


def _decode(
    body: Any, rtype: ResourceType, query: Any, patch: bool = False
) -> tuple[Any, list[str]]:
    """Server-side field validation (`fieldValidation` Strict, Warn or Ignore).

    A body the decoder refuses (a wrong JSON type, a malformed quantity) is a 400 before any
    unknown field is looked at: the serializer reports strict-decoding errors only for a body
    that decoded (apimachinery runtime/serializer/json Decode)."""
    if not isinstance(body, dict):
        return body, []
    kind = rtype.kind
    check_type_meta(body, kind)
    if not patch:
        check_types(without_nulls(body), kind, rtype.api_version)
    try:
        return decode_fields(body, kind, query.get("fieldValidation"), patch)
    except StrictDecodingError as err:
        raise errors.ApiError(err.status()) from err


def _with_warnings(response: Response, warnings: list[str]) -> Response:
    for warning in warnings:
        response.headers.append("Warning", warning)
    return response


async def _evict(
    request: Request, tenant: Tenant, namespace: str | None, name: str, dry_run: bool
) -> dict[str, Any]:
    """policy/v1 Eviction (kubectl drain): a graceful delete; no PodDisruptionBudgets here."""
    body = await read_json(request)
    options = body.get("deleteOptions") if isinstance(body, dict) else None
    options = options if isinstance(options, dict) else {}
    grace = options.get("gracePeriodSeconds")
    tenant.delete("pods", namespace, name, grace if isinstance(grace, int) else None, dry_run)
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


async def _grace_period(request: Request) -> int | None:
    text = request.query_params.get("gracePeriodSeconds")
    raw = await request.body()
    if raw:
        with contextlib.suppress(ValueError):
            import json

            options = json.loads(raw)
            if isinstance(options, dict) and options.get("gracePeriodSeconds") is not None:
                text = str(options["gracePeriodSeconds"])
    if text is None:
        return None
    try:
        return max(0, int(text))
    except ValueError as err:
        raise errors.bad_request(f'invalid gracePeriodSeconds "{text}"') from err


def _watch(
    state: ServerState,
    tenant: Tenant,
    resource: str,
    namespace: str | None,
    query: Any,
    as_table: bool,
    include: str,
) -> Response:
    matcher = tenant.matcher(resource, query.get("labelSelector"), query.get("fieldSelector"))
    timeout = float(query.get("timeoutSeconds") or 1800)
    request = WatchRequest(
        tenant=tenant,
        resource=resource,
        namespace=namespace,
        matcher=matcher,
        resource_version=query.get("resourceVersion"),
        timeout=timeout,
        bookmarks=flag(query.get("allowWatchBookmarks")),
        bookmark_interval=state.bookmark_interval,
        as_table=as_table,
        include=include,
        send_initial_events=flag(query.get("sendInitialEvents")),
        open_streams=state.open_streams,
    )
    return StreamingResponse(stream(request), media_type="application/json")


async def _ticker(state: ServerState) -> None:
    while True:
        try:
            state.simulator.advance()
        except Exception:
            log.exception("simulator tick failed")
        if state.collector is not None:
            state.collector.tick()
        # Behind (a work budget cut a run short): let requests in, then go on at once.
        await asyncio.sleep(0 if state.simulator.behind() else state.tick_seconds)


def create_app(
    simulator: Simulator,
    admin_token: str,
    tick_seconds: float = 0.05,
    bookmark_interval: float = 60.0,
    ca_pem: bytes | None = None,
    collector: FreezeLongLived | None = None,
) -> Starlette:
    """The ASGI app; `ca_pem` (the serving CA) is handed out in each LabWorld's status."""
    state = ServerState(
        simulator, admin_token, tick_seconds, bookmark_interval, ca_pem, collector=collector
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        task = asyncio.create_task(_ticker(state))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(
        routes=[Route("/{path:path}", dispatch, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])],
        lifespan=lifespan,
    )
    app.state.server = state
    return app
