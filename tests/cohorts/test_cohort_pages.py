"""/cohorts/ (mine and the ones I am in), /cohorts/new/ (trainers), a new join code."""

import pytest
from django.urls import reverse

from cohorts.models import Cohort

pytestmark = pytest.mark.django_db


def test_the_list_shows_cohorts_run_and_joined(client, cohort, trainer, member):
    client.force_login(trainer)
    assert cohort.join_code in client.get(reverse("cohort_list")).content.decode()
    client.force_login(member)
    html = client.get(reverse("cohort_list")).content.decode()
    assert cohort.name in html and cohort.join_code not in html


def test_the_list_never_shows_an_outsider_the_cohort(client, cohort, outsider):
    client.force_login(outsider)
    assert cohort.name not in client.get(reverse("cohort_list")).content.decode()


def test_a_trainer_creates_a_cohort(client, trainer):
    client.force_login(trainer)
    response = client.post(reverse("cohort_new"), {"name": "Friday", "lab_ids": ["three-policies"]})
    cohort = Cohort.objects.get(name="Friday")
    assert (cohort.trainer, cohort.lab_ids) == (trainer, ["three-policies"])
    assert response.url == reverse("cohort_board", kwargs={"cohort_id": cohort.pk})


def test_dates_must_be_in_order(client, trainer):
    client.force_login(trainer)
    data = {"name": "Late", "starts_at": "2026-12-02T10:00", "ends_at": "2026-12-01T10:00"}
    response = client.post(reverse("cohort_new"), data)
    assert "Joining must close after it opens." in response.content.decode()
    assert not Cohort.objects.exists()


def test_an_unknown_lab_is_refused(client, trainer):
    client.force_login(trainer)
    response = client.post(reverse("cohort_new"), {"name": "X", "lab_ids": ["nope"]})
    assert "Select a valid choice" in response.content.decode()


def test_a_learner_cannot_create_a_cohort(client, member):
    client.force_login(member)
    assert client.get(reverse("cohort_new")).status_code == 404
    assert client.post(reverse("cohort_new"), {"name": "Mine"}).status_code == 404


def test_the_trainer_gets_a_new_join_code(client, cohort, trainer):
    old = cohort.join_code
    client.force_login(trainer)
    response = client.post(reverse("cohort_regenerate_code", kwargs={"cohort_id": cohort.pk}))
    cohort.refresh_from_db()
    assert cohort.join_code != old
    assert response.url == reverse("cohort_board", kwargs={"cohort_id": cohort.pk})


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_nobody_else_changes_the_code(client, cohort, member, outsider, who):
    old = cohort.join_code
    client.force_login(member if who == "member" else outsider)
    url = reverse("cohort_regenerate_code", kwargs={"cohort_id": cohort.pk})
    assert client.post(url).status_code == 404
    cohort.refresh_from_db()
    assert cohort.join_code == old


def test_the_trainer_edits_the_cohort(client, cohort, trainer):
    client.force_login(trainer)
    url = reverse("cohort_edit", kwargs={"cohort_id": cohort.pk})
    assert 'value="three-policies"' in client.get(url).content.decode()
    response = client.post(url, {"name": "Renamed", "ends_at": "2030-01-01T09:00"})
    cohort.refresh_from_db()
    assert (cohort.name, cohort.lab_ids, cohort.ends_at.year) == ("Renamed", [], 2030)
    assert response.url == reverse("cohort_board", kwargs={"cohort_id": cohort.pk})


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_nobody_else_edits_it(client, cohort, member, outsider, who):
    client.force_login(member if who == "member" else outsider)
    url = reverse("cohort_edit", kwargs={"cohort_id": cohort.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Mine now"}).status_code == 404
    cohort.refresh_from_db()
    assert cohort.name == "Tuesday workshop"
