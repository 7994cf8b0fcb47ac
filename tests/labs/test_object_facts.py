"""`objects` and `nodes` facts: normalising watched objects, folding them, storing only changes."""

import base64
import json
from dataclasses import dataclass

import pytest
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from clusters import worldfacts
from clusters.worldfacts import ingest_world_status
from labs.checks import build_facts, check_passes
from labs.models import SessionEvent
from labs.normalise import (
    cache_names,
    event_payload,
    node_facts_from_node,
    object_payload,
    pod_payload,
)
from labs.pipeline import ingest, ingest_change

LAB_NS = "lab-abc"
DIGEST_A = "sha256:" + "a" * 64


def deployment(generation: int = 1, uid: str = "dep-1", rv: str = "10", **status) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": LAB_NS,
            "uid": uid,
            "resourceVersion": rv,
            "generation": generation,
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"kind":"D"}'},
            "managedFields": [
                {
                    "manager": "kubectl-client-side-apply",
                    "operation": "Update",
                    "apiVersion": "apps/v1",
                    "fieldsV1": {"f:spec": {"f:replicas": {}}},
                }
            ],
        },
        "spec": {"replicas": 2},
        "status": {
            "conditions": [{"type": "Progressing", "status": "True", "reason": "NewRSAvailable"}],
            **status,
        },
    }


def secret(**extra) -> dict:
    value = base64.b64encode(b"hunter2").decode()
    applied = json.dumps({"kind": "Secret", "data": {"password": value}})
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/dockerconfigjson",
        "metadata": {
            "name": "regcred",
            "namespace": LAB_NS,
            "uid": "sec-1",
            "resourceVersion": "3",
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": applied,
                "team": "web",
            },
        },
        "data": {".dockerconfigjson": value, "password": value},
        **extra,
    }


def object_stream(*items) -> list[tuple[str, dict]]:
    out = []
    for item in items:
        watch_type, obj = item if isinstance(item, tuple) else ("ADDED", item)
        out.append(("object", object_payload(watch_type, obj, LAB_NS)[0]))
    return out


