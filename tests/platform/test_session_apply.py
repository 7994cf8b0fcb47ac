"""apply_session and learner_kubeconfig speak the Kubernetes API through the official client
(against the recording endpoint in recording_api.py)."""

import yaml

from clusters.kube import api_client_from_kubeconfig
from clusters.realcluster.session import apply_session, delete_session, learner_kubeconfig

SESSION = "s-1"


def test_apply_creates_the_namespace_first_then_its_objects(api_server, api):
    apply_session(api, SESSION)
    assert [(method, path) for method, path, _ in api_server.requests] == [
        ("POST", "/api/v1/namespaces"),
        ("POST", f"/api/v1/namespaces/{SESSION}/serviceaccounts"),
        ("POST", f"/apis/rbac.authorization.k8s.io/v1/namespaces/{SESSION}/roles"),
        ("POST", f"/apis/rbac.authorization.k8s.io/v1/namespaces/{SESSION}/rolebindings"),
        ("POST", f"/api/v1/namespaces/{SESSION}/resourcequotas"),
        ("POST", f"/api/v1/namespaces/{SESSION}/limitranges"),
        ("POST", f"/apis/networking.k8s.io/v1/namespaces/{SESSION}/networkpolicies"),
    ]
    namespace = api_server.requests[0][2]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"


def test_apply_again_replaces_what_exists(api_server, api):
    api_server.existing = {
        "/api/v1/namespaces/s-1",
        f"/api/v1/namespaces/{SESSION}/serviceaccounts/learner",
    }
    apply_session(api, SESSION)
    replaced = [path for method, path, _ in api_server.requests if method == "PUT"]
    assert replaced == [
        "/api/v1/namespaces/s-1",
        f"/api/v1/namespaces/{SESSION}/serviceaccounts/learner",
    ]


def test_deleting_a_gone_session_is_fine(api_server, api):
    delete_session(api, SESSION)
    assert api_server.requests == [("DELETE", f"/api/v1/namespaces/{SESSION}", {})]


def test_the_learner_kubeconfig_carries_a_bound_token_for_the_session(api_server, api, tmp_path):
    ca = tmp_path / "ca.crt"
    ca.write_bytes(b"-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n")
    api.configuration.ssl_ca_cert = str(ca)
    kubeconfig = learner_kubeconfig(api, SESSION, expiration_seconds=3600)
    method, path, body = api_server.requests[0]
    assert (method, path) == ("POST", f"/api/v1/namespaces/{SESSION}/serviceaccounts/learner/token")
    assert body["spec"]["expirationSeconds"] == 3600
    assert kubeconfig["users"][0]["user"] == {"token": "learner-token"}
    assert kubeconfig["contexts"][0]["context"]["namespace"] == SESSION
    assert kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"].startswith("LS0t")
    # The platform's own loader accepts it (the same path the learner's actions take).
    assert (
        api_client_from_kubeconfig(yaml.safe_dump(kubeconfig)).configuration.host
        == api.configuration.host
    )
