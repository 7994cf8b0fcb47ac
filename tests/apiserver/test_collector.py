"""The served process's GC policy: freeze long-lived objects each second, thaw every 10 min."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from clusters.apiserver.collector import FreezeLongLived


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # never leave this test process frozen


def test_it_freezes_each_second_and_thaws_every_ten_minutes(thawed) -> None:
    now = [0.0]
    policy = FreezeLongLived(clock=lambda: now[0])
    steps = []
    for t in (0.5, 1.0, 1.5, 2.0, 600.0, 600.5, 601.0):
        now[0] = t
        steps.append((t, policy.tick(), gc.get_freeze_count() > 0))
    assert steps == [
        (0.5, None, False),
        (1.0, "frozen", True),
        (1.5, None, True),
        (2.0, "frozen", True),
        (600.0, "thawed", False),
        (600.5, None, False),
        (601.0, "frozen", True),
    ]
