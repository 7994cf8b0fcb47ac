"""The learner's pages: ownership first (another learner gets 404), clear inline answers."""

import pytest
from django.urls import reverse

from labs.models import LabSession, SessionEvent

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
SESSION_URLS = ["session", "apply_manifest", "create_pod", "end_session"]


def url(name: str, session: LabSession, **kwargs) -> str:
    return reverse(name, kwargs={"session_id": session.pk, **kwargs})


def test_the_catalogue_lists_lab_1_with_its_start_button(client, learner):
    client.force_login(learner)
    response = client.get(reverse("catalogue"))
    assert response.status_code == 200
    assert b'data-start-lab="three-policies"' in response.content


def test_anonymous_users_are_sent_to_log_in(client, ready_session):
    for name in ("catalogue",):
        assert client.get(reverse(name)).url.startswith(reverse("login"))
    for name in SESSION_URLS:
        response = client.post(url(name, ready_session))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_starting_a_lab_makes_a_session_and_enqueues_provisioning_after_commit(
    client, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("start_lab", kwargs={"lab_id": "three-policies"}))
    session = LabSession.objects.get(owner=learner)
    assert response.url == url("session", session)
    assert session.state == LabSession.State.PROVISIONING
    assert len(callbacks) == 1


def test_starting_an_unknown_lab_is_404(client, learner):
    client.force_login(learner)
    assert client.post(reverse("start_lab", kwargs={"lab_id": "nope"})).status_code == 404


def test_the_owner_sees_the_session_page_with_its_hooks(client, learner, ready_session):
    client.force_login(learner)
    html = client.get(url("session", ready_session)).content.decode()
    for hook in (
        '<strong data-testid="session-status">Ready</strong>',
        'li data-step="never-uncached" data-state="open"',
        '<option value="node-2">node-2</option>',
        '<option value="">(default)</option>',
        'data-testid="apply-error"',
        'data-last-seq="0"',
        'data-testid="objects"',
        '<input name="image" value="lab/web:1.0"',  # the lab world's image (labs.manifests)
        "      image: lab/web:1.0\n",
    ):
        assert hook in html
    assert "unused: true" not in html  # the kubeconfig is never rendered


def test_another_learner_gets_404_everywhere_and_changes_nothing(
    client, other_learner, ready_session, django_capture_on_commit_callbacks
):
    client.force_login(other_learner)
    assert client.get(url("session", ready_session)).status_code == 404
    with django_capture_on_commit_callbacks() as callbacks:
        for name in SESSION_URLS[1:]:
            assert client.post(url(name, ready_session), {"manifest": "x"}).status_code == 404
        delete = url("delete_pod", ready_session, pod_name="p")
        assert client.post(delete).status_code == 404
    assert callbacks == []
    assert not SessionEvent.objects.exists()


def test_yaml_that_does_not_parse_is_answered_inline_with_its_line(client, learner, ready_session):
    client.force_login(learner)
    manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n spec: {}\n"
    response = client.post(url("apply_manifest", ready_session), {"manifest": manifest}, **HX)
    assert response.status_code == 200
    assert response.content.decode().startswith("error parsing YAML: line 5")
    assert not SessionEvent.objects.exists()


def test_a_good_manifest_is_recorded_and_sent_to_the_cluster(
    client, learner, ready_session, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url("apply_manifest", ready_session), {"manifest": manifest}, **HX)
    assert response.content == b""  # no error
    assert len(callbacks) == 1
    action = SessionEvent.objects.get(session=ready_session)
    assert (action.kind, action.payload["phase"], action.payload["action"]) == (
        "action",
        "sent",
        "apply",
    )


def test_a_session_still_provisioning_refuses_actions_politely(client, learner, ready_session):
    ready_session.state = LabSession.State.PROVISIONING
    ready_session.save()
    client.force_login(learner)
    response = client.post(url("create_pod", ready_session), {"pod_name": "p"}, **HX)
    assert response.content == b"Your lab is still starting. Try again in a moment."


def test_a_plain_form_post_comes_back_to_the_page(
    client, learner, ready_session, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    fields = {"pod_name": "p-x", "image": "lab/web:1.0", "policy": "Never", "node": "node-2"}
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url("create_pod", ready_session), fields)
    assert response.status_code == 302 and response.url == url("session", ready_session)


def test_only_the_owner_downloads_the_kubeconfig(client, learner, other_learner, ready_session):
    client.force_login(other_learner)
    assert client.get(url("download_kubeconfig", ready_session)).status_code == 404
    client.force_login(learner)
    response = client.get(url("download_kubeconfig", ready_session))
    assert response.content == b"unused: true\n"
    assert response["Cache-Control"] == "no-store"


def test_starting_a_running_lab_again_returns_to_it(client, learner, ready_session):
    client.force_login(learner)
    response = client.post(reverse("start_lab", kwargs={"lab_id": "three-policies"}))
    assert response.url == url("session", ready_session)
    assert LabSession.objects.count() == 1


def test_on_a_real_cluster_the_page_lists_the_sessions_own_image_names(
    client, learner, ready_session, settings
):
    client.force_login(learner)
    assert b'data-testid="image-names"' not in client.get(url("session", ready_session)).content
    settings.CLUSTER_KUBECONFIG = "/somewhere/kubeconfig"
    settings.LAB_REGISTRY = "localhost:5001"
    page = client.get(url("session", ready_session)).content.decode()
    assert 'data-testid="image-names"' in page
    assert f"<code>localhost:5001/{ready_session.namespace}/lab/web</code>" in page
