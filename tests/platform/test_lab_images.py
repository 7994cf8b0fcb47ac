"""The lab images are byte-for-byte reproducible and match platform/images/catalog.yaml."""

import io
import subprocess
import tarfile
import time

from clusters.realcluster.elf import crash_after, sleep_forever
from clusters.realcluster.images import (
    LAB_IMAGES,
    build,
    build_all,
    catalog,
    layer_tar,
    load_catalog,
    write_layout,
)


def test_a_rebuild_gives_the_digests_in_the_catalog():
    assert catalog(build_all()) == load_catalog()


def test_two_builds_are_byte_identical():
    first, second = build(LAB_IMAGES[0]), build(LAB_IMAGES[0])
    assert first.blobs == second.blobs


def test_every_image_has_its_own_digest():
    digests = [built.manifest_digest for built in build_all()]
    assert len(set(digests)) == len(LAB_IMAGES)


def test_the_layer_holds_the_program_and_no_timestamps():
    with tarfile.open(fileobj=io.BytesIO(layer_tar(LAB_IMAGES[0]))) as tar:
        members = {member.name: member for member in tar.getmembers()}
    assert sorted(members) == ["VERSION", "app"]
    assert members["app"].mode == 0o755
    assert {member.mtime for member in members.values()} == {0}


def test_the_crash_program_exits_1_after_its_sleep(tmp_path):
    program = tmp_path / "crash"
    program.write_bytes(crash_after(0))
    program.chmod(0o755)
    assert subprocess.run([program], timeout=5).returncode == 1


def test_the_web_program_keeps_running(tmp_path):
    program = tmp_path / "web"
    program.write_bytes(sleep_forever(1))
    program.chmod(0o755)
    process = subprocess.Popen([program])
    try:
        time.sleep(1.5)  # longer than one sleep: the loop went round at least once
        assert process.poll() is None
    finally:
        process.kill()
        process.wait()


def test_skopeo_reads_the_layout_with_the_catalog_digest(tmp_path):
    built = build_all()
    write_layout(built, tmp_path / "layout")
    inspected = subprocess.run(
        ["skopeo", "inspect", "--raw", f"oci:{tmp_path / 'layout'}:lab/web:1.0"],
        capture_output=True,
        check=True,
    ).stdout
    assert inspected == built[0].blobs[built[0].manifest_digest]
