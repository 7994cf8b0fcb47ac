"""Gatekeeper's validating webhook for the gatekeeper-library image templates, without Rego.

What a constraint does is the library template's Rego, read at gatekeeper-library commit
c26151706646965a87a43a18192e558bddb5e09f (`library/general/<dir>/template.yaml`) and written
out here rule by rule:

- K8sAllowedRepos (allowedrepos): a container violates when no repo of `parameters.repos` is a
  string prefix of its image (`startswith(container.image, repo)`: `registry.corp.example`
  admits `registry.corp.example.evil.io/x`). Containers say `container <…>`, init containers
  `initContainer <…>`. No exempt images in this template.
- K8sDisallowedTags (disallowedtags): the image ends with `:<tag>` for a listed tag, or has no
  `:` at all (`not contains(container.image, ":")`, so `reg:5000/app` counts as tagged). Both
  kinds of containers say `container <…>`. Exempt images apply.
- K8sImageDigests (imagedigests): the image does not match
  `@[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+` anywhere (`re_match` searches). Exempt images
  apply; init containers say `initContainer <…>`.

Exempt images (`lib.exempt_container`): an entry ending in `*` is a prefix, any other entry
must equal the image. OPA's `sprintf("%v", array)` prints `["a", "b"]`.

The webhook (gatekeeper pkg/webhook/policy.go, validationHandler.Handle and
getValidationMessages): every result of a `deny` constraint becomes `[<constraint>] <msg>`,
joined with newlines, in a 403 Forbidden; results of `warn` constraints become warnings the
same way; `dryrun` results are only for audit. The API server words the denial
`admission webhook "validation.gatekeeper.sh" denied the request: <message>`
(apiserver webhookerrors.ToStatusErr). The webhook is registered for create and update, not
for the status subresource. A constraint's `spec.match` (pkg/target/matchcrd): `kinds`
(`apiGroups` × `kinds`, `*` for any), `scope`, `namespaces` / `excludedNamespaces` (a trailing
or leading `*` is a glob), `labelSelector`, `namespaceSelector`; cluster-scoped objects pass the
namespace rules.

Audit (`audit`, every 60 s) writes `status.totalViolations` and up to 20 `status.violations`.
Not modelled: other templates, `enforcementAction: scoped`, Gatekeeper's own config
exemptions, and the order of several violations, which here is containers then init
containers, constraints by kind then name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from clusters.sim import errors
from clusters.sim.ids import rfc3339
from clusters.sim.kinds import BY_PLURAL, EXTENSION_GROUPS, GATEKEEPER_GROUP, GATEKEEPER_TYPES
from clusters.sim.selectors import label_selector_matches

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant

WEBHOOK = "validation.gatekeeper.sh"
ENFORCEMENT_ACTIONS = ("deny", "dryrun", "warn")
_DIGEST = re.compile(r"@[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")

Container = dict[str, Any]
Rule = Callable[[Container, str, dict[str, Any]], list[str]]


def _opa_value(value: Any) -> str:
    """OPA's sprintf `%v`: strings as they are, anything else as a Rego term (`["a", "b"]`)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_opa_term(v) for v in value) + "]"
    return _opa_term(value)


def _opa_term(value: Any) -> str:
    if isinstance(value, list):
        return _opa_value(value)
    return json.dumps(value, ensure_ascii=False)


def _exempt(image: str, parameters: dict[str, Any]) -> bool:
    """lib.exempt_container.is_exempt."""
    for exemption in parameters.get("exemptImages") or []:
        if exemption.endswith("*") and image.startswith(exemption[:-1]):
            return True
        if not exemption.endswith("*") and exemption == image:
            return True
    return False


def _allowed_repos(container: Container, word: str, parameters: dict[str, Any]) -> list[str]:
    image, repos = container.get("image", ""), parameters.get("repos") or []
    if any(image.startswith(repo) for repo in repos):
        return []
    return [
        f"{word} <{container.get('name', '')}> has an invalid image repo <{image}>, "
        f"allowed repos are {_opa_value(repos)}"
    ]


def _disallowed_tags(container: Container, word: str, parameters: dict[str, Any]) -> list[str]:
    image, tags = container.get("image", ""), parameters.get("tags") or []
    if _exempt(image, parameters):
        return []
    name = container.get("name", "")
    found = []
    if any(image.endswith(":" + tag) for tag in tags):  # both rules say "container"
        found.append(
            f"container <{name}> uses a disallowed tag <{image}>; "
            f"disallowed tags are {_opa_value(tags)}"
        )
    if ":" not in image:
        found.append(f"container <{name}> didn't specify an image tag <{image}>")
    return found


def _image_digests(container: Container, word: str, parameters: dict[str, Any]) -> list[str]:
    image = container.get("image", "")
    if _exempt(image, parameters) or _DIGEST.search(image):
        return []
    return [f"{word} <{container.get('name', '')}> uses an image without a digest <{image}>"]


RULES: dict[str, Rule] = {
    "K8sAllowedRepos": _allowed_repos,
    "K8sDisallowedTags": _disallowed_tags,
    "K8sImageDigests": _image_digests,
}


# The `parameters` schema of each library template (its `openAPIV3Schema`, same commit) and
# the constraint framework's spec around it. Templates of `templates.gatekeeper.sh/v1` are
# structural: unknown parameters are pruned (refused under fieldValidation=Strict).
_STRINGS = {"type": "array", "items": {"type": "string"}}
PARAMETERS = {
    "K8sAllowedRepos": {"type": "object", "properties": {"repos": _STRINGS}},
    "K8sDisallowedTags": {
        "type": "object",
        "properties": {"exemptImages": _STRINGS, "tags": _STRINGS},
    },
    "K8sImageDigests": {"type": "object", "properties": {"exemptImages": _STRINGS}},
}


