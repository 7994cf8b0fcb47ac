"""Discovery documents: /version, /api, /api/v1, /apis (the legacy, non-aggregated forms).

kubectl first asks for aggregated discovery (apidiscovery.k8s.io/v2); a plain APIVersions or
APIGroupList answer with Content-Type application/json is its documented fallback.
"""

from __future__ import annotations

from typing import Any

from clusters.sim.kinds import GROUP_VERSIONS, GROUPS, ResourceType
from clusters.sim.tenant import Tenant
from clusters.sim.webhooks import served

SIM_GROUP = "sim.pullpolicylabs.dev"
SIM_VERSION = "v1"

VERSION_INFO = {
    "major": "1",
    "minor": "35",
    "emulationMajor": "1",
    "emulationMinor": "35",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "34",
    "gitVersion": "v1.35.2",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.25.5",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _resource_entry(
    rtype: ResourceType,
    name: str | None = None,
    kind: str | None = None,
    verbs: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name or rtype.plural,
        "singularName": "" if name else rtype.singular,
        "namespaced": rtype.namespaced,
        "kind": kind or rtype.kind,
        "verbs": list(verbs if verbs is not None else rtype.verbs),
    }
    if not name:
        if rtype.short_names:
            entry["shortNames"] = list(rtype.short_names)
        if rtype.categories:
            entry["categories"] = list(rtype.categories)
    return entry


def core_resources() -> dict[str, Any]:
    return group_resources("")


def served_groups(tenant: Tenant) -> list[str]:
    """The groups the tenant's cluster serves: built-in ones and the installed engines'."""
    return [g for g, types in GROUPS.items() if any(served(tenant, t) for t in types)]


def group_resources(group: str, tenant: Tenant | None = None) -> dict[str, Any]:
    """The APIResourceList of /api/v1 (group "") or /apis/<group>/<version>."""
    resources = []
    for rtype in GROUPS[group]:
        if tenant is not None and not served(tenant, rtype):
            continue
        resources.append(_resource_entry(rtype))
        for sub in rtype.subresources:
            if sub == "status":
                resources.append(
                    _resource_entry(
                        rtype, f"{rtype.plural}/status", rtype.kind, ("get", "patch", "update")
                    )
                )
            elif sub == "eviction":
                entry = _resource_entry(rtype, f"{rtype.plural}/eviction", "Eviction", ("create",))
                resources.append({**entry, "group": "policy", "version": "v1"})
            elif sub == "ephemeralcontainers":
                verbs = ("get", "patch", "update")
                resources.append(_resource_entry(rtype, f"{rtype.plural}/{sub}", rtype.kind, verbs))
            elif sub == "scale":
                entry = _resource_entry(
                    rtype, f"{rtype.plural}/scale", "Scale", ("get", "patch", "update")
                )
                resources.append({**entry, "group": "autoscaling", "version": "v1"})
            elif sub == "token":
                entry = _resource_entry(rtype, f"{rtype.plural}/token", "TokenRequest", ("create",))
                resources.append({**entry, "group": "authentication.k8s.io", "version": "v1"})
            elif sub == "log":
                resources.append(
                    _resource_entry(rtype, f"{rtype.plural}/log", rtype.kind, ("get",))
                )
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{GROUP_VERSIONS[group]}" if group else "v1",
        "resources": resources,
    }


def api_groups(include_sim: bool, tenant: Tenant | None = None) -> dict[str, Any]:
    groups = []
    if not include_sim:
        names = served_groups(tenant) if tenant is not None else list(GROUPS)
        for group in (g for g in names if g):
            served_version = GROUP_VERSIONS[group]
            version = {"groupVersion": f"{group}/{served_version}", "version": served_version}
            groups.append({"name": group, "versions": [version], "preferredVersion": version})
    if include_sim:
        version = {"groupVersion": f"{SIM_GROUP}/{SIM_VERSION}", "version": SIM_VERSION}
        groups.append({"name": SIM_GROUP, "versions": [version], "preferredVersion": version})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def sim_resources() -> dict[str, Any]:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{SIM_GROUP}/{SIM_VERSION}",
        "resources": [
            {
                "name": "labworlds",
                "singularName": "labworld",
                "namespaced": False,
                "kind": "LabWorld",
                "verbs": ["create", "delete", "get", "list"],
            },
            {
                "name": "labworlds/changes",
                "singularName": "",
                "namespaced": False,
                "kind": "LabWorldChange",
                "verbs": ["create"],
            },
        ],
    }
