"""/cohorts/<id>/: the trainer's board; a member is sent to their own progress; others 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cohorts.models import Cohort, Membership
from labs.models import SessionEvent, StepResult
from labs.pipeline import record, record_action
from tests.cohorts.factories import make_session, pass_step, waiting_pod

pytestmark = pytest.mark.django_db


def board_url(cohort: Cohort) -> str:
    return reverse("cohort_board", kwargs={"cohort_id": cohort.pk})


def test_it_requires_login(client, cohort):
    assert client.get(board_url(cohort)).url.startswith(reverse("login"))


def test_an_outsider_gets_404(client, cohort, outsider):
    client.force_login(outsider)
    assert client.get(board_url(cohort)).status_code == 404


def test_a_member_is_sent_to_their_own_progress(client, cohort, member):
    client.force_login(member)
    response = client.get(board_url(cohort))
    assert response.url == reverse(
        "cohort_learner", kwargs={"cohort_id": cohort.pk, "user_id": member.pk}
    )


def test_the_trainer_sees_a_row_per_learner_and_a_cell_per_step(client, cohort, trainer, member):
    session = make_session(member, minutes_ago=5)
    pass_step(session, "ifnp-cached", minutes_after_start=2)
    client.force_login(trainer)
    html = client.get(board_url(cohort)).content.decode()
    assert f'data-learner="{member.pk}"' in html
    assert html.count('class="cell"') == 4
    assert html.count('data-state="passed"') == 1
    assert f'data-session="{session.pk}"' in html
    assert cohort.join_code in html
    assert f"/ws/cohorts/{cohort.pk}/board/" in html


def test_the_board_says_who_is_stuck_and_why(client, cohort, trainer, member):
    session = make_session(member)
    record(session.pk, SessionEvent.Kind.POD, waiting_pod("p-1", "ErrImageNeverPull", "no"), "k1")
    record_action(session.pk, "r1", "done", ok=False, message='pods "p-1" already exists')
    client.force_login(trainer)
    html = client.get(board_url(cohort)).content.decode()
    assert 'data-slot="pod" data-reason="ErrImageNeverPull"' in html
    assert "pod p-1: no" in html
    assert "pods &quot;p-1&quot; already exists" in html
    assert '<strong data-testid="stuck-count">1</strong> of 1 learner stuck' in html


def test_a_pull_error_that_a_passed_step_asked_for_is_no_problem(client, cohort, trainer, member):
    # three-policies step 4: p-never-2 on an empty node must end in ErrImageNeverPull
    session = make_session(member)
    error = waiting_pod("p-never-2", "ErrImageNeverPull", "not present")
    evidence = record(session.pk, SessionEvent.Kind.POD, error, "k1")
    StepResult.objects.create(session=session, step_id="never-uncached", evidence_seq=evidence.seq)
    record(session.pk, SessionEvent.Kind.POD, {**error, "watch": "MODIFIED"}, "k2")
    client.force_login(trainer)
    html = client.get(board_url(cohort)).content.decode()
    assert "data-slot=" not in html

    record(session.pk, SessionEvent.Kind.POD, waiting_pod("p-2", "ErrImagePull", "no"), "k3")
    html = client.get(board_url(cohort)).content.decode()
    assert 'data-slot="pod" data-reason="ErrImagePull"' in html


def test_only_the_latest_pod_and_answer_count(client, cohort, trainer, member):
    session = make_session(member)
    record(session.pk, SessionEvent.Kind.POD, waiting_pod("p-1", "ErrImagePull", "no"), "k1")
    record(session.pk, SessionEvent.Kind.POD, waiting_pod("p-1", "", ""), "k2")
    record_action(session.pk, "r1", "done", ok=False, message="no")
    record_action(session.pk, "r2", "done", ok=True, message="pod/p-2 created")
    client.force_login(trainer)
    html = client.get(board_url(cohort)).content.decode()
    assert "data-slot=" not in html


def test_a_learner_of_another_cohort_is_not_on_the_board(client, cohort, trainer, outsider):
    other = Cohort.objects.create(name="Other", trainer=outsider)
    Membership.objects.create(cohort=other, learner=outsider)
    make_session(outsider)
    client.force_login(trainer)
    assert f'data-learner="{outsider.pk}"' not in client.get(board_url(cohort)).content.decode()


def test_another_trainer_gets_404(client, cohort, django_user_model):
    rival = django_user_model.objects.create_user("rival", password="x", is_staff=True)
    client.force_login(rival)
    assert client.get(board_url(cohort)).status_code == 404


def test_the_board_costs_the_same_queries_for_one_learner_or_ten(
    client, cohort, trainer, member, django_user_model
):
    def board_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(board_url(cohort)).status_code == 200
        return len(captured)

    def progress_of(learner) -> None:
        session = make_session(learner)
        pass_step(session, "ifnp-cached", minutes_after_start=1)
        record(session.pk, SessionEvent.Kind.POD, waiting_pod("p", "ErrImagePull", "no"), "k")
        record_action(session.pk, "r", "done", ok=False, message="no")

    progress_of(member)
    client.force_login(trainer)
    one = board_queries()
    for n in range(9):
        learner = django_user_model.objects.create_user(f"l{n}", password="x")
        cohort.memberships.create(learner=learner)
        progress_of(learner)
    assert board_queries() == one


def test_a_cohort_without_a_lab_list_shows_the_labs_its_learners_started(
    client, cohort, trainer, member
):
    Cohort.objects.filter(pk=cohort.pk).update(lab_ids=[])
    client.force_login(trainer)
    assert 'class="cell"' not in client.get(board_url(cohort)).content.decode()
    make_session(member)
    html = client.get(board_url(cohort)).content.decode()
    assert html.count('class="cell"') == 4
    assert 'data-lab="three-policies"' in html