def test_an_object_keeps_what_checks_read_and_drops_managed_field_sets():
    payload, key = object_payload("MODIFIED", deployment(generation=3), LAB_NS)
    obj = payload["object"]
    assert key == "object:dep-1:10"
    assert payload["key"] == "Deployment/web"
    assert obj["metadata"]["generation"] == 3
    assert "kubectl.kubernetes.io/last-applied-configuration" in obj["metadata"]["annotations"]
    assert obj["status"]["conditions"][0]["reason"] == "NewRSAvailable"
    # Who wrote it stays; the field sets (large, and read by no check) go.
    assert obj["metadata"]["managedFields"] == [
        {"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "apps/v1"}
    ]
    assert object_payload("DELETED", deployment(), LAB_NS)[1] == "object:dep-1:deleted"


@dataclass(frozen=True)
class KeyCase:
    namespace: str | None
    expected: str


@pytest.mark.parametrize(
    "case",
    [
        KeyCase(namespace=LAB_NS, expected="ConfigMap/answers"),
        KeyCase(namespace="team-a", expected="ConfigMap/team-a/answers"),
        KeyCase(namespace=None, expected="ConfigMap/answers"),  # cluster-scoped
    ],
    ids=["lab-namespace", "other-namespace", "cluster-scoped"],
)
def test_object_fact_keys(case):
    obj = {"kind": "ConfigMap", "metadata": {"name": "answers", "uid": "u"}}
    if case.namespace:
        obj["metadata"]["namespace"] = case.namespace
    assert object_payload("ADDED", obj, LAB_NS)[0]["key"] == case.expected


def test_a_secret_shows_its_type_and_data_keys_never_a_value():
    payload, _ = object_payload("ADDED", secret(stringData={"token": "plain"}), LAB_NS)
    stored = json.dumps(payload)
    assert "hunter2" not in stored
    assert base64.b64encode(b"hunter2").decode() not in stored
    assert "plain" not in stored
    obj = payload["object"]
    assert obj["type"] == "kubernetes.io/dockerconfigjson"
    assert obj["data"] == [".dockerconfigjson", "password", "token"]
    # The last-applied annotation of a Secret is the Secret itself, values included.
    assert obj["metadata"]["annotations"] == {"team": "web"}
    facts = build_facts(object_stream(secret()), {})
    activation = facts.activation()
    assert check_passes('".dockerconfigjson" in objects["Secret/regcred"].data', activation)
    assert check_passes(
        'objects["Secret/regcred"].type == "kubernetes.io/dockerconfigjson"', activation
    )


def test_objects_fold_in_seq_order_and_a_late_delete_of_an_older_uid_is_ignored():
    old, new = deployment(uid="old", rv="1"), deployment(uid="new", rv="5", generation=2)
    facts = build_facts(object_stream(old, new, ("DELETED", old)), {})
    assert facts.objects["Deployment/web"]["metadata"]["uid"] == "new"
    assert check_passes('objects["Deployment/web"].metadata.generation == 2', facts.activation())
    facts = build_facts(object_stream(new, ("DELETED", new)), {})
    assert facts.objects == {}
    assert check_passes('!("Deployment/web" in objects)', facts.activation())


def test_node_facts_start_from_the_world_and_each_source_replaces_what_it_says():
    world = {"nodes": [{"name": "node-1", "labels": {"disk": "ssd"}, "cache": ["lab/old:1"]}]}
    node_event = {"node": "node-1", "source": "node", "facts": {"cache": ["lab/web:1.0"]}}
    world_event = {
        "node": "node-1",
        "source": "world",
        "facts": {"imagefs_used_percent": 79, "kubelet": {"serializeImagePulls": False}},
    }
    facts = build_facts([("node", node_event), ("node", world_event)], world)
    assert facts.nodes["node-1"] == {
        "labels": {"disk": "ssd"},  # the world file's, as no live source said otherwise
        "cache": ["lab/web:1.0"],
        "imagefs_used_percent": 79,
        "kubelet": {"serializeImagePulls": False},
    }
    activation = facts.activation()
    assert check_passes('"lab/web:1.0" in nodes["node-1"].cache', activation)
    assert check_passes('!("lab/old:1" in nodes["node-1"].cache)', activation)
    assert check_passes('nodes["node-1"].imagefs_used_percent <= 80', activation)


def test_a_node_objects_cache_answers_to_tags_digests_and_familiar_names():
    node = {
        "metadata": {"name": "node-1", "labels": {"kubernetes.io/hostname": "node-1"}},
        "spec": {"unschedulable": True},
        "status": {
            "images": [
                {"names": [f"docker.io/lab/web@{DIGEST_A}", "docker.io/lab/web:1.0"]},
                {"names": ["docker.io/library/nginx:1.25"]},
            ]
        },
    }
    facts = node_facts_from_node(node)
    assert facts["unschedulable"] is True
    assert facts["labels"] == {"kubernetes.io/hostname": "node-1"}
    for name in ("lab/web:1.0", "docker.io/lab/web:1.0", DIGEST_A, "nginx:1.25"):
        assert name in facts["cache"]
    assert cache_names(["lab/web:1.0"]) == ["docker.io/lab/web:1.0", "lab/web:1.0"]


CORDON = "node.kubernetes.io/unschedulable"


@pytest.mark.parametrize(
    ("spec", "taints"),
    [
        pytest.param({}, [], id="no taints: an empty list"),
        pytest.param(
            {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]},
            [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
            id="v1.Taint: key, value and effect",
        ),
        pytest.param(
            {
                "unschedulable": True,
                "taints": [
                    {"key": "spot", "effect": "PreferNoSchedule"},
                    {"key": CORDON, "effect": "NoSchedule", "timeAdded": "2026-01-01T00:00:00Z"},
                ],
            },
            [
                {"key": "spot", "value": "", "effect": "PreferNoSchedule"},
                {"key": CORDON, "value": "", "effect": "NoSchedule"},
            ],
            id="doNoScheduleTaintingPass's cordon taint, value empty, timeAdded left out",
        ),
    ],
)
def test_a_node_objects_taints_are_facts(spec: dict, taints: list) -> None:
    node = {"metadata": {"name": "node-1"}, "spec": spec, "status": {}}
    facts = node_facts_from_node(node)
    assert facts["taints"] == taints
    event = {"node": "node-1", "source": "node", "facts": facts}
    activation = build_facts([("node", event)], {"nodes": [{"name": "node-1"}]}).activation()
    cordoned = f'nodes["node-1"].taints.exists(t, t.key == "{CORDON}" && t.value == "")'
    assert check_passes(cordoned, activation) == any(t["key"] == CORDON for t in taints)


@pytest.mark.django_db
def test_a_snapshot_is_stored_only_when_it_changed(ready_session):
    def store(facts: dict) -> list:
        payload = {"node": "node-1", "source": "world", "facts": facts}
        return ingest_change(ready_session.pk, "node", payload, subject="node:node-1:world")

    a, b = {"cache": ["lab/web:1.0"]}, {"cache": []}
    assert len(store(a)) == 1
    assert store(a) == []  # read twice: nothing new
    assert len(store(b)) == 1
    assert len(store(a)) == 1  # a state that comes back is a change too
    stored = SessionEvent.objects.filter(session=ready_session, kind="node")
    assert [e.payload["facts"] for e in stored] == [a, b, a]
    assert [e.seq for e in stored] == [1, 2, 3]


@pytest.mark.django_db
def test_an_object_event_is_deduplicated_by_uid_and_version(ready_session):
    payload, key = object_payload("ADDED", deployment(), LAB_NS)
    assert len(ingest(ready_session.pk, "object", payload, key)) == 1
    assert ingest(ready_session.pk, "object", payload, key) == []
    ready_session.refresh_from_db()
    assert ready_session.last_seq == 1


def test_pods_and_events_outside_the_lab_namespace_are_named_ns_slash_name():
    def pod_in(namespace: str, uid: str) -> dict:
        metadata = {"name": "web", "namespace": namespace, "uid": uid, "resourceVersion": "1"}
        return {"kind": "Pod", "metadata": metadata, "spec": {}, "status": {"phase": "Running"}}

    def pulled_in(namespace: str, uid: str) -> dict:
        involved = {"kind": "Pod", "name": "web", "namespace": namespace, "uid": uid}
        metadata = {"name": f"web.{uid}", "namespace": namespace, "uid": f"ev-{uid}"}
        return {"reason": "Pulled", "involvedObject": involved, "metadata": metadata}

    stream = [
        ("pod", pod_payload("ADDED", pod_in("dev", "u-dev"), LAB_NS)[0]),
        ("pod", pod_payload("ADDED", pod_in(LAB_NS, "u-lab"), LAB_NS)[0]),
        ("event", event_payload("ADDED", pulled_in("dev", "u-dev"), LAB_NS)[0]),
    ]
    facts = build_facts(stream, {})
    assert set(facts.pods) == {"dev/web", "web"}
    assert [e["name"] for e in facts.events["dev/web"]] == ["dev/web"]
    assert facts.events["web"] == []
    assert check_passes('all_events.exists(e, e.name.contains("/"))', facts.activation())


WORLD_STATUS = {
    "nodes": {
        "node-1": {
            "cache": [
                {"ref": "docker.io/lab/web:1.0", "digest": DIGEST_A, "size": 10, "preloaded": False}
            ],
            "kubelet": {"imageGCHighThresholdPercent": 85},
            "kubelet_error": None,
            "imagefs_used_percent": 79,
        }
    },
    "registries": {"docker.io": {"down": False, "pulls": [{"digest": DIGEST_A, "node": "node-1"}]}},
    "apiserver": {"enableAdmissionPlugins": ["AlwaysPullImages"]},
}


@pytest.mark.django_db
def test_the_world_status_becomes_node_facts_and_registry_and_apiserver_objects(ready_session):
    ingest_world_status(ready_session.pk, WORLD_STATUS)
    ingest_world_status(ready_session.pk, WORLD_STATUS)  # read twice: stored once
    stored = SessionEvent.objects.filter(session=ready_session)
    assert stored.filter(kind__in=["node", "object"]).count() == 3
    facts = build_facts(stored.values_list("kind", "payload"), {})
    node = facts.nodes["node-1"]
    assert "kubelet_error" not in node  # null: no error, so has() is false
    assert node["images"] == WORLD_STATUS["nodes"]["node-1"]["cache"]
    assert {"lab/web:1.0", DIGEST_A} <= set(node["cache"])
    activation = facts.activation()
    for check in (
        '!has(nodes["node-1"].kubelet_error)',
        'nodes["node-1"].kubelet.imageGCHighThresholdPercent == 85',
        '"lab/web:1.0" in nodes["node-1"].cache',
        f'objects["Registry/docker.io"].pulls.exists(p, p.digest == "{DIGEST_A}")',
        '"AlwaysPullImages" in objects["APIServer/cluster"].spec.enableAdmissionPlugins',
    ):
        assert check_passes(check, activation), check


@pytest.mark.django_db
def test_a_refresh_without_the_right_to_read_nodes_keeps_the_world_files_facts(
    ready_session, monkeypatch
):
    def forbidden(api, session):
        raise ApiException(status=403, reason="Forbidden")

    monkeypatch.setattr(worldfacts, "labworld_status", lambda api, name: {})
    monkeypatch.setattr(worldfacts, "node_object_facts", forbidden)
    clients = worldfacts.WorldClients(admin=ApiClient(), nodes=ApiClient())
    worldfacts.refresh_world_facts(ready_session.pk, clients)
    assert not SessionEvent.objects.filter(session=ready_session).exists()
