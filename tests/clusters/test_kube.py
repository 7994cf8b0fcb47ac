"""Clients come from kubeconfigs, one per session; errors read as the API server wrote them."""

import json

import pytest
import yaml
from kubernetes.client.exceptions import ApiException

from clusters.kube import (
    api_client_from_kubeconfig,
    api_error_message,
    session_namespace,
    token_kubeconfig,
)


def test_a_token_kubeconfig_makes_a_client_for_that_server_and_token():
    kubeconfig = token_kubeconfig("http://127.0.0.1:8700", "tok-1", namespace="lab-abc")
    with api_client_from_kubeconfig(yaml.safe_dump(kubeconfig)) as api:
        assert api.configuration.host == "http://127.0.0.1:8700"
        assert api.configuration.auth_settings()["BearerToken"]["value"] == "Bearer tok-1"
    assert session_namespace(kubeconfig) == "lab-abc"


def test_two_sessions_get_two_independent_clients():
    first = api_client_from_kubeconfig(token_kubeconfig("http://a", "t1", "n1"))
    second = api_client_from_kubeconfig(token_kubeconfig("http://b", "t2", "n2"))
    assert first.configuration.api_key != second.configuration.api_key
    first.close()
    second.close()


def test_the_ca_goes_into_the_kubeconfig_only_when_there_is_one():
    assert (
        "certificate-authority-data"
        not in token_kubeconfig("http://a", "t", "n")["clusters"][0]["cluster"]
    )
    with_ca = token_kubeconfig("https://a", "t", "n", ca_data="Q0E=")
    assert with_ca["clusters"][0]["cluster"]["certificate-authority-data"] == "Q0E="


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            json.dumps({"kind": "Status", "message": 'pods "p" not found', "code": 404}),
            'pods "p" not found',
        ),
        ("<html>bad gateway</html>", "502 Bad Gateway"),
        (None, "502 Bad Gateway"),
    ],
)
def test_api_error_message_prefers_the_status_message(body, expected):
    exc = ApiException(status=502, reason="Bad Gateway", body=body)
    assert api_error_message(exc) == expected
