"""The session namespace templates: valid objects, per-session names, namespaced-only access."""

import pytest
from kubernetes import client

from clusters.realcluster.session import to_model
from clusters.realcluster.templates import InvalidSessionName, render_session

SESSION = "s-7f3a"
OBJECTS = render_session(SESSION)
BY_KIND = {obj["kind"]: obj for obj in OBJECTS}

# Cluster-scoped resources a learner must never reach (kubectl api-resources --namespaced=false).
CLUSTER_SCOPED = {
    "nodes", "namespaces", "persistentvolumes", "clusterroles", "clusterrolebindings",
    "customresourcedefinitions", "storageclasses", "priorityclasses", "runtimeclasses",
    "validatingwebhookconfigurations", "mutatingwebhookconfigurations",
    "certificatesigningrequests",
    "csidrivers", "csinodes", "volumeattachments", "ingressclasses", "apiservices",
}  # fmt: skip


@pytest.mark.parametrize("obj", OBJECTS, ids=[o["kind"] for o in OBJECTS])
def test_each_object_round_trips_through_the_official_model(obj):
    # Deserialising drops unknown or misspelt fields, so a lossless round trip proves that
    # every field is one the v1 API knows.
    api = client.ApiClient()
    assert api.sanitize_for_serialization(to_model(api, obj)) == obj


def test_the_session_has_every_object_issue_4_asks_for():
    assert list(BY_KIND) == [
        "Namespace", "ServiceAccount", "Role", "RoleBinding", "ResourceQuota", "LimitRange",
        "NetworkPolicy",
    ]  # fmt: skip


@pytest.mark.parametrize("obj", OBJECTS, ids=[o["kind"] for o in OBJECTS])
def test_every_object_is_named_and_labelled_for_its_session(obj):
    assert obj["metadata"]["labels"]["pullpolicylabs.dev/session"] == SESSION
    if obj["kind"] == "Namespace":
        assert obj["metadata"]["name"] == SESSION
    else:
        assert obj["metadata"]["namespace"] == SESSION


def test_two_sessions_share_no_namespace():
    other = render_session("s-other")
    assert {o["metadata"].get("namespace") for o in other[1:]} == {"s-other"}


def test_pod_security_enforces_baseline_and_warns_restricted():
    # kubernetes.io/docs/concepts/security/pod-security-admission/ (labels for namespaces)
    labels = BY_KIND["Namespace"]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
    assert labels["pod-security.kubernetes.io/warn"] == "restricted"
    assert labels["pod-security.kubernetes.io/audit"] == "restricted"


def test_the_role_grants_nothing_cluster_scoped():
    role = BY_KIND["Role"]
    resources = {r.split("/")[0] for rule in role["rules"] for r in rule["resources"]}
    assert not resources & CLUSTER_SCOPED
    for rule in role["rules"]:
        assert "*" not in rule["resources"] + rule["verbs"] + rule["apiGroups"]
        assert "nonResourceURLs" not in rule


def test_the_role_lets_a_learner_do_the_labs():
    granted = {
        (group, resource, verb)
        for rule in BY_KIND["Role"]["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }
    for needed in [
        ("", "pods", "create"),
        ("", "pods", "delete"),
        ("", "pods/log", "get"),
        ("", "pods/ephemeralcontainers", "patch"),  # kubectl debug
        ("", "events", "watch"),
        ("", "secrets", "create"),  # imagePullSecrets labs
        ("apps", "deployments", "patch"),  # kubectl set image
        ("batch", "jobs", "create"),
    ]:
        assert needed in granted


def test_the_binding_gives_the_role_to_the_session_service_account_only():
    binding = BY_KIND["RoleBinding"]
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "learner",
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "learner", "namespace": SESSION}
    ]


def test_the_network_policy_denies_all_but_dns():
    spec = BY_KIND["NetworkPolicy"]["spec"]
    assert spec["podSelector"] == {}
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert spec["ingress"] == []
    [egress] = spec["egress"]
    assert {p["port"] for p in egress["ports"]} == {53}


def test_the_limit_range_fits_inside_the_quota():
    quota = BY_KIND["ResourceQuota"]["spec"]["hard"]
    [limits] = BY_KIND["LimitRange"]["spec"]["limits"]
    assert limits["type"] == "Container"
    assert set(limits["default"]) == set(limits["defaultRequest"]) == {"cpu", "memory"}
    assert "requests.cpu" in quota and "limits.memory" in quota


@pytest.mark.parametrize("name", ["S-1", "-s", "s_1", "a" * 64, ""])
def test_a_bad_session_name_gets_the_api_servers_words(name):
    with pytest.raises(InvalidSessionName, match="a lowercase RFC 1123 label must consist of"):
        render_session(name)
