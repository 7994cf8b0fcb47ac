"""The lab images are byte-for-byte reproducible and match platform/images/catalog.yaml.

The programs inside run here: amd64 natively, arm64 under qemu-user (platform/apt-packages.txt).
"""

import io
import json
import subprocess
import tarfile
import time

import pytest

from clusters.realcluster.elf import ARCHITECTURES, crash_after, sleep_forever
from clusters.realcluster.images import (
    LAB_IMAGES,
    build,
    build_all,
    catalog,
    layer_tar,
    load_catalog,
    write_layout,
)

# How this machine runs each architecture's program.
RUNNER = {"amd64": [], "arm64": ["qemu-aarch64"]}


def test_a_rebuild_gives_the_digests_in_the_catalog():
    assert catalog(build_all()) == load_catalog()


def test_two_builds_are_byte_identical():
    first, second = build(LAB_IMAGES[0]), build(LAB_IMAGES[0])
    assert first.blobs == second.blobs


def test_every_image_and_platform_has_its_own_digest():
    built = build_all()
    manifests = [p.manifest_digest for b in built for p in b.platforms.values()]
    assert len({b.digest for b in built} | {b.index_digest for b in built}) == 2 * len(built)
    assert len(set(manifests)) == len(LAB_IMAGES) * len(ARCHITECTURES)


def test_the_default_is_the_amd64_manifest_of_the_index():
    built = build(LAB_IMAGES[0])
    index = json.loads(built.blobs[built.index_digest])
    platforms = [m["platform"] for m in index["manifests"]]
    assert platforms == [{"architecture": a, "os": "linux"} for a in ARCHITECTURES]
    assert index["manifests"][0]["digest"] == built.digest


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_the_layer_holds_the_program_and_no_timestamps(architecture):
    with tarfile.open(fileobj=io.BytesIO(layer_tar(LAB_IMAGES[0], architecture))) as tar:
        members = {member.name: member for member in tar.getmembers()}
        program = tar.extractfile("app").read()
    assert sorted(members) == ["VERSION", "app"]
    assert members["app"].mode == 0o755
    assert {member.mtime for member in members.values()} == {0}
    assert program == sleep_forever(architecture=architecture)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_the_crash_program_exits_1_after_its_sleep(tmp_path, architecture):
    program = tmp_path / "crash"
    program.write_bytes(crash_after(0, architecture))
    program.chmod(0o755)
    assert subprocess.run([*RUNNER[architecture], program], timeout=10).returncode == 1


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_the_web_program_keeps_running(tmp_path, architecture):
    program = tmp_path / "web"
    program.write_bytes(sleep_forever(1, architecture))
    program.chmod(0o755)
    process = subprocess.Popen([*RUNNER[architecture], program])
    try:
        time.sleep(1.5)  # longer than one sleep: the loop went round at least once
        assert process.poll() is None
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("tag", ["1.0", "1.0-multiarch"])
def test_skopeo_reads_the_layout_with_the_catalog_digest(tmp_path, tag):
    built = build_all()
    write_layout(built, tmp_path / "layout")
    inspected = subprocess.run(
        ["skopeo", "inspect", "--raw", f"oci:{tmp_path / 'layout'}:lab/web:{tag}"],
        capture_output=True,
        check=True,
    ).stdout
    entry = load_catalog()["images"]["lab/web:1.0"]
    digest = entry["multiarch"]["digest"] if tag.endswith("multiarch") else entry["digest"]
    assert inspected == built[0].blobs[digest]
