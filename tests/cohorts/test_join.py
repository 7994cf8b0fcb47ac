"""/cohorts/join/: a learner joins with a code; a bad, early or late code gets a clear message."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Membership

pytestmark = pytest.mark.django_db
URL = reverse("cohort_join")


def test_it_requires_login(client, cohort):
    response = client.post(URL, {"code": cohort.join_code})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_learner_joins_with_the_code_typed_loosely(client, cohort, outsider):
    client.force_login(outsider)
    loose = f" {cohort.join_code[:4].lower()}-{cohort.join_code[4:]} "
    response = client.post(URL, {"code": loose}, follow=True)
    assert Membership.objects.filter(cohort=cohort, learner=outsider).exists()
    assert f"You joined {cohort.name}." in response.content.decode()


def test_joining_twice_keeps_one_membership(client, cohort, member):
    client.force_login(member)
    response = client.post(URL, {"code": cohort.join_code}, follow=True)
    assert Membership.objects.filter(cohort=cohort, learner=member).count() == 1
    assert f"You are already in {cohort.name}." in response.content.decode()


def test_a_wrong_code_says_so(client, cohort, outsider):
    client.force_login(outsider)
    response = client.post(URL, {"code": "ZZZZZZZZ"})
    assert response.status_code == 200
    assert "No cohort has this join code" in response.content.decode()
    assert not Membership.objects.filter(learner=outsider).exists()


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [
        pytest.param(timedelta(days=1), None, "opens on", id="not open yet"),
        pytest.param(None, -timedelta(minutes=1), "has ended", id="ended"),
    ],
)
def test_a_code_outside_the_cohort_dates_says_why(client, cohort, outsider, starts, ends, message):
    now = timezone.now()
    cohort.starts_at = now + starts if starts else None
    cohort.ends_at = now + ends if ends else None
    cohort.save()
    client.force_login(outsider)
    response = client.post(URL, {"code": cohort.join_code})
    assert message in response.content.decode()
    assert not Membership.objects.filter(learner=outsider).exists()


def test_a_regenerated_code_replaces_the_old_one(client, cohort, outsider):
    old = cohort.join_code
    new = cohort.regenerate_code()
    assert new != old and len(new) == 8
    client.force_login(outsider)
    assert "No cohort has this join code" in client.post(URL, {"code": old}).content.decode()
    client.post(URL, {"code": new})
    assert Membership.objects.filter(cohort=cohort, learner=outsider).exists()


def test_the_join_link_fills_in_the_code(client, cohort, outsider):
    client.force_login(outsider)
    html = client.get(URL, {"code": cohort.join_code}).content.decode()
    assert f'value="{cohort.join_code}"' in html
