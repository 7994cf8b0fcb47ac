"""clusters.actions: what a learner's page and a lab's solution both send, like kubectl does.

Against an in-process simulator (the API server answers), through the official client.
"""

import json

import pytest

from clusters import actions
from clusters.apiserver.testing import running_simulator
from clusters.kube import api_client_from_kubeconfig

WORLD = {"nodes": [{"name": "node-1"}, {"name": "node-2"}]}


def pod(name: str, image: str = "lab/web:1.0", node: str = "node-1", **labels) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": "web"}},
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": image}]},
    }


@pytest.fixture(scope="module")
def cluster():
    with running_simulator() as sim:
        yield sim


@pytest.fixture
def kubeconfig(cluster, request) -> dict:
    name = f"act-{abs(hash(request.node.name)) % 10**8}"
    world = cluster.create_world(name, WORLD)
    return cluster.kubeconfig(world["token"], name)


def read_pod(kubeconfig: dict, name: str) -> dict:
    from kubernetes.client import CoreV1Api

    with api_client_from_kubeconfig(kubeconfig) as api:
        namespace = kubeconfig["contexts"][0]["context"]["namespace"]
        response = CoreV1Api(api).read_namespaced_pod(name, namespace, _preload_content=False)
        return json.loads(response.data)


def test_apply_creates_then_updates_and_records_what_was_sent(kubeconfig):
    assert actions.apply_manifest(kubeconfig, pod("web")).message == "pod/web created"
    assert actions.apply_manifest(kubeconfig, pod("web")).message == "pod/web unchanged"
    changed = pod("web", image="lab/web:2.0")
    assert actions.apply_manifest(kubeconfig, changed).message == "pod/web configured"
    stored = read_pod(kubeconfig, "web")
    assert stored["spec"]["containers"][0]["image"] == "lab/web:2.0"
    # kubectl's annotation holds the manifest as written: no defaulted imagePullPolicy in it.
    recorded = json.loads(stored["metadata"]["annotations"][actions.LAST_APPLIED])
    assert recorded == changed


def test_apply_words_a_refusal_as_the_api_server_does(kubeconfig):
    bad = pod("bad")
    bad["spec"]["containers"][0]["imagePullPolicy"] = "always"
    answer = actions.apply_manifest(kubeconfig, bad)
    assert not answer.ok
    assert 'Unsupported value: "always"' in answer.message


@pytest.mark.parametrize(
    ("args", "deleted"),
    [
        pytest.param("a", ["a"], id="bare-name-is-a-pod"),
        pytest.param("pod/b", ["b"], id="type-slash-name"),
        pytest.param("pods a c", ["a", "c"], id="several-names"),
        pytest.param("pods -l app=web --field-selector spec.nodeName=node-2", ["c"],
                     id="label-and-field-selector"),
        pytest.param("pods --all", ["a", "b", "c"], id="all"),
    ],
)  # fmt: skip
def test_delete_takes_kubectl_arguments_and_names_what_it_deleted(kubeconfig, args, deleted):
    for name, node in (("a", "node-1"), ("b", "node-1"), ("c", "node-2")):
        actions.apply_manifest(kubeconfig, pod(name, node=node))
    answer = actions.delete(kubeconfig, args)
    assert answer.ok, answer.message
    assert sorted(t.name for t in answer.targets) == deleted
    assert answer.message.splitlines() == [f'pod "{name}" deleted' for name in deleted]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param("widgets x", 'the server doesn\'t have a resource type "widgets"',
                     id="unknown-type"),
        pytest.param("pods", "no name was specified", id="no-name"),
        pytest.param("pods -l", "flag needs an argument: -l", id="flag-without-value"),
        pytest.param("pod nope", 'pods "nope" not found', id="missing-object"),
    ],
)  # fmt: skip
def test_delete_refusals_are_in_kubectls_or_the_servers_words(kubeconfig, args, message):
    answer = actions.delete(kubeconfig, args)
    assert not answer.ok and message in answer.message


def test_annotate_by_selector_sets_and_removes_annotations(kubeconfig):
    actions.apply_manifest(kubeconfig, pod("a", node="node-1"))
    actions.apply_manifest(kubeconfig, pod("b", node="node-2"))
    answer = actions.annotate(
        kubeconfig, "pods -l app=web --field-selector spec.nodeName=node-2 lab/stale=true"
    )
    assert answer.message == "pod/b annotated"
    assert read_pod(kubeconfig, "b")["metadata"]["annotations"]["lab/stale"] == "true"
    assert "lab/stale" not in read_pod(kubeconfig, "a")["metadata"].get("annotations", {})
    actions.annotate(kubeconfig, "pod b lab/stale-")
    assert "lab/stale" not in read_pod(kubeconfig, "b")["metadata"]["annotations"]


def test_debug_adds_an_ephemeral_container(kubeconfig):
    actions.apply_manifest(kubeconfig, pod("app"))
    answer = actions.debug(
        kubeconfig,
        "pod/app --image=busybox:1.36 --image-pull-policy=Never --container=dbg -- sleep 3600",
    )
    assert answer.ok, answer.message
    (container,) = read_pod(kubeconfig, "app")["spec"]["ephemeralContainers"]
    assert container["name"] == "dbg" and container["imagePullPolicy"] == "Never"
    assert container["command"] == ["sleep", "3600"]
