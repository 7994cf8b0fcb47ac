"""The catalogue: 20 areas in roadmap order, each lab with the learner's progress, each quiz."""

import pytest
from django.urls import reverse

from labs.catalogue import AREA_TITLES, areas_for
from labs.loader import load_labs
from labs.models import LabSession, QuizAttempt, StepResult

pytestmark = pytest.mark.django_db
LAB_1 = "three-policies"


def progress_of(user, lab_id: str) -> str:
    areas = areas_for(user)
    return next(item.label for a in areas for item in a.labs if item.lab.id == lab_id)


def pass_steps(session: LabSession, count: int) -> None:
    for seq, step in enumerate(load_labs()[session.lab_id].steps[:count], start=1):
        StepResult.objects.create(session=session, step_id=step.id, evidence_seq=seq)


def test_the_catalogue_has_the_20_roadmap_areas_in_order_each_with_a_quiz(client, learner):
    client.force_login(learner)
    response = client.get(reverse("catalogue"))
    content = response.content.decode()
    positions = [content.index(f'data-area="{n}"') for n in range(1, 21)]
    assert positions == sorted(positions)
    assert all(f'data-quiz="{n}"' in content for n in range(1, 21))
    assert AREA_TITLES[19] in content


@pytest.mark.parametrize(
    ("sessions", "label"),
    [
        pytest.param([], "not started", id="no-session"),
        pytest.param([0], "in progress 0/4 steps", id="started-nothing-passed"),
        pytest.param([2, 1], "in progress 2/4 steps", id="best-session-counts"),
        pytest.param([1, 4], "done", id="one-session-passed-all"),
    ],
)
def test_lab_progress_is_the_best_of_the_learners_sessions(learner, sessions, label):
    for count in sessions:
        session = LabSession.objects.create(owner=learner, lab_id=LAB_1)
        pass_steps(session, count)
    assert progress_of(learner, LAB_1) == label


def test_progress_is_per_learner(learner, other_learner):
    pass_steps(LabSession.objects.create(owner=other_learner, lab_id=LAB_1), 4)
    assert progress_of(learner, LAB_1) == "not started"


def test_the_best_quiz_score_shows_in_its_area(client, learner):
    QuizAttempt.objects.create(
        owner=learner, area=5, score=3, total=6, submitted_at="2026-11-28T12:00Z"
    )
    QuizAttempt.objects.create(
        owner=learner, area=5, score=5, total=6, submitted_at="2026-11-28T12:05Z"
    )
    client.force_login(learner)
    assert b"Your best: 5 / 6" in client.get(reverse("catalogue")).content
