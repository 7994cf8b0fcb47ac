"""seed_demo also makes the trainer's "Demo workshop" with the student in it, idempotently."""

import pytest
from django.core.management import call_command

from cohorts.models import Cohort

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_the_demo_workshop_once(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    cohort = Cohort.objects.get()
    assert (cohort.name, cohort.trainer.username) == ("Demo workshop", "trainer")
    assert list(cohort.memberships.values_list("learner__username", flat=True)) == ["student"]
    assert "three-policies" in cohort.lab_ids
    assert f"join code {cohort.join_code}" in capsys.readouterr().out
