"""platform/kind: the scripts pass shellcheck and agree with the cluster config and catalog.

kind itself needs Docker, which this machine lacks; these checks are what can run here.
"""

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from clusters.realcluster.images import load_catalog

KIND = Path(__file__).resolve().parents[2] / "platform" / "kind"
UP = (KIND / "up.sh").read_text()


@pytest.mark.parametrize("script", ["up.sh", "down.sh", "record-events.sh"])
def test_the_script_is_shellcheck_clean(script):
    checked = subprocess.run(["shellcheck", KIND / script], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout


def test_the_cluster_has_one_control_plane_and_two_workers():
    config = yaml.safe_load((KIND / "kind-config.yaml").read_text())
    assert [node["role"] for node in config["nodes"]] == ["control-plane", "worker", "worker"]


def test_containerd_reads_certs_d_as_kinds_registry_pattern_needs():
    config = yaml.safe_load((KIND / "kind-config.yaml").read_text())
    [patch] = config["containerdConfigPatches"]
    assert 'config_path = "/etc/containerd/certs.d"' in patch


def test_up_pushes_every_catalog_image():
    pushed = set(re.findall(r"\blab/[a-z]+:[0-9.]+", UP))
    assert pushed == set(load_catalog()["images"])


def test_up_names_the_same_cluster_as_the_config():
    config = yaml.safe_load((KIND / "kind-config.yaml").read_text())
    assert f"cluster='{config['name']}'" in UP
    assert f"cluster='{config['name']}'" in (KIND / "down.sh").read_text()


def test_up_steps_are_numbered_in_order():
    steps = [int(n) for n in re.findall(r"^# (\d+)\. ", UP, flags=re.MULTILINE)]
    assert steps == list(range(1, len(steps) + 1))
