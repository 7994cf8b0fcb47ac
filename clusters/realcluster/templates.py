"""Render the session namespace templates (platform/templates/session/*.yaml) for one session.

The files are plain Kubernetes YAML with one placeholder, `${session}`: the session's
namespace name. Rendering returns dicts in file order, ready for the official client.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import yaml

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "platform" / "templates" / "session"

# A namespace name is a DNS-1123 label (apimachinery validation.IsDNS1123Label).
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


class InvalidSessionName(ValueError):
    pass


def check_session_name(session: str) -> None:
    if len(session) > 63 or not _DNS1123_LABEL.fullmatch(session):
        # The API server's own wording for an invalid namespace name.
        raise InvalidSessionName(
            f'Namespace "{session}" is invalid: metadata.name: Invalid value: "{session}": '
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
            "or '-', and must start and end with an alphanumeric character"
        )


def render_session(session: str, templates_dir: Path = TEMPLATES_DIR) -> list[dict]:
    """Every object of one session, in the order the files are numbered (namespace first)."""
    check_session_name(session)
    objects = []
    for path in sorted(templates_dir.glob("*.yaml")):
        text = string.Template(path.read_text()).substitute(session=session)
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects
