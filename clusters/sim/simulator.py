"""The simulator: every tenant on one clock.

`advance()` runs, for each tenant, every timer due up to `clock.now()`; tenants never share
state, so their order does not matter and a run is reproducible.
"""

from __future__ import annotations

import secrets
from typing import Any

from clusters.sim.clock import Clock
from clusters.sim.rbac import User, service_account_user
from clusters.sim.tenant import Tenant
from clusters.sim.world import realise


class Simulator:
    def __init__(self, clock: Clock, work_budget: float | None = None) -> None:
        self.clock = clock
        # Seconds of timer work per tenant per call (Tenant.run_due); None runs all that is due.
        self.work_budget = work_budget
        self.tenants: dict[str, Tenant] = {}
        self._by_token: dict[str, Tenant] = {}
        self._by_service_account_token: dict[str, Tenant] = {}

    def create_tenant(
        self, name: str, world: dict[str, Any] | None = None, token: str | None = None
    ) -> Tenant:
        if name in self.tenants:
            raise KeyError(name)
        tenant = Tenant(name, self.clock, token or secrets.token_urlsafe(24))
        tenant.work_budget = self.work_budget
        realise(tenant, world or {})
        self.tenants[name] = tenant
        self._by_token[tenant.token] = tenant
        return tenant

    def delete_tenant(self, name: str) -> Tenant:
        tenant = self.tenants.pop(name)
        self._by_token.pop(tenant.token, None)
        for token in tenant.sa_tokens.issued:
            self._by_service_account_token.pop(token, None)
        return tenant

    def tenant_for_token(self, token: str) -> Tenant | None:
        return self._by_token.get(token)

    def authenticate(self, token: str) -> tuple[Tenant, User | None] | None:
        """(tenant, None) for a world's own token; (tenant, user) for a ServiceAccount token."""
        tenant = self._by_token.get(token)
        if tenant is not None:
            return tenant, None
        tenant = self._by_service_account_token.get(token)
        if tenant is None:
            return None
        tenant.run_due()  # an expiry or a deleted ServiceAccount counts from now

        def uid_of(namespace: str, name: str) -> str | None:
            found = tenant.store.get("serviceaccounts", namespace, name)
            return found["metadata"]["uid"] if found else None

        holder = tenant.sa_tokens.holder(token, tenant.clock.now(), uid_of)
        if holder is None:
            return None
        return tenant, service_account_user(holder.namespace, holder.service_account)

    def request_token(self, tenant: Tenant, namespace: str, name: str, body: Any) -> dict[str, Any]:
        """TokenRequest on `serviceaccounts/<name>/token`: 404 unless the ServiceAccount exists."""
        tenant.run_due()
        account = tenant.get("serviceaccounts", namespace, name)
        answer = tenant.sa_tokens.request(account, body, tenant.clock.now(), tenant.next_uid())
        self._by_service_account_token[answer["status"]["token"]] = tenant
        return answer

    def advance(self) -> int:
        now = self.clock.now()
        return sum(t.run_due(now) for t in list(self.tenants.values()))

    def behind(self) -> bool:
        """Some tenant has timers already due: its work budget stopped it short."""
        now = self.clock.now()
        return any(t.timers and t.timers[0][0] <= now for t in self.tenants.values())

    def next_due(self) -> float | None:
        dues = [d for d in (t.next_due() for t in self.tenants.values()) if d is not None]
        return min(dues) if dues else None

    def restore_tenant(self, state: dict[str, Any]) -> Tenant:
        tenant = Tenant.from_state(state, self.clock)
        tenant.work_budget = self.work_budget
        self.tenants[tenant.name] = tenant
        self._by_token[tenant.token] = tenant
        for token in tenant.sa_tokens.issued:
            self._by_service_account_token[token] = tenant
        return tenant
