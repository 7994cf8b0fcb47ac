"""Fixtures shared by every test area. Keep it small: area fixtures go in tests/<area>/."""

from __future__ import annotations

import socket

import pytest

MACHINE_REDIS = ("127.0.0.1", 6379)


@pytest.fixture(scope="session")
def machine_redis_url() -> str:
    """The machine's Redis. Missing is a failure, never a skip (CI starts it in .ci/run)."""
    try:
        with socket.create_connection(MACHINE_REDIS, timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            answered = sock.recv(16).startswith(b"+PONG")
    except OSError:
        answered = False
    if not answered:
        pytest.fail("Redis is not answering on 127.0.0.1:6379: start it (see .ci/run)")
    return "redis://{}:{}".format(*MACHINE_REDIS)
