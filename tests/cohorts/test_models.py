"""Join codes: short, from characters that cannot be mistaken for each other, unique."""

import pytest

from cohorts.models import CODE_ALPHABET, CODE_LENGTH, Cohort, new_join_code, normalise_code

pytestmark = pytest.mark.django_db


def test_codes_avoid_look_alike_characters():
    for confusable in "0O1IL":
        assert confusable not in CODE_ALPHABET
    codes = {new_join_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("abcd-efgh", "ABCDEFGH"), (" ABCD EFGH ", "ABCDEFGH"), ("abcdefgh", "ABCDEFGH")],
)
def test_what_a_learner_types_is_normalised(typed, stored):
    assert normalise_code(typed) == stored


def test_regenerating_retries_a_code_that_is_taken(trainer, monkeypatch):
    first = Cohort.objects.create(name="A", trainer=trainer, join_code="AAAAAAAA")
    second = Cohort.objects.create(name="B", trainer=trainer, join_code="BBBBBBBB")
    offered = iter(["AAAAAAAA", "CCCCCCCC"])
    monkeypatch.setattr("cohorts.models.new_join_code", lambda: next(offered))
    assert second.regenerate_code() == "CCCCCCCC"
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.join_code, second.join_code) == ("AAAAAAAA", "CCCCCCCC")
