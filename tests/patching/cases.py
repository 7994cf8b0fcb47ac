"""The shape the patch tables share: a live object, a patch, and what the result must hold."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PatchCase:
    id: str
    obj: str  # the live object, as YAML
    patch: str | dict  # YAML text or a decoded body
    # (dotted path, expected value) pairs: what the patch must have changed or kept.
    expect: tuple[tuple[str, object], ...]


def value_at(obj: object, dotted: str) -> object:
    """The value at `spec.containers.0.image`, or None when the path is missing."""
    for part in dotted.split("."):
        if isinstance(obj, list):
            index = int(part)
            obj = obj[index] if index < len(obj) else None
        else:
            obj = obj.get(part) if isinstance(obj, dict) else None
    return obj
