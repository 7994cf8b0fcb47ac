"""Watched objects → session event payloads; the STATUS column as kubectl prints it."""

from dataclasses import dataclass

import pytest

from labs.normalise import event_payload, pod_display_status, pod_payload
from tests.labs.cluster_objects import never_pull, pod


@dataclass(frozen=True)
class StatusCase:
    pod: dict
    status: str


def with_status(status: dict, **metadata) -> dict:
    return {"metadata": {"name": "p", **metadata}, "status": status}


def container(state: dict) -> dict:
    return {"name": "c", "state": state}


# kubernetes pkg/printers/internalversion/printers.go printPod
STATUS_CASES = {
    "phase-when-nothing-else": StatusCase(with_status({"phase": "Pending"}), "Pending"),
    "running": StatusCase(
        with_status({"phase": "Running", "containerStatuses": [container({"running": {}})]}),
        "Running",
    ),
    "waiting-reason-wins": StatusCase(
        with_status(
            {
                "phase": "Pending",
                "containerStatuses": [container({"waiting": {"reason": "ErrImageNeverPull"}})],
            }
        ),
        "ErrImageNeverPull",
    ),
    "terminated-reason": StatusCase(
        with_status(
            {
                "phase": "Running",
                "containerStatuses": [container({"terminated": {"reason": "Error"}})],
            }
        ),
        "Error",
    ),
    "terminated-without-reason": StatusCase(
        with_status(
            {"phase": "Running", "containerStatuses": [container({"terminated": {"exitCode": 2}})]}
        ),
        "ExitCode:2",
    ),
    "init-container-waiting": StatusCase(
        with_status(
            {
                "phase": "Pending",
                "initContainerStatuses": [container({"waiting": {"reason": "ImagePullBackOff"}})],
            }
        ),
        "Init:ImagePullBackOff",
    ),
    "init-container-running": StatusCase(
        {
            **with_status(
                {"phase": "Pending", "initContainerStatuses": [container({"running": {}})]}
            ),
            "spec": {"initContainers": [{"name": "c"}]},
        },
        "Init:0/1",
    ),
    "pod-reason": StatusCase(with_status({"phase": "Failed", "reason": "Evicted"}), "Evicted"),
    "deleting": StatusCase(
        with_status({"phase": "Running"}, deletionTimestamp="2026-11-28T12:00:00Z"), "Terminating"
    ),
}


@pytest.mark.parametrize("case", STATUS_CASES.values(), ids=STATUS_CASES.keys())
def test_pod_display_status(case: StatusCase):
    assert pod_display_status(case.pod) == case.status


def test_a_pod_payload_is_keyed_by_uid_and_resource_version_and_keeps_only_the_managers():
    p = pod("p-never-2", node="node-2", policy="Never", waiting="ErrImageNeverPull")
    p["metadata"]["managedFields"] = [
        {
            "manager": "kubectl-client-side-apply",
            "operation": "Update",
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:containers": {}}},
        }
    ]
    payload, key = pod_payload("MODIFIED", p)
    assert key == f"pod:uid-p-never-2:{p['metadata']['resourceVersion']}"
    assert payload["object"]["metadata"]["managedFields"] == [
        {"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1"}
    ]
    assert payload["summary"] == {
        "name": "p-never-2",
        "uid": "uid-p-never-2",
        "status": "ErrImageNeverPull",
        "node": "node-2",
    }
    assert pod_payload("DELETED", p)[1] == "pod:uid-p-never-2:deleted"


def test_an_event_is_normalised_to_the_documented_shape():
    p = pod("p-never-2", node="node-2")
    payload, key = event_payload("ADDED", never_pull(p))
    assert payload["event"] == {
        "type": "Warning",
        "reason": "ErrImageNeverPull",
        "message": 'Container image "lab/web:1.0" is not present with pull policy of Never',
        "kind": "Pod",
        "name": "p-never-2",
        "uid": "uid-p-never-2",
        "fieldPath": "spec.containers{web}",
        "count": 1,
    }
    assert key.startswith("event:ev-uid-p-never-2-ErrImageNeverPull:")


def test_an_expired_event_is_not_an_event():
    assert event_payload("DELETED", never_pull(pod("p"))) is None


def real_shaped_event(**fields) -> dict:
    """A core/v1 Event as a real API server returns it (fields the public threads show: an
    `eventTime: null` from the kubelet's legacy recorder, empty reporting fields, `source`)."""
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "web.18f2a3b4c5d6e7f8", "namespace": "lab"},
        "involvedObject": {
            "kind": "Pod",
            "name": "web",
            "uid": "u1",
            "fieldPath": "spec.containers{web}",
        },
        "eventTime": None,
        "reportingComponent": "",
        "reportingInstance": "",
        "source": {"component": "kubelet", "host": "kind-worker"},
        "type": "Normal",
        "reason": "BackOff",
        "message": 'Back-off pulling image "lab/web:9.9"',
        **fields,
    }


@pytest.mark.parametrize(
    ("event", "count"),
    [
        # client-go tools/record events_cache.go: the kubelet's recorder counts repeats.
        (real_shaped_event(count=7, firstTimestamp="2026-11-28T10:00:00Z"), 7),
        # events.k8s.io/v1 (the scheduler's recorder) seen through core/v1: the repeats are in
        # `series.count` and `count` is absent (staging/src/k8s.io/api/events/v1 EventSeries).
        (
            real_shaped_event(
                reason="FailedScheduling",
                eventTime="2026-11-28T10:00:00.000000Z",
                reportingComponent="default-scheduler",
                series={"count": 4, "lastObservedTime": "2026-11-28T10:02:00.000000Z"},
            ),
            4,
        ),
        (real_shaped_event(), 1),
    ],
    ids=["kubelet-aggregated", "scheduler-series", "single"],
)
def test_real_event_shapes_normalise_with_their_repeat_count(event: dict, count: int) -> None:
    payload, _ = event_payload("MODIFIED", event)
    assert payload["event"]["count"] == count
    assert payload["event"]["fieldPath"] == "spec.containers{web}"
