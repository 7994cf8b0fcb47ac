"""The session websocket: owner only, replay by seq, then live; reconnect without gaps."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from labs.models import LabSession
from labs.pipeline import record_action
from live.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)

application = URLRouter(websocket_urlpatterns)


@database_sync_to_async
def make_users_and_session():
    from django.contrib.auth.models import User

    owner = User.objects.create_user("owner", password="x")
    outsider = User.objects.create_user("outsider", password="x")
    session = LabSession.objects.create(
        owner=owner, lab_id="three-policies", state=LabSession.State.READY
    )
    return owner, outsider, session


@database_sync_to_async
def add_actions(session: LabSession, first: int, count: int) -> None:
    # Actions go through the same pipeline as cluster facts: stored, numbered, published.
    for n in range(first, first + count):
        record_action(session.pk, f"r{n}", "done", ok=True, message=f"answer {n}")


async def connect(user, session: LabSession, after: object = None, session_id: int | None = None):
    path = f"/ws/sessions/{session_id or session.pk}/"
    if after is not None:
        path += f"?after={after}"
    communicator = WebsocketCommunicator(application, path)
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    return communicator, connected


async def receive_seqs(communicator, count: int) -> list[int]:
    return [(await communicator.receive_json_from(timeout=3))["seq"] for _ in range(count)]


async def test_the_owner_gets_stored_events_then_live_ones():
    owner, _, session = await make_users_and_session()
    await add_actions(session, 1, 3)
    communicator, connected = await connect(owner, session)
    assert connected
    assert await receive_seqs(communicator, 3) == [1, 2, 3]

    await add_actions(session, 4, 2)
    live = [await communicator.receive_json_from(timeout=3) for _ in range(2)]
    assert [m["seq"] for m in live] == [4, 5]
    assert live[0] == {
        "seq": 4,
        "kind": "action",
        "payload": {"request": "r4", "phase": "done", "ok": True, "message": "answer 4"},
    }
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
async def test_anyone_but_the_owner_is_closed_and_gets_nothing(who):
    _, outsider, session = await make_users_and_session()
    await add_actions(session, 1, 2)
    user = outsider if who == "outsider" else AnonymousUser()
    communicator, connected = await connect(user, session)
    assert not connected
    await communicator.disconnect()


async def test_a_session_that_does_not_exist_is_closed():
    owner, _, session = await make_users_and_session()
    communicator, connected = await connect(owner, session, session_id=session.pk + 1000)
    assert not connected
    await communicator.disconnect()


async def test_a_reconnect_with_after_gets_exactly_the_later_events():
    owner, _, session = await make_users_and_session()
    await add_actions(session, 1, 4)
    first, _ = await connect(owner, session)
    assert await receive_seqs(first, 4) == [1, 2, 3, 4]
    await first.disconnect()

    # Events that happen while the browser is away...
    await add_actions(session, 5, 3)
    again, connected = await connect(owner, session, after=4)
    assert connected
    # ...are replayed, with nothing before them and nothing twice.
    assert await receive_seqs(again, 3) == [5, 6, 7]
    await add_actions(session, 8, 1)
    assert await receive_seqs(again, 1) == [8]
    assert await again.receive_nothing(timeout=0.2)
    await again.disconnect()


@pytest.mark.parametrize("after", ["junk", "-3"])
async def test_a_bad_after_replays_from_the_start(after):
    owner, _, session = await make_users_and_session()
    await add_actions(session, 1, 2)
    communicator, connected = await connect(owner, session, after=after)
    assert connected
    assert await receive_seqs(communicator, 2) == [1, 2]
    await communicator.disconnect()


async def test_an_idle_layer_receive_outlasts_the_redis_blocking_pop():
    # channels-redis blocks 5 s per BZPOPMIN; the client must not time out first (it did with
    # redis-py 8's default 5 s socket timeout, closing every idle browser socket).
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    channel = await layer.new_channel()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(channel), timeout=layer.brpop_timeout + 1)
