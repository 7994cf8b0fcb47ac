"""The object store: resourceVersions, selectors, the compacted watch log (410 Gone)."""

from __future__ import annotations

import json

import pytest

from clusters.sim.errors import ApiError
from clusters.sim.tenant import Tenant
from tests.sim.worlds import new_tenant, pod, run


def test_every_write_gets_a_higher_resource_version() -> None:
    _, _, tenant = new_tenant()
    first = tenant.create("pods", "lab", pod("a"))
    second = tenant.create("pods", "lab", pod("b"))
    assert int(second["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])
    assert first["metadata"]["uid"] != second["metadata"]["uid"]
    assert first["metadata"]["generation"] == 1


def test_creating_a_duplicate_is_a_409_already_exists() -> None:
    _, _, tenant = new_tenant()
    tenant.create("pods", "lab", pod("a"))
    with pytest.raises(ApiError) as caught:
        tenant.create("pods", "lab", pod("a"))
    assert caught.value.code == 409
    assert caught.value.status["message"] == 'pods "a" already exists'


def test_a_missing_object_is_a_404_in_the_api_servers_words() -> None:
    _, _, tenant = new_tenant()
    with pytest.raises(ApiError) as caught:
        tenant.get("pods", "lab", "nope")
    assert caught.value.status["message"] == 'pods "nope" not found'


@pytest.mark.parametrize(
    ("labels", "fields", "names"),
    [
        pytest.param("app=web", None, ["a"], id="labels.Parse: equality"),
        pytest.param(
            "app!=web", None, ["b", "c"], id="labels.Parse: inequality matches a missing label"
        ),
        pytest.param("app in (web,db)", None, ["a", "b"], id="labels.Parse: set-based in"),
        pytest.param("!app", None, ["c"], id="labels.Parse: does not exist"),
        pytest.param(None, "metadata.name=b", ["b"], id="fields: metadata.name"),
        pytest.param(
            None, "spec.nodeName=node-2", ["c"], id="pod strategy GetAttrs: spec.nodeName"
        ),
    ],
)
def test_list_filters_by_label_and_field_selectors(
    labels: str | None, fields: str | None, names: list[str]
) -> None:
    _, _, tenant = new_tenant()
    tenant.create(
        "pods",
        "lab",
        {**pod("a", node="node-1"), "metadata": {"name": "a", "labels": {"app": "web"}}},
    )
    tenant.create(
        "pods",
        "lab",
        {**pod("b", node="node-1"), "metadata": {"name": "b", "labels": {"app": "db"}}},
    )
    tenant.create("pods", "lab", pod("c", node="node-2"))
    items, _ = tenant.list("pods", "lab", labels, fields)
    assert [o["metadata"]["name"] for o in items] == names


def test_an_unknown_field_selector_is_a_400() -> None:
    _, _, tenant = new_tenant()
    with pytest.raises(ApiError) as caught:
        tenant.list("pods", "lab", None, "spec.image=x")
    assert (caught.value.code, caught.value.status["message"]) == (
        400,
        "field label not supported: spec.image",
    )


def test_a_compacted_version_is_410_gone_and_a_recent_one_replays() -> None:
    _, _, tenant = new_tenant()
    tenant.create("pods", "lab", pod("a"))
    rv = tenant.store.rv
    tenant.create("pods", "lab", pod("b"))
    added = [
        c.object["metadata"]["name"]
        for c in tenant.store.changes_since(rv)
        if c.resource == "pods" and c.type == "ADDED"
    ]
    assert added == ["b"]
    tenant.store.compact()
    with pytest.raises(ApiError) as caught:
        tenant.store.changes_since(rv)
    assert caught.value.code == 410
    assert caught.value.status["reason"] == "Expired"
    assert caught.value.status["message"].startswith(f"too old resource version: {rv} (")


def test_the_api_server_compacts_every_five_minutes() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("a"))
    rv = tenant.store.rv
    run(simulator, clock, 301)  # first compaction: to the version seen at start (0)
    tenant.store.changes_since(rv)
    run(simulator, clock, 300)  # second: to the version seen 5 minutes ago
    with pytest.raises(ApiError):
        tenant.store.changes_since(rv)


def test_a_tenant_saves_to_json_and_restores_to_the_same_future() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("p-never-2", policy="Never", node="node-2"))
    tenant.create("pods", "lab", pod("p-bad", image="lab/web:9.9", node="node-2"))
    run(simulator, clock, 12)
    state = json.loads(json.dumps(tenant.to_state()))
    restored = Tenant.from_state(state, clock)
    run(simulator, clock, 60)
    restored.run_due(clock.now())
    for name in ("p-never-2", "p-bad"):
        assert (
            restored.store.get("pods", "lab", name)["status"]
            == tenant.store.get("pods", "lab", name)["status"]
        )
    counts = sorted((e["reason"], e["count"]) for e in tenant.store.list("events"))
    assert sorted((e["reason"], e["count"]) for e in restored.store.list("events")) == counts


