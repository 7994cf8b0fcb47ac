"""The fault proxy's faults, and the recorded containerd texts reproduced against it today.

The fixtures in platform/recorded/containerd-1.6 are the sources of the simulator's
ErrImagePull messages; these tests prove that the same real software still prints them.
"""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from clusters.realcluster.images import MEDIA_INDEX, MEDIA_MANIFEST, load_catalog
from clusters.realcluster.localworld import LocalWorld
from clusters.realcluster.processes import free_port, port_open
from clusters.realcluster.recording import FAULTS, record

RECORDED = Path(__file__).resolve().parents[2] / "platform" / "recorded" / "containerd-1.6"
CATALOG = load_catalog()["images"]


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_containerd_still_prints_the_recorded_text(world: LocalWorld, fault):
    recorded = json.loads((RECORDED / f"{fault.name}.json").read_text())
    today = record(world, fault, when="now", tool_versions={})
    assert today["ctr"]["template"] == recorded["ctr"]["template"]
    assert today["cri"] == recorded["cri"] or (
        today["cri"]["template"] == recorded["cri"]["template"]
        and today["cri"]["grpc_code"] == recorded["cri"]["grpc_code"]
    )


def test_every_fault_has_a_recording_with_provenance():
    for fault in FAULTS:
        recorded = json.loads((RECORDED / f"{fault.name}.json").read_text())
        assert recorded["versions"]["containerd"].startswith("containerd github.com/containerd")
        assert " images pull " in recorded["ctr"]["command"]
        assert recorded["ctr"]["exit_code"] == 1
        assert recorded["ctr"]["stderr"].splitlines()[-1].startswith("ctr: failed to ")
        if recorded["cri"]:
            assert recorded["cri"]["error"].startswith("rpc error: code = ")
            assert "failed to pull and unpack image" in recorded["cri"]["error"]


def _get(url: str, method: str = "GET") -> urllib.request.Request:
    return urllib.request.Request(
        url, method=method, headers={"Accept": f"{MEDIA_INDEX}, {MEDIA_MANIFEST}"}
    )


def test_ratelimit_answers_manifest_gets_like_docker_hub(world: LocalWorld, proxy_mode):
    proxy_mode("ratelimit")
    url = f"http://{world.proxy.host}/v2/lab/web/manifests/1.0"
    with urllib.request.urlopen(_get(url, "HEAD"), timeout=5) as head:
        assert head.status == 200  # Docker Hub does not count HEAD requests as pulls
    with pytest.raises(urllib.error.HTTPError) as limited:
        urllib.request.urlopen(_get(url), timeout=5)
    assert limited.value.code == 429
    assert limited.value.headers["ratelimit-limit"] == "100;w=21600"
    assert limited.value.headers["ratelimit-remaining"] == "0;w=21600"
    assert json.loads(limited.value.read())["errors"][0]["code"] == "TOOMANYREQUESTS"


def test_down_refuses_connections_and_comes_back(world: LocalWorld, proxy_mode):
    proxy_mode("down")
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", world.proxy.port)),
    ):
        pass
    proxy_mode("pass")
    with urllib.request.urlopen(
        _get(f"http://{world.proxy.host}/v2/lab/web/manifests/1.0"), timeout=5
    ) as up:
        assert up.headers["Docker-Content-Digest"] == CATALOG["lab/web:1.0"]["digest"]


def test_a_slow_registry_still_delivers_but_later(world: LocalWorld, proxy_mode):
    proxy_mode("slow")
    started = time.monotonic()
    pulled = world.containerd.cri_pull(f"{world.proxy.host}/lab/big:1.0")
    assert pulled.ok, pulled.text
    # HEAD, manifest, config and layer each wait the proxy's delay (1 s) at least.
    assert time.monotonic() - started >= 3 * world.proxy.delay_seconds


def test_the_proxy_process_is_switched_over_its_control_port(world: LocalWorld):
    # How the platform drives the proxy container beside kind (platform/kind/up.sh, step 4).
    listen, control = free_port(), free_port()
    command = [sys.executable, "-m", "clusters.realcluster.faultproxy"]
    command += ["--listen", f"127.0.0.1:{listen}", "--control", f"127.0.0.1:{control}"]
    command += ["--upstream", world.public.host]
    process = subprocess.Popen(command)
    try:
        wait_for_port(control)
        manifest = f"http://127.0.0.1:{listen}/v2/lab/web/manifests/1.0"
        with urllib.request.urlopen(_get(manifest), timeout=5) as passed:
            assert passed.status == 200
        put = urllib.request.Request(f"http://127.0.0.1:{control}/mode/ratelimit", method="PUT")
        with urllib.request.urlopen(put, timeout=5) as switched:
            assert switched.read() == b"ratelimit\n"
        with pytest.raises(urllib.error.HTTPError, match="429"):
            urllib.request.urlopen(_get(manifest), timeout=5)
        bad = urllib.request.Request(f"http://127.0.0.1:{control}/mode/melt", method="PUT")
        with pytest.raises(urllib.error.HTTPError, match="400"):
            urllib.request.urlopen(bad, timeout=5)
    finally:
        process.terminate()
        process.wait(timeout=5)


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while not port_open(port):
        assert time.monotonic() < deadline, f"nothing listens on {port}"
        time.sleep(0.05)
