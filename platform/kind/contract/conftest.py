"""The kind contract suite: run by `pytest platform/kind/contract` after platform/kind/up.sh.

It needs the cluster: CLUSTER_KUBECONFIG must name its kubeconfig (up.sh writes
var/kind/kubeconfig). A missing cluster is a failure, never a skip.
"""

import os
import secrets
from collections.abc import Iterator

import pytest
from kubernetes import client

from clusters.kube import api_client_from_kubeconfig
from clusters.realcluster.session import apply_session, delete_session, learner_kubeconfig


@pytest.fixture(scope="session")
def admin() -> Iterator[client.ApiClient]:
    path = os.environ.get("CLUSTER_KUBECONFIG")
    if not path or not os.path.exists(path):
        pytest.fail("set CLUSTER_KUBECONFIG to the kind cluster's kubeconfig (platform/kind/up.sh)")
    with open(path) as kubeconfig, api_client_from_kubeconfig(kubeconfig.read()) as api:
        yield api


@pytest.fixture
def session(admin: client.ApiClient) -> Iterator[str]:
    name = f"contract-{secrets.token_hex(3)}"
    apply_session(admin, name)
    yield name
    delete_session(admin, name)


@pytest.fixture
def learner(admin: client.ApiClient, session: str) -> Iterator[client.ApiClient]:
    with api_client_from_kubeconfig(learner_kubeconfig(admin, session)) as api:
        yield api
