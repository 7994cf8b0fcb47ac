"""`manage.py validate_labs`: one line per good lab, file:line for every error, exit non-zero."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from labs.loader import CONTENT_DIR, lab_files, load_labs
from labs.schema import SUMMARY_MAX_LENGTH

LAB_1 = CONTENT_DIR / "01-three-policies.md"
SUMMARY_1 = next(line for line in LAB_1.read_text().splitlines() if line.startswith("summary:"))


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = LAB_1.read_text()
    assert old in text, f"lab 1 no longer contains {old!r}"
    path = tmp_path / "01-broken.md"
    path.write_text(text.replace(old, new, 1))
    return path


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """The file line where `needle` occurs for the `occurrence`-th time."""
    lines = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return lines[occurrence - 1]


def test_every_shipped_lab_is_valid(capsys):
    call_command("validate_labs")
    lines = capsys.readouterr().out.splitlines()
    lab_lines = [line for line in lines if line.startswith("ok   area") and "quiz:" not in line]
    assert len(lab_lines) == len(lab_files())
    assert any("area  1  three-policies" in line for line in lab_lines)
    assert lines[-1].startswith(f"{len({lab.area for lab in load_labs().values()})} areas, ")


def test_every_area_has_a_valid_quiz(capsys):
    call_command("validate_labs")
    quiz_lines = [line for line in capsys.readouterr().out.splitlines() if "quiz:" in line]
    assert len(quiz_lines) == 20
    assert all(line.startswith("ok ") for line in quiz_lines)


@pytest.mark.parametrize(
    ("old", "new", "message", "at", "occurrence"),
    [
        pytest.param("level: beginner", "level: expert", "level: 'expert' is not one of",
                     "level: expert", 1, id="schema-enum"),
        pytest.param("area: 1", "area: 21", "area: 21 is greater than the maximum",
                     "area: 21", 1, id="schema-range"),
        pytest.param(SUMMARY_1, 'summary: ""', "summary: '' should be non-empty",
                     'summary: ""', 1, id="empty-summary"),
        pytest.param(SUMMARY_1, "summary: " + "x" * (SUMMARY_MAX_LENGTH + 1), "is too long",
                     "summary: xxx", 1, id="long-summary"),
        # An unknown field is reported at the step that holds it (the fourth step).
        pytest.param('    hint: "Pin it', '    hints: "Pin it', "Additional properties",
                     "  - id:", 4, id="unknown-step-field"),
        pytest.param('&& pods["p-never"].status.phase == "Running"',
                     '&& pods["p-never"].status.phase ==', "CEL does not parse",
                     "    check: >-", 3, id="cel-syntax"),
        pytest.param("stays_open: never-uncached", "stays_open: nope", "stays_open names no step",
                     "stays_open: nope", 1, id="unknown-stays-open"),
        pytest.param("  - id: never-cached", "  - id: ifnp-cached", "duplicate step id",
                     "  - id: ifnp-cached", 2, id="duplicate-step"),
        # The parser notices the unclosed bracket on the next line.
        pytest.param("minutes: 15\n", "minutes: [15\n", "YAML",
                     "summary:", 1, id="yaml-syntax"),
    ],
)  # fmt: skip
def test_a_broken_lab_exits_non_zero_with_file_and_line(
    tmp_path, capsys, old: str, new: str, message: str, at: str, occurrence: int
):
    path = broken_copy(tmp_path, old, new)
    with pytest.raises(CommandError, match="1 of 1 lab files have errors"):
        call_command("validate_labs", str(path))
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith(f"{path}:{line_of(path, at, occurrence)}: ")


def test_a_lab_without_a_summary_is_refused(tmp_path, capsys):
    path = broken_copy(tmp_path, SUMMARY_1 + "\n", "")
    with pytest.raises(CommandError, match="1 of 1 lab files have errors"):
        call_command("validate_labs", str(path))
    err = capsys.readouterr().err
    assert err.strip() == f"{path}:2: (top level): 'summary' is a required property"


def test_a_file_without_front_matter_is_an_error_at_line_1(tmp_path, capsys):
    path = tmp_path / "02-empty.md"
    path.write_text("# just markdown\n")
    with pytest.raises(CommandError):
        call_command("validate_labs", str(path))
    assert f"{path}:1: a lab file must start with a '---' line" in capsys.readouterr().err
