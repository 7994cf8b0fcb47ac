"""Provoke each registry fault against the real registry + containerd and record the texts.

`python -m clusters.realcluster.recording platform/recorded/containerd-1.6` writes one JSON
file per fault with the exact stderr of `ctr` and the exact CRI status the kubelet receives,
plus templates (`{image}`, `{registry}`) for the simulator's ErrImagePull messages.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from clusters.realcluster.containerd import PullResult
from clusters.realcluster.localworld import PRIVATE_CREDENTIALS, LocalWorld
from clusters.realcluster.registry import Credentials

# A name that exists only in containerd's certs.d: its hosts.toml sends HTTPS to the plain
# HTTP registry, the way a node is misconfigured for an insecure registry.
HTTPS_TO_HTTP_HOST = "https-to-http.lab.test"

SOURCES = {
    "cri_wrapping": "containerd/containerd pkg/cri/server/image_pull.go, criService.PullImage: "
    'fmt.Errorf("failed to pull and unpack image %q: %w", ref, err); the gRPC code comes '
    "from errdefs.ToGRPC in pkg/cri/server/instrumented_service.go",
    "kubelet_event": "kubernetes/kubernetes pkg/kubelet/images/image_manager.go, "
    'EnsureImageExists: fmt.Sprintf("Failed to pull image %q: %v", container.Image, err), '
    "event reason Failed (events.FailedToPullImage)",
}


@dataclass(frozen=True)
class Fault:
    name: str
    about: str
    ref: str  # with {public}, {private}, {hub}, {proxy}, {tls_proxy}, {https_to_http}
    proxy_mode: str = "pass"
    credentials: Credentials | None = None
    deadline_seconds: float = 0  # a client-side deadline, for faults that hang


WRONG_CREDENTIALS = Credentials(PRIVATE_CREDENTIALS.username, "wrong-password")

FAULTS = [
    Fault("manifest-unknown", "the tag does not exist in the repository", "{public}/lab/web:9.9"),
    Fault("repository-unknown", "the repository does not exist", "{public}/lab/nope:1.0"),
    Fault(
        "unauthorized-no-credentials",
        "a private registry (htpasswd, basic auth), pulled without credentials",
        "{private}/lab/private:1.0",
    ),
    Fault(
        "unauthorized-wrong-credentials",
        "a private registry (htpasswd, basic auth), pulled with a wrong password",
        "{private}/lab/private:1.0",
        credentials=WRONG_CREDENTIALS,
    ),
    Fault(
        "pull-access-denied-unknown-repository",
        "token auth like Docker Hub's: the repository does not exist",
        "{hub}/lab/nope:1.0",
    ),
    Fault(
        "pull-access-denied-private-no-credentials",
        "token auth like Docker Hub's: a private repository, pulled anonymously",
        "{hub}/lab/private:1.0",
    ),
    Fault(
        "oauth-token-wrong-credentials",
        "token auth like Docker Hub's: the token server refuses a wrong password",
        "{hub}/lab/private:1.0",
        credentials=WRONG_CREDENTIALS,
    ),
    Fault(
        "x509-unknown-authority",
        "HTTPS with a self-signed certificate the node does not trust",
        "{tls_proxy}/lab/web:1.0",
    ),
    Fault(
        "toomanyrequests",
        "manifest GETs answered 429 with Docker Hub's body and ratelimit headers",
        "{proxy}/lab/web:1.0",
        proxy_mode="ratelimit",
    ),
    Fault(
        "connection-refused",
        "the registry is down (nothing listens)",
        "{proxy}/lab/web:1.0",
        proxy_mode="down",
    ),
    Fault(
        "timeout",
        "the registry accepts but never answers; the client gives up after 2 s",
        "{proxy}/lab/web:1.0",
        proxy_mode="hang",
        deadline_seconds=2,
    ),
    Fault(
        "http-response-to-https-client",
        "the node speaks HTTPS to a plain-HTTP registry",
        "{https_to_http}/lab/web:1.0",
    ),
]


def hosts(world: LocalWorld) -> dict[str, str]:
    return {
        "public": world.public.host,
        "private": world.private.host,
        "hub": world.hub.host,
        "proxy": world.proxy.host,
        "tls_proxy": world.tls_proxy.host,
        "https_to_http": HTTPS_TO_HTTP_HOST,
    }


def prepare(world: LocalWorld) -> None:
    """Extra certs.d entries the faults need beyond LocalWorld's own."""
    world.containerd.write_hosts(HTTPS_TO_HTTP_HOST, f"https://{world.public.host}")


