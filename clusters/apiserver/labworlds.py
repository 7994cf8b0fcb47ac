"""The admin's one resource: `labworlds.sim.pullpolicylabs.dev/v1`, one tenant each.

Contract: docs/architecture.md, "The simulated cluster's contract".
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from clusters.apiserver.discovery import SIM_GROUP, SIM_VERSION
from clusters.sim import errors
from clusters.sim.ids import make_uid, rfc3339
from clusters.sim.simulator import Simulator
from clusters.sim.validation import validate_name
from clusters.sim.world import WORLD_CHANGES, WorldChangeRefused, apply_change
from clusters.sim.worldstatus import world_status

API_VERSION = f"{SIM_GROUP}/{SIM_VERSION}"


class LabWorlds:
    def __init__(self, simulator: Simulator, ca_pem: bytes | None = None) -> None:
        self.simulator = simulator
        self.ca_data = base64.b64encode(ca_pem).decode() if ca_pem else ""
        self.objects: dict[str, dict[str, Any]] = {}
        self.rv = 0

    def _not_found(self, name: str) -> errors.ApiError:
        return errors.not_found("labworlds", name, SIM_GROUP)

    def create(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be a LabWorld object")
        meta = body.get("metadata") or {}
        name = meta.get("name")
        problems = validate_name(name)
        if problems:
            raise errors.invalid_object("LabWorld", name or "", problems, SIM_GROUP)
        if name in self.objects or name in self.simulator.tenants:
            raise errors.already_exists("labworlds", name, SIM_GROUP)
        world = body.get("spec") or {}
        if not isinstance(world, dict):
            raise errors.invalid_object(
                "LabWorld", name, [errors.invalid("spec", world, "must be an object")], SIM_GROUP
            )
        token = secrets.token_urlsafe(32)
        try:
            self.simulator.create_tenant(name, world, token)
        except errors.ApiError:
            self.simulator.tenants.pop(name, None)
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            self.simulator.tenants.pop(name, None)
            raise errors.invalid_object(
                "LabWorld", name, [errors.invalid("spec", "", f"invalid world: {err}")], SIM_GROUP
            ) from err
        self.rv += 1
        now = self.simulator.clock.now()
        obj = {
            "apiVersion": API_VERSION,
            "kind": "LabWorld",
            "metadata": {
                "name": name,
                "uid": make_uid("labworlds", self.rv),
                "resourceVersion": str(self.rv),
                "creationTimestamp": rfc3339(now),
                "generation": 1,
                **({"labels": meta["labels"]} if meta.get("labels") else {}),
            },
            "spec": world,
            "status": {
                "token": token,
                "namespace": name,
                "phase": "Ready",
                # the serving CA, for a kubeconfig's certificate-authority-data
                **({"certificateAuthorityData": self.ca_data} if self.ca_data else {}),
            },
        }
        self.objects[name] = obj
        return obj

    def get(self, name: str) -> dict[str, Any]:
        obj = self.objects.get(name)
        if obj is None:
            raise self._not_found(name)
        return obj

    def get_live(self, name: str) -> dict[str, Any]:
        """The LabWorld with its world status (nodes, API server) computed from the tenant now."""
        obj = self.get(name)
        tenant = self.simulator.tenants[name]
        tenant.run_due()
        return {**obj, "status": {**obj["status"], **world_status(tenant)}}

    def change(self, name: str, body: Any) -> dict[str, Any]:
        """POST labworlds/{name}/changes: one world action, as a LabWorldChange.

        200 with `status.accepted` (false, and why, when the node or API server refuses it and
        keeps its old configuration); 422 naming the field when the change is malformed.
        """
        self.get(name)
        tenant = self.simulator.tenants[name]
        change = body.get("change") if isinstance(body, dict) else None
        problems = _change_problems(body, change)
        if problems:
            raise errors.invalid_object("LabWorldChange", name, problems, SIM_GROUP)
        (action,) = change
        tenant.run_due()  # the change lands at the tenant's now, after what was already due
        try:
            message, accepted = apply_change(tenant, change), True
        except WorldChangeRefused as refused:
            message, accepted = str(refused), False
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            field = f"change.{action}" + (f".{err.args[0]}" if isinstance(err, KeyError) else "")
            detail = "" if isinstance(err, KeyError) else str(err)
            problem = (
                errors.required(field, detail)
                if isinstance(err, KeyError)
                else (errors.invalid(field, "", detail))
            )
            raise errors.invalid_object("LabWorldChange", name, [problem], SIM_GROUP) from err
        return {
            "apiVersion": API_VERSION,
            "kind": "LabWorldChange",
            "metadata": {"name": name},
            "change": change,
            "status": {"accepted": accepted, "message": message},
        }

    def list(self) -> dict[str, Any]:
        return {
            "apiVersion": API_VERSION,
            "kind": "LabWorldList",
            "metadata": {"resourceVersion": str(self.rv)},
            "items": [self.objects[k] for k in sorted(self.objects)],
        }

    def delete(self, name: str) -> dict[str, Any]:
        obj = self.objects.pop(name, None)
        if obj is None:
            raise self._not_found(name)
        self.simulator.delete_tenant(name)
        self.rv += 1
        return obj


def _change_problems(body: Any, change: Any) -> list[errors.FieldError]:
    if not isinstance(body, dict) or body.get("kind", "LabWorldChange") != "LabWorldChange":
        return [
            errors.invalid(
                "kind",
                (body or {}).get("kind") if isinstance(body, dict) else "",
                "must be LabWorldChange",
            )
        ]
    if not isinstance(change, dict) or not change:
        return [errors.required("change", "one world action, e.g. {kubelet: {...}}")]
    if len(change) != 1:
        return [
            errors.invalid(
                "change",
                errors.GoLiteral(str(sorted(change))),
                "must hold exactly one world action",
            )
        ]
    (action,) = change
    if action not in WORLD_CHANGES:
        return [errors.not_supported("change", action, sorted(WORLD_CHANGES))]
    return []
