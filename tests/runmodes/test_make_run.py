"""`make run`'s supervisor (python -m scripts.run) as a user starts it: the whole stack, for real.

It must serve the login page, and leave no process behind on Ctrl-C or when a child dies.
"""

from __future__ import annotations

import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.supervisor import free_port, group_alive
from tests.runmodes.test_supervisor import pid_alive

ROOT = Path(__file__).resolve().parents[2]
STARTED = re.compile(r"started (\S+) \(pid (\d+)\)")


class RunningSupervisor:
    """`python -m scripts.run` in the background, its output read line by line."""

    def __init__(self, var_dir: Path) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "PORT": str(self.port),
            "PPL_VAR_DIR": str(var_dir),
            "CHANNEL_PREFIX": f"ppl-runmode-{secrets.token_hex(3)}",
        }
        for name in ("REDIS_URL", "CLUSTER_KUBECONFIG", "SIM_URL", "SIM_ADMIN_TOKEN"):
            env.pop(name, None)
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "scripts.run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self._queue.put(line.rstrip("\n"))

    def wait_for_line(self, pattern: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                if self.popen.poll() is not None and self._queue.empty():
                    break
                continue
            self.lines.append(line)
            if re.search(pattern, line):
                return line
        tail = "\n".join(self.lines[-40:])
        raise AssertionError(f"no line matching {pattern!r}; last output:\n{tail}")

    def wait_exit(self, timeout: float = 60) -> int:
        """The supervisor's exit code; on a timeout, fail with what it printed."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            while not self._queue.empty():
                self.lines.append(self._queue.get())
            tail = "\n".join(self.lines[-60:])
            raise AssertionError(
                f"still running {timeout:.0f} s on; last output:\n{tail}"
            ) from None

    def child_pids(self) -> dict[str, int]:
        return {m[1]: int(m[2]) for line in self.lines if (m := STARTED.search(line))}

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[RunningSupervisor]:
    running = RunningSupervisor(tmp_path)
    yield running
    running.stop()
    for pid in running.child_pids().values():
        if pid_alive(pid):
            os.killpg(pid, signal.SIGKILL)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_it_serves_the_login_page_and_a_stop_leaves_nothing_running(make_run, stop_signal):
    make_run.wait_for_line(r"Pull Policy Labs is running at")
    pids = make_run.child_pids()
    assert {"redis", "cluster", "web", "worker", "beat", "watcher"} <= set(pids)

    with urllib.request.urlopen(f"http://127.0.0.1:{make_run.port}/accounts/login/") as page:
        assert page.status == 200
        assert 'name="username"' in page.read().decode()

    make_run.popen.send_signal(stop_signal)
    assert make_run.wait_exit() == 0
    make_run.wait_for_line("every process has stopped", timeout=5)
    assert [name for name, pid in pids.items() if group_alive(pid)] == []


def test_when_a_child_dies_it_says_which_and_stops_the_rest(make_run):
    make_run.wait_for_line(r"Pull Policy Labs is running at")
    pids = make_run.child_pids()

    os.killpg(pids["watcher"], signal.SIGKILL)

    make_run.wait_for_line(r"watcher exited with code -9: stopping the rest", timeout=20)
    assert make_run.wait_exit() == 1
    assert [name for name, pid in pids.items() if group_alive(pid)] == []
