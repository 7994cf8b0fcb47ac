"""Loads lab files (YAML front matter + Markdown) from labs/content/ and validates them.

Errors carry the file and line, so `manage.py validate_labs` can point an author at them.
"""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from labs.checks import CheckError, compile_check
from labs.schema import LAB_SCHEMA

CONTENT_DIR = Path(__file__).resolve().parent / "content"
_FENCE = "---"


@dataclass(frozen=True)
class LabError:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    text: str
    check: str
    hint: str = ""
    explain: str = ""
    source: str = ""


@dataclass(frozen=True)
class Lab:
    id: str
    title: str
    area: int
    level: str
    minutes: int
    summary: str
    world: dict[str, Any]
    steps: tuple[Step, ...]
    solution: list[dict[str, Any]]
    wrong_paths: list[dict[str, Any]]
    intro: str
    path: Path
    node_names: tuple[str, ...] = field(default=())
    node_actions: tuple[str, ...] = field(default=())  # the node panel's actions

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


def _split_front_matter(text: str) -> tuple[str, str]:
    """Return (front matter YAML, Markdown body). The YAML starts on the file's line 2."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != _FENCE:
        raise ValueError("a lab file must start with a '---' line (YAML front matter)")
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() == _FENCE:
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    raise ValueError("the YAML front matter has no closing '---' line")


def _line_of(node: yaml.Node | None, path: list[str | int]) -> int:
    """The 1-based file line of the YAML node at `path` (or its nearest parent)."""
    line = node.start_mark.line if node is not None else 0
    for key in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line
    return line + 2  # +1 for 1-based lines, +1 for the opening '---'


def check_lab_file(path: Path) -> tuple[Lab | None, list[LabError]]:
    """Parse and validate one lab file. Returns the lab, or None and every error found."""
    try:
        front, body = _split_front_matter(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, [LabError(path, 1, str(exc))]
    try:
        tree = yaml.compose(front)
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        return None, [LabError(path, line, f"YAML: {getattr(exc, 'problem', exc)}")]

    validator = jsonschema.Draft202012Validator(LAB_SCHEMA)
    errors = [
        LabError(path, _line_of(tree, list(e.absolute_path)), _schema_message(e))
        for e in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
    ]
    if errors:
        return None, errors
    errors = _check_semantics(path, tree, data)
    if errors:
        return None, errors
    return _build_lab(path, data, body), []


def _schema_message(error: jsonschema.ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    return f"{where}: {error.message}"


def _check_semantics(path: Path, tree: yaml.Node, data: dict[str, Any]) -> list[LabError]:
    errors = []
    step_ids = [s["id"] for s in data["steps"]]
    for index, step in enumerate(data["steps"]):
        if step_ids.index(step["id"]) != index:
            line = _line_of(tree, ["steps", index, "id"])
            errors.append(LabError(path, line, f"duplicate step id {step['id']!r}"))
        try:
            compile_check(step["check"])
        except CheckError as exc:
            line = _line_of(tree, ["steps", index, "check"])
            errors.append(LabError(path, line, f"step {step['id']!r}: {exc}"))
    for index, wrong in enumerate(data.get("wrong_paths", [])):
        if wrong["stays_open"] not in step_ids:
            line = _line_of(tree, ["wrong_paths", index, "stays_open"])
            errors.append(
                LabError(path, line, f"stays_open names no step: {wrong['stays_open']!r}")
            )
    node_names = [n["name"] for n in data["world"]["nodes"]]
    if len(set(node_names)) != len(node_names):
        errors.append(LabError(path, _line_of(tree, ["world", "nodes"]), "duplicate node names"))
    return errors


def _build_lab(path: Path, data: dict[str, Any], body: str) -> Lab:
    return Lab(
        id=data["id"],
        title=data["title"],
        area=data["area"],
        level=data["level"],
        minutes=data.get("minutes", 15),
        summary=data["summary"],
        world=data["world"],
        steps=tuple(Step(**step) for step in data["steps"]),
        solution=data["solution"],
        wrong_paths=data.get("wrong_paths", []),
        intro=body.strip(),
        path=path,
        node_names=tuple(n["name"] for n in data["world"]["nodes"]),
        node_actions=tuple(data.get("node_actions", ())),
    )


def lab_files(directory: Path = CONTENT_DIR) -> list[Path]:
    return sorted(directory.glob("[0-9][0-9]-*.md"))


@cache
def load_labs(directory: Path = CONTENT_DIR) -> dict[str, Lab]:
    """Every valid lab by id, in file order; invalid files are left to validate_labs to report."""
    labs: dict[str, Lab] = {}
    for path in lab_files(directory):
        lab, _errors = check_lab_file(path)
        if lab is not None and lab.id not in labs:
            labs[lab.id] = lab
    return labs


# Labs validated from other files (`validate_labs labs/drafts/x.md --solve`), by id.
_VALIDATING: dict[str, Lab] = {}


def validating(lab: Lab) -> None:
    """Make `lab` findable by id while validate_labs runs it, even from outside labs/content/."""
    _VALIDATING[lab.id] = lab


def get_lab(lab_id: str) -> Lab | None:
    return _VALIDATING.get(lab_id) or load_labs().get(lab_id)
