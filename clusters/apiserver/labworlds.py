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
