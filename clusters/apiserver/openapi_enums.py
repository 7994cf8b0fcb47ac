"""Enum values that the kept definitions lost, restored for the fields the labs teach.

A real v1.35 API server publishes, for each field of a Go `+enum` type, an `enum` list and a
"Possible enum values" paragraph built from the constants' comments; `kubectl explain` prints
both (an `ENUM:` block, then the paragraph). The generators behind the kept packages
(`kubernetes-validate`, and the official client's models too) drop them. No kept package has
them, so the ones for the image pull policy, the subject of every lab, are restored here,
verbatim from k8s.io/api/core/v1/types.go (`type PullPolicy` and its constants).
"""

from __future__ import annotations

from clusters.sim.patching_schema import JSONSchema

PULL_POLICY_VALUES = ["Always", "IfNotPresent", "Never"]
PULL_POLICY_PARAGRAPH = (
    "\n\nPossible enum values:\n"
    ' - `"Always"` means that kubelet always attempts to pull the latest image. Container will '
    "fail If the pull fails.\n"
    ' - `"IfNotPresent"` means that kubelet pulls if the image isn\'t present on disk. Container '
    "will fail if the image isn't present and the pull fails.\n"
    ' - `"Never"` means that kubelet never pulls an image, but only uses a local image. '
    "Container will fail if the image isn't present"
)

# (definition, property) -> (enum values, paragraph appended to the description)
RESTORED_ENUMS = {
    ("io.k8s.api.core.v1.Container", "imagePullPolicy"): (
        PULL_POLICY_VALUES,
        PULL_POLICY_PARAGRAPH,
    ),
    ("io.k8s.api.core.v1.EphemeralContainer", "imagePullPolicy"): (
        PULL_POLICY_VALUES,
        PULL_POLICY_PARAGRAPH,
    ),
}


def restore_enums(name: str, schema: JSONSchema) -> JSONSchema:
    """The definition `name` (already in OpenAPI form) with its restored enums, if any."""
    for (definition, prop), (values, paragraph) in RESTORED_ENUMS.items():
        if definition != name or prop not in schema.get("properties", {}):
            continue
        field = dict(schema["properties"][prop])
        field["enum"] = list(values)
        field["description"] = field.get("description", "") + paragraph
        schema = {**schema, "properties": {**schema["properties"], prop: field}}
    return schema
