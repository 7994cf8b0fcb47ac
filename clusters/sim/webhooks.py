"""The policy engines a lab world installs, as their validating webhooks and custom resources.

`world.admission` says what is installed: `{gatekeeper_templates: [K8sAllowedRepos, ...]}`
(Gatekeeper with those gatekeeper-library templates, so those constraint kinds exist) and
`{kyverno: true}` (Kyverno, so ClusterPolicy exists). A kind that is not installed is not
served, as on a cluster without its CRD. Installed engines review every create and update
except status writes, after the API server's own ValidatingAdmissionPolicy (the plugin order
puts ValidatingAdmissionPolicy before ValidatingAdmissionWebhook).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clusters.sim import errors, gatekeeper, kyverno
from clusters.sim.ids import rfc3339
from clusters.sim.kinds import GATEKEEPER_GROUP, GATEKEEPER_TYPES, KYVERNO_GROUP, ResourceType

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant


def install(t: Tenant, admission: dict[str, Any] | None) -> None:
    """Record what `world.admission` installs; unknown templates are a world error."""
    admission = dict(admission or {})
    known = {rtype.kind for rtype in GATEKEEPER_TYPES}
    for kind in admission.get("gatekeeper_templates") or []:
        if kind not in known:
            message = f"invalid world: admission: no gatekeeper-library template {kind!r}"
            raise errors.ApiError(errors.status_object(422, "Invalid", message))
    t.policy_engines = {
        "gatekeeper_templates": list(admission.get("gatekeeper_templates") or []),
        "kyverno": bool(admission.get("kyverno")),
    }
    if t.policy_engines["gatekeeper_templates"]:
        t.add_timer(gatekeeper.AUDIT_INTERVAL, "gatekeeper_audit")


def served(t: Tenant, rtype: ResourceType) -> bool:
    """Whether the tenant's cluster has this kind: built-in, or installed by the world."""
    if rtype.group == GATEKEEPER_GROUP:
        return rtype.kind in t.policy_engines.get("gatekeeper_templates", [])
    if rtype.group == KYVERNO_GROUP:
        return bool(t.policy_engines.get("kyverno"))
    return True


def prepare(t: Tenant, resource: str, obj: dict[str, Any]) -> None:
    """The CRD's defaults and what the engine's controller writes into a new policy's status
    (Kyverno's Ready condition and rule counts)."""
    if resource != "clusterpolicies":
        return
    spec = obj.setdefault("spec", {})
    for field in ("admission", "background"):  # the CRD schema's defaults
        spec.setdefault(field, True)
    rules = spec.get("rules") or []
    obj["status"] = {
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "Succeeded",
                "message": "Ready",
                "lastTransitionTime": rfc3339(t.clock.now()),
            }
        ],
        "rulecount": {
            "validate": sum(1 for r in rules if "validate" in r),
            "mutate": sum(1 for r in rules if "mutate" in r),
            "generate": sum(1 for r in rules if "generate" in r),
            "verifyimages": sum(1 for r in rules if "verifyImages" in r),
        },
    }


def review(t: Tenant, resource: str, obj: dict[str, Any], subresource: str = "") -> list[str]:
    """Each installed engine's webhook on a create or update: raise its denial, or return the
    warnings it sends back (the API server turns them into `Warning` headers)."""
    if subresource == "status":
        return []
    warnings: list[str] = []
    if t.policy_engines.get("gatekeeper_templates"):
        warnings += gatekeeper.review(t, resource, obj)
    if t.policy_engines.get("kyverno"):
        kyverno.review(t, resource, obj)
    return warnings
