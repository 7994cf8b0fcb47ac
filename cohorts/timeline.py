"""One line of plain words per session event, for the trainer's per-learner timeline (pure)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cohorts.stuck import event_problem, failed_condition


@dataclass(frozen=True)
class Line:
    seq: int
    kind: str
    text: str
    tone: str  # "ok", "warning" or "" (plain)
    at: datetime | None = None  # when the platform recorded it


def describe(seq: int, kind: str, payload: dict[str, Any], at: datetime | None = None) -> Line:
    tone = "warning" if event_problem(kind, payload) else ""
    if kind == "pod":
        summary = payload.get("summary") or {}
        node = f" on {summary['node']}" if summary.get("node") else ""
        text = f"pod {summary.get('name', '?')}: {summary.get('status', '?')}{node}"
        if problem := event_problem(kind, payload):
            text += f" ({problem.message.split(': ', 1)[-1]})"
    elif kind == "event":
        event = payload.get("event") or {}
        count = f" (x{event['count']})" if event.get("count", 1) > 1 else ""
        text = f"{event.get('type', '')} {event.get('reason', '')} {event.get('kind', '')}/"
        text += f"{event.get('name', '')}: {event.get('message', '')}{count}"
        tone = "warning" if event.get("type") == "Warning" else ""
    elif kind == "object":
        obj, key = payload.get("object") or {}, payload.get("key", "?")
        if payload.get("watch") == "DELETED":
            text = f"{key} deleted"
        else:
            generation = (obj.get("metadata") or {}).get("generation")
            text = f"{key} changed" + (f" (generation {generation})" if generation else "")
            if failure := failed_condition(obj):
                text += f": {failure}"
                tone = "warning"
    elif kind == "node":
        facts = payload.get("facts") or {}
        parts = [f"{len(facts['cache'])} image names cached"] if "cache" in facts else []
        if facts.get("kubelet_error"):
            parts.append(f"kubelet refused its config: {facts['kubelet_error']}")
            tone = "warning"
        text = f"node {payload.get('node', '?')}: {', '.join(parts) or 'facts changed'}"
    elif kind == "action" and payload.get("phase") == "sent":
        text = f"learner sent: {payload.get('action', 'a request')}"
    elif kind == "action":
        verdict = "accepted" if payload.get("ok") else "rejected"
        text = f"API server {verdict}: {payload.get('message', '')}"
    elif kind == "step":
        text = f"step {payload.get('step')} passed (evidence #{payload.get('evidence_seq')})"
        tone = "ok"
    elif kind == "status":
        text = f"lab {payload.get('state', '')}"
        if payload.get("failure"):
            text += f": {payload['failure']}"
            tone = "warning"
    else:
        text = kind
    return Line(seq=seq, kind=kind, text=text, tone=tone, at=at)
