"""A work budget (the live server's) changes when timers run, never what they do."""

from __future__ import annotations

from tests.sim.worlds import events_of, new_tenant, pod


def settle(tenant, budget: float | None) -> list[int]:
    """Create three pods, jump 60 s at once, and run what is due; the timers each call ran."""
    tenant.work_budget = budget
    for name in ("a", "b", "c"):
        tenant.create("pods", "lab", pod(name, node="node-1"))
    tenant.source.advance(60)
    calls = []
    while ran := tenant.run_due():
        calls.append(ran)
    return calls


def test_a_tiny_budget_runs_one_timer_per_call_and_ends_in_the_same_state() -> None:
    _, _, budgeted = new_tenant()
    _, _, unbudgeted = new_tenant()
    calls = settle(budgeted, 1e-9)
    assert set(calls) == {1} and len(calls) > 3  # one timer a call: the budget cut each run
    assert settle(unbudgeted, None) == [sum(calls)]
    for name in ("a", "b", "c"):
        assert events_of(budgeted, name) == events_of(unbudgeted, name)
        assert (
            budgeted.get("pods", "lab", name)["status"]
            == unbudgeted.get("pods", "lab", name)["status"]
        )
    assert budgeted.clock.now() == unbudgeted.clock.now()


def test_the_tenants_now_waits_at_the_last_timer_run_while_work_is_left() -> None:
    _, clock, tenant = new_tenant()
    tenant.work_budget = 1e-9
    tenant.create("pods", "lab", pod("a", node="node-1"))
    clock.advance(60)
    tenant.run_due()
    assert tenant.timers and tenant.timers[0][0] <= clock.now()
    assert tenant.clock.now() < clock.now()
