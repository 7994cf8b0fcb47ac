"""One source of time for the engine.

The engine never reads the wall clock itself: tests step a `VirtualClock`, the live server
uses a `WallClock` whose speed factor lets a learner watch a 300 s back-off in a minute.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch, in simulated time."""
        ...


class VirtualClock:
    """A clock that only moves when told to: scenarios replay identically."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds


class WallClock:
    """Real time, optionally sped up: simulated time runs `speed` times faster than wall time."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin_wall = time.time()
        self._origin_monotonic = time.monotonic()

    def now(self) -> float:
        elapsed = time.monotonic() - self._origin_monotonic
        return self._origin_wall + elapsed * self.speed
