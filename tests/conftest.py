"""Fixtures shared by every test area. Keep it small: area fixtures go in tests/<area>/."""

from __future__ import annotations

import secrets
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


@pytest.fixture
def isolated_channel_layer(settings, machine_redis_url: str) -> dict:
    """The real Redis channel layer, under a key prefix no other test run shares.

    Assigning settings.CHANNEL_LAYERS fires setting_changed, which makes Channels drop the
    layer it built before, so each test gets a fresh one.
    """
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        **settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0],
                        "address": f"{machine_redis_url}/11",
                    }
                ],
                "prefix": f"test-{secrets.token_hex(6)}",
            },
        }
    }
    return settings.CHANNEL_LAYERS


@pytest.fixture
def fast_password_hasher(settings) -> None:
    """Creating users with the production hasher costs about half a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
