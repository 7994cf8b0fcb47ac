"""The quiz bank: one YAML file per roadmap area (labs/quizzes/areaNN.yaml), and grading.

Format: docs/lab-authoring.md, "Quizzes". An answer is stored as the text of one choice, so
re-ordering choices can never silently change the right answer.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

QUIZ_DIR = Path(__file__).resolve().parent / "quizzes"
MIN_QUESTIONS = 5

_QUESTION = {
    "type": "object",
    "required": ["id", "question", "choices", "answer", "explanation", "source"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^a[0-9]{2}-[qt][0-9]{2,3}$"},
        "question": {"type": "string", "minLength": 1},
        "choices": {
            "type": "array",
            "minItems": 2,
            "maxItems": 5,
            "items": {"type": "string", "minLength": 1},
        },
        "answer": {"type": "string", "minLength": 1},
        "explanation": {"type": "string", "minLength": 1},
        "source": {"type": "string", "minLength": 1},
    },
}

QUIZ_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["area", "title", "questions"],
    "additionalProperties": False,
    "properties": {
        "area": {"type": "integer", "minimum": 1, "maximum": 20},
        "title": {"type": "string", "minLength": 1},
        "questions": {"type": "array", "minItems": MIN_QUESTIONS, "items": _QUESTION},
        "timed": {
            "type": "object",
            "required": ["minutes", "questions"],
            "additionalProperties": False,
            "properties": {
                "minutes": {"type": "integer", "minimum": 1},
                "questions": {"type": "array", "minItems": 1, "items": _QUESTION},
            },
        },
    },
}


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    choices: tuple[str, ...]
    answer: str
    explanation: str
    source: str


@dataclass(frozen=True)
class Timed:
    minutes: int
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Quiz:
    area: int
    title: str
    questions: tuple[Question, ...]
    timed: Timed | None

    def section(self, timed: bool) -> tuple[Question, ...]:
        if timed:
            return self.timed.questions if self.timed else ()
        return self.questions


def _questions(items: list[dict[str, Any]]) -> tuple[Question, ...]:
    return tuple(Question(**{**q, "choices": tuple(q["choices"])}) for q in items)


def check_quiz_file(path: Path) -> tuple[Quiz | None, list[str]]:
    """Parse and validate one quiz file: schema, the area in the name, answers, unique ids."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        return None, [f"{path}: {exc}"]
    errors = [
        f"{path}: {'.'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
        for e in jsonschema.Draft202012Validator(QUIZ_SCHEMA).iter_errors(data)
    ]
    if errors:
        return None, errors
    if path.stem != f"area{data['area']:02d}":
        errors.append(f"{path}: area {data['area']} does not match the file name")
    every = [*data["questions"], *(data.get("timed") or {}).get("questions", [])]
    seen: set[str] = set()
    for question in every:
        if question["id"] in seen:
            errors.append(f"{path}: duplicate question id {question['id']!r}")
        seen.add(question["id"])
        if question["answer"] not in question["choices"]:
            errors.append(f"{path}: {question['id']}: the answer is not one of the choices")
        if len(set(question["choices"])) != len(question["choices"]):
            errors.append(f"{path}: {question['id']}: two choices are the same")
    if errors:
        return None, errors
    timed = data.get("timed")
    return Quiz(
        area=data["area"],
        title=data["title"],
        questions=_questions(data["questions"]),
        timed=Timed(timed["minutes"], _questions(timed["questions"])) if timed else None,
    ), []


def quiz_files(directory: Path = QUIZ_DIR) -> list[Path]:
    return sorted(directory.glob("area[0-9][0-9].yaml"))


@cache
def load_quizzes(directory: Path = QUIZ_DIR) -> dict[int, Quiz]:
    """Every valid quiz by area; invalid files are left to validate_labs to report."""
    quizzes = {}
    for path in quiz_files(directory):
        quiz, _errors = check_quiz_file(path)
        if quiz is not None:
            quizzes[quiz.area] = quiz
    return quizzes


def get_quiz(area: int) -> Quiz | None:
    return load_quizzes().get(area)


@dataclass(frozen=True)
class Graded:
    question: Question
    given: str
    correct: bool


def grade(questions: tuple[Question, ...], answers: dict[str, str]) -> list[Graded]:
    """Each question with the learner's answer (by choice text; missing = unanswered)."""
    return [Graded(q, answers.get(q.id, ""), answers.get(q.id, "") == q.answer) for q in questions]
