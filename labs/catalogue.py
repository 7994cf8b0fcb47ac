"""The catalogue: the roadmap's 20 areas, each with its labs, the learner's progress and quiz."""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max

from labs.loader import Lab, load_labs
from labs.models import LabSession, QuizAttempt, StepResult
from labs.quiz import Quiz, load_quizzes

# The roadmap's area titles (../shared/curriculum/roadmap.md), in its order.
AREA_TITLES = {
    1: "Core concept understanding",
    2: "Default behaviour rules",
    3: "When and why each policy is used",
    4: "Real-world scenarios",
    5: "Interaction with image caching",
    6: "Impact on pod lifecycle",
    7: "Security and DevSecOps aspects",
    8: "Observability and debugging",
    9: "CI/CD integration perspective",
    10: "Network and performance considerations",
    11: "Cluster-level management",
    12: "Security hardening and DevSecOps",
    13: "Common mistakes and pitfalls",
    14: "Best practices (administrator and developer view)",
    15: "Advanced: imagePullPolicy and other fields",
    16: "Real troubleshooting scenarios",
    17: "Hands-on learning (imperative and declarative)",
    18: "Related real-world tools and integrations",
    19: "Policy enforcement (enterprise use case)",
    20: "Interview and certification prep",
}


@dataclass(frozen=True)
class LabProgress:
    lab: Lab
    steps_passed: int  # in the learner's best session of this lab
    started: bool

    @property
    def label(self) -> str:
        if self.steps_passed == len(self.lab.steps):
            return "done"
        if self.started:
            return f"in progress {self.steps_passed}/{len(self.lab.steps)} steps"
        return "not started"

    @property
    def state(self) -> str:
        return self.label.split(" ")[0] if self.label != "not started" else "not-started"


@dataclass(frozen=True)
class Area:
    number: int
    title: str
    labs: list[LabProgress]
    quiz: Quiz | None
    best_score: tuple[int, int] | None  # (score, total) of the learner's best attempt


def steps_passed_by_lab(user: AbstractBaseUser, labs: dict[str, Lab]) -> dict[str, int]:
    """For each lab the learner started: the most steps passed in any one of their sessions."""
    per_session: dict[tuple[str, int], set[str]] = defaultdict(set)
    results = StepResult.objects.filter(session__owner=user).values_list(
        "session__lab_id", "session_id", "step_id"
    )
    for lab_id, session_id, step_id in results:
        per_session[(lab_id, session_id)].add(step_id)
    best: dict[str, int] = {
        lab_id: 0
        for lab_id in LabSession.objects.filter(owner=user).values_list("lab_id", flat=True)
    }
    for (lab_id, _session), step_ids in per_session.items():
        lab = labs.get(lab_id)
        known = len(step_ids & {s.id for s in lab.steps}) if lab else 0
        best[lab_id] = max(best.get(lab_id, 0), known)
    return best


def areas_for(user: AbstractBaseUser) -> list[Area]:
    labs = load_labs()
    quizzes = load_quizzes()
    passed = steps_passed_by_lab(user, labs)
    scores = {
        row["area"]: row["best"]
        for row in QuizAttempt.objects.filter(owner=user, submitted_at__isnull=False, timed=False)
        .values("area")
        .annotate(best=Max("score"))
    }
    by_area: dict[int, list[LabProgress]] = defaultdict(list)
    for lab in labs.values():
        by_area[lab.area].append(LabProgress(lab, passed.get(lab.id, 0), lab.id in passed))
    areas = []
    for number, title in AREA_TITLES.items():
        quiz = quizzes.get(number)
        best = (scores[number], len(quiz.questions)) if quiz and number in scores else None
        areas.append(Area(number, title, by_area[number], quiz, best))
    return areas
