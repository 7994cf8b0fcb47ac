"""One real registry pair, fault proxies and containerd for the whole platform test session.

Starting them takes about a second; every test module here shares them. A missing Debian
package fails the tests (make test installs platform/apt-packages.txt).
"""

from collections.abc import Iterator

import pytest

from clusters.realcluster.localworld import LocalWorld
from clusters.realcluster.recording import prepare


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