def template(text: str, ref: str, world: LocalWorld) -> str:
    """Replace what differs per run (the ref, loopback ports) with placeholders."""
    text = text.replace(ref, "{image}")
    for host in hosts(world).values():
        text = text.replace(host, "{registry}")
    repository, tag = ref.split("/", 1)[1].rsplit(":", 1)
    for built in world.images:
        text = text.replace(built.digest, "{digest}").replace(built.index_digest, "{digest}")
    text = text.replace(f"/v2/{repository}/", "/v2/{repository}/")
    text = text.replace(f"/manifests/{tag}", "/manifests/{tag}")
    return text.replace(f"[manifests {tag}]", "[manifests {tag}]")


def ctr_flags(fault: Fault, world: LocalWorld) -> list[str]:
    # --hosts-dir: ctr reads the same certs.d as the CRI plugin, so both see the same hosts.
    flags = ["--hosts-dir", str(world.containerd.certs_dir)]
    if fault.credentials:
        flags += ["--user", fault.credentials.colon_joined]
    return flags


def run_ctr(world: LocalWorld, fault: Fault, ref: str) -> PullResult:
    world.proxy.set_mode(fault.proxy_mode)
    try:
        return world.containerd.ctr_pull(
            ref, *ctr_flags(fault, world), timeout_seconds=fault.deadline_seconds
        )
    finally:
        world.proxy.set_mode("pass")


def run_cri(world: LocalWorld, fault: Fault, ref: str) -> PullResult:
    world.proxy.set_mode(fault.proxy_mode)
    credentials = fault.credentials or Credentials("", "")
    try:
        return world.containerd.cri_pull(
            ref,
            credentials.username,
            credentials.password,
            timeout_seconds=fault.deadline_seconds or 30,
        )
    finally:
        world.proxy.set_mode("pass")


def last_line(stderr: str) -> str:
    # ctr prints log lines (with timestamps) before its own "ctr: ..." error line.
    return stderr.strip().splitlines()[-1] if stderr.strip() else ""


def _version(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True).stdout.strip()


def versions() -> dict[str, str]:
    return {
        "containerd": _version(["containerd", "--version"]),
        "ctr": _version(["ctr", "--version"]),
        "docker-registry": _version(["docker-registry", "--version"]),
        "skopeo": _version(["skopeo", "--version"]),
    }


def record(world: LocalWorld, fault: Fault, when: str, tool_versions: dict) -> dict:
    ref = fault.ref.format(**hosts(world))
    cached = world.catalog_digest(ref.split("/", 1)[1])
    if cached:
        # Content already on this runtime would be reused without asking the registry.
        world.containerd.forget(cached)
    started = time.monotonic()
    ctr = run_ctr(world, fault, ref)
    ctr_seconds = time.monotonic() - started
    cri = None if fault.deadline_seconds else run_cri(world, fault, ref)
    flags = ctr_flags(fault, world)
    flags[1] = "CERTS_D"  # the temporary folder's name says nothing
    ctr_command = ["ctr", "--address", "SOCKET", "images", "pull", *flags, ref]
    if fault.deadline_seconds:
        ctr_command[3:3] = ["--timeout", f"{fault.deadline_seconds}s"]
    if cri is None:
        # A hanging pull is recorded from ctr only. Through CRI the deadline would be our gRPC
        # client's and the text the Python client's, nothing a kubelet prints: the kubelet
        # sets no deadline on PullImage and containerd 1.6.20 has no
        # image_pull_progress_timeout, so on such a node the pull just hangs.
        cri_section = None
        event = None
    else:
        cri_template = template(cri.text, ref, world)
        cri_section = {
            "call": "runtime.v1.ImageService/PullImage over gRPC (what the kubelet calls)",
            "auth": "username+password in PullImageRequest.auth" if fault.credentials else None,
            "grpc_code": cri.code,
            "error": cri.text,
            "template": cri_template,
        }
        event = {
            "type": "Warning",
            "reason": "Failed",
            "message_template": f'Failed to pull image "{{image}}": {cri_template}',
        }
    return {
        "fault": fault.name,
        "about": fault.about,
        "recorded_at": when,
        "versions": tool_versions,
        "ref": ref,
        "ctr": {
            "command": shlex.join(ctr_command),
            "exit_code": int(ctr.code),
            "stderr": ctr.text,
            "seconds": round(ctr_seconds, 2),
            "template": template(last_line(ctr.text), ref, world),
        },
        "cri": cri_section,
        "kubelet_event": event,
        "sources": SOURCES,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the <fault>.json files")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    when = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    tool_versions = versions()
    with tempfile.TemporaryDirectory() as tmp, LocalWorld(Path(tmp)) as world:
        prepare(world)
        for fault in FAULTS:
            recorded = record(world, fault, when, tool_versions)
            path = args.out / f"{fault.name}.json"
            path.write_text(json.dumps(recorded, indent=2, ensure_ascii=False) + "\n")
            print(f"{fault.name:<32} {recorded['ctr']['template']}")


if __name__ == "__main__":
    main()
