"""The board websocket through the real ASGI stack: Django's session cookie and the origin."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def cookie_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def opens(cohort, cookie: str | None, origin: bytes = b"http://localhost") -> bool:
    headers = [(b"origin", origin), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, f"/ws/cohorts/{cohort.pk}/board/", headers)
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


async def test_only_the_logged_in_trainer_from_an_allowed_origin_connects(cohort, trainer, member):
    trainer_cookie = await cookie_of(trainer)
    assert await opens(cohort, trainer_cookie)
    assert not await opens(cohort, await cookie_of(member))
    assert not await opens(cohort, None)
    assert not await opens(cohort, trainer_cookie, origin=b"http://evil.example")
