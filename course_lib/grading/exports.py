"""Grades out to an LMS: Canvas and Moodle gradebook CSVs from the SQLite gradebook.

``python -m course_lib.grading lms canvas --db gradebook.sqlite --csv canvas.csv``

Both files hold one row per learner and one column per assignment, with each learner's
latest attempt (``Gradebook.latest``). A submission the grader could not grade (status other
than ``graded``) leaves its cell empty, so an import does not overwrite a grade with a 0 that
nobody earned; the command says which cells it left empty.

- Canvas (Grades > Import): the columns Canvas's own export starts with, ``Student``, ``ID``,
  ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per assignment, and a
  ``Points Possible`` row under the header. The learner's name from the gradebook goes in
  ``Student`` and ``SIS Login ID``, the column Canvas matches when ``ID`` is empty.
- Moodle (Grades > Import > CSV file): a ``Username`` column to map to *username* when
  importing, then one column per assignment to map to its grade item. Moodle keeps points
  possible on the grade item, not in the file: each column's name says it (``ex01 [max 8]``),
  and the grade item's maximum grade must be set to it.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field

from course_lib.grading.gradebook import Gradebook

__all__ = ["Table", "table", "canvas_rows", "moodle_rows", "write", "FORMATS"]

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@dataclass
class Table:
    """Latest scores: ``scores[learner][assignment]`` (None: not graded), points per assignment."""

    assignments: list[str]
    points: dict[str, float]
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)
    ungraded: list[tuple[str, str, str]] = field(default_factory=list)  # learner, assignment, why


def table(rows) -> Table:
    """A Table from ``Gradebook.latest()`` rows.

    >>> rows = [("ada", "ex01", 1, 8.0, 8.0, "graded", ""), ("bo", "ex01", 2, 0, 8.0, "error", "")]
    >>> t = table(rows)
    >>> t.scores, t.points, t.ungraded
    ({'ada': {'ex01': 8.0}, 'bo': {'ex01': None}}, {'ex01': 8.0}, [('bo', 'ex01', 'error')])
    """
    assignments = sorted({row[1] for row in rows})
    out = Table(assignments, {})
    for learner, assignment, _attempt, score, max_score, status, _when in rows:
        out.points[assignment] = max(out.points.get(assignment, 0.0), float(max_score))
        graded = status == "graded"
        out.scores.setdefault(learner, {})[assignment] = float(score) if graded else None
        if not graded:
            out.ungraded.append((learner, assignment, status))
    return out


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def canvas_rows(t: Table) -> list[list[str]]:
    """Header, the Points Possible row, then one row per learner."""
    rows = [CANVAS_HEADER + t.assignments]
    rows.append(["Points Possible", "", "", "", ""] + [_number(t.points[a]) for a in t.assignments])
    for learner in sorted(t.scores):
        cells = [_number(t.scores[learner].get(a)) for a in t.assignments]
        rows.append([learner, "", "", learner, ""] + cells)
    return rows


def moodle_rows(t: Table) -> list[list[str]]:
    """Header (``Username``, then ``<assignment> [max N]``), then one row per learner."""
    rows = [["Username"] + [f"{a} [max {_number(t.points[a])}]" for a in t.assignments]]
    for learner in sorted(t.scores):
        rows.append([learner] + [_number(t.scores[learner].get(a)) for a in t.assignments])
    return rows


FORMATS = {"canvas": canvas_rows, "moodle": moodle_rows}


def write(fmt: str, db, path, assignment: str | None = None) -> Table:
    """Write the ``fmt`` ('canvas' or 'moodle') CSV of gradebook ``db`` to ``path``."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}, got {fmt!r}")
    book = Gradebook(db)
    try:
        rows = book.latest(assignment)
    finally:
        book.close()
    if not rows:
        where = f" for assignment {assignment!r}" if assignment else ""
        raise ValueError(f"--db {str(db)!r} holds no graded submissions{where}")
    t = table(rows)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(FORMATS[fmt](t))
    return t


def register(sub) -> None:
    """Add the ``lms`` subcommand to the grading CLI's subparsers."""
    p = sub.add_parser("lms", help="write a Canvas or Moodle gradebook CSV from a gradebook")
    p.add_argument("format", choices=sorted(FORMATS), help="the LMS whose import format to write")
    p.add_argument("--db", default="gradebook.sqlite", help="SQLite gradebook")
    p.add_argument("--csv", required=True, metavar="FILE", help="the CSV to write")
    p.add_argument("--assignment", help="only this assignment (full name, e.g. ex01_forward_pass)")
    p.set_defaults(run=run)


def run(args) -> int:
    t = write(args.format, args.db, args.csv, args.assignment)
    print(f"{args.csv}: {len(t.scores)} learner(s), {len(t.assignments)} assignment(s)")
    for learner, assignment, status in t.ungraded:
        print(f"left empty: {learner} {assignment} (status {status!r})", file=sys.stderr)
    return 0
