"""The process supervisor behind `make run` and the browser tests (scripts/supervisor.py)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.supervisor import ChildFailed, ProcessSpec, Supervisor, free_port, http_answers

ROOT = Path(__file__).resolve().parents[2]


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def pid_alive(pid: int) -> bool:
    """True unless the process is gone or a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# A parent that starts a grandchild in its own process group, prints both pids, then waits.
PARENT_WITH_GRANDCHILD = """
import subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print("pids", grandchild.pid, flush=True)
print("ready", flush=True)
time.sleep(600)
"""

IGNORES_SIGTERM = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(600)
"""


@pytest.fixture
def supervisor():
    supervisor = Supervisor(ROOT, output=io.StringIO())
    yield supervisor
    supervisor.stop(timeout=2)


def test_it_waits_for_the_ready_line_and_stop_leaves_no_grandchild(supervisor):
    child = supervisor.start(
        ProcessSpec("parent", python(PARENT_WITH_GRANDCHILD), ready_line="^ready$")
    )
    supervisor.wait_ready(child)
    grandchild_pid = int(
        next(line for line in child.last_lines if line.startswith("pids")).split()[1]
    )
    assert pid_alive(child.pid) and pid_alive(grandchild_pid)

    supervisor.stop(timeout=5)

    assert not pid_alive(child.pid)
    assert not pid_alive(grandchild_pid)


def test_it_names_a_child_that_exits_before_it_is_ready(supervisor):
    spec = ProcessSpec(
        "broken", python("print('no such setting'); raise SystemExit(3)"), ready_line="x"
    )
    with pytest.raises(ChildFailed) as failure:
        supervisor.start_all([spec])
    assert failure.value.name == "broken"
    assert "exited with code 3" in str(failure.value)
    assert "no such setting" in str(failure.value)


def test_it_gives_up_on_a_child_that_never_becomes_ready(supervisor):
    spec = ProcessSpec(
        "silent", python("import time; time.sleep(600)"), ready_line="x", ready_timeout=0.5
    )
    with pytest.raises(ChildFailed, match="silent was not ready after"):
        supervisor.start_all([spec])


def test_watch_returns_the_child_that_died_while_the_others_run(supervisor):
    supervisor.start_all(
        [
            ProcessSpec("steady", python("import time; time.sleep(600)"), settle_seconds=0.2),
            ProcessSpec("short", python("import time; time.sleep(0.5)"), settle_seconds=0.1),
        ]
    )
    exited = supervisor.watch()
    assert exited.spec.name == "short"
    assert pid_alive(supervisor.children[0].pid)


def test_stop_kills_a_child_that_ignores_sigterm(supervisor):
    child = supervisor.start(ProcessSpec("stubborn", python(IGNORES_SIGTERM), ready_line="^ready$"))
    supervisor.wait_ready(child)
    supervisor.stop(timeout=0.5)
    assert not pid_alive(child.pid)
    assert "stubborn did not stop" in supervisor.output.getvalue()


def test_it_passes_its_env_and_prefixes_each_output_line(supervisor):
    code = "import os, time; print(os.environ['GREETING'], flush=True); time.sleep(600)"
    spec = ProcessSpec("greeter", python(code), env={"GREETING": "hello"}, ready_line="hello")
    supervisor.start_all([spec])
    assert "greeter | hello" in supervisor.output.getvalue()


def test_http_answers_only_once_something_listens():
    port = free_port()
    assert http_answers(f"http://127.0.0.1:{port}/")() is False


def test_its_children_do_not_inherit_the_terminals_process_group(supervisor):
    child = supervisor.start(ProcessSpec("own-group", python("import time; time.sleep(600)")))
    assert os.getpgid(child.pid) == child.pid != os.getpgid(0)


# A supervisor in a process of its own, with one child; it prints the child's pid.
SUPERVISOR_WITH_A_CHILD = """
import sys, time
from pathlib import Path
from scripts.supervisor import ProcessSpec, Supervisor
supervisor = Supervisor(Path.cwd())
sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
child = supervisor.start(ProcessSpec("sleeper", sleeper))
print("child", child.pid, flush=True)
time.sleep(600)
"""


def test_its_children_stop_even_when_the_supervisor_is_killed_outright():
    runner = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR_WITH_A_CHILD], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    line = next(line for line in runner.stdout if line.startswith("child"))
    child_pid = int(line.split()[1])
    assert pid_alive(child_pid)

    runner.kill()
    runner.wait()

    deadline = time.monotonic() + 5
    while pid_alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(child_pid)