def constraint_spec_schema(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "enforcementAction": {"type": "string"},
            "match": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "parameters": PARAMETERS[kind],
        },
    }


def violations(kind: str, parameters: dict[str, Any], obj: dict[str, Any]) -> list[str]:
    """The template's `violation` messages for one reviewed object."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    rule = RULES[kind]
    found = []
    for key, word in (("containers", "container"), ("initContainers", "initContainer")):
        for container in spec.get(key) or []:
            if isinstance(container, dict):
                found.extend(rule(container, word, parameters))
    return found


def _glob(pattern: str, value: str) -> bool:
    """Gatekeeper's namespace wildcards: `kube-*` (prefix) or `*-system` (suffix)."""
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    return pattern == value


def matches(
    match: dict[str, Any], group: str, kind: str, obj: dict[str, Any], ns_labels: dict[str, str]
) -> bool:
    """A constraint's `spec.match` against the reviewed object."""
    kinds = match.get("kinds") or []
    if kinds and not any(
        ("*" in (k.get("apiGroups") or []) or group in (k.get("apiGroups") or []))
        and ("*" in (k.get("kinds") or []) or kind in (k.get("kinds") or []))
        for k in kinds
    ):
        return False
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace", "")
    scope = match.get("scope", "*")
    if (scope == "Cluster" and namespace) or (scope == "Namespaced" and not namespace):
        return False
    if namespace:
        if match.get("namespaces") and not any(_glob(p, namespace) for p in match["namespaces"]):
            return False
        if any(_glob(p, namespace) for p in match.get("excludedNamespaces") or []):
            return False
        if not label_selector_matches(match.get("namespaceSelector"), ns_labels):
            return False
    return label_selector_matches(match.get("labelSelector"), meta.get("labels") or {})


def validate_constraint(obj: dict[str, Any]) -> None:
    """The webhook's check of a constraint itself (validateConstraint, util
    ValidateEnforcementAction): an unknown action is an error the webhook answers with 500."""
    action = (obj.get("spec") or {}).get("enforcementAction")
    if action and action not in ENFORCEMENT_ACTIONS:
        message = (
            f'admission webhook "{WEBHOOK}" denied the request: unrecognized enforcementAction: '
            f"{json.dumps(action)} is not within the supported list "
            f"[{' '.join(ENFORCEMENT_ACTIONS)}]"
        )
        raise errors.ApiError(errors.status_object(500, "", message))


def review(t: Tenant, resource: str, obj: dict[str, Any]) -> list[str]:
    """Run every served constraint on a create or update; raise the webhook's denial, return
    the `warn` constraints' messages."""
    rtype = BY_PLURAL[resource]
    if rtype.group == GATEKEEPER_GROUP:
        validate_constraint(obj)
        return []
    namespace = (obj.get("metadata") or {}).get("namespace", "")
    ns_obj = t.store.get("namespaces", "", namespace) if namespace else None
    ns_labels = ((ns_obj or {}).get("metadata") or {}).get("labels") or {}
    denied, warned = [], []
    for ctype in GATEKEEPER_TYPES:
        for constraint in t.store.list(ctype.plural):
            spec = constraint.get("spec") or {}
            if not matches(spec.get("match") or {}, rtype.group, rtype.kind, obj, ns_labels):
                continue
            action = spec.get("enforcementAction") or "deny"
            name = constraint["metadata"]["name"]
            for message in violations(ctype.kind, spec.get("parameters") or {}, obj):
                if action == "deny":
                    denied.append(f"[{name}] {message}")
                elif action == "warn":
                    warned.append(f"[{name}] {message}")
    if denied:
        text = f'admission webhook "{WEBHOOK}" denied the request: ' + "\n".join(denied)
        raise errors.ApiError(errors.status_object(403, "Forbidden", text))
    return warned


# Gatekeeper's audit (pkg/audit/manager.go): every --audit-interval (60 s) it reviews the
# objects already in the cluster against every constraint, whatever its action, and writes
# `status.auditTimestamp`, `status.totalViolations` and the first --constraint-violations-limit
# (20) `status.violations`.
AUDIT_INTERVAL = 60.0
VIOLATIONS_LIMIT = 20


def audit(t: Tenant, _: Any = None) -> None:
    stamp = rfc3339(t.clock.now())
    for ctype in GATEKEEPER_TYPES:
        for constraint in t.store.list(ctype.plural):
            spec = constraint.get("spec") or {}
            found = []
            for resource, rtype in BY_PLURAL.items():
                if rtype.group in EXTENSION_GROUPS or resource == "events":
                    continue
                for obj in t.store.list(resource):
                    namespace = obj["metadata"].get("namespace", "")
                    ns_obj = t.store.get("namespaces", "", namespace) if namespace else None
                    labels = ((ns_obj or {}).get("metadata") or {}).get("labels") or {}
                    if not matches(spec.get("match") or {}, rtype.group, rtype.kind, obj, labels):
                        continue
                    for message in violations(ctype.kind, spec.get("parameters") or {}, obj):
                        entry = {
                            "enforcementAction": spec.get("enforcementAction") or "deny",
                            "group": rtype.group,
                            "version": rtype.version,
                            "kind": rtype.kind,
                            "name": obj["metadata"]["name"],
                            "message": message,
                        }
                        if namespace:
                            entry["namespace"] = namespace
                        found.append(entry)
            status = {
                **(constraint.get("status") or {}),
                "auditTimestamp": stamp,
                "totalViolations": len(found),
                "violations": found[:VIOLATIONS_LIMIT],
            }
            t.store.replace(
                ctype.plural,
                {**constraint, "metadata": dict(constraint["metadata"]), "status": status},
            )
    t.add_timer(AUDIT_INTERVAL, "gatekeeper_audit")
