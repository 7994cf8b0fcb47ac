"""The lab images: tiny, FROM scratch, written as OCI image layouts with fixed digests.

Every byte is chosen here (no build tool, no timestamps), so the simulator's worlds, the
registry on this machine and a kind cluster all see the same digests. Layers are plain
uncompressed tars: gzip output depends on the zlib build, a tar does not.

Each image comes two ways. `name:tag` is a single linux/amd64 manifest: the default, the digest
lab worlds cite. `name:tag-multiarch` is an OCI index over linux/amd64 and linux/arm64, for
kind on an arm64 laptop; a world cites the index digest to get it.

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
MULTIARCH_SUFFIX = "-multiarch"

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
    """One architecture's manifest."""

    manifest_digest: str
    config_digest: str  # the runtime's image id (CRI PullImageResponse.image_ref)
    size: int  # what containerd's CRI reports for the image pulled this way (measured)


@dataclass(frozen=True)
class BuiltImage:
    image: LabImage
    blobs: dict[str, bytes]  # digest -> bytes: the index, and each platform's blobs
    default: PlatformImage  # linux/amd64 on its own: what `name:tag` is
    index_digest: str  # what `name:tag-multiarch` is
    index_size: int
    platforms: dict[str, PlatformImage]  # sizes as pulled through the index

    @property
    def digest(self) -> str:
        return self.default.manifest_digest


@dataclass(frozen=True)
class LayoutSource:
    """Where a digest is in the OCI layout, and whether pushing it means the whole index."""

    ref: str
    all_platforms: bool


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
    platforms: dict[str, tuple[str, str, int]] = {}
    descriptors = []
    for architecture in ARCHITECTURES:
        own, manifest_digest, config_digest = _platform_blobs(image, architecture)
        blobs.update(own)
        own_size = sum(len(blob) for blob in own.values())
        platforms[f"linux/{architecture}"] = (manifest_digest, config_digest, own_size)
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
    through_index = {
        name: PlatformImage(manifest, config, len(index) + size)
        for name, (manifest, config, size) in platforms.items()
    }
    default = PlatformImage(*platforms["linux/amd64"])
    return BuiltImage(image, blobs, default, sha256(index), len(index), through_index)


def write_layout(images: list[BuiltImage], root: Path) -> Path:
    """Write one OCI image layout holding every image as `name:tag` (the amd64 manifest) and
    `name:tag-multiarch` (the index).

    skopeo addresses an image in it as `oci:ROOT:name:tag` (the ref.name annotation).
    """
    blob_dir = root / "blobs" / "sha256"
    blob_dir.mkdir(parents=True, exist_ok=True)
    (root / "oci-layout").write_bytes(canonical_json({"imageLayoutVersion": "1.0.0"}))
    manifests = []
    for built in images:
        for digest, blob in built.blobs.items():
            (blob_dir / digest.removeprefix("sha256:")).write_bytes(blob)
        multiarch = built.image.ref + MULTIARCH_SUFFIX
        default_size = len(built.blobs[built.digest])
        for media_type, digest, size, ref in [
            (MEDIA_MANIFEST, built.digest, default_size, built.image.ref),
            (MEDIA_INDEX, built.index_digest, built.index_size, multiarch),
        ]:
            manifests.append(
                {
                    "mediaType": media_type,
                    "digest": digest,
                    "size": size,
                    "annotations": {"org.opencontainers.image.ref.name": ref},
                }
            )
    index = {"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": manifests}
    (root / "index.json").write_bytes(canonical_json(index))
    return root


def catalog(images: list[BuiltImage]) -> dict:
    """name:tag -> digest, image id and size as worlds cite them, plus the multiarch index."""
    entries = {}
    for built in images:
        entries[built.image.ref] = {
            "digest": built.digest,
            "size": built.default.size,
            "image_id": built.default.config_digest,
            "platform": "linux/amd64",
            "multiarch": {
                "tag": built.image.tag + MULTIARCH_SUFFIX,
                "digest": built.index_digest,
                "platforms": {
                    name: {
                        "manifest": platform.manifest_digest,
                        "image_id": platform.config_digest,
                        "size": platform.size,
                    }
                    for name, platform in built.platforms.items()
                },
            },
            "about": built.image.about,
        }
    return {"images": entries}


def layout_sources(images: list[BuiltImage]) -> dict[str, LayoutSource]:
    """Every digest a world may cite -> what to push from the layout."""
    sources = {}
    for built in images:
        sources[built.digest] = LayoutSource(built.image.ref, all_platforms=False)
        multiarch = built.image.ref + MULTIARCH_SUFFIX
        sources[built.index_digest] = LayoutSource(multiarch, all_platforms=True)
    return sources


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
        print(f"{built.image.ref:<16} {built.digest}  multiarch {built.index_digest}")


if __name__ == "__main__":
    main()
