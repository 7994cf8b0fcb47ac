"""The lab acting on its own cluster from the timeline: `apply` (an autoscaler scales up) and
`delete` (a chaos kill), as docs/curriculum-notes.md part 3 describes timeline entries."""

from __future__ import annotations

from typing import Any

from tests.sim.worlds import lab1_world, new_tenant, run

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: %d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "lab/web:1.0"}]}
"""


def _pods(tenant: Any) -> list[dict[str, Any]]:
    return [
        p for p in tenant.store.list("pods", "lab") if not p["metadata"].get("deletionTimestamp")
    ]


def test_a_timeline_apply_creates_then_replaces_and_a_delete_kills() -> None:
    world = lab1_world(
        timeline=[
            {"after": "1s", "apply": DEPLOYMENT % 1},
            {"after": "10s", "apply": DEPLOYMENT % 3},
            {"after": "20s", "delete": "pods -l app=web"},
        ]
    )
    simulator, clock, tenant = new_tenant(world)
    run(simulator, clock, 5)
    assert tenant.store.get("deployments", "lab", "web")["spec"]["replicas"] == 1
    assert len(_pods(tenant)) == 1
    run(simulator, clock, 10)
    deployment = tenant.store.get("deployments", "lab", "web")
    assert deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["generation"] == 2  # replaced, not created again
    before = {p["metadata"]["uid"] for p in _pods(tenant)}
    assert len(before) == 3
    run(simulator, clock, 60)
    after = {p["metadata"]["uid"] for p in _pods(tenant)}
    assert len(after) == 3 and not after & before  # the ReplicaSet replaced every killed pod
    assert tenant.failed_timers == 0
