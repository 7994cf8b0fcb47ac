"""Quiz pages: graded with explanations and sources, attempts stored per learner, timed drill."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from labs.models import QuizAttempt
from labs.quiz import get_quiz

pytestmark = pytest.mark.django_db


def right_answers(area: int, timed: bool = False) -> dict[str, str]:
    return {q.id: q.answer for q in get_quiz(area).section(timed)}


def test_the_quiz_page_shows_every_question_of_the_area(client, learner):
    client.force_login(learner)
    response = client.get(reverse("quiz", args=[7]))
    assert response.status_code == 200
    for question in get_quiz(7).questions:
        assert f'data-question="{question.id}"'.encode() in response.content


def test_an_unknown_area_is_404(client, learner):
    client.force_login(learner)
    assert client.get(reverse("quiz", args=[21])).status_code == 404


def test_submitting_grades_stores_the_attempt_and_explains_each_question(client, learner):
    client.force_login(learner)
    answers = right_answers(3)
    wrong_id = next(iter(answers))
    question = get_quiz(3).questions[0]
    answers[wrong_id] = next(c for c in question.choices if c != question.answer)
    response = client.post(reverse("quiz", args=[3]), answers)
    attempt = QuizAttempt.objects.get(owner=learner, area=3)
    total = len(get_quiz(3).questions)
    assert (attempt.score, attempt.total) == (total - 1, total)
    assert f'data-question="{wrong_id}" data-correct="false"'.encode() in response.content
    assert question.source.encode() in response.content
    assert b"Not quite." in response.content


def test_an_answer_that_is_not_a_choice_counts_as_unanswered(client, learner):
    client.force_login(learner)
    first = get_quiz(1).questions[0]
    client.post(reverse("quiz", args=[1]), {first.id: "made up"})
    assert QuizAttempt.objects.get(owner=learner).answers == {}


def test_the_timed_drill_starts_with_a_deadline_and_scores_on_submit(client, learner):
    client.force_login(learner)
    response = client.post(reverse("start_timed_quiz", args=[20]))
    attempt = QuizAttempt.objects.get(owner=learner, timed=True)
    minutes = get_quiz(20).timed.minutes
    assert attempt.deadline - attempt.started_at == pytest.approx(
        timedelta(minutes=minutes), abs=timedelta(seconds=2)
    )
    page = client.get(response.url)
    assert b'id="countdown"' in page.content
    client.post(response.url, right_answers(20, timed=True))
    attempt.refresh_from_db()
    assert attempt.score == attempt.total == len(get_quiz(20).timed.questions)


def test_answers_that_arrive_after_the_deadline_do_not_count(client, learner):
    client.force_login(learner)
    client.post(reverse("start_timed_quiz", args=[20]))
    attempt = QuizAttempt.objects.get(owner=learner)
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    response = client.post(reverse("quiz_attempt", args=[attempt.pk]), right_answers(20, True))
    attempt.refresh_from_db()
    assert attempt.score == 0 and attempt.submitted_at is not None
    assert b"Time was up" in response.content


def test_a_submitted_attempt_cannot_be_answered_again(client, learner):
    client.force_login(learner)
    client.post(reverse("start_timed_quiz", args=[20]))
    attempt = QuizAttempt.objects.get(owner=learner)
    client.post(reverse("quiz_attempt", args=[attempt.pk]), {})
    client.post(reverse("quiz_attempt", args=[attempt.pk]), right_answers(20, True))
    attempt.refresh_from_db()
    assert attempt.score == 0


def test_only_area_20_has_a_timed_drill(client, learner):
    client.force_login(learner)
    assert client.post(reverse("start_timed_quiz", args=[1])).status_code == 404


def test_another_learner_gets_404_for_my_attempt(client, learner, other_learner):
    client.force_login(learner)
    client.post(reverse("start_timed_quiz", args=[20]))
    attempt = QuizAttempt.objects.get(owner=learner)
    client.force_login(other_learner)
    assert client.get(reverse("quiz_attempt", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("quiz_attempt", args=[attempt.pk]), {}).status_code == 404


def test_the_quiz_its_result_and_the_timed_drill_name_the_area_as_the_catalogue_does(
    client, learner
):
    client.force_login(learner)
    assert (
        b"<h1>Quiz: Core concept understanding</h1>"
        in client.get(reverse("quiz", args=[1])).content
    )
    result = client.post(reverse("quiz", args=[1]), right_answers(1))
    assert b"<h1>Quiz: Core concept understanding</h1>" in result.content
    drill = client.get(client.post(reverse("start_timed_quiz", args=[20])).url)
    assert b"<h1>Timed drill: Interview and certification prep</h1>" in drill.content
