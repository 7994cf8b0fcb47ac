"""Benchmarks: each `bench/<name>.py` is a script that writes `bench/results/<name>.json`.

`make bench` runs them all (`python -m bench`). Speed goals live here, never in unit tests.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def write_result(name: str, figures: dict[str, object]) -> Path:
    """Save one benchmark's figures with when and where they were measured."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    record = {
        "benchmark": name,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "cpus": _cpu_count()},
        **figures,
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0))
