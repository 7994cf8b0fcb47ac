"""CSV and JSON of the board: learner, lab, steps passed, time to each step, stuck flag."""

import csv
import io

import pytest
from django.urls import reverse

from labs.models import LabSession
from tests.cohorts.factories import make_session, pass_step

pytestmark = pytest.mark.django_db


def url(name: str, cohort) -> str:
    return reverse(name, kwargs={"cohort_id": cohort.pk})


@pytest.fixture
def progress(cohort, member, outsider):
    """The member passed two steps; a second learner joined and is stuck on a failed lab."""
    session = make_session(member, minutes_ago=20)
    pass_step(session, "ifnp-cached", minutes_after_start=3)
    pass_step(session, "always-resolves", minutes_after_start=7)
    cohort.memberships.create(learner=outsider)
    failed = make_session(outsider, state=LabSession.State.FAILED)
    LabSession.objects.filter(pk=failed.pk).update(failure="The cluster could not make your lab.")
    return session


def test_the_csv_has_a_row_per_learner_and_lab(client, cohort, trainer, progress):
    client.force_login(trainer)
    response = client.get(url("cohort_export_csv", cohort))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    member_row, outsider_row = sorted(rows, key=lambda r: r["learner"])
    assert member_row["learner"] == "member"
    assert (member_row["steps_passed"], member_row["steps_total"]) == ("2", "4")
    assert member_row["seconds to three-policies/ifnp-cached"] == "180"
    assert member_row["seconds to three-policies/always-resolves"] == "420"
    assert member_row["seconds to three-policies/never-cached"] == ""
    assert member_row["stuck"] == "True"  # 13 minutes without a step
    assert "NoProgress" in member_row["stuck_reasons"]
    assert outsider_row["stuck_reasons"] == "LabFailed: The cluster could not make your lab."


def test_the_json_carries_the_same_rows(client, cohort, trainer, progress):
    client.force_login(trainer)
    body = client.get(url("cohort_export_json", cohort)).json()
    assert body["cohort"] == {"id": cohort.pk, "name": cohort.name}
    row = next(r for r in body["rows"] if r["learner"] == "member")
    assert row["seconds_to_step"] == {
        "ifnp-cached": 180,
        "always-resolves": 420,
        "never-cached": None,
        "never-uncached": None,
    }
    assert row["session"] == progress.pk and row["stuck"] is True


def test_a_learner_without_a_session_still_has_a_row(client, cohort, trainer):
    client.force_login(trainer)
    rows = client.get(url("cohort_export_json", cohort)).json()["rows"]
    assert rows == [
        {
            "learner": "member",
            "lab": "",
            "session": None,
            "state": "",
            "steps_passed": 0,
            "steps_total": 0,
            "seconds_to_step": {},
            "stuck": False,
            "stuck_reasons": [],
            "last_activity": None,
        }
    ]


@pytest.mark.parametrize("name", ["cohort_export_csv", "cohort_export_json"])
@pytest.mark.parametrize("who", ["member", "outsider"])
def test_only_the_trainer_may_export(client, cohort, member, outsider, name, who):
    client.force_login(member if who == "member" else outsider)
    assert client.get(url(name, cohort)).status_code == 404
