"""A real distribution registry (Debian's `docker-registry`) on loopback, fed by skopeo.

The registry realises a lab world's repositories: the lab images pushed with the digests the
catalog names, tags moved by re-pushing, and a private registry behind htpasswd auth.
Distribution's htpasswd auth covers a whole registry, so a private repository lives on its
own instance.
"""

from __future__ import annotations

import base64
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

from clusters.realcluster import processes
from clusters.realcluster.images import MEDIA_INDEX, MEDIA_MANIFEST


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    @property
    def colon_joined(self) -> str:
        return f"{self.username}:{self.password}"


class PushTarget(Protocol):
    """Where `push` copies to: a registry started here, or one beside a real cluster."""

    @property
    def host(self) -> str: ...

    credentials: Credentials | None


@dataclass(frozen=True)
class RemoteRegistry:
    """A registry that runs elsewhere, e.g. kind's `localhost:5001` from platform/kind/up.sh."""

    host: str
    credentials: Credentials | None = None


class RegistryServer:
    """`docker-registry serve` with filesystem storage under `workdir`; use as a context manager."""

    def __init__(
        self, workdir: Path, credentials: Credentials | None = None, auth: dict | None = None
    ) -> None:
        self.workdir = workdir
        self.credentials = credentials
        self.auth = auth  # another `auth` section, e.g. token auth (tokenauth.TokenServer)
        self.port = processes.free_port()
        self.process: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def config(self) -> dict:
        config = {
            "version": 0.1,
            "log": {"level": "warn", "accesslog": {"disabled": True}},
            "storage": {
                "filesystem": {"rootdirectory": str(self.workdir / "data")},
                "delete": {"enabled": True},
            },
            "http": {"addr": self.host},
        }
        if self.auth:
            config["auth"] = self.auth
        elif self.credentials:
            config["auth"] = {
                "htpasswd": {"realm": "pull-policy-labs", "path": str(self._write_htpasswd())}
            }
        return config

    def _write_htpasswd(self) -> Path:
        # Distribution accepts only bcrypt entries (-B), which htpasswd makes for us.
        assert self.credentials
        line = subprocess.run(
            [
                processes.require("htpasswd"),
                "-Bbn",
                self.credentials.username,
                self.credentials.password,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        path = self.workdir / "htpasswd"
        path.write_text(line + "\n")
        return path

    def __enter__(self) -> RegistryServer:
        binary = processes.require("docker-registry")
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_path = self.workdir / "registry.yml"
        config_path.write_text(yaml.safe_dump(self.config()))
        log = self.workdir / "registry.log"
        self.process = processes.start([binary, "serve", str(config_path)], log)
        processes.wait_until(lambda: processes.port_open(self.port), self.process, log)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process:
            processes.stop(self.process)

    def tag_digest(self, repository: str, tag: str, credentials: Credentials | None = None):
        """The tag's current digest, as the registry reports it, or None if the tag is unknown."""
        request = urllib.request.Request(
            f"http://{self.host}/v2/{repository}/manifests/{tag}",
            method="HEAD",
            headers={"Accept": f"{MEDIA_INDEX}, {MEDIA_MANIFEST}"},
        )
        if credentials:
            token = base64.b64encode(credentials.colon_joined.encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.headers["Docker-Content-Digest"]
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise


def push(
    layout: Path,
    source_ref: str,
    registry: PushTarget,
    dest_ref: str | None = None,
    all_platforms: bool = False,
) -> None:
    """Copy `source_ref` (name:tag in the OCI layout) to the registry, as `dest_ref`.

    --preserve-digests makes skopeo fail rather than recompress a layer, so the digest in the
    registry is the catalog's. Pushing another image under an existing tag moves the tag.
    """
    command = [
        processes.require("skopeo"),
        "--insecure-policy",  # no /etc/containers/policy.json is needed for a local copy
        "copy",
        "--quiet",
        "--preserve-digests",
        "--dest-tls-verify=false",
    ]
    if all_platforms:
        command.append("--all")  # the index and every platform's manifest
    if registry.credentials:
        command += ["--dest-creds", registry.credentials.colon_joined]
    command += [f"oci:{layout}:{source_ref}", f"docker://{registry.host}/{dest_ref or source_ref}"]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=60)
