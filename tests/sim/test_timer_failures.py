"""An engine bug in one timer is logged and counted; the learner's cluster keeps serving."""

import logging

from clusters.sim import tenant as tenant_module
from clusters.sim.clock import VirtualClock
from clusters.sim.tenant import Tenant
from tests.sim.worlds import new_tenant, pod, run


def broken(_tenant: Tenant, _argument: object) -> None:
    raise RuntimeError("controller bug")


def test_a_failing_timer_is_logged_and_the_tenant_keeps_serving(monkeypatch, caplog):
    monkeypatch.setitem(tenant_module.ACTIONS, "broken", broken)
    clock = VirtualClock()
    made = Tenant("t-1", clock, "token", namespace="t-1")
    made.add_timer(1, "broken", "x")
    clock.advance(2)

    with caplog.at_level(logging.ERROR, logger="clusters.sim.tenant"):
        made.run_due()

    assert made.failed_timers == 1
    assert "timer broken('x') failed in tenant t-1" in caplog.text
    # The timer ran once and is gone: the next call has nothing due and nothing fails.
    assert made.run_due() == 0
    assert made.failed_timers == 1


def test_lab_one_with_four_pods_runs_no_failing_timer():
    simulator, clock, made = new_tenant()
    for name, policy, node in [
        ("p-always", "Always", "node-1"),
        ("p-ifnp", "IfNotPresent", "node-1"),
        ("p-never", "Never", "node-1"),
        ("p-never-2", "Never", "node-2"),
    ]:
        made.create("pods", "lab", pod(name, policy=policy, node=node))
    run(simulator, clock, 400)
    assert made.failed_timers == 0
