"""Protobuf request bodies, as captured from kubectl v1.35.2's typed commands."""

from __future__ import annotations

import base64
import json

import pytest

from clusters.apiserver.protobuf import decode_body
from clusters.sim.errors import ApiError

# kubectl create deployment web --image=lab/web:1.0 --replicas=3 --port=8080
DEPLOYMENT = bytes.fromhex(
    "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412bd010a1f0a0377656212001a0022002a"
    "003200380042005a0a0a036170701203776562128b010803120c0a0a0a0361707012037765621a710a1c0a00"
    "12001a0022002a003200380042005a0a0a036170701203776562125112330a03776562120b6c61622f776562"
    "3a312e302a00320b0a00100018903f22002a0042006a007200800100880100900100a201001a00320042004a"
    "0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a"
    "002200"
)
# kubectl create secret docker-registry regcred --docker-server=docker.io --docker-username=u
#   --docker-password=p
SECRET = bytes.fromhex(
    "6b3873000a0c0a02763112065365637265741295010a170a077265676372656412001a0022002a0032003800"
    "4200125a0a112e646f636b6572636f6e6669676a736f6e12457b226175746873223a7b22646f636b65722e69"
    "6f223a7b22757365726e616d65223a2275222c2270617373776f7264223a2270222c2261757468223a226454"
    "7077227d7d7d1a1e6b756265726e657465732e696f2f646f636b6572636f6e6669676a736f6e1a002200"
)
# kubectl create configmap cm1 --from-literal=a=b
CONFIGMAP = bytes.fromhex(
    "6b3873000a0f0a0276311209436f6e6669674d6170121d0a130a03636d3112001a0022002a00320038004200"
    "12060a01611201621a002200"
)


def test_a_deployment_body_decodes_to_its_json_form() -> None:
    assert decode_body(DEPLOYMENT) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "lab/web:1.0", "ports": [{"containerPort": 8080}]}
                    ]
                },
            },
        },
    }


def test_a_docker_registry_secret_keeps_its_type_and_base64_data() -> None:
    secret = decode_body(SECRET)
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    config = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))
    assert config == {"auths": {"docker.io": {"username": "u", "password": "p", "auth": "dTpw"}}}


def test_a_configmap_keeps_its_data() -> None:
    assert decode_body(CONFIGMAP)["data"] == {"a": "b"}


def test_a_body_without_the_magic_is_a_400() -> None:
    with pytest.raises(ApiError) as caught:
        decode_body(b"{}")
    assert caught.value.code == 400
