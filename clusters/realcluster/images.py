"""The lab images: tiny, FROM scratch, written as OCI image layouts with fixed digests.

Every byte is chosen here (no build tool, no timestamps), so the simulator's worlds, the
registry on this machine and a kind cluster all see the same digests. Each image is an OCI
index over linux/amd64 and linux/arm64 (kind on an arm64 laptop pulls the arm64 one). Layers
are plain uncompressed tars: gzip output depends on the zlib build, a tar does not.

Run `python -m clusters.realcluster.images --layout DIR --catalog platform/images/catalog.yaml`
to write the layout and refresh the catalog.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import yaml

from clusters.realcluster.elf import ARCHITECTURES, crash_after, sleep_forever

CATALOG_PATH = Path(__file__).resolve().parents[2] / "platform" / "images" / "catalog.yaml"

MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar"
MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"

Program = Callable[[str], bytes]  # architecture -> the static executable for /app


@dataclass(frozen=True)
class LabImage:
    """One lab image: a static program at /app plus a few small files."""

    name: str  # repository path, e.g. "lab/web"
    tag: str
    program: Program
    files: dict[str, bytes] = field(default_factory=dict)
    about: str = ""

    @property
    def ref(self) -> str:
        return f"{self.name}:{self.tag}"


def runs_forever(architecture: str) -> bytes:
    return sleep_forever(architecture=architecture)


def crashes_every(seconds: int) -> Program:
    return partial(crash_after, seconds)


def _marker(name: str, tag: str) -> dict[str, bytes]:
    # The marker file is what makes two tags of one program different images.
    return {"VERSION": f"{name} {tag}\n".encode()}


# A few MiB of zeros make a pull long enough to watch through the slow proxy.
_BIG_PADDING = bytes(4 * 1024 * 1024)

LAB_IMAGES: list[LabImage] = [
    LabImage("lab/web", "1.0", runs_forever, _marker("lab/web", "1.0"), "runs forever"),
    LabImage("lab/web", "2.0", runs_forever, _marker("lab/web", "2.0"), "runs forever"),
    LabImage(
        "lab/crash", "1.0", crashes_every(30), _marker("lab/crash", "1.0"), "exits 1 every 30 s"
    ),
    LabImage(
        "lab/crash", "2.0", crashes_every(30), _marker("lab/crash", "2.0"), "exits 1 every 30 s"
    ),
    LabImage(
        "lab/private", "1.0", runs_forever, _marker("lab/private", "1.0"), "for private registries"
    ),
    LabImage(
        "lab/big",
        "1.0",
        runs_forever,
        {**_marker("lab/big", "1.0"), "padding": _BIG_PADDING},
        "4 MiB, for slow pulls",
    ),
]


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(value: dict) -> bytes:
    # Sorted keys and no spaces: the same dict always gives the same bytes and digest.
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def layer_tar(image: LabImage, architecture: str = "amd64") -> bytes:
    """A reproducible tar: sorted names, owner root, mtime 0, ustar headers (no pax times)."""
    entries = {"app": (image.program(architecture), 0o755)}
    entries.update({path: (data, 0o644) for path, data in image.files.items()})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path in sorted(entries):
            data, mode = entries[path]
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), mode, 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@dataclass(frozen=True)
class PlatformImage:
    """One architecture's manifest inside an image's index."""

    manifest_digest: str
    config_digest: str  # the runtime's image id (CRI PullImageResponse.image_ref)
    size: int  # index + manifest + config + layer: what containerd's CRI reports (measured)


@dataclass(frozen=True)
class BuiltImage:
    image: LabImage
    blobs: dict[str, bytes]  # digest -> bytes: the index, and each platform's blobs
    digest: str  # the index: what the tag points at and what pods' imageID names
    index_size: int
    platforms: dict[str, PlatformImage]


def _platform_blobs(image: LabImage, architecture: str) -> tuple[dict[str, bytes], str, str]:
    layer = layer_tar(image, architecture)
    config = canonical_json(
        {
            "architecture": architecture,
            "os": "linux",
            "config": {
                "Entrypoint": ["/app"],
                "Labels": {"dev.pullpolicylabs.image": image.ref},
            },
            "rootfs": {"type": "layers", "diff_ids": [sha256(layer)]},
        }
    )
    manifest = canonical_json(
        {
            "schemaVersion": 2,
            "mediaType": MEDIA_MANIFEST,
            "config": {"mediaType": MEDIA_CONFIG, "digest": sha256(config), "size": len(config)},
            "layers": [{"mediaType": MEDIA_LAYER, "digest": sha256(layer), "size": len(layer)}],
        }
    )
    blobs = {sha256(manifest): manifest, sha256(config): config, sha256(layer): layer}
    return blobs, sha256(manifest), sha256(config)


def build(image: LabImage) -> BuiltImage:
    blobs: dict[str, bytes] = {}
    platforms: dict[str, tuple[str, str, dict[str, bytes]]] = {}
    descriptors = []
    for architecture in ARCHITECTURES:
        own, manifest_digest, config_digest = _platform_blobs(image, architecture)
        blobs.update(own)
        platforms[f"linux/{architecture}"] = (manifest_digest, config_digest, own)
        descriptors.append(
            {
                "mediaType": MEDIA_MANIFEST,
                "digest": manifest_digest,
                "size": len(own[manifest_digest]),
                "platform": {"architecture": architecture, "os": "linux"},
            }
        )
    index = canonical_json({"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": descriptors})
    blobs[sha256(index)] = index
    # containerd counts the index too in an image's size (CRI ListImages, measured here).
    sized = {
        name: PlatformImage(manifest, config, len(index) + sum(len(b) for b in own.values()))
        for name, (manifest, config, own) in platforms.items()
    }
    return BuiltImage(image, blobs, sha256(index), len(index), sized)


def write_layout(images: list[BuiltImage], root: Path) -> Path:
    """Write one OCI image layout holding every image, each tagged by `name:tag`.

    skopeo addresses an image in it as `oci:ROOT:name:tag` (the ref.name annotation).
    """
    blob_dir = root / "blobs" / "sha256"
    blob_dir.mkdir(parents=True, exist_ok=True)
    (root / "oci-layout").write_bytes(canonical_json({"imageLayoutVersion": "1.0.0"}))
    manifests = []
    for built in images:
        for digest, blob in built.blobs.items():
            (blob_dir / digest.removeprefix("sha256:")).write_bytes(blob)
        manifests.append(
            {
                "mediaType": MEDIA_INDEX,
                "digest": built.digest,
                "size": built.index_size,
                "annotations": {"org.opencontainers.image.ref.name": built.image.ref},
            }
        )
    index = {"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": manifests}
    (root / "index.json").write_bytes(canonical_json(index))
    return root


def catalog(images: list[BuiltImage]) -> dict:
    """name:tag -> digest, and per platform the image id and size, as worlds cite them."""
    entries = {}
    for built in images:
        amd64 = built.platforms["linux/amd64"]
        entries[built.image.ref] = {
            "digest": built.digest,
            # A world's single `size` is what a linux/amd64 node reports (kind on most hosts).
            "size": amd64.size,
            "image_id": amd64.config_digest,
            "platforms": {
                name: {
                    "manifest": platform.manifest_digest,
                    "image_id": platform.config_digest,
                    "size": platform.size,
                }
                for name, platform in built.platforms.items()
            },
            "about": built.image.about,
        }
    return {"images": entries}


def build_all() -> list[BuiltImage]:
    return [build(image) for image in LAB_IMAGES]


def load_catalog(path: Path = CATALOG_PATH) -> dict:
    return yaml.safe_load(path.read_text())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", type=Path, help="write an OCI image layout here")
    parser.add_argument("--catalog", type=Path, help="write catalog.yaml here")
    args = parser.parse_args(argv)
    images = build_all()
    if args.layout:
        write_layout(images, args.layout)
    if args.catalog:
        header = (
            "# Generated by `python -m clusters.realcluster.images --catalog ...`; do not edit.\n"
        )
        args.catalog.write_text(header + yaml.safe_dump(catalog(images), sort_keys=True))
    for built in images:
        print(f"{built.image.ref:<16} {built.digest}")


if __name__ == "__main__":
    main()
