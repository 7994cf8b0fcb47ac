"""The board as rows for a spreadsheet (CSV) or a script (JSON): one row per learner and lab."""

import csv
import io
from typing import Any

from cohorts.progress import Board, LabProgress, Row

FIELDS = [
    "learner",
    "lab",
    "session",
    "state",
    "steps_passed",
    "steps_total",
    "stuck",
    "stuck_reasons",
    "last_activity",
]


def _row(row: Row, progress: LabProgress | None) -> dict[str, Any]:
    # The stuck flag belongs to the learner's current lab: an older session is not "stuck".
    is_current = progress is not None and progress is row.current
    problems = row.problems if is_current else []
    return {
        "learner": row.learner.get_username(),
        "lab": progress.lab.id if progress else "",
        "session": progress.session.pk if progress else None,
        "state": progress.session.state if progress else "",
        "steps_passed": progress.steps_passed if progress else 0,
        "steps_total": len(progress.lab.steps) if progress else 0,
        "seconds_to_step": {s.id: progress.seconds_to(s.id) for s in progress.lab.steps}
        if progress
        else {},
        "stuck": bool(problems),
        "stuck_reasons": [p.as_dict() for p in problems],
        "last_activity": row.last_activity.isoformat() if row.last_activity else None,
    }


def export_rows(board: Board) -> list[dict[str, Any]]:
    return [
        _row(row, progress)
        for row in board.rows
        for progress in (list(row.labs.values()) or [None])
    ]


def as_csv(board: Board) -> str:
    """FIELDS, then one "seconds to <lab>/<step>" column per board column (blank: not yet)."""
    step_fields = [f"seconds to {c.lab_id}/{c.step_id}" for c in board.columns]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS + step_fields)
    for row in export_rows(board):
        reasons = "; ".join(f"{p['reason']}: {p['message']}" for p in row["stuck_reasons"])
        values = [row[f] for f in FIELDS[:-2]] + [reasons, row["last_activity"] or ""]
        seconds = [
            row["seconds_to_step"].get(c.step_id) if c.lab_id == row["lab"] else None
            for c in board.columns
        ]
        writer.writerow(values + ["" if s is None else s for s in seconds])
    return out.getvalue()
