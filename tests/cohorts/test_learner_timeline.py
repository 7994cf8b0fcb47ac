"""/cohorts/<id>/learners/<user_id>/: a learner's sessions and their numbered events."""

import re

import pytest
from django.urls import reverse

from cohorts.models import Cohort
from labs.models import LabSession, SessionEvent
from labs.pipeline import record, record_action
from tests.cohorts.factories import make_session, pass_step, waiting_pod

pytestmark = pytest.mark.django_db


def timeline_url(cohort: Cohort, user) -> str:
    return reverse("cohort_learner", kwargs={"cohort_id": cohort.pk, "user_id": user.pk})


def test_the_trainer_reads_the_numbered_stream(client, cohort, trainer, member):
    session = make_session(member)
    record_action(session.pk, "r1", "sent", action="create")
    record(session.pk, SessionEvent.Kind.POD, waiting_pod("p-1", "ImagePullBackOff", "gone"), "p")
    record_action(session.pk, "r1", "done", ok=False, message="forbidden")
    pass_step(session, "ifnp-cached", minutes_after_start=1)
    client.force_login(trainer)
    html = client.get(timeline_url(cohort, member)).content.decode()
    seqs = re.findall(r'<span class="seq">#(\d+)</span>', html)
    assert seqs == ["1", "2", "3", "4"]
    for line in (
        "learner sent: create",
        "pod p-1: ImagePullBackOff on node-1 (gone)",
        "API server rejected: forbidden",
        "step ifnp-cached passed",
        'data-testid="reset"',
        f'data-session="{session.pk}" data-live',
    ):
        assert line in html


def test_a_member_sees_their_own_progress_without_reset(client, cohort, member):
    make_session(member)
    client.force_login(member)
    response = client.get(timeline_url(cohort, member))
    assert response.status_code == 200
    assert 'data-testid="reset"' not in response.content.decode()


def test_a_member_cannot_see_another_member(client, cohort, member, outsider):
    cohort.memberships.create(learner=outsider)
    client.force_login(member)
    assert client.get(timeline_url(cohort, outsider)).status_code == 404


def test_an_outsider_gets_404(client, cohort, member, outsider):
    client.force_login(outsider)
    assert client.get(timeline_url(cohort, member)).status_code == 404


def test_the_trainer_cannot_see_someone_outside_the_cohort(client, cohort, trainer, outsider):
    client.force_login(trainer)
    assert client.get(timeline_url(cohort, outsider)).status_code == 404


def test_only_the_newest_running_session_follows_live(client, cohort, trainer, member):
    ended = make_session(member, state=LabSession.State.ENDED)
    client.force_login(trainer)
    assert "data-live" not in client.get(timeline_url(cohort, member)).content.decode()
    make_session(member)
    html = client.get(timeline_url(cohort, member)).content.decode()
    assert html.count("data-live") == 1
    assert f'data-session="{ended.pk}">' in html
