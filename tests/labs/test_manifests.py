"""Quick checks in the web view: only what the API server cannot answer itself."""

import pytest

from labs.manifests import ManifestError, parse_manifest, pod_from_form


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
