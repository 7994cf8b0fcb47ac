"""With CLUSTER_KUBECONFIG, a session is set up as on a real cluster (clusters.realcluster):
its objects go to the API server (a recording one here), its images to a real registry."""

import pytest
import yaml

from clusters import tasks
from clusters.kube import token_kubeconfig
from clusters.realcluster.registry import RegistryServer
from labs.models import LabSession
from tests.platform import conftest as platform_tests

pytestmark = pytest.mark.django_db

# The platform tests' recording API server, borrowed under a name of this module.
recording_api_server = platform_tests.api_server


@pytest.fixture
def real_cluster(settings, tmp_path, recording_api_server):
    """The platform pointed at a "real" cluster and a lab registry beside it."""
    url = f"http://127.0.0.1:{recording_api_server.server_port}"
    path = tmp_path / "admin.kubeconfig"
    path.write_text(yaml.safe_dump(token_kubeconfig(url, "admin-token", "default")))
    with RegistryServer(tmp_path / "registry") as registry:
        settings.CLUSTER_KUBECONFIG = str(path)
        settings.LAB_REGISTRY = registry.host
        settings.VAR_DIR = tmp_path / "var"
        yield recording_api_server, registry


def test_a_session_on_a_real_cluster_gets_its_namespace_images_and_token(real_cluster, new_session):
    api_server, registry = real_cluster
    tasks.provision_session(new_session.pk)

    new_session.refresh_from_db()
    assert new_session.state == LabSession.State.READY
    kubeconfig = yaml.safe_load(new_session.kubeconfig)
    assert kubeconfig["users"][0]["user"]["token"] == "learner-token"
    assert kubeconfig["contexts"][0]["context"]["namespace"] == new_session.namespace
    paths = [path for _, path, _ in api_server.requests]
    assert paths[0] == "/api/v1/namespaces"
    assert paths[-1] == f"/api/v1/namespaces/{new_session.namespace}/serviceaccounts/learner/token"
    # Lab 1's image, under this session's own path, so no other learner's pull warms it.
    assert registry.tag_digest(f"{new_session.namespace}/lab/web", "1.0")


def test_ending_it_deletes_the_namespace(real_cluster, new_session):
    api_server, _ = real_cluster
    LabSession.objects.filter(pk=new_session.pk).update(state=LabSession.State.READY)
    tasks.end_session(new_session.pk)
    assert ("DELETE", f"/api/v1/namespaces/{new_session.namespace}") in [
        (method, path) for method, path, _ in api_server.requests
    ]
    assert LabSession.objects.get(pk=new_session.pk).state == LabSession.State.ENDED
