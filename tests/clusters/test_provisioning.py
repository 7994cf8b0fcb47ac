"""Provisioning a lab world on the simulated cluster, as the Celery task does it."""

import contextlib
from collections.abc import Iterator

import pytest
import yaml
from kubernetes.client import CoreV1Api, CustomObjectsApi
from kubernetes.client.exceptions import ApiException

from clusters import tasks
from clusters.kube import admin_api_client, api_client_from_kubeconfig
from labs.models import LabSession, SessionEvent

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def core(kubeconfig: str) -> Iterator[CoreV1Api]:
    with api_client_from_kubeconfig(kubeconfig) as api:
        yield CoreV1Api(api)


def test_provisioning_makes_the_world_and_a_working_learner_kubeconfig(simulator, new_session):
    tasks.provision_session(new_session.pk)

    new_session.refresh_from_db()
    assert new_session.state == LabSession.State.READY
    kubeconfig = yaml.safe_load(new_session.kubeconfig)
    assert kubeconfig["contexts"][0]["context"]["namespace"] == new_session.namespace
    assert kubeconfig["clusters"][0]["cluster"]["server"] == simulator.url
    with core(new_session.kubeconfig) as api:
        pods = api.list_namespaced_pod(new_session.namespace)
    assert pods.items == []
    status = SessionEvent.objects.get(session=new_session)
    assert (status.seq, status.kind, status.payload["state"]) == (1, "status", "ready")


def test_provisioning_twice_is_harmless(simulator, new_session):
    tasks.provision_session(new_session.pk)
    kubeconfig = LabSession.objects.get(pk=new_session.pk).kubeconfig
    tasks.provision_session(new_session.pk)
    assert LabSession.objects.get(pk=new_session.pk).kubeconfig == kubeconfig
    assert SessionEvent.objects.filter(session=new_session).count() == 1


def test_a_retry_after_the_world_was_made_picks_up_the_same_world(simulator, new_session):
    # A worker died after the cluster made the world but before the session was saved.
    world = {
        "apiVersion": "sim.pullpolicylabs.dev/v1",
        "kind": "LabWorld",
        "metadata": {"name": new_session.namespace},
        "spec": {"nodes": [{"name": "node-1"}]},
    }
    with admin_api_client() as api:
        CustomObjectsApi(api).create_cluster_custom_object(
            "sim.pullpolicylabs.dev", "v1", "labworlds", world
        )
    tasks.provision_session(new_session.pk)
    new_session.refresh_from_db()
    assert new_session.state == LabSession.State.READY
    with core(new_session.kubeconfig) as api:
        api.list_namespaced_pod(new_session.namespace)


def test_one_learner_cannot_reach_another_learners_cluster(simulator, learner, django_user_model):
    other = django_user_model.objects.create_user("other", password="x")
    mine = LabSession.objects.create(owner=learner, lab_id="three-policies")
    theirs = LabSession.objects.create(owner=other, lab_id="three-policies")
    for session in (mine, theirs):
        tasks.provision_session(session.pk)
        session.refresh_from_db()
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "secret-pod"},
        "spec": {"containers": [{"name": "c", "image": "lab/web:1.0"}]},
    }
    with core(theirs.kubeconfig) as api:
        api.create_namespaced_pod(theirs.namespace, pod)

    with core(mine.kubeconfig) as api:
        with pytest.raises(ApiException) as denied:
            api.read_namespaced_pod("secret-pod", theirs.namespace)
        assert denied.value.status in (403, 404)
        assert api.list_namespaced_pod(mine.namespace).items == []


def test_ending_a_session_deletes_its_world_and_its_credentials(simulator, new_session):
    tasks.provision_session(new_session.pk)
    new_session.refresh_from_db()
    old_kubeconfig = new_session.kubeconfig

    tasks.end_session(new_session.pk)
    new_session.refresh_from_db()
    assert (new_session.state, new_session.kubeconfig) == (LabSession.State.ENDED, "")
    with core(old_kubeconfig) as api, pytest.raises(ApiException) as gone:
        api.list_namespaced_pod(new_session.namespace)
    assert gone.value.status == 401
    assert [e.payload["state"] for e in SessionEvent.objects.filter(session=new_session)] == [
        "ready",
        "ended",
    ]
    tasks.end_session(new_session.pk)  # again: nothing left to do, no error


def test_an_unreachable_cluster_fails_the_session_after_retries(settings, new_session):
    settings.CLUSTER_KUBECONFIG = ""
    settings.SIM_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    tasks.provision_session.apply(args=[new_session.pk], retries=tasks.MAX_PROVISION_RETRIES)
    new_session.refresh_from_db()
    assert new_session.state == LabSession.State.FAILED
    assert "could not make your lab" in new_session.failure
