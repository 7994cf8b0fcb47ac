"""Node cache facts from the container runtime itself, not from `node.status.images`.

`node.status.images` is capped (`nodeStatusMaxImages`, 50 largest first), so small lab images
may be missing from it. The runtime's own list is what the kubelet consults: CRI
`ImageService/ListImages`, the call behind `crictl images`. Two ways in, one shape out:

- `list_images(socket)`: call ListImages over the CRI socket (this machine, or a node agent);
- `parse_crictl_json(text)`: read `crictl images -o json` (on kind:
  `docker exec NODE crictl images -o json`).

Both give crictl's JSON shape (`{"images": [{"id", "repoTags", "repoDigests", "size"}]}`),
and `cache_facts` turns it into the check engine's `nodes[name].cache`.
"""

from __future__ import annotations

import json
from pathlib import Path

from clusters.apiserver.protobuf import fields


def decode_list_images_response(data: bytes) -> dict:
    """runtime.v1.ListImagesResponse{images: 1 (Image{id: 1, repo_tags: 2, repo_digests: 3,
    size: 4})} (k8s.io/cri-api pkg/apis/runtime/v1/api.proto), as crictl prints it."""
    images = []
    for number, message in fields(data):
        if number != 1:
            continue
        image = {"id": "", "repoTags": [], "repoDigests": [], "size": "0"}
        for field, value in fields(message):
            if field == 1:
                image["id"] = value.decode()
            elif field == 2:
                image["repoTags"].append(value.decode())
            elif field == 3:
                image["repoDigests"].append(value.decode())
            elif field == 4:
                image["size"] = str(value)  # uint64 is a string in protobuf's JSON mapping
        images.append(image)
    return {"images": images}


def list_images(socket: Path, timeout_seconds: float = 10) -> dict:
    import grpc  # a dev dependency here; a node agent would bring its own

    with grpc.insecure_channel(f"unix://{socket}") as channel:
        call = channel.unary_unary("/runtime.v1.ImageService/ListImages")
        return decode_list_images_response(call(b"", timeout=timeout_seconds))


def parse_crictl_json(text: str) -> dict:
    return json.loads(text)


def cache_facts(listing: dict) -> list[str]:
    """Every name the node answers to: tags and repo digests (`repo@sha256:...`)."""
    names = set()
    for image in listing["images"]:
        names.update(image.get("repoTags") or [])
        names.update(image.get("repoDigests") or [])
    return sorted(names)


# Where kind's node image keeps crictl and containerd's socket. Other distributions differ;
# both are parameters.
KIND_CRICTL = "/usr/local/bin/crictl"
CONTAINERD_SOCKET = "/run/containerd/containerd.sock"


def node_images_pod(
    node: str,
    image: str,
    crictl: str = KIND_CRICTL,
    socket: str = CONTAINERD_SOCKET,
) -> dict:
    """A one-shot pod on `node` that prints `crictl images -o json` to its log.

    crictl is a static binary, so it runs from the node's own file in any image (even a
    FROM-scratch lab image). The platform creates it in its own namespace (hostPath needs the
    `privileged` Pod Security level, never a learner's namespace), reads the log with
    `read_namespaced_pod_log`, passes it to `parse_crictl_json`, and deletes the pod.
    """
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": "node-images-",
            "labels": {"pullpolicylabs.dev/role": "node-images"},
        },
        "spec": {
            "nodeName": node,
            "restartPolicy": "Never",
            "containers": [
                {
                    "name": "crictl",
                    "image": image,
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["/host/crictl"],
                    "args": ["--runtime-endpoint", f"unix://{socket}", "images", "-o", "json"],
                    "volumeMounts": [
                        {"name": "crictl", "mountPath": "/host/crictl", "readOnly": True},
                        {"name": "socket", "mountPath": socket},
                    ],
                }
            ],
            "volumes": [
                {"name": "crictl", "hostPath": {"path": crictl, "type": "File"}},
                {"name": "socket", "hostPath": {"path": socket, "type": "Socket"}},
            ],
        },
    }
