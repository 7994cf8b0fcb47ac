"""World changes: `clusters.sim.world.apply_change` dispatches on each action's key."""

from __future__ import annotations

import pytest

from clusters.sim import errors
from clusters.sim.world import WORLD_CHANGES, apply_change
from tests.sim.worlds import DIGEST_B, new_tenant


def test_each_key_of_a_change_runs_its_handler_and_after_is_not_an_action() -> None:
    _, _, tenant = new_tenant()
    message = apply_change(
        tenant,
        {
            "after": "30s",
            "registry_down": "docker.io",
            "cache": {
                "node": "node-2",
                "image": {"ref": "lab/web:2.0", "digest": DIGEST_B, "size": 10},
            },
        },
    )
    assert tenant.registries["docker.io"]["down"] is True
    assert DIGEST_B in tenant.caches["node-2"]["images"]
    assert message == "registry docker.io is down; node node-2: image loaded"


def test_an_unknown_action_is_a_422_naming_it() -> None:
    _, _, tenant = new_tenant()
    with pytest.raises(errors.ApiError) as caught:
        apply_change(tenant, {"reboot": {"node": "node-1"}})
    assert caught.value.code == 422
    assert "['reboot']" in caught.value.status["message"]


def test_the_table_holds_the_timeline_actions() -> None:
    assert {"move_tag", "registry_down", "registry_up", "registry", "mirrors", "cache"} <= set(
        WORLD_CHANGES
    )
