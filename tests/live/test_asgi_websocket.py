"""The websocket through the real ASGI stack: Django's session cookie decides who may watch."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from config.asgi import application
from labs.models import LabSession

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def session_and_cookies() -> tuple[LabSession, dict[str, str]]:
    users = get_user_model().objects
    owner = users.create_user("owner", password="x")
    other = users.create_user("other", password="x")
    session = LabSession.objects.create(owner=owner, lab_id="three-policies")
    cookies = {}
    for user in (owner, other):
        client = Client()
        client.force_login(user)
        cookies[user.username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return session, cookies


async def open_socket(session: LabSession, cookie: str | None, origin: bytes = b"http://localhost"):
    headers = [(b"origin", origin), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, f"/ws/sessions/{session.pk}/", headers)
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


async def test_only_the_logged_in_owner_from_an_allowed_origin_connects():
    session, cookies = await session_and_cookies()
    assert await open_socket(session, cookies["owner"])
    assert not await open_socket(session, cookies["other"])
    assert not await open_socket(session, None)
    assert not await open_socket(session, cookies["owner"], origin=b"http://evil.example")
