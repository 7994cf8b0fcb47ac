"""Render the session namespace templates (platform/templates/session/*.yaml) for one session.

The files are plain Kubernetes YAML with one placeholder, `${session}`: the session's
namespace name. Rendering returns dicts in file order, ready for the official client.
"""

from __future__ import annotations

import string
from pathlib import Path

import yaml

from clusters.sim.names import DNS1123_LABEL_MESSAGE, DNS1123_LABEL_RE

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "platform" / "templates" / "session"


class InvalidSessionName(ValueError):
    pass


def check_session_name(session: str) -> None:
    # A namespace name is a DNS-1123 label (apimachinery validation.IsDNS1123Label).
    if len(session) > 63 or not DNS1123_LABEL_RE.match(session):
        # The API server's own wording for an invalid namespace name.
        raise InvalidSessionName(
            f'Namespace "{session}" is invalid: metadata.name: Invalid value: "{session}": '
            + DNS1123_LABEL_MESSAGE
        )


def render_session(session: str, templates_dir: Path = TEMPLATES_DIR) -> list[dict]:
    """Every object of one session, in the order the files are numbered (namespace first)."""
    check_session_name(session)
    objects = []
    for path in sorted(templates_dir.glob("*.yaml")):
        text = string.Template(path.read_text()).substitute(session=session)
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects
