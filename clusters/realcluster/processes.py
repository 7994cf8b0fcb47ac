"""Start and stop the local daemons (registry, containerd) as child processes we own."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


class MissingBinary(RuntimeError):
    """A Debian package from platform/apt-packages.txt is not installed."""


def require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        raise MissingBinary(
            f"{binary} not found: install the packages in platform/apt-packages.txt"
        )
    return path


def free_port() -> int:
    # Bind to port 0 so the kernel picks a free loopback port; parallel test runs never clash.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], log_path: Path) -> subprocess.Popen:
    log = log_path.open("ab")
    # start_new_session: a Ctrl-C in the test runner must not reach the daemon before cleanup.
    return subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited: {log_path.read_text()[-2000:]}")
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{process.args[0]} did not become ready: {log_path.read_text()[-2000:]}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False
