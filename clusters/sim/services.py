"""Services: stored with their defaults and a ClusterIP, so `kubectl expose` and `get svc`
behave; the simulator routes no traffic.

Upstream: pkg/apis/core/v1/defaults.go (SetDefaults_Service, SetDefaults_ServicePort),
pkg/registry/core/service/ipallocator (a ClusterIP from the service CIDR, 10.96.0.0/12 on kind)
and portallocator (a nodePort from 30000-32767).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim import errors
from clusters.sim.errors import FieldError, required
from clusters.sim.validation import validate_metadata

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant


def default_service(t: Tenant, obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))
        if spec["type"] in ("NodePort", "LoadBalancer") and not port.get("nodePort"):
            t.counter += 1
            port["nodePort"] = 30000 + (t.counter * 7919) % 2768
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if not spec.get("clusterIP"):
        t.counter += 1
        spec["clusterIP"] = f"10.96.{(t.counter // 250) % 250}.{t.counter % 250 + 2}"
    spec.setdefault("clusterIPs", [spec["clusterIP"]])
    obj.setdefault("status", {"loadBalancer": {}})


def validate_service(obj: dict[str, Any]) -> None:
    meta = obj.get("metadata") or {}
    problems: list[FieldError] = validate_metadata(meta)
    if not (obj.get("spec") or {}).get("ports"):
        problems.append(required("spec.ports"))
    if problems:
        raise errors.invalid_object("Service", meta.get("name") or "", problems)
