"""One real registry pair, fault proxies and containerd for the whole platform test session.

Starting them takes about a second; every test module here shares them. A missing Debian
package fails the tests (make test installs platform/apt-packages.txt).
"""

import threading
from collections.abc import Iterator

import pytest
from kubernetes import client

from clusters.realcluster.localworld import LocalWorld
from clusters.realcluster.recording import prepare
from tests.platform.recording_api import RecordingAPI


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalWorld]:
    with LocalWorld(tmp_path_factory.mktemp("localworld")) as started:
        prepare(started)
        yield started


@pytest.fixture
def proxy_mode(world: LocalWorld) -> Iterator:
    """Set the fault proxy's mode for one test; it is back to `pass` afterwards."""
    yield world.proxy.set_mode
    world.proxy.set_mode("pass")


@pytest.fixture
def api_server() -> Iterator[RecordingAPI]:
    server = RecordingAPI()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def api(api_server: RecordingAPI) -> Iterator[client.ApiClient]:
    configuration = client.Configuration(host=f"http://127.0.0.1:{api_server.server_port}")
    with client.ApiClient(configuration) as api_client:
        yield api_client
