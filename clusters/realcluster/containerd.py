"""A real containerd (Debian's 1.6) with its own root, state and socket, and two ways to pull.

`ctr images pull` shows containerd's own error text. `cri_pull` calls the CRI
`ImageService/PullImage` over gRPC, exactly as the kubelet does, so its error is the text the
kubelet puts after `Failed to pull image "X": ` in its `Failed` event.

Registry hosts are configured the way kind nodes do it: `certs.d/HOST/hosts.toml` under the
CRI plugin's `config_path`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from clusters.realcluster import processes

# gRPC status codes as Go prints them (google.golang.org/grpc/codes, String()).
_GO_CODE_NAMES = {
    "OK": "OK",
    "CANCELLED": "Canceled",
    "UNKNOWN": "Unknown",
    "INVALID_ARGUMENT": "InvalidArgument",
    "DEADLINE_EXCEEDED": "DeadlineExceeded",
    "NOT_FOUND": "NotFound",
    "ALREADY_EXISTS": "AlreadyExists",
    "PERMISSION_DENIED": "PermissionDenied",
    "RESOURCE_EXHAUSTED": "ResourceExhausted",
    "FAILED_PRECONDITION": "FailedPrecondition",
    "ABORTED": "Aborted",
    "OUT_OF_RANGE": "OutOfRange",
    "UNIMPLEMENTED": "Unimplemented",
    "INTERNAL": "Internal",
    "UNAVAILABLE": "Unavailable",
    "DATA_LOSS": "DataLoss",
    "UNAUTHENTICATED": "Unauthenticated",
}


@dataclass(frozen=True)
class PullResult:
    ok: bool
    code: str  # ctr: the exit status; CRI: the gRPC code as Go names it
    text: str  # ctr: stderr; CRI: the status as the kubelet prints it ("rpc error: ...")


def _protobuf_bytes(field: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field: all a PullImageRequest is made of."""
    length, varint = len(payload), b""
    while True:
        low, length = length & 0x7F, length >> 7
        varint += bytes([low | 0x80 if length else low])
        if not length:
            break
    return bytes([field << 3 | 2]) + varint + payload


def pull_image_request(image: str, username: str = "", password: str = "") -> bytes:
    # runtime.v1.PullImageRequest{image: ImageSpec{image: 1}, auth: AuthConfig{username: 1,
    # password: 2}} (k8s.io/cri-api pkg/apis/runtime/v1/api.proto).
    request = _protobuf_bytes(1, _protobuf_bytes(1, image.encode()))
    if username:
        auth = _protobuf_bytes(1, username.encode()) + _protobuf_bytes(2, password.encode())
        request += _protobuf_bytes(2, auth)
    return request


class Containerd:
    """`containerd --config` under `workdir`; use as a context manager."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.socket = workdir / "containerd.sock"
        self.certs_dir = workdir / "certs.d"
        self.process: subprocess.Popen | None = None

    def config(self) -> str:
        # The native snapshotter needs no overlay mount, so this works inside containers too.
        return f"""version = 2
root = "{self.workdir}/root"
state = "{self.workdir}/state"
[grpc]
  address = "{self.socket}"
[ttrpc]
  address = "{self.socket}.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = true
  stream_server_port = "0"
[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "native"
[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "{self.certs_dir}"
"""

    def __enter__(self) -> Containerd:
        binary = processes.require("containerd")
        processes.require("ctr")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.certs_dir.mkdir(exist_ok=True)
        config_path = self.workdir / "containerd.toml"
        config_path.write_text(self.config())
        log = self.workdir / "containerd.log"
        self.process = processes.start([binary, "--config", str(config_path)], log)
        processes.wait_until(self._serving, self.process, log)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process:
            processes.stop(self.process)

    def _serving(self) -> bool:
        return self.ctr("version", timeout=5).returncode == 0

    def ctr(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["ctr", "--address", str(self.socket), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            # The same no-mount snapshotter as the CRI plugin, for ctr's own unpacking.
            env={**os.environ, "CONTAINERD_SNAPSHOTTER": "native"},
        )

    def write_hosts(self, host: str, server: str, ca_file: Path | None = None) -> None:
        """certs.d/HOST/hosts.toml: where CRI pulls of HOST/... go (kind's local-registry way)."""
        lines = [
            f'server = "{server}"',
            f'[host."{server}"]',
            '  capabilities = ["pull", "resolve"]',
        ]
        if ca_file:
            lines.append(f'  ca = "{ca_file}"')
        directory = self.certs_dir / host
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "hosts.toml").write_text("\n".join(lines) + "\n")

    def trust_ca(self, host: str, ca_file: Path) -> None:
        """The `trust_ca` world action on this runtime: certs.d/HOST/ca.crt, and a hosts.toml
        naming it (with a hosts.toml present, containerd reads the CA only from its `ca`)."""
        directory = self.certs_dir / host
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ca_file, directory / "ca.crt")
        self.write_hosts(host, f"https://{host}", directory / "ca.crt")

    def ctr_pull(self, ref: str, *flags: str, timeout_seconds: float = 0) -> PullResult:
        args = ["images", "pull", *flags, ref]
        if timeout_seconds:
            args = ["--timeout", f"{timeout_seconds}s", *args]
        done = self.ctr(*args)
        return PullResult(done.returncode == 0, str(done.returncode), done.stderr.strip())

    def cri_pull(
        self, ref: str, username: str = "", password: str = "", timeout_seconds: float = 30
    ) -> PullResult:
        import grpc  # a dev dependency: only tests and the recorder pull through CRI

        with grpc.insecure_channel(f"unix://{self.socket}") as channel:
            pull = channel.unary_unary("/runtime.v1.ImageService/PullImage")
            try:
                pull(pull_image_request(ref, username, password), timeout=timeout_seconds)
            except grpc.RpcError as error:
                code = _GO_CODE_NAMES[error.code().name]
                # grpc-go's status.Error formats exactly so; the kubelet passes it on as is.
                return PullResult(False, code, f"rpc error: code = {code} desc = {error.details()}")
        return PullResult(True, "OK", "")

    def forget(self, digest: str) -> None:
        """Remove every image with this manifest digest and collect its content, in both
        namespaces: a pull then really goes to the registry, as on a node without it."""
        for namespace in ("default", "k8s.io"):
            names = [ref for ref, d in self.image_digests(namespace).items() if d == digest]
            if names:
                self.ctr("--namespace", namespace, "images", "rm", "--sync", *names)

    def image_digests(self, namespace: str = "k8s.io") -> dict[str, str]:
        """ref -> manifest digest of what this runtime holds (what `crictl images` reads)."""
        listing = self.ctr("--namespace", namespace, "images", "ls").stdout.splitlines()[1:]
        return {line.split()[0]: line.split()[2] for line in listing if line.strip()}
