"""Taking a learner off a cohort: the trainer only; the learner's sessions are untouched."""

import pytest
from django.urls import reverse

from cohorts.models import Membership
from labs.models import LabSession
from tests.cohorts.factories import make_session

pytestmark = pytest.mark.django_db


def remove_url(cohort, user) -> str:
    return reverse("cohort_remove_learner", kwargs={"cohort_id": cohort.pk, "user_id": user.pk})


def test_the_trainer_removes_a_learner(client, cohort, trainer, member):
    session = make_session(member)
    client.force_login(trainer)
    response = client.post(remove_url(cohort, member), follow=True)
    assert not Membership.objects.filter(cohort=cohort, learner=member).exists()
    assert "member is no longer in Tuesday workshop." in response.content.decode()
    assert LabSession.objects.get(pk=session.pk).state == LabSession.State.READY
    # Gone from the board, and the trainer can no longer read their timeline.
    assert f'data-learner="{member.pk}"' not in response.content.decode()
    timeline = reverse("cohort_learner", kwargs={"cohort_id": cohort.pk, "user_id": member.pk})
    assert client.get(timeline).status_code == 404


def test_someone_not_in_the_cohort_is_404(client, cohort, trainer, outsider):
    client.force_login(trainer)
    assert client.post(remove_url(cohort, outsider)).status_code == 404


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_only_the_trainer_may_remove(client, cohort, member, outsider, who):
    client.force_login(member if who == "member" else outsider)
    assert client.post(remove_url(cohort, member)).status_code == 404
    assert Membership.objects.filter(cohort=cohort, learner=member).exists()
