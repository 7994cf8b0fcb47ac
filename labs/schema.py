"""The JSON Schema of a lab's front matter: the contract in docs/lab-authoring.md."""

from typing import Any

from labs.nodeactions import NODE_ACTIONS

_ID = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}
_DURATION = {"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$"}
# The catalogue card's one line under the title: what the learner does and sees.
SUMMARY_MAX_LENGTH = 200

# A change to the world while the lab runs (docs/lab-authoring.md, "World actions").
_WORLD_CHANGE = {"type": "object", "minProperties": 1, "maxProperties": 1}

_ACTION = {
    "type": "object",
    "oneOf": [
        {"required": ["apply"], "properties": {"apply": {"type": "string", "minLength": 1}}},
        {"required": ["delete"], "properties": {"delete": {"type": "string", "minLength": 1}}},
        {"required": ["wait"], "properties": {"wait": _DURATION}},
        {"required": ["annotate"], "properties": {"annotate": {"type": "string", "minLength": 1}}},
        {"required": ["debug"], "properties": {"debug": {"type": "string", "minLength": 1}}},
        {"required": ["world"], "properties": {"world": _WORLD_CHANGE}},
    ],
    "minProperties": 1,
    "maxProperties": 1,
}

_STEP = {
    "type": "object",
    "required": ["id", "title", "text", "check"],
    "additionalProperties": False,
    "properties": {
        "id": _ID,
        "title": {"type": "string", "minLength": 1},
        "text": {"type": "string"},
        "check": {"type": "string", "minLength": 1},
        "hint": {"type": "string"},
        "explain": {"type": "string"},
        "source": {"type": "string"},
    },
}

# A ref resolved through the registries, or an image as it sits on the node (a stale digest).
_CACHE_ENTRY = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "required": ["ref"],
            "properties": {
                "ref": {"type": "string", "minLength": 1},
                "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
                "size": {"type": "integer", "minimum": 0},
                "last_used": _DURATION,
                "preloaded": {"type": "boolean"},
            },
        },
    ]
}

_NODE = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": _ID,
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "cache": {"type": "array", "items": _CACHE_ENTRY},
    },
}

_WORLD = {
    "type": "object",
    "required": ["nodes"],
    "properties": {
        "registries": {"type": "array", "items": {"type": "object", "required": ["host"]}},
        "nodes": {"type": "array", "minItems": 1, "items": _NODE},
        "kubelet": {"type": "object"},
        "secrets": {"type": "array", "items": {"type": "object"}},
        "objects": {"type": "array", "items": {"type": "object"}},
        "timeline": {"type": "array", "items": {"type": "object"}},
        "namespaces": {"type": "array"},
        "admission": {"type": "object"},
        "apiserver": {"type": "object"},
    },
}

LAB_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "title", "area", "level", "summary", "world", "steps", "solution"],
    "additionalProperties": False,
    "properties": {
        "id": _ID,
        "title": {"type": "string", "minLength": 1},
        "area": {"type": "integer", "minimum": 1, "maximum": 20},
        "level": {"enum": ["beginner", "intermediate", "advanced"]},
        "minutes": {"type": "integer", "minimum": 1},
        "summary": {"type": "string", "minLength": 1, "maxLength": SUMMARY_MAX_LENGTH},
        "world": _WORLD,
        "steps": {"type": "array", "minItems": 1, "items": _STEP},
        "solution": {"type": "array", "minItems": 1, "items": _ACTION},
        # World actions the learner may do from the session page's node panel.
        "node_actions": {
            "type": "array",
            "items": {"enum": list(NODE_ACTIONS)},
            "uniqueItems": True,
        },
        "wrong_paths": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "stays_open", "actions"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "stays_open": _ID,
                    "actions": {"type": "array", "minItems": 1, "items": _ACTION},
                },
            },
        },
    },
}
