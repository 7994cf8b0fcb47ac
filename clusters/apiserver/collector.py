"""Keep Python's cyclic garbage collector from pausing the API server for a fifth of a second.

The engine keeps every object as a JSON tree (dicts and lists) for as long as it exists. Those
trees hold no reference cycles, so reference counting frees them, but the cyclic collector
still walks all of them on each full (generation 2) collection. With a few thousand pods that
walk took 100-220 ms, in the middle of whichever request triggered it: it was the whole of the
create p99 (bench/run_simulator.py; measured with gc.callbacks, docs/simulator.md).

So the ticker freezes what exists once a second (gc.freeze: later collections skip it), and
thaws everything every ten minutes, so that cyclic garbage frozen while it was still alive
(an in-flight request's frames) is collected after all.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class FreezeLongLived:
    freeze_every: float = 1.0
    thaw_every: float = 600.0
    clock: Callable[[], float] = time.monotonic
    frozen_at: float = field(init=False)
    thawed_at: float = field(init=False)

    def __post_init__(self) -> None:
        self.frozen_at = self.thawed_at = self.clock()

    def tick(self) -> str | None:
        """Called by the ticker; says what it did, for tests."""
        now = self.clock()
        if now - self.thawed_at >= self.thaw_every:
            gc.unfreeze()
            self.thawed_at = self.frozen_at = now
            return "thawed"
        if now - self.frozen_at >= self.freeze_every:
            gc.freeze()
            self.frozen_at = now
            return "frozen"
        return None
