"""The real kubectl (v1.35.2, installed by scripts/install_kubectl.py) against the simulator.

The fixture installs kubectl when it is missing: in CI a missing kubectl is a failure, never
a skip, and /usr/bin/kubectl (another version) is never used.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from clusters.apiserver.testing import SimulatorHandle, running_simulator
from clusters.sim.clock import WallClock
from tests.sim.worlds import lab1_world

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from install_kubectl import install  # noqa: E402


class Kubectl:
    def __init__(self, binary: Path, kubeconfig: Path) -> None:
        self.binary = binary
        self.kubeconfig = kubeconfig

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(self.binary), "--kubeconfig", str(self.kubeconfig), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    def stdin(self, manifest: str, *args: str) -> subprocess.CompletedProcess:
        """`kubectl ARGS -f -` with the manifest on standard input."""
        return subprocess.run(
            [str(self.binary), "--kubeconfig", str(self.kubeconfig), *args, "-f", "-"],
            input=manifest,
            capture_output=True,
            text=True,
            timeout=60,
        )


@pytest.fixture(scope="module")
def kubectl_binary() -> Path:
    return install(Path(sys.executable).parent)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorHandle]:
    with running_simulator(clock=WallClock()) as handle:  # wall time: kubectl computes ages itself
        yield handle


@pytest.fixture(scope="module")
def kubectl(sim: SimulatorHandle, kubectl_binary: Path, tmp_path_factory) -> Kubectl:
    world = sim.create_world("lab-k", lab1_world())
    path = tmp_path_factory.mktemp("kube") / "config"
    path.write_text(yaml.safe_dump(sim.kubeconfig(world["token"], world["namespace"])))
    return Kubectl(kubectl_binary, path)
