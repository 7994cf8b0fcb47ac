"""Time from starting `make run`'s supervisor to the first served page, with the venv in place.

It runs `python -m scripts.run` on a temporary var dir (so migrations run from scratch), as
`make run` does after its install step, and times the first 200 of the login page.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from bench import write_result
from scripts.stack import ROOT
from scripts.supervisor import free_port

RUNS = 3


def seconds_to_first_page() -> float:
    port = free_port()
    with tempfile.TemporaryDirectory() as var_dir:
        env = {**os.environ, "PORT": str(port), "PPL_VAR_DIR": var_dir}
        for name in ("REDIS_URL", "CLUSTER_KUBECONFIG"):
            env.pop(name, None)
        started = time.monotonic()
        run = subprocess.Popen(
            [sys.executable, "-m", "scripts.run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            while time.monotonic() - started < 180:
                if run.poll() is not None:
                    raise RuntimeError(f"scripts.run exited with code {run.returncode}")
                try:
                    url = f"http://127.0.0.1:{port}/accounts/login/"
                    with urllib.request.urlopen(url, timeout=2) as page:
                        if page.status == 200:
                            return time.monotonic() - started
                except OSError:
                    time.sleep(0.1)
            raise RuntimeError("no page within 180 s")
        finally:
            run.send_signal(signal.SIGINT)
            run.wait(timeout=60)


def main() -> None:
    timings = [seconds_to_first_page() for _ in range(RUNS)]
    path = write_result(
        "run_startup",
        {
            "what": "scripts.run (venv ready, fresh SQLite) to the first 200 of the login page",
            "runs": RUNS,
            "seconds": [round(t, 2) for t in timings],
            "median_seconds": round(statistics.median(timings), 2),
        },
    )
    print(f"run_startup: median {statistics.median(timings):.1f} s -> {path}")


if __name__ == "__main__":
    main()
