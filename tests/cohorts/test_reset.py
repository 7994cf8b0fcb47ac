"""Resetting a learner's session: end it and start a fresh one, both through Celery by id."""

import pytest
from django.urls import reverse

from labs.models import LabSession
from tests.cohorts.factories import make_session

pytestmark = pytest.mark.django_db


def reset_url(cohort, session) -> str:
    kwargs = {"cohort_id": cohort.pk, "user_id": session.owner_id, "session_id": session.pk}
    return reverse("cohort_reset_session", kwargs=kwargs)


def test_the_trainer_resets_a_session_through_two_tasks(
    client, cohort, trainer, member, django_capture_on_commit_callbacks, monkeypatch
):
    session = make_session(member)
    sent = []
    monkeypatch.setattr("clusters.tasks.end_session.delay", lambda pk: sent.append(("end", pk)))
    monkeypatch.setattr(
        "clusters.tasks.provision_session.delay", lambda pk: sent.append(("provision", pk))
    )
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reset_url(cohort, session))
    fresh = LabSession.objects.exclude(pk=session.pk).get(owner=member)
    assert (fresh.lab_id, fresh.state) == (session.lab_id, LabSession.State.PROVISIONING)
    assert sent == [("end", session.pk), ("provision", fresh.pk)]
    assert response.url.endswith(f"/learners/{member.pk}/")


def test_resetting_a_replaced_session_starts_nothing(
    client, cohort, trainer, member, django_capture_on_commit_callbacks
):
    old = make_session(member, minutes_ago=10)
    make_session(member)
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reset_url(cohort, old), follow=True)
    assert callbacks == []
    assert LabSession.objects.filter(owner=member).count() == 2
    assert "already replaced" in response.content.decode()


def test_it_is_post_only(client, cohort, trainer, member):
    client.force_login(trainer)
    assert client.get(reset_url(cohort, make_session(member))).status_code == 405


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_only_the_trainer_may_reset(client, cohort, member, outsider, who):
    session = make_session(member)
    client.force_login(member if who == "member" else outsider)
    assert client.post(reset_url(cohort, session)).status_code == 404
    assert LabSession.objects.filter(owner=member).count() == 1


def test_a_session_of_someone_outside_the_cohort_is_404(client, cohort, trainer, outsider):
    client.force_login(trainer)
    assert client.post(reset_url(cohort, make_session(outsider))).status_code == 404