def test_world_secrets_get_their_namespace_and_string_data_becomes_data() -> None:
    import base64

    from tests.sim.worlds import lab1_world

    secret = {
        "metadata": {"name": "regcred", "namespace": "ns-a"},
        "type": "kubernetes.io/dockerconfigjson",
        "stringData": {".dockerconfigjson": '{"auths": {}}'},
    }
    _, _, tenant = new_tenant(lab1_world(secrets=[secret]))
    stored = tenant.store.get("secrets", "ns-a", "regcred")
    assert "stringData" not in stored
    assert base64.b64decode(stored["data"][".dockerconfigjson"]) == b'{"auths": {}}'


def test_a_timeline_registry_change_sets_its_fields() -> None:
    from tests.sim.worlds import lab1_world

    world = lab1_world(timeline=[{"after": "30s", "registry": {"host": "docker.io", "down": True}}])
    simulator, clock, tenant = new_tenant(world)
    run(simulator, clock, 31)
    assert tenant.registries["docker.io"]["down"] is True


def test_replacing_a_namespace_keeps_its_name_label_finalizers_and_status() -> None:
    # pkg/apis/core/v1/defaults.go SetDefaults_Namespace (the label is always set) and
    # pkg/registry/core/namespace/strategy.go PrepareForUpdate (spec.finalizers, status kept).
    _, _, tenant = new_tenant()
    created = tenant.create("namespaces", None, {"metadata": {"name": "team-b"}})
    replaced = tenant.update(
        "namespaces",
        None,
        "team-b",
        {"metadata": {"name": "team-b", "labels": {"airgap": "true"}}, "spec": {}},
    )
    assert replaced["metadata"]["labels"] == {
        "airgap": "true",
        "kubernetes.io/metadata.name": "team-b",
    }
    assert replaced["spec"] == created["spec"] == {"finalizers": ["kubernetes"]}
    assert replaced["status"] == {"phase": "Active"}


def schedule_timers(tenant: Tenant, name: str) -> list[float]:
    return sorted(t[0] for t in tenant.timers if t[2] == "schedule" and t[3][1] == name)


def test_a_pod_that_cannot_be_placed_keeps_one_retry_across_a_restore() -> None:
    # internal/queue flushUnschedulablePodsLeftover: one retry 5 minutes on, not one per try.
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("nowhere", nodeSelector={"disk": "nvme"}))
    run(simulator, clock, 1)
    (flush,) = schedule_timers(tenant, "nowhere")
    stored = tenant.store.get("pods", "lab", "nowhere")
    tenant.retry_scheduling(stored, 300, flush)
    assert schedule_timers(tenant, "nowhere") == [flush]

    restored = Tenant.from_state(json.loads(json.dumps(tenant.to_state())), clock)
    restored.retry_scheduling(stored, 300, flush)
    assert schedule_timers(restored, "nowhere") == [flush]
    restored.retry_scheduling(stored, 0, clock.now())  # something changed: try again now
    assert schedule_timers(restored, "nowhere") == [clock.now(), flush]
