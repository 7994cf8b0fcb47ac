"""Watch semantics through the official client: ADDED/MODIFIED, selectors, 410 Gone, re-list."""

from __future__ import annotations

import threading

import pytest
from kubernetes import client, watch

from tests.apiserver.conftest import pod_body


def _collect(core, ns, **kwargs):
    return [
        (e["type"], e["object"].metadata.name)
        for e in watch.Watch().stream(core.list_namespaced_pod, ns, **kwargs)
    ]


def test_a_watch_from_a_list_sees_added_then_modified(sim, learner) -> None:
    core, ns = learner
    listed = core.list_namespaced_pod(ns)
    seen: list = []
    done = threading.Event()

    def follow() -> None:
        for event in watch.Watch().stream(
            core.list_namespaced_pod,
            ns,
            resource_version=listed.metadata.resource_version,
            timeout_seconds=2,
        ):
            seen.append(
                (event["type"], event["object"].metadata.name, event["object"].status.phase)
            )
        done.set()

    thread = threading.Thread(target=follow)
    thread.start()
    core.create_namespaced_pod(ns, pod_body("web"))
    sim.advance(5)
    done.wait(10)
    thread.join(10)
    assert seen[0] == ("ADDED", "web", "Pending")
    assert all(kind == "MODIFIED" for kind, _, _ in seen[1:])
    assert seen[-1] == ("MODIFIED", "web", "Running")


def test_a_watch_with_a_field_selector_only_sees_that_pod(sim, learner) -> None:
    core, ns = learner
    core.create_namespaced_pod(ns, pod_body("a"))
    core.create_namespaced_pod(ns, pod_body("b"))
    assert _collect(core, ns, field_selector="metadata.name=b", timeout_seconds=1) == [
        ("ADDED", "b")
    ]


def test_events_can_be_selected_by_involved_object(sim, learner) -> None:
    core, ns = learner
    pod = core.create_namespaced_pod(ns, pod_body("p-never-2", "Never", "node-2"))
    sim.advance(3)
    selector = (
        f"involvedObject.name=p-never-2,involvedObject.namespace={ns},"
        f"involvedObject.uid={pod.metadata.uid}"
    )
    events = core.list_namespaced_event(ns, field_selector=selector).items
    assert [(e.type, e.reason) for e in events] == [
        ("Warning", "ErrImageNeverPull"),
        ("Warning", "Failed"),
    ]
    assert (
        core.list_namespaced_event(ns, field_selector="reason=ErrImageNeverPull").items[0].count
        == 1
    )


def test_an_expired_resource_version_is_410_and_a_relist_recovers(sim, learner) -> None:
    core, ns = learner
    old = core.list_namespaced_pod(ns).metadata.resource_version
    core.create_namespaced_pod(ns, pod_body("web"))
    tenant = sim.simulator.tenants[ns]
    sim.call(tenant.store.compact)
    with pytest.raises(client.ApiException) as caught:
        list(
            watch.Watch().stream(
                core.list_namespaced_pod, ns, resource_version=old, timeout_seconds=1
            )
        )
    assert caught.value.status == 410
    fresh = core.list_namespaced_pod(ns)
    assert [p.metadata.name for p in fresh.items] == ["web"]
    events = list(
        watch.Watch().stream(
            core.list_namespaced_pod,
            ns,
            resource_version=fresh.metadata.resource_version,
            timeout_seconds=1,
        )
    )
    assert events == []


def test_tenants_are_isolated(sim, learner) -> None:
    from tests.apiserver.conftest import create_labworld

    core_a, ns_a = learner
    core_a.create_namespaced_pod(ns_a, pod_body("secret-pod"))
    other = create_labworld(sim)
    core_b = client.CoreV1Api(sim.api_client(other["status"]["token"]))
    assert core_b.list_pod_for_all_namespaces().items == []
    with pytest.raises(client.ApiException) as caught:
        core_b.read_namespaced_pod("secret-pod", ns_a)
    assert caught.value.status == 404
    # tenant B's pull does not warm tenant A's cache: caches are per tenant
    assert (
        sim.simulator.tenants[ns_a].caches
        is not sim.simulator.tenants[other["status"]["namespace"]].caches
    )
