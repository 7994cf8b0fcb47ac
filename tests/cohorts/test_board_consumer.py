"""The board websocket: the cohort's trainer only; compact messages fed by the pipeline."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from cohorts.models import Cohort, Membership
from labs.models import SessionEvent
from labs.pipeline import publish, record, record_action
from live.routing import websocket_urlpatterns
from tests.cohorts.factories import LAB_1, make_session, waiting_pod

pytestmark = pytest.mark.django_db(transaction=True)

application = URLRouter(websocket_urlpatterns)


async def connect(user, cohort: Cohort):
    communicator = WebsocketCommunicator(application, f"/ws/cohorts/{cohort.pk}/board/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    return communicator, connected


@database_sync_to_async
def pass_step(session, step_id: str) -> None:
    event = record(session.pk, SessionEvent.Kind.STEP, {"step": step_id, "evidence_seq": 1}, "s")
    publish(session.pk, [event])


@database_sync_to_async
def stuck_pod(session) -> None:
    payload = waiting_pod("p-1", "ErrImageNeverPull", 'Container image "x" is not present')
    event = record(session.pk, SessionEvent.Kind.POD, payload, "pod")
    publish(session.pk, [event])


async def test_the_trainer_sees_steps_and_problems_live(cohort, trainer, member):
    session = await database_sync_to_async(make_session)(member)
    communicator, connected = await connect(trainer, cohort)
    assert connected

    await pass_step(session, "ifnp-cached")
    step = await communicator.receive_json_from(timeout=3)
    assert step.pop("at")
    assert step == {
        "session": session.pk,
        "learner": member.pk,
        "lab": LAB_1,
        "seq": 1,
        "kind": "step",
        "step": "ifnp-cached",
        "pod": None,  # its evidence (factories.pass_step) is no pod
    }
    await stuck_pod(session)
    pod = await communicator.receive_json_from(timeout=3)
    assert (pod["seq"], pod["kind"]) == (2, "pod")
    assert pod["problem"] == {
        "reason": "ErrImageNeverPull",
        "message": 'pod p-1: Container image "x" is not present',
        "slot": "pod",
        "pod": "p-1",
    }
    await database_sync_to_async(record_action)(session.pk, "r1", "done", ok=True, message="ok")
    answer = await communicator.receive_json_from(timeout=3)
    assert (answer["seq"], answer["problem"]) == (3, None)
    await communicator.disconnect()


@pytest.mark.parametrize("who", ["member", "outsider", "anonymous"])
async def test_anyone_but_the_trainer_is_closed(cohort, member, outsider, who):
    user = {"member": member, "outsider": outsider, "anonymous": AnonymousUser()}[who]
    communicator, connected = await connect(user, cohort)
    assert not connected
    await communicator.disconnect()


async def test_sessions_outside_the_cohort_never_reach_its_board(cohort, trainer, outsider):
    @database_sync_to_async
    def other_cohorts_session():
        # The outsider is in another cohort, and the member's cohort lists only lab 1.
        other = Cohort.objects.create(name="Other", trainer=outsider)
        Membership.objects.create(cohort=other, learner=outsider)
        return make_session(outsider)

    session = await other_cohorts_session()
    communicator, connected = await connect(trainer, cohort)
    assert connected
    await pass_step(session, "ifnp-cached")
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_a_lab_the_cohort_does_not_list_stays_off_its_board(cohort, trainer, member):
    @database_sync_to_async
    def list_another_lab():
        Cohort.objects.filter(pk=cohort.pk).update(lab_ids=["some-other-lab"])
        return make_session(member)

    session = await list_another_lab()
    communicator, _ = await connect(trainer, cohort)
    await pass_step(session, "ifnp-cached")
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()
