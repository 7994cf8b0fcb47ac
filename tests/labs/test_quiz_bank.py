"""The quiz bank loader (labs/quiz.py): the rules of docs/lab-authoring.md, "Quizzes"."""

from pathlib import Path

import pytest
import yaml

from labs.quiz import QUIZ_DIR, check_quiz_file, grade, load_quizzes

GOOD_QUESTION = {
    "id": "a07-q01",
    "question": "Which policy never contacts a registry?",
    "choices": ["Always", "Never"],
    "answer": "Never",
    "explanation": "Never only uses what the node has.",
    "source": "https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy",
}


def quiz_file(tmp_path: Path, name: str = "area07.yaml", **changes) -> Path:
    questions = [{**GOOD_QUESTION, "id": f"a07-q0{i}"} for i in range(1, 6)]
    data = {"area": 7, "title": "Security", "questions": questions, **changes}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def test_every_area_of_the_shipped_bank_loads_with_five_or_more_questions():
    quizzes = load_quizzes(QUIZ_DIR)
    assert sorted(quizzes) == list(range(1, 21))
    assert all(len(q.questions) >= 5 for q in quizzes.values())
    assert quizzes[20].timed is not None and quizzes[20].timed.minutes > 0


def test_a_good_file_loads(tmp_path):
    quiz, errors = check_quiz_file(quiz_file(tmp_path))
    assert errors == [] and quiz.area == 7 and len(quiz.questions) == 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"answer": "Sometimes"}, "the answer is not one of the choices",
                     id="answer-not-a-choice"),
        pytest.param({"id": "a07-q02"}, "duplicate question id", id="duplicate-id"),
        pytest.param({"choices": ["Never", "Never"]}, "two choices are the same",
                     id="same-choice-twice"),
        pytest.param({"explanation": ""}, "should be non-empty", id="empty-explanation"),
        pytest.param({"source": None}, "is not of type 'string'", id="no-source"),
        pytest.param({"choices": ["Never"]}, "is too short", id="one-choice"),
    ],
)  # fmt: skip
def test_a_broken_first_question_is_reported(tmp_path, change, message):
    path = quiz_file(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["questions"][0].update(change)
    path.write_text(yaml.safe_dump(data))
    quiz, errors = check_quiz_file(path)
    assert quiz is None
    assert any(message in error for error in errors), errors


def test_the_area_must_match_the_file_name(tmp_path):
    quiz, errors = check_quiz_file(quiz_file(tmp_path, name="area08.yaml"))
    assert quiz is None and "area 7 does not match the file name" in errors[0]


def test_fewer_than_five_questions_is_an_error(tmp_path):
    path = quiz_file(tmp_path, questions=[GOOD_QUESTION])
    assert check_quiz_file(path)[0] is None


def test_grading_compares_the_choice_text_and_counts_unanswered_as_wrong(tmp_path):
    quiz, _ = check_quiz_file(quiz_file(tmp_path))
    graded = grade(quiz.questions[:3], {"a07-q01": "Never", "a07-q02": "Always"})
    assert [(g.given, g.correct) for g in graded] == [
        ("Never", True),
        ("Always", False),
        ("", False),
    ]
