"""The kubectl console's websocket: the owner's lines run as the session's kubectl."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser, User

from clusters.apiserver.testing import SimulatorHandle, running_simulator
from labs.models import LabSession
from live.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)
application = URLRouter(websocket_urlpatterns)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorHandle]:
    with running_simulator() as handle:
        yield handle


@database_sync_to_async
def session_for(sim: SimulatorHandle, name: str) -> tuple[User, User, LabSession]:
    world = sim.create_world(name, {"nodes": [{"name": "node-1"}]})
    owner = User.objects.create_user("owner", password="x")
    other = User.objects.create_user("other", password="x")
    kubeconfig = yaml.safe_dump(sim.kubeconfig(world["token"], world["namespace"]))
    session = LabSession.objects.create(
        owner=owner, lab_id="three-policies", state=LabSession.State.READY, kubeconfig=kubeconfig
    )
    return owner, other, session


async def connect(user, session: LabSession):
    communicator = WebsocketCommunicator(application, f"/ws/sessions/{session.pk}/console/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    return communicator, connected


async def output_until_exit(communicator) -> tuple[str, int]:
    text = ""
    while True:
        message = await communicator.receive_json_from(timeout=30)
        if message["type"] == "exit":
            return text, message["code"]
        text += message.get("data", "")


async def test_the_owner_runs_kubectl_against_the_session(sim) -> None:
    owner, _, session = await session_for(sim, "console-a")
    communicator, connected = await connect(owner, session)
    assert connected
    await communicator.send_json_to({"type": "run", "line": "kubectl get pods"})
    text, code = await output_until_exit(communicator)
    assert (text.strip(), code) == ("No resources found in console-a namespace.", 0)
    await communicator.send_json_to(
        {"type": "run", "line": "kubectl run web --image=lab/web:1.0 --image-pull-policy=Never"}
    )
    assert await output_until_exit(communicator) == ("pod/web created\n", 0)
    await communicator.disconnect()


async def test_a_refused_line_says_why_and_runs_nothing(sim) -> None:
    owner, _, session = await session_for(sim, "console-b")
    communicator, _ = await connect(owner, session)
    await communicator.send_json_to({"type": "run", "line": "kubectl create -f /etc/passwd"})
    answer = await communicator.receive_json_from(timeout=5)
    assert answer == {
        "type": "refused",
        "message": "-f: files are not read here: paste YAML in the “apply YAML” box instead",
    }
    await communicator.disconnect()


async def test_ctrl_c_stops_a_watch(sim) -> None:
    owner, _, session = await session_for(sim, "console-c")
    communicator, _ = await connect(owner, session)
    await communicator.send_json_to({"type": "run", "line": "kubectl get pods -w"})
    await communicator.send_json_to({"type": "run", "line": "kubectl get pods"})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "refused"  # one at a time
    await communicator.send_json_to({"type": "interrupt"})
    _, code = await output_until_exit(communicator)
    assert code == -1
    await communicator.disconnect()


async def test_nobody_but_the_owner_connects(sim) -> None:
    _, other, session = await session_for(sim, "console-d")
    for user in (other, AnonymousUser()):
        _, connected = await connect(user, session)
        assert not connected
