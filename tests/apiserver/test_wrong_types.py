"""Wrong JSON types anywhere in a Pod get a 400 or 422 in the API server's words, never a 500.

A table-driven fuzz: every field of a full Pod, replaced by a value of each other JSON type, is
sent as a create (POST), an update (PUT) and a JSON merge patch (PATCH). kube-apiserver decodes
with encoding/json, so a wrong type is `400 BadRequest` with `json: cannot unmarshal ...`
(apimachinery/pkg/runtime/serializer/json); a right type with a wrong value is `422 Invalid`.
"""

from __future__ import annotations

import copy
import json
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.apiserver.conftest import create_labworld

FULL_POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "fuzz", "labels": {"app": "web"}, "annotations": {"a": "b"}},
    "spec": {
        "nodeName": "node-1",
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "imagePullSecrets": [{"name": "regcred"}],
        "nodeSelector": {"kubernetes.io/hostname": "node-1"},
        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
        "initContainers": [{"name": "init", "image": "lab/web:1.0"}],
        "containers": [
            {
                "name": "web",
                "image": "lab/web:1.0",
                "imagePullPolicy": "IfNotPresent",
                "command": ["sh"],
                "args": ["-c", "true"],
                "env": [{"name": "A", "value": "1"}],
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "resources": {"limits": {"cpu": "100m"}},
                "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5},
            }
        ],
    },
}
WRONG = {
    "string": "x",
    "number": 7,
    "bool": True,
    "array": ["x"],
    "object": {"x": "y"},
    "null": None,  # encoding/json: the zero value
}


def _json_type(value: Any) -> str:
    kinds = {str: "string", bool: "bool", int: "number", list: "array", dict: "object"}
    return kinds.get(type(value), "null")


def _paths(value: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replaced(path: tuple, new: Any) -> dict[str, Any]:
    body = copy.deepcopy(FULL_POD)
    holder = body
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = new
    return body


def _value_at(path: tuple) -> Any:
    value: Any = FULL_POD
    for key in path:
        value = value[key]
    return value


# Every field below the top, with each JSON type it does not have. metadata.name stays, so
# the body remains addressable by the URL.
CASES = [
    (path, kind)
    for path in _paths(FULL_POD)
    if path and path != ("metadata", "name")
    for kind in WRONG
    if kind != _json_type(_value_at(path))
]


@pytest.fixture(scope="module")
def http(sim) -> Iterator[tuple[httpx.Client, str]]:
    world = create_labworld(sim)
    token, ns = world["status"]["token"], world["status"]["namespace"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(
        base_url=sim.url,
        headers=headers,
        verify=ssl.create_default_context(cafile=str(sim.ca_file)),
    ) as client:
        created = client.post(f"/api/v1/namespaces/{ns}/pods", json=FULL_POD)
        assert created.status_code == 201, created.text
        yield client, f"/api/v1/namespaces/{ns}/pods"


def _assert_refused_in_kube_words(answer: httpx.Response, path: tuple, verb: str) -> None:
    assert answer.status_code != 500, f"{verb} {'.'.join(map(str, path))}: {answer.text}"
    if answer.status_code >= 400:
        status = answer.json()
        assert status["kind"] == "Status" and status["status"] == "Failure"
        assert status["code"] == answer.status_code and status["message"]


@pytest.mark.parametrize("path,kind", CASES, ids=[f"{'.'.join(map(str, p))}={k}" for p, k in CASES])
def test_a_wrong_type_is_never_a_500(http, path: tuple, kind: str) -> None:
    client, pods = http
    body = _replaced(path, WRONG[kind])
    _assert_refused_in_kube_words(client.post(pods, json=body), path, "POST")
    _assert_refused_in_kube_words(client.put(f"{pods}/fuzz", json=body), path, "PUT")
    patch = client.patch(
        f"{pods}/fuzz",
        content=json.dumps({k: v for k, v in body.items() if k not in ("apiVersion", "kind")}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    _assert_refused_in_kube_words(patch, path, "PATCH")


@pytest.mark.parametrize("spec", ["a string", 7, True, ["x"], None])
def test_a_pod_whose_spec_is_not_an_object_is_a_400_in_go_words(http, spec: Any) -> None:
    client, pods = http
    answer = client.post(pods, json={**FULL_POD, "metadata": {"name": "s"}, "spec": spec})
    if spec is None:  # null is an empty PodSpec to encoding/json: then validation refuses it
        assert answer.status_code == 422
        return
    assert answer.status_code == 400, answer.text
    assert answer.json()["message"].startswith(
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal '
        f"{_json_type(spec)} into Go struct field Pod.spec of type v1.PodSpec"
    )
