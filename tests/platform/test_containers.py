"""The FROM-scratch lab images run as real containers (containerd + runc on this machine)."""

import secrets
import time

from clusters.realcluster.images import LabImage, build, crashes_every, write_layout
from clusters.realcluster.localworld import LocalWorld
from clusters.realcluster.registry import push


def _name(prefix: str) -> str:
    # runc keeps container state in one machine-wide folder: names must not clash between runs.
    return f"{prefix}-{secrets.token_hex(4)}"


def test_lab_web_keeps_running_as_a_container(world: LocalWorld):
    ref = f"{world.public.host}/lab/web:1.0"
    containerd, name = world.containerd, _name("ppl-web")
    assert containerd.ctr_pull(ref, "--hosts-dir", str(containerd.certs_dir)).ok
    started = containerd.ctr("run", "-d", "--snapshotter", "native", ref, name)
    assert started.returncode == 0, started.stderr
    try:
        time.sleep(1)
        tasks = containerd.ctr("task", "ls").stdout
        assert any(line.split()[::2] == [name, "RUNNING"] for line in tasks.splitlines())
    finally:
        containerd.ctr("task", "kill", "-s", "SIGKILL", name)
        containerd.ctr("task", "rm", "-f", name)
        containerd.ctr("container", "rm", name)


def test_the_crash_program_exits_1_inside_a_container(world: LocalWorld, tmp_path):
    # lab/crash waits 30 s; the same program with a 1 s wait keeps the test short.
    fast = build(LabImage("test/crash", "fast", crashes_every(1)))
    write_layout([fast], tmp_path / "layout")
    push(tmp_path / "layout", "test/crash:fast", world.public)
    ref = f"{world.public.host}/test/crash:fast"
    containerd, name = world.containerd, _name("ppl-crash")
    assert containerd.ctr_pull(ref, "--hosts-dir", str(containerd.certs_dir)).ok
    began = time.monotonic()
    ran = containerd.ctr("run", "--rm", "--snapshotter", "native", ref, name, timeout=20)
    assert (ran.returncode, time.monotonic() - began >= 1) == (1, True), ran.stderr
