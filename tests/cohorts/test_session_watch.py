"""live.consumers._can_watch: a cohort's trainer may follow a member's session feed."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from cohorts.models import Cohort
from live.routing import websocket_urlpatterns
from tests.cohorts.factories import make_session

pytestmark = pytest.mark.django_db(transaction=True)

application = URLRouter(websocket_urlpatterns)


async def can_connect(user, session) -> bool:
    communicator = WebsocketCommunicator(application, f"/ws/sessions/{session.pk}/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


async def test_the_trainer_of_the_learners_cohort_may_watch(cohort, trainer, member):
    session = await database_sync_to_async(make_session)(member)
    assert await can_connect(trainer, session)
    assert await can_connect(member, session)


async def test_a_trainer_of_another_cohort_may_not(cohort, member, outsider):
    @database_sync_to_async
    def setup():
        Cohort.objects.create(name="Other", trainer=outsider)
        return make_session(member)

    assert not await can_connect(outsider, await setup())
