"""Wrong JSON types anywhere in an object get a 400 or 422 in the API server's words, never a 500.

A table-driven fuzz: every field of a full Pod, Deployment, Job, DaemonSet and CronJob, replaced
by a value of each other JSON type, is sent as a create (POST), an update (PUT) and a JSON merge
patch (PATCH). kube-apiserver decodes with encoding/json, so a wrong type is `400 BadRequest` with
`json: cannot unmarshal ...` (apimachinery/pkg/runtime/serializer/json); a right type with a
wrong value is `422 Invalid`.
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
FULL_DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "fuzz", "labels": {"app": "web"}},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "lab/web:1.0"}]},
        },
    },
}
FULL_JOB: dict[str, Any] = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "fuzz"},
    "spec": {
        "backoffLimit": 1,
        "template": {
            "spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "web", "image": "lab/web:1.0"}],
            }
        },
    },
}
FULL_DAEMONSET: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "DaemonSet",
    "metadata": {"name": "fuzz"},
    "spec": {
        "selector": {"matchLabels": {"app": "d"}},
        "template": {
            "metadata": {"labels": {"app": "d"}},
            "spec": {"containers": [{"name": "web", "image": "lab/web:1.0"}]},
        },
    },
}
FULL_CRONJOB: dict[str, Any] = {
    "apiVersion": "batch/v1",
    "kind": "CronJob",
    "metadata": {"name": "fuzz"},
    "spec": {
        "schedule": "*/5 * * * *",
        "concurrencyPolicy": "Forbid",
        "successfulJobsHistoryLimit": 1,
        "jobTemplate": {"spec": FULL_JOB["spec"]},
    },
}
# (URL path under the namespace, the full object) for each kind fuzzed.
KINDS = {
    "pod": ("/api/v1/namespaces/{ns}/pods", FULL_POD),
    "deployment": ("/apis/apps/v1/namespaces/{ns}/deployments", FULL_DEPLOYMENT),
    "job": ("/apis/batch/v1/namespaces/{ns}/jobs", FULL_JOB),
    "daemonset": ("/apis/apps/v1/namespaces/{ns}/daemonsets", FULL_DAEMONSET),
    "cronjob": ("/apis/batch/v1/namespaces/{ns}/cronjobs", FULL_CRONJOB),
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


def _replaced(full: dict[str, Any], path: tuple, new: Any) -> dict[str, Any]:
    body = copy.deepcopy(full)
    holder = body
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = new
    return body


def _value_at(full: dict[str, Any], path: tuple) -> Any:
    value: Any = full
    for key in path:
        value = value[key]
    return value


# Every field below the top of each kind, with each JSON type it does not have. metadata.name
# stays, so the body remains addressable by the URL.
CASES = [
    (kind, path, json_type)
    for kind, (_, full) in KINDS.items()
    for path in _paths(full)
    if path and path != ("metadata", "name")
    for json_type in WRONG
    if json_type != _json_type(_value_at(full, path))
]


@pytest.fixture(scope="module")
def http(sim) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """A client with a learner's token, and the collection URL of each kind, where an object
    named `fuzz` of that kind exists (the target of PUT and PATCH)."""
    world = create_labworld(sim)
    token, ns = world["status"]["token"], world["status"]["namespace"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(
        base_url=sim.url,
        headers=headers,
        verify=ssl.create_default_context(cafile=str(sim.ca_file)),
    ) as client:
        urls = {kind: url.format(ns=ns) for kind, (url, _) in KINDS.items()}
        for kind, (_, full) in KINDS.items():
            created = client.post(urls[kind], json=full)
            assert created.status_code == 201, created.text
        yield client, urls


def _assert_refused_in_kube_words(answer: httpx.Response, path: tuple, verb: str) -> None:
    assert answer.status_code != 500, f"{verb} {'.'.join(map(str, path))}: {answer.text}"
    if answer.status_code >= 400:
        status = answer.json()
        assert status["kind"] == "Status" and status["status"] == "Failure"
        assert status["code"] == answer.status_code and status["message"]


@pytest.mark.parametrize(
    "kind,path,json_type",
    CASES,
    ids=[f"{k}:{'.'.join(map(str, p))}={t}" for k, p, t in CASES],
)
def test_a_wrong_type_is_never_a_500(http, kind: str, path: tuple, json_type: str) -> None:
    client, urls = http
    body = _replaced(KINDS[kind][1], path, WRONG[json_type])
    _assert_refused_in_kube_words(client.post(urls[kind], json=body), path, "POST")
    _assert_refused_in_kube_words(client.put(f"{urls[kind]}/fuzz", json=body), path, "PUT")
    patch = client.patch(
        f"{urls[kind]}/fuzz",
        content=json.dumps({k: v for k, v in body.items() if k not in ("apiVersion", "kind")}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    _assert_refused_in_kube_words(patch, path, "PATCH")


@pytest.mark.parametrize("spec", ["a string", 7, True, ["x"], None])
def test_a_pod_whose_spec_is_not_an_object_is_a_400_in_go_words(http, spec: Any) -> None:
    client, urls = http
    answer = client.post(urls["pod"], json={**FULL_POD, "metadata": {"name": "s"}, "spec": spec})
    if spec is None:  # null is an empty PodSpec to encoding/json: then validation refuses it
        assert answer.status_code == 422
        return
    assert answer.status_code == 400, answer.text
    assert answer.json()["message"].startswith(
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal '
        f"{_json_type(spec)} into Go struct field Pod.spec of type v1.PodSpec"
    )


def test_a_deployment_with_a_bad_max_surge_is_invalid_in_the_api_servers_words(http) -> None:
    # pkg/apis/apps/validation ValidatePositiveIntOrPercent; validation.IsValidPercent. It used
    # to be stored, and then the deployment controller failed on every tick.
    client, urls = http
    body = copy.deepcopy(FULL_DEPLOYMENT)
    body["metadata"]["name"] = "surge"
    body["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = "x"
    answer = client.post(urls["deployment"], json=body)
    assert answer.status_code == 422
    assert answer.json()["message"] == (
        'Deployment.apps "surge" is invalid: spec.strategy.rollingUpdate.maxSurge: Invalid value: '
        'intstr.IntOrString{Type:1, IntVal:0, StrVal:"x"}: a valid percent string must be a '
        "numeric string followed by an ending '%' (e.g. '1%', or '93%', regex used for "
        "validation is '[0-9]+%')"
    )


def test_a_malformed_quantity_is_a_400_before_any_unknown_field(http) -> None:
    """runtime/serializer/json Decode: a body that does not decode is refused with the
    decoder's error (Quantity.UnmarshalJSON's, apimachinery resource/quantity.go), and strict
    decoding's unknown fields are reported only for a body that decoded."""
    client, urls = http
    body = copy.deepcopy(FULL_POD)
    body["metadata"]["name"] = "bad-cpu"
    body["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "abc"}}
    body["spec"]["containers"][0]["imagePullPolice"] = "Always"
    answer = client.post(urls["pod"], params={"fieldValidation": "Strict"}, json=body)
    assert answer.status_code == 400, answer.text
    status = answer.json()
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "BadRequest", 400)
    assert status["message"] == (
        'Pod in version "v1" cannot be handled as a Pod: quantities must match the regular '
        "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )
    put = client.put(f"{urls['pod']}/fuzz", json={**body, "metadata": {"name": "fuzz"}})
    assert put.status_code == 400 and "quantities must match" in put.json()["message"]
