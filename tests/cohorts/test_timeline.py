"""cohorts/timeline.py: one line of plain words per session event."""

import pytest

from cohorts.timeline import Line, describe
from tests.cohorts.factories import waiting_pod

FAILED_EVENT = {
    "type": "Warning",
    "reason": "Failed",
    "kind": "Pod",
    "name": "p-1",
    "message": 'Failed to pull image "lab/web:9.9": not found',
    "count": 3,
}

# pkg/controller/deployment/progress.go: Progressing=False, reason ProgressDeadlineExceeded,
# message `ReplicaSet "%s" has timed out progressing.`
STALLED_DEPLOYMENT = {
    "metadata": {"generation": 2},
    "status": {
        "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
            {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": 'ReplicaSet "web-5d" has timed out progressing.',
            },
        ]
    },
}


@pytest.mark.parametrize(
    ("kind", "payload", "text", "tone"),
    [
        pytest.param("pod", waiting_pod("p-1", "", ""), "pod p-1: Running on node-1", "", id="pod"),
        pytest.param(
            "pod",
            waiting_pod("p-1", "ErrImagePull", "not found"),
            "pod p-1: ErrImagePull on node-1 (not found)",
            "warning",
            id="pod with a pull error",
        ),
        pytest.param(
            "event",
            {"watch": "MODIFIED", "id": "e", "event": FAILED_EVENT},
            'Warning Failed Pod/p-1: Failed to pull image "lab/web:9.9": not found (x3)',
            "warning",
            id="aggregated Warning event",
        ),
        pytest.param(
            "action",
            {"request": "r", "phase": "sent", "action": "apply"},
            "learner sent: apply",
            "",
            id="action sent",
        ),
        pytest.param(
            "action",
            {"request": "r", "phase": "done", "ok": False, "message": "Forbidden"},
            "API server rejected: Forbidden",
            "warning",
            id="action rejected",
        ),
        pytest.param(
            "action",
            {"request": "r", "phase": "done", "ok": True, "message": "pod/p-1 created"},
            "API server accepted: pod/p-1 created",
            "",
            id="action accepted",
        ),
        pytest.param(
            "step",
            {"step": "ifnp-cached", "evidence_seq": 4},
            "step ifnp-cached passed (evidence #4)",
            "ok",
            id="step",
        ),
        pytest.param(
            "status",
            {"state": "failed", "failure": "no room"},
            "lab failed: no room",
            "warning",
            id="status failed",
        ),
        pytest.param("status", {"state": "ready", "failure": ""}, "lab ready", "", id="ready"),
        pytest.param(
            "object",
            {"watch": "MODIFIED", "key": "Deployment/web", "object": STALLED_DEPLOYMENT},
            'Deployment/web changed (generation 2): ProgressDeadlineExceeded: ReplicaSet "web-5d'
            '" has timed out progressing.',
            "warning",
            id="stalled rollout",
        ),
        pytest.param(
            "object",
            {"watch": "MODIFIED", "key": "ConfigMap/answers", "object": {"metadata": {}}},
            "ConfigMap/answers changed",
            "",
            id="object changed",
        ),
        pytest.param(
            "object",
            {"watch": "DELETED", "key": "Deployment/web", "object": STALLED_DEPLOYMENT},
            "Deployment/web deleted",
            "",
            id="object deleted",
        ),
        pytest.param(
            "node",
            {"node": "node-1", "source": "world", "facts": {"cache": ["a", "b"]}},
            "node node-1: 2 image names cached",
            "",
            id="node cache",
        ),
        pytest.param(
            "node",
            {"node": "node-1", "source": "world", "facts": {"kubelet_error": "invalid"}},
            "node node-1: kubelet refused its config: invalid",
            "warning",
            id="kubelet refused",
        ),
    ],
)
def test_describe(kind, payload, text, tone):
    assert describe(9, kind, payload) == Line(seq=9, kind=kind, text=text, tone=tone)
