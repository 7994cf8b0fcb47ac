"""The three people every cohort test needs: the trainer, a member learner, an outsider.

Like healthchecks' hc/test.py BaseTestCase: each permission test is one line with them.
"""

import pytest

from cohorts.models import Cohort, Membership
from tests.cohorts.factories import LAB_1


@pytest.fixture(autouse=True)
def _isolated(isolated_channel_layer, fast_password_hasher):
    """The pipeline publishes to session and cohort groups: one Redis prefix per test."""


@pytest.fixture
def trainer(django_user_model):
    return django_user_model.objects.create_user("trainer", password="x", is_staff=True)


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user("member", password="x")


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user("outsider", password="x")


@pytest.fixture
def cohort(trainer, member) -> Cohort:
    cohort = Cohort.objects.create(name="Tuesday workshop", trainer=trainer, lab_ids=[LAB_1])
    Membership.objects.create(cohort=cohort, learner=member)
    return cohort
