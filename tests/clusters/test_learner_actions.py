"""What the learner asks of the cluster comes back in the API server's own words."""

import pytest

from clusters import tasks
from labs.models import LabSession, SessionEvent

pytestmark = pytest.mark.django_db


def pod(name: str, **container) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"nodeName": "node-1", "containers": [{"name": "web", **container}]},
    }


@pytest.fixture
def ready(simulator, new_session) -> LabSession:
    tasks.provision_session(new_session.pk)
    new_session.refresh_from_db()
    return new_session


def answer(session: LabSession, request_id: str) -> dict:
    return SessionEvent.objects.get(session=session, dedupe_key=f"action:{request_id}:done").payload


@pytest.mark.parametrize(
    ("manifest", "ok", "message"),
    [
        pytest.param(pod("p-ok", image="lab/web:1.0"), True, "pod/p-ok created", id="created"),
        # kube-apiserver pkg/apis/core/validation/validation.go validatePullPolicy
        pytest.param(
            pod("p-bad", image="lab/web:1.0", imagePullPolicy="Sometimes"),
            False,
            'Pod "p-bad" is invalid: spec.containers[0].imagePullPolicy: Unsupported value: '
            '"Sometimes": supported values: "Always", "IfNotPresent", "Never"',
            id="unknown-policy",
        ),
        # validation.go validateContainerCommon: image is required
        pytest.param(
            pod("p-bad", image=""),
            False,
            'Pod "p-bad" is invalid: spec.containers[0].image: Required value',
            id="missing-image",
        ),
        # Sent as written: the server judges it, not the client's typed models.
        pytest.param(
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {}},
            False,
            'Deployment.apps "d" is invalid: [spec.selector: Required value',
            id="deployment-without-selector",
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": []}},
            False,
            'Pod "" is invalid: [metadata.name: Required value: name or generateName is required',
            id="no-name",
        ),
        pytest.param(
            {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
            False,
            'no matches for kind "Widget" in version "example.com/v1"',
            id="unknown-kind",
        ),
    ],
)
def test_apply_answers_in_the_api_servers_words(ready, manifest, ok, message):
    tasks.apply_manifest(ready.pk, "r1", manifest)
    result = answer(ready, "r1")
    assert result["ok"] is ok
    assert result["message"].startswith(message)


def test_applying_the_same_pod_again_is_unchanged(ready):
    # kubectl apply: the three-way patch is empty, so nothing is sent and it says so.
    tasks.apply_manifest(ready.pk, "r1", pod("p", image="lab/web:1.0"))
    tasks.apply_manifest(ready.pk, "r2", pod("p", image="lab/web:1.0"))
    assert answer(ready, "r2") == {
        "request": "r2",
        "phase": "done",
        "ok": True,
        "message": "pod/p unchanged",
    }


def test_applying_a_new_image_configures_the_pod(ready):
    # core/v1 Container.image is mutable on a Pod (k8s.io/api core/v1 types.go).
    tasks.apply_manifest(ready.pk, "r1", pod("p", image="lab/web:1.0"))
    tasks.apply_manifest(ready.pk, "r2", pod("p", image="lab/web:2.0"))
    assert answer(ready, "r2")["message"] == "pod/p configured"


def test_applying_a_new_pull_policy_is_forbidden_in_the_api_servers_words(ready):
    # imagePullPolicy "Cannot be updated": validation.go ValidatePodUpdate.
    tasks.apply_manifest(ready.pk, "r1", pod("p", image="lab/web:1.0", imagePullPolicy="Always"))
    tasks.apply_manifest(ready.pk, "r2", pod("p", image="lab/web:1.0", imagePullPolicy="Never"))
    result = answer(ready, "r2")
    assert result["ok"] is False
    assert result["message"].startswith(
        'Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than'
    )


def test_delete_pod_and_deleting_it_again_once_it_is_gone(simulator, ready):
    tasks.apply_manifest(ready.pk, "r1", pod("p", image="lab/web:1.0"))
    tasks.delete_pod(ready.pk, "r2", "p")
    simulator.advance(60)  # past the 30 s grace period
    tasks.delete_pod(ready.pk, "r3", "p")
    assert answer(ready, "r2")["message"] == 'pod "p" deleted'
    assert answer(ready, "r3") == {
        "request": "r3",
        "phase": "done",
        "ok": False,
        "message": 'pods "p" not found',
    }


def test_an_ended_session_does_not_touch_the_cluster(ready):
    LabSession.objects.filter(pk=ready.pk).update(state=LabSession.State.ENDED)
    tasks.apply_manifest(ready.pk, "r1", pod("p", image="lab/web:1.0"))
    assert answer(ready, "r1")["message"] == "This lab session is not running."


def test_the_delete_button_names_other_namespaces_pods_as_ns_slash_name(simulator, ready):
    tasks.delete_pod(ready.pk, "r1", "kube-system/coredns")
    tasks.delete_pod(ready.pk, "r2", "p -n other")
    assert answer(ready, "r1")["message"] == 'pods "coredns" not found'
    assert answer(ready, "r2")["message"] == '"p -n other" is not a pod name'
