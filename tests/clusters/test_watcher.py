"""The watch worker against the simulated cluster: resume, 410 Gone → re-list, start/stop."""

import json
import threading
import time

import pytest
from kubernetes.client.exceptions import ApiException

from clusters import actions, tasks
from clusters.watcher import ResourceWatch, WatchSupervisor
from clusters.worldfacts import refresh_world_facts
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


def config_map(name: str, **data: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def stored_objects_now(session: LabSession) -> dict[str, dict]:
    stored = SessionEvent.objects.filter(session=session, kind="object")
    return build_facts(stored.values_list("kind", "payload"), {}).objects


@pytest.mark.parametrize(
    ("resource", "manifest", "key", "generation"),
    [
        # A ConfigMap has no spec, so its registry strategy never sets metadata.generation.
        ("configmaps", config_map("answers", old_a="delete"), "ConfigMap/answers", None),
        (
            "deployments",
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web"},
                "spec": {
                    "replicas": 0,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "web", "image": "lab/web:1.0"}]},
                    },
                },
            },
            "Deployment/web",
            1,
        ),
    ],
    ids=["configmaps", "deployments"],
)
def test_other_kinds_resume_relist_after_410_and_store_deletions(
    simulator, ready, resource, manifest, key, generation
):
    watch = ResourceWatch(ready.pk, ready.kubeconfig, resource, timeout_seconds=1)
    version = watch.relist()
    actions.apply_manifest(ready.kubeconfig, manifest)
    version = watch.follow(version)
    assert key in stored_objects_now(ready)
    assert stored_objects_now(ready)[key]["metadata"].get("generation") == generation

    # While nobody watches: the object goes, and the server compacts its history.
    kind, name = key.split("/")
    actions.delete(ready.kubeconfig, f"{kind.lower()} {name}")
    simulator.advance(1)
    simulator.call(lambda: simulator.simulator.tenants[ready.namespace].store.compact())
    with pytest.raises(ApiException) as gone:
        watch.follow(version)
    assert gone.value.status == 410

    watch.relist()  # the DELETED it never saw is stored, so the fact drops out
    assert key not in stored_objects_now(ready)
    seq = LabSession.objects.get(pk=ready.pk).last_seq
    watch.relist()
    assert LabSession.objects.get(pk=ready.pk).last_seq == seq


def test_a_watched_secret_is_stored_without_its_values(simulator, ready):
    watch = ResourceWatch(ready.pk, ready.kubeconfig, "secrets", timeout_seconds=1)
    version = watch.relist()
    actions.apply_manifest(
        ready.kubeconfig,
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "regcred"},
            "type": "Opaque",
            "stringData": {"password": "hunter2"},
        },
    )
    watch.follow(version)
    stored = SessionEvent.objects.filter(session=ready, kind="object")
    assert stored.exists()
    assert all("hunter2" not in json.dumps(e.payload) for e in stored)
    assert all("aHVudGVyMg" not in json.dumps(e.payload) for e in stored)  # base64
    assert stored_objects_now(ready)["Secret/regcred"]["data"] == ["password"]


def latest_node_facts(session: LabSession) -> dict[str, dict]:
    stored = SessionEvent.objects.filter(session=session, kind="node").values_list(
        "kind", "payload"
    )
    return build_facts(stored, {}).nodes


def test_node_facts_follow_the_node_and_a_refresh_stores_only_changes(simulator, ready):
    watch = ResourceWatch(ready.pk, ready.kubeconfig, "nodes", timeout_seconds=1)
    version = watch.relist()
    # Lab 1's world caches lab/web:1.0 on node-1 only.
    assert "lab/web:1.0" in latest_node_facts(ready)["node-1"]["cache"]
    assert "lab/web:1.0" not in latest_node_facts(ready)["node-2"]["cache"]

    # An Always pull on node-2 puts the image there: the Node's status.images changes.
    always = pod("p-pull")
    always["spec"]["nodeName"] = "node-2"
    always["spec"]["containers"][0]["imagePullPolicy"] = "Always"
    actions.apply_manifest(ready.kubeconfig, always)
    simulator.advance(30)
    watch.follow(version)
    assert "lab/web:1.0" in latest_node_facts(ready)["node-2"]["cache"]

    # The world status adds what no Node object says: the kubelet's config, the registry's
    # pull log.
    refresh_world_facts(ready.pk)
    stored = SessionEvent.objects.filter(session=ready, kind__in=["node", "object"])
    facts = build_facts(stored.values_list("kind", "payload"), {})
    assert "lab/web:1.0" in facts.nodes["node-2"]["cache"]
    assert "kubelet" in facts.nodes["node-2"]
    pulls = facts.objects["Registry/docker.io"]["pulls"]
    assert [(p["node"], p["pod"]) for p in pulls] == [("node-2", "p-pull")]
    seq = LabSession.objects.get(pk=ready.pk).last_seq
    refresh_world_facts(ready.pk)  # nothing changed since: nothing new is stored
    assert LabSession.objects.get(pk=ready.pk).last_seq == seq


def test_a_kind_the_cluster_does_not_serve_ends_its_watch_for_good(simulator, ready):
    """Lab 1's world installs no Gatekeeper: the constraint kind answers 404, the watch stops
    at once and the supervisor does not restart it (it counts as finished, not crashed)."""
    watch = ResourceWatch(ready.pk, ready.kubeconfig, "k8sallowedrepos", timeout_seconds=1)
    runner = threading.Thread(target=watch.run, daemon=True)
    runner.start()
    runner.join(timeout=5)
    assert not runner.is_alive()
    assert watch.not_there


def test_the_worlds_other_namespaces_are_watched_and_keyed_ns_slash_name(simulator, learner):
    # 11-vap-never's world has a second namespace, kiosk.
    session = LabSession.objects.create(owner=learner, lab_id="vap-never")
    tasks.provision_session(session.pk)
    session.refresh_from_db()
    kiosk = ResourceWatch(
        session.pk, session.kubeconfig, "configmaps", timeout_seconds=1, other_namespace="kiosk"
    )
    own = ResourceWatch(session.pk, session.kubeconfig, "configmaps", timeout_seconds=1)
    version = kiosk.relist()
    own.relist()
    in_kiosk = config_map("answers", verdict="x")
    in_kiosk["metadata"]["namespace"] = "kiosk"
    actions.apply_manifest(session.kubeconfig, in_kiosk)
    actions.apply_manifest(session.kubeconfig, config_map("answers", verdict="y"))
    kiosk.follow(version)
    own.relist()
    objects = stored_objects_now(session)
    assert objects["ConfigMap/kiosk/answers"]["data"] == {"verdict": "x"}
    assert objects["ConfigMap/answers"]["data"] == {"verdict": "y"}
    # Each watch's re-list speaks for its own namespace only: the lab namespace's list does
    # not make the kiosk ConfigMap look deleted.
    own.relist()
    assert "ConfigMap/kiosk/answers" in stored_objects_now(session)
