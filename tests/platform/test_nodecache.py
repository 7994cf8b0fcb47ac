"""Node cache facts read from the runtime (CRI ListImages), the source `crictl images` uses."""

from kubernetes import client

from clusters.realcluster.images import load_catalog
from clusters.realcluster.localworld import LocalWorld
from clusters.realcluster.nodecache import (
    cache_facts,
    list_images,
    node_images_pod,
    parse_crictl_json,
)

CATALOG = load_catalog()["images"]

# The shape `crictl images -o json` prints (cri-tools cmd/crictl/image.go, protobuf JSON of
# runtime.v1.Image): size is a string, empty lists may be null.
CRICTL_OUTPUT = """{"images": [{"id": "sha256:62fc57e3", "repoTags": ["docker.io/lab/web:1.0"],
 "repoDigests": ["docker.io/lab/web@sha256:264df890"], "size": "10874", "uid": null,
 "username": "", "spec": null, "pinned": false},
 {"id": "sha256:aaaa", "repoTags": null, "repoDigests": ["docker.io/lab/old@sha256:bbbb"],
 "size": "1", "uid": null, "username": "", "spec": null, "pinned": false}]}"""


def test_a_cri_pull_shows_in_the_runtimes_list_with_tag_and_digest(world: LocalWorld):
    ref = f"{world.public.host}/lab/crash:2.0"
    assert world.containerd.cri_pull(ref).ok
    listing = list_images(world.containerd.socket)
    [image] = [i for i in listing["images"] if ref in i["repoTags"]]
    digest = CATALOG["lab/crash:2.0"]["digest"]
    assert image["repoDigests"] == [f"{world.public.host}/lab/crash@{digest}"]
    assert image["id"] == CATALOG["lab/crash:2.0"]["image_id"]
    assert int(image["size"]) == CATALOG["lab/crash:2.0"]["size"]
    assert {ref, f"{world.public.host}/lab/crash@{digest}"} <= set(cache_facts(listing))


def test_crictl_json_gives_the_same_facts():
    facts = cache_facts(parse_crictl_json(CRICTL_OUTPUT))
    assert facts == [
        "docker.io/lab/old@sha256:bbbb",
        "docker.io/lab/web:1.0",
        "docker.io/lab/web@sha256:264df890",
    ]


def test_the_node_images_pod_is_a_valid_pod_pinned_to_its_node():
    manifest = node_images_pod("pull-policy-labs-worker", "localhost:5001/lab/web:1.0")
    api = client.ApiClient()
    model = api._ApiClient__deserialize(manifest, "V1Pod")
    assert api.sanitize_for_serialization(model) == manifest
    assert model.spec.node_name == "pull-policy-labs-worker"
    assert model.spec.containers[0].args[-3:] == ["images", "-o", "json"]


def test_the_node_images_pod_runs_crictl_against_the_given_socket():
    manifest = node_images_pod("n", "img", crictl="/usr/bin/crictl", socket="/run/k3s/c.sock")
    [container] = manifest["spec"]["containers"]
    assert container["args"][:2] == ["--runtime-endpoint", "unix:///run/k3s/c.sock"]
    paths = {v["hostPath"]["path"] for v in manifest["spec"]["volumes"]}
    assert paths == {"/usr/bin/crictl", "/run/k3s/c.sock"}
