"""Trainers' and learners' cohort pages. Each view finds the cohort through the user first.

Who sees what: the cohort's trainer sees everything of its learners; a member learner sees only
their own progress; anyone else gets 404, so cohort ids reveal nothing.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clusters import tasks
from cohorts.exports import as_csv, export_rows
from cohorts.forms import CohortForm, JoinForm
from cohorts.models import Cohort, Membership, normalise_code
from cohorts.progress import build_board, cohort_sessions
from cohorts.stuck import IDLE_AFTER
from cohorts.timeline import describe
from labs.loader import load_labs
from labs.models import LabSession

LIVE_STATES = (LabSession.State.PROVISIONING, LabSession.State.READY)
TIMELINE_LIMIT = 1000  # events shown per session, so one runaway session cannot stall the page


def _trainer_cohort(request: HttpRequest, cohort_id: int) -> Cohort:
    """The cohort if the user runs it; 404 otherwise."""
    return get_object_or_404(Cohort, pk=cohort_id, trainer=request.user)


def _visible_cohort(request: HttpRequest, cohort_id: int) -> tuple[Cohort, bool]:
    """(cohort, is_trainer) for its trainer or a member; 404 for anyone else."""
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    if cohort.trainer_id == request.user.pk:
        return cohort, True
    if cohort.memberships.filter(learner=request.user).exists():
        return cohort, False
    raise Http404("No such cohort")


@login_required
def cohort_list(request: HttpRequest) -> HttpResponse:
    context = {
        "running": Cohort.objects.filter(trainer=request.user).annotate(
            learners=Count("memberships")
        ),
        "memberships": Membership.objects.filter(learner=request.user).select_related("cohort"),
        "join_form": JoinForm(),
    }
    return render(request, "cohorts/list.html", context)


@login_required
def new_cohort(request: HttpRequest) -> HttpResponse:
    # Staff accounts are trainers; a learner cannot open a cohort and watch others.
    if not request.user.is_staff:
        raise Http404("No such page")
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cohort = form.save(commit=False)
        cohort.trainer = request.user
        cohort.save()
        return redirect("cohort_board", cohort_id=cohort.pk)
    return render(request, "cohorts/form.html", {"form": form})


@login_required
def edit_cohort(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _trainer_cohort(request, cohort_id)
    form = CohortForm(request.POST or None, instance=cohort)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("cohort_board", cohort_id=cohort.pk)
    return render(request, "cohorts/form.html", {"form": form, "cohort": cohort})


@login_required
def join(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        code = normalise_code(form.cleaned_data["code"])
        cohort = Cohort.objects.filter(join_code=code).first()
        if cohort is None:
            form.add_error("code", "No cohort has this join code. Check it with your trainer.")
        elif problem := cohort.join_problem():
            form.add_error("code", problem)
        else:
            _, created = Membership.objects.get_or_create(cohort=cohort, learner=request.user)
            verb = "You joined" if created else "You are already in"
            messages.info(request, f"{verb} {cohort.name}.")
            return redirect("catalogue")
    return render(request, "cohorts/join.html", {"form": form})


@login_required
def board(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort, is_trainer = _visible_cohort(request, cohort_id)
    if not is_trainer:
        return redirect("cohort_learner", cohort_id=cohort.pk, user_id=request.user.pk)
    progress = build_board(cohort)
    page_config: dict[str, Any] = {
        "ws": f"/ws/cohorts/{cohort.pk}/board/",
        "labTitles": {lab.id: lab.title for lab in progress.labs},
        "labSteps": {lab.id: len(lab.steps) for lab in progress.labs},
        "idleMinutes": int(IDLE_AFTER.total_seconds() // 60),
    }
    join_url = request.build_absolute_uri(reverse("cohort_join")) + f"?code={cohort.join_code}"
    context = {"board": progress, "page_config": page_config, "join_url": join_url}
    return render(request, "cohorts/board.html", context)


@login_required
def learner_timeline(request: HttpRequest, cohort_id: int, user_id: int) -> HttpResponse:
    cohort, is_trainer = _visible_cohort(request, cohort_id)
    if not is_trainer and user_id != request.user.pk:
        raise Http404("No such learner")
    membership = get_object_or_404(
        Membership.objects.select_related("learner"), cohort=cohort, learner_id=user_id
    )
    labs = load_labs()
    sessions = []
    for index, session in enumerate(cohort_sessions(cohort, [user_id])):
        events = session.events.order_by("seq")[:TIMELINE_LIMIT]
        lines = [describe(e.seq, e.kind, e.payload, e.created_at) for e in events]
        lab = labs.get(session.lab_id)
        # The newest session, while its world exists, follows along live (static/js/timeline.js).
        live = index == 0 and session.state in LIVE_STATES
        sessions.append(
            {"session": session, "title": lab.title if lab else "", "lines": lines, "live": live}
        )
    context = {
        "cohort": cohort,
        "learner": membership.learner,
        "sessions": sessions,
        "is_trainer": is_trainer,
    }
    return render(request, "cohorts/learner.html", context)


@login_required
@require_POST
def reset_session(request: HttpRequest, cohort_id: int, user_id: int, session_id: int):
    """End the learner's session and start a fresh one of the same lab (Celery, by id)."""
    cohort = _trainer_cohort(request, cohort_id)
    session = get_object_or_404(
        cohort_sessions(cohort, [user_id]).filter(owner__memberships__cohort=cohort),
        pk=session_id,
    )
    newer = LabSession.objects.filter(
        owner_id=user_id, lab_id=session.lab_id, created_at__gt=session.created_at
    )
    if newer.exists():
        messages.info(request, "This session was already replaced by a newer one.")
    else:
        fresh = LabSession.objects.create(owner_id=user_id, lab_id=session.lab_id)
        transaction.on_commit(lambda: tasks.end_session.delay(session.pk))
        transaction.on_commit(lambda: tasks.provision_session.delay(fresh.pk))
        messages.info(request, f"Session #{session.pk} is ending; #{fresh.pk} is starting.")
    return redirect("cohort_learner", cohort_id=cohort.pk, user_id=user_id)


@login_required
@require_POST
def remove_learner(request: HttpRequest, cohort_id: int, user_id: int) -> HttpResponse:
    """Take a learner off the cohort; their sessions stay theirs and keep running."""
    cohort = _trainer_cohort(request, cohort_id)
    membership = get_object_or_404(
        Membership.objects.select_related("learner"), cohort=cohort, learner_id=user_id
    )
    membership.delete()
    messages.info(request, f"{membership.learner.get_username()} is no longer in {cohort.name}.")
    return redirect("cohort_board", cohort_id=cohort.pk)


@login_required
@require_POST
def regenerate_code(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _trainer_cohort(request, cohort_id)
    code = cohort.regenerate_code()
    messages.info(request, f"The new join code is {code}; the old one no longer works.")
    return redirect("cohort_board", cohort_id=cohort.pk)


@login_required
def export_csv(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _trainer_cohort(request, cohort_id)
    response = HttpResponse(as_csv(build_board(cohort)), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cohort-{cohort.pk}-{stamp}.csv"'
    return response


@login_required
def export_json(request: HttpRequest, cohort_id: int) -> JsonResponse:
    cohort = _trainer_cohort(request, cohort_id)
    body = {
        "cohort": {"id": cohort.pk, "name": cohort.name},
        "rows": export_rows(build_board(cohort)),
    }
    return JsonResponse(body, json_dumps_params={"indent": 2})
