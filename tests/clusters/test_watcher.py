"""The watch worker against the simulated cluster: resume, 410 Gone → re-list, start/stop."""

import threading
import time

import pytest
from kubernetes.client.exceptions import ApiException

from clusters import actions, tasks
from clusters.watcher import ResourceWatch, WatchSupervisor
from labs.checks import build_facts
from labs.models import LabSession, SessionEvent

pytestmark = pytest.mark.django_db(transaction=True)


def pod(name: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"nodeName": "node-1", "containers": [{"name": "web", "image": "lab/web:1.0"}]},
    }


@pytest.fixture
def ready(simulator, new_session) -> LabSession:
    tasks.provision_session(new_session.pk)
    new_session.refresh_from_db()
    return new_session


def live_pods(session: LabSession) -> set[str]:
    stored = SessionEvent.objects.filter(session=session, kind="pod").values_list("kind", "payload")
    return set(build_facts(stored, {}).pods)


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_watch_from_a_compacted_version_is_gone_and_a_relist_catches_up(simulator, ready):
    watch = ResourceWatch(ready.pk, ready.kubeconfig, "pods", timeout_seconds=1)
    version = watch.relist()
    actions.apply_manifest(ready.kubeconfig, pod("p-a"))
    version = watch.follow(version)
    assert live_pods(ready) == {"p-a"}

    # While nobody watches: p-a goes away, p-b arrives, and the server compacts its history.
    actions.delete_pod(ready.kubeconfig, "p-a")
    simulator.advance(60)
    actions.apply_manifest(ready.kubeconfig, pod("p-b"))
    simulator.call(lambda: simulator.simulator.tenants[ready.namespace].store.compact())

    with pytest.raises(ApiException) as gone:
        watch.follow(version)
    assert gone.value.status == 410

    watch.relist()
    assert live_pods(ready) == {"p-b"}
    seq_after_relist = LabSession.objects.get(pk=ready.pk).last_seq
    watch.relist()  # the same objects again: nothing new is stored
    assert LabSession.objects.get(pk=ready.pk).last_seq == seq_after_relist
    seqs = list(SessionEvent.objects.filter(session=ready).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_the_supervisor_follows_ready_sessions_and_lets_ended_ones_go(simulator, ready):
    supervisor = WatchSupervisor(watch_timeout_seconds=1)
    stop = threading.Event()
    runner = threading.Thread(target=supervisor.run, args=(stop, 0.1), daemon=True)
    runner.start()
    try:
        wait_for(lambda: ready.pk in supervisor.watches)
        actions.apply_manifest(ready.kubeconfig, pod("p-live"))
        simulator.advance(5)
        wait_for(lambda: "p-live" in live_pods(ready))
        wait_for(lambda: SessionEvent.objects.filter(session=ready, kind="event").exists())

        threads = [thread for _, thread in supervisor.watches[ready.pk]]
        LabSession.objects.filter(pk=ready.pk).update(state=LabSession.State.ENDED)
        wait_for(lambda: ready.pk not in supervisor.watches)
        for thread in threads:
            thread.join(timeout=5)
            assert not thread.is_alive()
    finally:
        stop.set()
        runner.join(timeout=5)
