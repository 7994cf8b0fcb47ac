"""Every lab in labs/content/ and the quiz bank, as `manage.py validate_labs --solve` checks them.

Each reference solution must pass every step and each wrong path must leave its step open, on
one in-process simulator with a virtual clock, through the learner's own code path.
"""

import re

import pytest
from django.core.management import call_command

from labs.loader import load_labs

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _isolated(isolated_channel_layer):
    """The pipeline publishes every event: give this test its own Redis channel prefix."""


def test_every_lab_solves_and_rejects_its_wrong_paths(capsys):
    call_command("validate_labs", "--solve")
    out = capsys.readouterr().out
    labs = load_labs()
    summary = out.splitlines()[-1]
    assert re.match(
        rf"^{len({lab.area for lab in labs.values()})} areas, {len(labs)} labs, "
        r"all solutions pass, all wrong paths rejected \(\d+\.\d s\)$",
        summary,
    ), summary
    for lab in labs.values():
        assert re.search(rf"^ok   area {lab.area:2}  {lab.id} ", out, re.MULTILINE), lab.id
