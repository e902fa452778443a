"""Rebuild, don't trust: put a learner's answer cells into the instructor's notebook.

Each part's answer is found in the submission by cell id, then by the
``grade_id`` in the cell's metadata, then by content (the code cell that
defines every name the part asks for). Everything else in the submission,
edited checks, extra cells, changed setup, is ignored. What was unusual is
reported; nothing here raises on a strange notebook.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from course_lib.grading.assignment import Assignment, Part
from course_lib.grading.language import translator
from course_lib.grading.notebook import Cell

__all__ = ["Splice", "splice"]

_ = translator("grading")

_DEFINES = re.compile(r"^(?:def\s+(\w+)|(\w+)\s*=)", re.M)


@dataclass
class Splice:
    answers: dict[str, str | None]  # grade_id -> learner source, None when not found
    notes: list[str] = field(default_factory=list)  # shown to the learner
    missing: dict[str, str] = field(default_factory=dict)  # grade_id -> reason


MAX_PARSED_CHARS = 256 * 1024  # a longer cell is matched by the simple pattern only


def _defined_names(source: str) -> set[str]:
    try:
        if len(source) > MAX_PARSED_CHARS:
            raise ValueError("too long to parse")
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # a simple pattern instead
        return {m for pair in _DEFINES.findall(source) for m in pair if m}
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _find(part: Part, code: list[Cell]) -> tuple[list[Cell], str]:
    own_id = part.cell.id
    same = [c for c in code if (c.id is not None and c.id == own_id) or c.grade_id == part.grade_id]
    if same:
        return same, "id" if any(c.id == part.cell.id for c in same) else "grade_id"
    by_content = [c for c in code if set(part.defines) <= _defined_names(c.source)]
    return by_content, "content"


def splice(assignment: Assignment, submitted: list[Cell]) -> Splice:
    """Which learner source answers each part, with notes on anything unusual."""
    code = [c for c in submitted if c.cell_type == "code"]
    result = Splice(answers={})
    positions = []
    for part in assignment.parts:
        found, how = _find(part, code)
        label = _("part {part}", part=repr(part.grade_id))
        if not found:
            result.answers[part.grade_id] = None
            result.missing[part.grade_id] = _(
                "no answer cell found for {label} (deleted? it should define {names})",
                label=label,
                names=", ".join(part.defines),
            )
            continue
        chosen = found[-1]  # as in a notebook run top to bottom, the last definition wins
        result.answers[part.grade_id] = chosen.source
        positions.append(chosen.index)
        if len(found) > 1:
            result.notes.append(
                _("{label}: {count} cells claim to be its answer; graded the last one",
                  label=label, count=len(found))
            )  # fmt: skip
        if how == "grade_id":
            result.notes.append(
                _("{label}: answer cell found by its grade_id (its id changed)", label=label)
            )
        elif how == "content":
            result.notes.append(
                _(
                    "{label}: answer cell found by what it defines (the cell was retyped or "
                    "its metadata lost)",
                    label=label,
                )
            )
    if positions != sorted(positions):
        result.notes.append(_("answer cells were moved; each was graded in its original place"))
    return result
