"""Quiz pages: an area's quiz, graded with each question's explanation, and the timed drill.

Attempts belong to their learner: another learner's attempt is a 404.
"""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from labs.catalogue import AREA_TITLES
from labs.models import QuizAttempt
from labs.quiz import Question, Quiz, get_quiz, grade

# A timed answer sent this long after the deadline still counts (the auto-submit's round trip).
GRACE = timedelta(seconds=5)


def _quiz_or_404(area: int, timed: bool = False) -> Quiz:
    quiz = get_quiz(area)
    if quiz is None or (timed and quiz.timed is None):
        raise Http404("No such quiz")
    return quiz


def _area_title(quiz: Quiz) -> str:
    """The roadmap's name of the quiz's area, as the catalogue shows it."""
    return AREA_TITLES.get(quiz.area, quiz.title)


def _answers(request: HttpRequest, questions: tuple[Question, ...]) -> dict[str, str]:
    """The choice text given for each question; anything not among its choices is ignored."""
    given = {q: request.POST.get(q.id, "") for q in questions}
    return {q.id: text for q, text in given.items() if text in q.choices}


def _result(request: HttpRequest, quiz: Quiz, attempt: QuizAttempt) -> HttpResponse:
    graded = grade(quiz.section(attempt.timed), attempt.answers)
    late = bool(attempt.deadline and attempt.submitted_at > attempt.deadline + GRACE)
    context = {
        "quiz": quiz,
        "area_title": _area_title(quiz),
        "attempt": attempt,
        "graded": graded,
        "late": late,
    }
    return render(request, "labs/quiz_result.html", context)


def _submit(attempt: QuizAttempt, quiz: Quiz, answers: dict[str, str]) -> None:
    questions = quiz.section(attempt.timed)
    attempt.answers = answers
    attempt.submitted_at = timezone.now()
    if attempt.deadline and attempt.submitted_at > attempt.deadline + GRACE:
        # Out of time: only what was answered counts, and an answer sent late is not one.
        attempt.answers = {}
    attempt.score = sum(g.correct for g in grade(questions, attempt.answers))
    attempt.total = len(questions)
    attempt.save(update_fields=["answers", "submitted_at", "score", "total"])


@login_required
def quiz_page(request: HttpRequest, area: int) -> HttpResponse:
    quiz = _quiz_or_404(area)
    if request.method == "POST":
        attempt = QuizAttempt(owner=request.user, area=area)
        attempt.save()
        _submit(attempt, quiz, _answers(request, quiz.questions))
        return _result(request, quiz, attempt)
    context = {"quiz": quiz, "area_title": _area_title(quiz)}
    return render(request, "labs/quiz.html", context)


@login_required
@require_POST
def start_timed(request: HttpRequest, area: int) -> HttpResponse:
    quiz = _quiz_or_404(area, timed=True)
    attempt = QuizAttempt.objects.create(
        owner=request.user,
        area=area,
        timed=True,
        deadline=timezone.now() + timedelta(minutes=quiz.timed.minutes),
    )
    return redirect("quiz_attempt", attempt_id=attempt.pk)


@login_required
def attempt_page(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_object_or_404(QuizAttempt, pk=attempt_id, owner=request.user, timed=True)
    quiz = _quiz_or_404(attempt.area, timed=True)
    if attempt.submitted_at is None and request.method == "POST":
        _submit(attempt, quiz, _answers(request, quiz.timed.questions))
    if attempt.submitted_at is not None:
        return _result(request, quiz, attempt)
    seconds_left = max(0, int((attempt.deadline - timezone.now()).total_seconds()))
    context = {
        "quiz": quiz,
        "area_title": _area_title(quiz),
        "attempt": attempt,
        "seconds_left": seconds_left,
    }
    return render(request, "labs/quiz_timed.html", context)
