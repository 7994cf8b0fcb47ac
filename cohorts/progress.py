"""The progress board of a cohort, read from the sessions' recorded facts (a few queries).

The board is built once per page load or export; after that the live feed (cohorts/feed.py)
sends only what changed.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max
from django.utils import timezone

from cohorts.models import Cohort
from cohorts.stuck import LearnerFacts, Problem, evidence_pod, stuck_reasons
from labs.loader import Lab, load_labs
from labs.models import LabSession, SessionEvent, StepResult


@dataclass(frozen=True)
class Column:
    lab_id: str
    step_id: str
    title: str


@dataclass
class LabProgress:
    """One learner's latest session of one lab."""

    lab: Lab
    session: LabSession
    passed_at: dict[str, datetime] = field(default_factory=dict)  # step id → when

    @property
    def steps_passed(self) -> int:
        return len(self.passed_at)

    def seconds_to(self, step_id: str) -> int | None:
        """Seconds from the session's start to the step passing."""
        at = self.passed_at.get(step_id)
        return None if at is None else int((at - self.session.created_at).total_seconds())

    @property
    def last_progress_at(self) -> datetime:
        return max(self.passed_at.values(), default=self.session.created_at)


@dataclass(frozen=True)
class Cell:
    column: Column
    passed_at: datetime | None
    session_id: int | None  # the learner's latest session of the column's lab


@dataclass
class Row:
    learner: AbstractBaseUser
    joined_at: datetime
    labs: dict[str, LabProgress] = field(default_factory=dict)
    current: LabProgress | None = None  # the lab of their most recent session
    last_activity: datetime | None = None
    problems: list[Problem] = field(default_factory=list)

    def cells(self, columns: Iterable[Column]) -> list[Cell]:
        cells = []
        for column in columns:
            progress = self.labs.get(column.lab_id)
            if progress is None:
                cells.append(Cell(column, None, None))
            else:
                passed_at = progress.passed_at.get(column.step_id)
                cells.append(Cell(column, passed_at, progress.session.pk))
        return cells


@dataclass
class Board:
    cohort: Cohort
    labs: list[Lab]
    columns: list[Column]
    rows: list[Row]

    @property
    def stuck_count(self) -> int:
        return sum(1 for row in self.rows if row.problems)

    def table(self) -> list[tuple[Row, list[Cell]]]:
        """What the page renders: each row with its cells in column order."""
        return [(row, row.cells(self.columns)) for row in self.rows]


def cohort_sessions(cohort: Cohort, learner_ids: Iterable[int]):
    """The sessions of these learners that count for the cohort, newest first."""
    sessions = LabSession.objects.filter(owner_id__in=list(learner_ids)).order_by("-created_at")
    if cohort.lab_ids:
        sessions = sessions.filter(lab_id__in=cohort.lab_ids)
    return sessions


def _board_labs(cohort: Cohort, started: set[str]) -> list[Lab]:
    """The cohort's labs in its order, or else the labs its learners started, catalogue order."""
    catalogue = load_labs()
    wanted = cohort.lab_ids or [lab_id for lab_id in catalogue if lab_id in started]
    return [catalogue[lab_id] for lab_id in wanted if lab_id in catalogue]


def _latest_payloads(session_ids: list[int], kind: str, **filters) -> dict[int, dict]:
    """Each session's most recent event of one kind (two queries for all sessions)."""
    latest = dict(
        SessionEvent.objects.filter(session_id__in=session_ids, kind=kind, **filters)
        .values("session_id")
        .annotate(seq=Max("seq"))
        .values_list("session_id", "seq")
    )
    events = SessionEvent.objects.filter(session_id__in=list(latest), seq__in=set(latest.values()))
    return {
        e.session_id: e.payload
        for e in events.only("session_id", "seq", "payload")
        if latest[e.session_id] == e.seq
    }


def expected_pods(session_ids: list[int]) -> dict[int, frozenset[str]]:
    """Per session, the pods whose state was the evidence of a passed step (two queries)."""
    evidence = set(
        StepResult.objects.filter(session_id__in=session_ids).values_list(
            "session_id", "evidence_seq"
        )
    )
    events = SessionEvent.objects.filter(
        session_id__in={session for session, _ in evidence}, seq__in={seq for _, seq in evidence}
    ).only("session_id", "seq", "kind", "payload")
    pods: dict[int, set[str]] = {}
    for event in events:
        pod = evidence_pod(event.kind, event.payload)
        if (event.session_id, event.seq) in evidence and pod:
            pods.setdefault(event.session_id, set()).add(pod)
    return {session: frozenset(names) for session, names in pods.items()}


def build_board(cohort: Cohort, now: datetime | None = None) -> Board:
    now = now or timezone.now()
    memberships = list(cohort.memberships.select_related("learner"))
    rows = {m.learner_id: Row(learner=m.learner, joined_at=m.joined_at) for m in memberships}
    sessions = list(cohort_sessions(cohort, rows))
    labs = _board_labs(cohort, {s.lab_id for s in sessions})
    by_id = {lab.id: lab for lab in labs}

    kept: dict[int, LabProgress] = {}
    for session in sessions:  # newest first: the first per learner and lab is their latest
        row = rows[session.owner_id]
        if session.lab_id in by_id and session.lab_id not in row.labs:
            progress = LabProgress(lab=by_id[session.lab_id], session=session)
            row.labs[session.lab_id] = kept[session.pk] = progress
            row.current = row.current or progress
    for result in StepResult.objects.filter(session_id__in=list(kept)):
        kept[result.session_id].passed_at[result.step_id] = result.passed_at

    activity = dict(
        SessionEvent.objects.filter(session_id__in=list(kept))
        .values("session_id")
        .annotate(last=Max("created_at"))
        .values_list("session_id", "last")
    )
    current_ids = [row.current.session.pk for row in rows.values() if row.current]
    pods = _latest_payloads(current_ids, SessionEvent.Kind.POD)
    answers = _latest_payloads(current_ids, SessionEvent.Kind.ACTION, payload__phase="done")
    expected = expected_pods(current_ids)
    for row in rows.values():
        times = [activity[p.session.pk] for p in row.labs.values() if p.session.pk in activity]
        row.last_activity = max(times, default=None)
        if row.current:
            row.problems = stuck_reasons(_facts(row.current, now, pods, answers, expected))

    columns = [Column(lab.id, step.id, step.title) for lab in labs for step in lab.steps]
    return Board(cohort=cohort, labs=labs, columns=columns, rows=list(rows.values()))


def _facts(
    progress: LabProgress, now: datetime, pods: dict, answers: dict, expected: dict
) -> LearnerFacts:
    session = progress.session
    return LearnerFacts(
        state=session.state,
        failure=session.failure,
        steps_total=len(progress.lab.steps),
        steps_passed=progress.steps_passed,
        last_progress_at=progress.last_progress_at,
        now=now,
        latest_pod=pods.get(session.pk),
        latest_answer=answers.get(session.pk),
        expected_pods=expected.get(session.pk, frozenset()),
    )
