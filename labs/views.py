"""The learner's pages. Each view checks ownership first; cluster work goes to Celery by id."""

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_POST

from clusters import tasks
from clusters.realcluster.imagenames import session_image_names
from clusters.worldchanges import real_cluster_refusal
from labs.catalogue import areas_for
from labs.loader import Lab, get_lab, load_labs
from labs.manifests import (
    POLICIES,
    ManifestError,
    parse_manifest,
    pod_from_form,
    starter_image,
    starter_manifest,
)
from labs.models import LabSession
from labs.nodeactions import NODE_ACTIONS, parse_node_action
from labs.pipeline import record_action

STATUS_LABELS = {
    LabSession.State.PROVISIONING: "Provisioning…",
    LabSession.State.READY: "Ready",
    LabSession.State.FAILED: "Failed",
    LabSession.State.ENDED: "Ended",
}


def _owned_session(request: HttpRequest, session_id: int) -> LabSession:
    """The session if the user owns it; 404 otherwise, so ids of others reveal nothing."""
    return get_object_or_404(LabSession, pk=session_id, owner=request.user)


def _lab_or_404(lab_id: str) -> Lab:
    lab = get_lab(lab_id)
    if lab is None:
        raise Http404("No such lab")
    return lab


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    sessions = LabSession.objects.live().filter(owner=request.user).order_by("-created_at")
    labs = load_labs()
    live = [(s, labs.get(s.lab_id)) for s in sessions]
    context = {"areas": areas_for(request.user), "live": live}
    return render(request, "labs/catalogue.html", context)


@login_required
@require_POST
def start_lab(request: HttpRequest, lab_id: str) -> HttpResponse:
    lab = _lab_or_404(lab_id)
    # One running world per learner and lab: starting again returns to it (End lab first for
    # a fresh one), so repeated clicks never pile up worlds on the cluster.
    running = LabSession.objects.live().filter(owner=request.user, lab_id=lab.id).first()
    if running is not None:
        return redirect("session", session_id=running.pk)
    session = LabSession.objects.create(owner=request.user, lab_id=lab.id)
    transaction.on_commit(lambda: tasks.provision_session.delay(session.pk))
    return redirect("session", session_id=session.pk)


@login_required
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _owned_session(request, session_id)
    lab = _lab_or_404(session.lab_id)
    passed = set(session.step_results.values_list("step_id", flat=True))
    image_names = _image_name_pairs(lab, session)
    image = starter_image(lab.world, image_names)
    context: dict[str, Any] = {
        "session": session,
        "lab": lab,
        "steps": [(step, "passed" if step.id in passed else "open") for step in lab.steps],
        "status_label": STATUS_LABELS[session.state],
        "policies": POLICIES,
        "node_actions": [(a, NODE_ACTIONS[a]) for a in lab.node_actions],
        # On a real cluster the platform cannot reach nodes' files: say so instead of a form.
        "real_cluster": bool(settings.CLUSTER_KUBECONFIG),
        "simulator_only": real_cluster_refusal(", ".join(lab.node_actions)),
        "image_names": image_names,
        "starter_image": image,
        "starter_manifest": starter_manifest(image),
        "page_config": {
            "ws": f"/ws/sessions/{session.pk}/",
            "deletePod": reverse("delete_pod", args=[session.pk, "POD"]),
            "statusLabels": STATUS_LABELS,
        },
    }
    return render(request, "labs/session.html", context)


def _image_name_pairs(lab: Any, session: LabSession) -> list[tuple[str, str]]:
    names = session_image_names(lab.world, session.namespace)
    return names.pairs() if names else []


@login_required
def download_kubeconfig(request: HttpRequest, session_id: int) -> HttpResponse:
    """The learner's own credentials, for kubectl on their machine."""
    session = _owned_session(request, session_id)
    if session.state != LabSession.State.READY:
        raise Http404("This lab is not running")
    response = HttpResponse(session.kubeconfig, content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="{session.namespace}.kubeconfig"'
    response["Cache-Control"] = "no-store"
    return response


def _answer(request: HttpRequest, session: LabSession, error: str = "") -> HttpResponse:
    """The inline answer: a fragment for the error area (htmx), or back to the page."""
    if request.headers.get("HX-Request"):
        return HttpResponse(escape(error))
    return redirect("session", session_id=session.pk)


def _send(
    session: LabSession, action: str, task, *args: Any, details: dict[str, Any] | None = None
) -> None:
    request_id = uuid.uuid4().hex
    record_action(session.pk, request_id, "sent", action=action, **(details or {}))
    transaction.on_commit(lambda: task.delay(session.pk, request_id, *args))


def session_action(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A POST on the learner's own running session; other sessions are 404."""

    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, session_id: int, **kwargs: Any) -> HttpResponse:
        session = _owned_session(request, session_id)
        if session.state == LabSession.State.PROVISIONING:
            return _answer(request, session, "Your lab is still starting. Try again in a moment.")
        if session.state != LabSession.State.READY:
            return _answer(request, session, "This lab session has ended.")
        return view(request, session, **kwargs)

    return wrapper


@session_action
def apply_manifest(request: HttpRequest, session: LabSession) -> HttpResponse:
    try:
        manifest = parse_manifest(request.POST.get("manifest", ""))
    except ManifestError as exc:
        return _answer(request, session, str(exc))
    _send(session, "apply", tasks.apply_manifest, manifest)
    return _answer(request, session)


@session_action
def create_pod(request: HttpRequest, session: LabSession) -> HttpResponse:
    manifest = pod_from_form(
        name=request.POST.get("pod_name", ""),
        image=request.POST.get("image", ""),
        policy=request.POST.get("policy", ""),
        node=request.POST.get("node", ""),
    )
    _send(session, "create", tasks.apply_manifest, manifest)
    return _answer(request, session)


@session_action
def delete_pod(request: HttpRequest, session: LabSession, pod_name: str) -> HttpResponse:
    _send(session, "delete", tasks.delete_pod, pod_name)
    return _answer(request, session)


@session_action
def node_action(request: HttpRequest, session: LabSession) -> HttpResponse:
    """The node panel: one world action the lab offers, made by a task after commit."""
    lab = _lab_or_404(session.lab_id)
    if not lab.node_actions:
        raise Http404("This lab has no node panel")
    try:
        change = parse_node_action(
            request.POST.get("action", ""), request.POST.get("change", ""), lab.node_actions
        )
    except ManifestError as exc:
        return _answer(request, session, str(exc))
    _send(session, "node", tasks.change_world, details={"change": change})
    return _answer(request, session)


@login_required
@require_POST
def end_session(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _owned_session(request, session_id)
    if session.state != LabSession.State.ENDED:
        transaction.on_commit(lambda: tasks.end_session.delay(session.pk))
    return redirect("catalogue")
