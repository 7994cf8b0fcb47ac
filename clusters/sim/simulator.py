"""The simulator: every tenant on one clock.

`advance()` runs, for each tenant, every timer due up to `clock.now()`; tenants never share
state, so their order does not matter and a run is reproducible.
"""

from __future__ import annotations

import secrets
from typing import Any

from clusters.sim.clock import Clock
from clusters.sim.tenant import Tenant
from clusters.sim.world import realise


class Simulator:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.tenants: dict[str, Tenant] = {}
        self._by_token: dict[str, Tenant] = {}

    def create_tenant(
        self, name: str, world: dict[str, Any] | None = None, token: str | None = None
    ) -> Tenant:
        if name in self.tenants:
            raise KeyError(name)
        tenant = Tenant(name, self.clock, token or secrets.token_urlsafe(24))
        realise(tenant, world or {})
        self.tenants[name] = tenant
        self._by_token[tenant.token] = tenant
        return tenant

    def delete_tenant(self, name: str) -> Tenant:
        tenant = self.tenants.pop(name)
        self._by_token.pop(tenant.token, None)
        return tenant

    def tenant_for_token(self, token: str) -> Tenant | None:
        return self._by_token.get(token)

    def advance(self) -> int:
        now = self.clock.now()
        return sum(t.run_due(now) for t in list(self.tenants.values()))

    def next_due(self) -> float | None:
        dues = [d for d in (t.next_due() for t in self.tenants.values()) if d is not None]
        return min(dues) if dues else None

    def restore_tenant(self, state: dict[str, Any]) -> Tenant:
        tenant = Tenant.from_state(state, self.clock)
        self.tenants[tenant.name] = tenant
        self._by_token[tenant.token] = tenant
        return tenant
