"""The node panel on the session page: a lab's `node_actions`, for the session's owner only.

The view checks ownership first, answers bad YAML inline, records the request with its change
and enqueues `clusters.change_world` (ids only) after commit; it never calls the cluster.
"""

import dataclasses

import pytest
from django.urls import reverse

from labs import views
from labs.loader import get_lab
from labs.models import LabSession, SessionEvent

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
CHANGE = "node: node-1\nset:\n  imageGCHighThresholdPercent: 70\n  imageGCLowThresholdPercent: 60\n"


@pytest.fixture
def panel_lab(monkeypatch):
    """Lab 1 as if its front matter said `node_actions: [kubelet, rmi]`."""
    lab = dataclasses.replace(get_lab("three-policies"), node_actions=("kubelet", "rmi"))
    monkeypatch.setattr(views, "get_lab", lambda lab_id: lab if lab_id == lab.id else None)
    return lab


@pytest.fixture
def trainer(django_user_model):
    return django_user_model.objects.create_user("trainer", password="x", is_staff=True)


def post(client, session, action: str = "kubelet", change: str = CHANGE):
    url = reverse("node_action", kwargs={"session_id": session.pk})
    return client.post(url, {"action": action, "change": change}, **HX)


def test_the_owner_sees_the_panel_with_the_labs_actions(client, learner, ready_session, panel_lab):
    client.force_login(learner)
    html = client.get(reverse("session", kwargs={"session_id": ready_session.pk})).content.decode()
    assert 'data-testid="node-action"' in html
    assert '<option value="kubelet"' in html and '<option value="rmi"' in html
    assert '<option value="apiserver"' not in html


def test_a_lab_without_node_actions_has_no_panel(client, learner, ready_session):
    client.force_login(learner)
    html = client.get(reverse("session", kwargs={"session_id": ready_session.pk})).content.decode()
    assert 'data-testid="node-action"' not in html
    assert post(client, ready_session).status_code == 404


def test_the_owners_change_is_recorded_and_enqueued_after_commit(
    client, learner, ready_session, panel_lab, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(client, ready_session)
    assert response.content == b""
    assert len(callbacks) == 1
    sent = SessionEvent.objects.get(session=ready_session)
    assert sent.payload["action"] == "node"
    assert sent.payload["change"] == {
        "kubelet": {
            "node": "node-1",
            "set": {"imageGCHighThresholdPercent": 70, "imageGCLowThresholdPercent": 60},
        }
    }


@pytest.mark.parametrize("who", ["other_learner", "trainer"])
def test_anyone_but_the_owner_gets_404_and_nothing_is_sent(
    client, request, who, ready_session, panel_lab, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(who))
    with django_capture_on_commit_callbacks() as callbacks:
        assert post(client, ready_session).status_code == 404
    assert callbacks == []
    assert not SessionEvent.objects.exists()


@pytest.mark.parametrize(
    ("action", "change", "message"),
    [
        pytest.param("kubelet", "node: node-1\n set: {}\n",
                     "error parsing YAML: line 2, column 5: mapping values are not allowed here",
                     id="YAML that does not parse"),
        pytest.param("kubelet", "- node-1\n", "The kubelet change must be a YAML mapping",
                     id="not a mapping"),
        pytest.param("apiserver", "enableAdmissionPlugins: []\n",
                     "This lab does not offer the node action apiserver.", id="not offered"),
    ],
)  # fmt: skip
def test_a_bad_change_is_answered_inline(
    client, learner, ready_session, panel_lab, action, change, message
):
    client.force_login(learner)
    response = post(client, ready_session, action, change)
    assert response.status_code == 200
    assert response.content.decode().startswith(message)
    assert not SessionEvent.objects.exists()


def test_on_a_real_cluster_the_panel_says_the_lab_needs_the_simulator(
    client, learner, ready_session, panel_lab, settings
):
    settings.CLUSTER_KUBECONFIG = "/var/kind/kubeconfig"
    client.force_login(learner)
    html = client.get(reverse("session", kwargs={"session_id": ready_session.pk})).content.decode()
    assert 'data-testid="node-action"' not in html
    assert "This lab needs the simulated cluster" in html


def test_a_content_lab_with_node_actions_shows_its_panel(client, learner):
    session = LabSession.objects.create(
        owner=learner, lab_id="tune-gc", state=LabSession.State.READY, kubeconfig="unused: true\n"
    )
    client.force_login(learner)
    html = client.get(reverse("session", kwargs={"session_id": session.pk})).content.decode()
    assert '<option value="kubelet" data-example="node: node-1' in html
