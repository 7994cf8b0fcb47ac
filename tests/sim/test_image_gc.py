"""Image garbage collection (pkg/kubelet/images/image_gc_manager.go, kubelet defaults 85/80 %,
imageMinimumGCAge 2m, ImageGCPeriod 5m)."""

from __future__ import annotations

import pytest

from clusters.sim.imagegc import parse_quantity
from tests.sim.worlds import DIGEST_A, lab1_world, new_tenant, pod, run


def full_node_world(**kubelet: object) -> dict:
    world = lab1_world(kubelet=kubelet)
    # 100 MB disk, 80 MB used by other files: the 7.3 MB image brings it to 87.3 % (> 85 %)
    world["nodes"][0].update(disk="100M", disk_used="80M")
    return world


def test_an_unused_image_is_removed_when_the_disk_passes_the_high_threshold() -> None:
    simulator, clock, tenant = new_tenant(full_node_world())
    assert DIGEST_A in tenant.caches["node-1"]["images"]
    run(simulator, clock, 301)
    assert DIGEST_A not in tenant.caches["node-1"]["images"]
    names = [i["names"] for i in tenant.store.get("nodes", "", "node-1")["status"]["images"]]
    assert names == []


def test_an_image_in_use_is_kept_and_gc_reports_it_could_not_free_enough() -> None:
    simulator, clock, tenant = new_tenant(full_node_world())
    tenant.create("pods", "lab", pod("web", policy="IfNotPresent", node="node-1"))
    run(simulator, clock, 301)
    assert DIGEST_A in tenant.caches["node-1"]["images"]
    failed = [e for e in tenant.store.list("events", "default") if e["reason"] == "ImageGCFailed"]
    assert failed[0]["message"] == (
        "Failed to garbage collect required amount of images. Attempted to free 7340032 bytes, "
        "but only found 0 bytes eligible to free."
    )
    assert failed[0]["involvedObject"]["kind"] == "Node"


def test_below_the_threshold_nothing_is_removed() -> None:
    simulator, clock, tenant = new_tenant(full_node_world(imageGCHighThresholdPercent=90))
    run(simulator, clock, 301)
    assert DIGEST_A in tenant.caches["node-1"]["images"]


def test_maximum_age_removes_old_unused_images_whatever_the_disk() -> None:
    simulator, clock, tenant = new_tenant(lab1_world(kubelet={"imageMaximumGCAge": "4m"}))
    run(simulator, clock, 301)
    assert DIGEST_A not in tenant.caches["node-1"]["images"]


@pytest.mark.parametrize(
    ("text", "value"), [("100Gi", 100 * 2**30), ("500M", 500 * 10**6), ("1024", 1024)]
)
def test_quantities(text: str, value: int) -> None:
    assert parse_quantity(text) == value
