"""Start, watch and stop a set of child processes, each in its own process group.

Standard library only: `make run` and the browser tests both use it, and it must work before
Django is importable. A child is "ready" when its readiness check passes or a line it prints
matches its `ready_line`; a child that exits early fails the whole start.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

ReadyCheck = Callable[[], bool]

# Should the supervisor itself be killed outright (SIGKILL, a test runner's timeout), each child
# still gets SIGTERM from the kernel: util-linux `setpriv` sets the parent-death signal, which
# survives its exec into the real command. Without setpriv, `stop()` is the only clean-up.
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []


@dataclass
class ProcessSpec:
    """One long-running child: what to run and how to tell that it is serving."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    ready: ReadyCheck | None = None
    ready_line: str | None = None  # a regex searched in each output line
    ready_timeout: float = 60.0
    # With neither check, a child counts as ready once it has stayed up this long.
    settle_seconds: float = 1.0


class StopRequested(Exception):
    """A stop was asked for (Ctrl-C) while children were still starting."""


class ChildFailed(RuntimeError):
    """A child exited, or did not become ready in time."""

    def __init__(self, name: str, reason: str, last_lines: list[str]) -> None:
        tail = "\n".join(f"    {line}" for line in last_lines)
        super().__init__(f"{name} {reason}" + (f"; its last output:\n{tail}" if tail else ""))
        self.name = name


@dataclass
class Child:
    spec: ProcessSpec
    popen: subprocess.Popen[str]
    started_at: float = field(default_factory=time.monotonic)
    ready_seen: threading.Event = field(default_factory=threading.Event)
    last_lines: deque[str] = field(default_factory=lambda: deque(maxlen=20))

    @property
    def pid(self) -> int:
        return self.popen.pid


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_answers(url: str, ca_file: Path | None = None) -> ReadyCheck:
    """Ready once the URL answers with any HTTP status below 500.

    For HTTPS, `ca_file` is the CA the server's certificate must chain to; the server may write
    it as it starts, so a missing file means "not ready yet".
    """

    def check() -> bool:
        context = None
        if ca_file is not None:
            if not ca_file.exists():
                return False
            context = ssl.create_default_context(cafile=str(ca_file))
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:
                return response.status < 500
        except urllib.error.HTTPError as error:
            return error.code < 500
        except OSError:
            return False

    return check


def redis_answers(port: int) -> ReadyCheck:
    """Ready once a Redis server on 127.0.0.1:port answers PING."""

    def check() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    return check


class Supervisor:
    """Owns every child it starts; `stop()` leaves none of them, nor their children, running."""

    def __init__(self, cwd: Path, output: TextIO | None = None) -> None:
        self.cwd = cwd
        self.output = output or sys.stdout
        self.children: list[Child] = []
        # Set from a signal handler: a plain assignment, because a handler that raised, or took
        # a lock, could interrupt the main thread while it holds one and leave it held.
        self.stopping = False
        self._output_lock = threading.Lock()

    def start(self, spec: ProcessSpec) -> Child:
        popen = subprocess.Popen(
            [*DIE_WITH_PARENT, *spec.argv],
            cwd=self.cwd,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **spec.env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            # Its own process group: Ctrl-C reaches only the supervisor, which then stops each
            # group in order, including grandchildren such as Celery's pool processes.
            start_new_session=True,
        )
        child = Child(spec, popen)
        self.children.append(child)
        threading.Thread(target=self._pump_output, args=(child,), daemon=True).start()
        self._say(f"started {spec.name} (pid {popen.pid})")
        return child

    def start_all(self, specs: list[ProcessSpec]) -> None:
        """Start these children together, then wait until every one of them is ready."""
        if self.stopping:
            raise StopRequested
        for child in [self.start(spec) for spec in specs]:
            self.wait_ready(child)

    def wait_ready(self, child: Child) -> None:
        spec = child.spec
        started = child.started_at
        deadline = started + spec.ready_timeout
        while time.monotonic() < deadline:
            if self.stopping:
                raise StopRequested
            code = child.popen.poll()
            if code is not None:
                raise ChildFailed(spec.name, f"exited with code {code}", list(child.last_lines))
            if self._is_ready(child, time.monotonic() - started):
                self._say(f"{spec.name} is ready ({time.monotonic() - started:.1f} s)")
                return
            time.sleep(0.1)
        raise ChildFailed(
            spec.name, f"was not ready after {spec.ready_timeout:.0f} s", list(child.last_lines)
        )

    def first_exited(self) -> Child | None:
        return next((c for c in self.children if c.popen.poll() is not None), None)

    def watch(self) -> Child | None:
        """Block until a child exits (return it) or a stop is asked for (return None)."""
        while not self.stopping:
            exited = self.first_exited()
            if exited is not None:
                return exited
            time.sleep(0.1)
        return None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM every process group, newest first; SIGKILL what is left after `timeout`."""
        for child in reversed(self.children):
            _signal_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            while group_alive(child.pid) and time.monotonic() < deadline:
                child.popen.poll()  # reap the leader so that it stops counting as alive
                time.sleep(0.05)
            if group_alive(child.pid):
                self._say(f"{child.spec.name} did not stop in {timeout:.0f} s: killing it")
                _signal_group(child.pid, signal.SIGKILL)
            try:
                child.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._say(f"{child.spec.name} (pid {child.pid}) could not be reaped")

    def _is_ready(self, child: Child, elapsed: float) -> bool:
        spec = child.spec
        if spec.ready is not None:
            return spec.ready()
        if spec.ready_line is not None:
            return child.ready_seen.is_set()
        return elapsed >= spec.settle_seconds

    def _pump_output(self, child: Child) -> None:
        assert child.popen.stdout is not None
        pattern = re.compile(child.spec.ready_line) if child.spec.ready_line else None
        for raw in child.popen.stdout:
            line = raw.rstrip("\n")
            child.last_lines.append(line)
            if pattern is not None and pattern.search(line):
                child.ready_seen.set()
            self._say(line, prefix=child.spec.name)

    def _say(self, line: str, prefix: str = "run") -> None:
        with self._output_lock:
            self.output.write(f"{prefix:>8} | {line}\n")
            self.output.flush()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def group_alive(pgid: int) -> bool:
    """True while any process of the group is alive (zombies excluded)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return any(_is_live_member(pid, pgid) for pid in _pids())


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _is_live_member(pid: int, pgid: int) -> bool:
    """Read /proc/PID/stat: field 3 is the state (Z = zombie), field 5 the process group."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[2]) == pgid and fields[0] != "Z"
