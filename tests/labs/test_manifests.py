"""Quick checks in the web view: only what the API server cannot answer itself."""

import pytest
import yaml

from labs.manifests import (
    ManifestError,
    parse_manifest,
    pod_from_form,
    starter_image,
    starter_manifest,
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The manifest is empty."),
        ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [p\n", "error parsing YAML: line 5"),
        ("kind: Pod\n  bad: indent\n", "error parsing YAML: line 2, column 6"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("kind: Pod\n", "apiVersion not set"),  # kubectl's own words
        ("apiVersion: v1\n", "kind not set"),
        ("apiVersion: 1\nkind: Pod\n", "apiVersion must be a string"),
        ("apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\n", "one object at a time"),
    ],
)
def test_bad_text_gets_a_message_with_the_line(text: str, message: str):
    with pytest.raises(ManifestError, match=message.replace("[", r"\[")):
        parse_manifest(text)


def test_a_good_manifest_parses():
    assert parse_manifest("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n")["kind"] == "Pod"


def test_the_form_leaves_the_default_policy_and_node_to_the_cluster():
    pod = pod_from_form(name=" p-x ", image="lab/web:1.0", policy="", node="")
    assert pod == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p-x"},
        "spec": {"containers": [{"name": "main", "image": "lab/web:1.0"}]},
    }


def test_the_form_sets_policy_and_node_when_chosen():
    pod = pod_from_form(name="p", image="lab/web:1.0", policy="Never", node="node-2")
    assert pod["spec"]["nodeName"] == "node-2"
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Never"


def registry(host: str, *repositories: tuple[str, list[str]]) -> dict:
    return {
        "host": host,
        "repositories": [{"name": n, "tags": dict.fromkeys(tags, {})} for n, tags in repositories],
    }


@pytest.mark.parametrize(
    ("world", "names", "image"),
    [
        pytest.param(
            {"registries": [registry("docker.io", ("lab/web", ["1.0", "2.0"]))]},
            [],
            "lab/web:1.0",
            id="Docker Hub: as a lab writes it, first tag",
        ),
        pytest.param(
            {"registries": [registry("docker.io", ("library/nginx", ["1.27"]))]},
            [],
            "nginx:1.27",
            id="Docker Hub official image: no library/",
        ),
        pytest.param(
            {"registries": [registry("registry.corp.example", ("team/app", ["1.0"]))]},
            [],
            "registry.corp.example/team/app:1.0",
            id="another registry: with its host",
        ),
        pytest.param(
            {"registries": [registry("docker.io", ("lab/web", ["1.0"]))]},
            [("lab/web", "localhost:5001/s-1/lab/web")],
            "localhost:5001/s-1/lab/web:1.0",
            id="a shared real cluster: the session's own name",
        ),
        pytest.param(
            {"nodes": [{"name": "n", "cache": [{"ref": "app:dev", "digest": "sha256:x"}]}]},
            [],
            "app:dev",
            id="no registry: an image side-loaded into a node",
        ),
        pytest.param({"nodes": [{"name": "n"}]}, [], "", id="nothing to offer"),
    ],
)
def test_the_starter_image_is_the_worlds_first(world, names, image):
    assert starter_image(world, names) == image


def test_the_starter_manifest_is_a_pod_that_leaves_the_policy_to_the_learner():
    pod = yaml.safe_load(starter_manifest("nginx:1.27"))
    assert pod["kind"] == "Pod"
    assert pod["spec"]["containers"] == [{"name": "main", "image": "nginx:1.27"}]
