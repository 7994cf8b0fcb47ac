"""Node-side world actions: `rmi` (crictl rmi on containerd), `load_image`, `disk`.

Upstream: cri-tools cmd/crictl/image.go (rmi: "Deleted: <tag>" per tag, "no such image");
containerd's CRI RemoveImage does not refuse an image a container uses (containerd/containerd
#6192; containerd/cri#994 proposed the check and was closed unmerged);
pkg/kubelet/images/image_gc_manager.go (usagePercent).
"""

from __future__ import annotations

import pytest

from clusters.sim.world import WorldChangeRefused, apply_change
from clusters.sim.worldstatus import node_status
from tests.sim.worlds import DIGEST_A, DIGEST_B, events_of, lab1_world, new_tenant, pod, run


@pytest.mark.parametrize(
    ("ref", "answer"),
    [
        pytest.param("lab/web:1.0", "node-1: Deleted: docker.io/lab/web:1.0", id="familiar name"),
        pytest.param("docker.io/lab/web:1.0", "node-1: Deleted: docker.io/lab/web:1.0",
                     id="full name"),
        pytest.param(f"lab/web@{DIGEST_A}", "node-1: Deleted: docker.io/lab/web:1.0",
                     id="by digest: every tag of the image goes"),
    ],
)  # fmt: skip
def test_rmi_removes_the_image_with_its_tags(ref: str, answer: str) -> None:
    _, _, tenant = new_tenant()
    assert apply_change(tenant, {"rmi": {"node": "node-1", "ref": ref}}) == answer
    assert tenant.caches["node-1"]["images"] == {}
    assert tenant.store.get("nodes", "", "node-1")["status"]["images"] == []


def test_rmi_of_an_image_the_node_does_not_have_is_refused() -> None:
    _, _, tenant = new_tenant()
    with pytest.raises(WorldChangeRefused) as refused:
        apply_change(tenant, {"rmi": {"node": "node-2", "ref": "lab/web:1.0"}})
    assert str(refused.value) == "node-2: no such image lab/web:1.0"


def test_rmi_of_an_image_in_use_succeeds_on_containerd_and_the_next_start_pulls() -> None:
    simulator, clock, tenant = new_tenant()
    tenant.create("pods", "lab", pod("web", policy="IfNotPresent", node="node-1"))
    run(simulator, clock, 5)
    apply_change(tenant, {"rmi": {"node": "node-1", "ref": "lab/web:1.0"}})
    run(simulator, clock, 5)
    assert tenant.get("pods", "lab", "web")["status"]["phase"] == "Running"
    tenant.create("pods", "lab", pod("web-2", policy="IfNotPresent", node="node-1"))
    run(simulator, clock, 5)
    assert [r for _, r, _ in events_of(tenant, "web-2")][:2] == ["Pulling", "Pulled"]


def test_load_image_puts_a_preloaded_image_without_a_pull_record() -> None:
    _, _, tenant = new_tenant()
    change = {"load_image": {"nodes": ["node-2"], "ref": "app:dev", "digest": DIGEST_B,
                             "size": 1234}}  # fmt: skip
    assert apply_change(tenant, change) == (
        'Image: "app:dev" loaded onto node-2 (preloaded, no pull record)'
    )
    (row,) = node_status(tenant, "node-2")["cache"]
    assert (row["ref"], row["digest"], row["size"], row["preloaded"]) == (
        "docker.io/library/app:dev",
        DIGEST_B,
        1234,
        True,
    )
    assert node_status(tenant, "node-1")["cache"][0]["preloaded"] is True  # the world's seed


def test_disk_sets_how_full_the_image_filesystem_is() -> None:
    world = lab1_world()
    world["nodes"][0]["disk"] = "100M"  # lab/web:1.0 (7.3 MB) is on node-1: 8 % used
    _, _, tenant = new_tenant(world)
    assert node_status(tenant, "node-1")["imagefs_used_percent"] == 8
    assert apply_change(tenant, {"disk": {"node": "node-1", "imagefs_used_percent": 72}}) == (
        "node-1: image filesystem 72 % used"
    )
    assert node_status(tenant, "node-1")["imagefs_used_percent"] == 72
    with pytest.raises(WorldChangeRefused) as refused:
        apply_change(tenant, {"disk": {"node": "node-1", "imagefs_used_percent": 5}})
    assert str(refused.value) == (
        "node-1: its images alone use 8 % of the image filesystem; remove images instead"
    )
