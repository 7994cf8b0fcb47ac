"""Services are stored with SetDefaults_Service's values and a ClusterIP (no traffic routed)."""

from __future__ import annotations

import pytest

from clusters.sim.errors import ApiError
from tests.sim.worlds import new_tenant


def test_a_service_gets_its_defaults_and_a_cluster_ip() -> None:
    _, _, tenant = new_tenant()
    body = {
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    }
    svc = tenant.create("services", "lab", body)
    spec = svc["spec"]
    assert spec["type"] == "ClusterIP" and spec["sessionAffinity"] == "None"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert spec["clusterIP"].startswith("10.96.") and spec["clusterIPs"] == [spec["clusterIP"]]


def test_a_node_port_service_gets_a_port_in_range() -> None:
    _, _, tenant = new_tenant()
    body = {"metadata": {"name": "np"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}}
    port = tenant.create("services", "lab", body)["spec"]["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767


def test_the_default_namespace_has_the_kubernetes_service() -> None:
    _, _, tenant = new_tenant()
    assert tenant.store.get("services", "default", "kubernetes")["spec"]["clusterIP"] == "10.96.0.1"


def test_a_service_needs_ports() -> None:
    _, _, tenant = new_tenant()
    with pytest.raises(ApiError) as caught:
        tenant.create("services", "lab", {"metadata": {"name": "x"}, "spec": {}})
    assert caught.value.status["message"] == 'Service "x" is invalid: spec.ports: Required value'
