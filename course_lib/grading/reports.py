"""What grading leaves behind for people: Gradescope results, learner feedback, an LMS CSV.

Feedback holds scores, reasons and notes only: the messages come from the
comparisons in ``hidden.py``, which never print an expected value, and no
hidden-test source is ever read here.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from course_lib.grading.display import for_csv, for_terminal
from course_lib.grading.grader import Result
from course_lib.grading.language import speaking, translator

__all__ = ["results_json", "feedback_markdown", "write_csv"]

_ = translator("grading")


def results_json(result: Result) -> dict:
    """Gradescope's autograder ``results.json`` format."""
    return {
        "score": result.score,
        "execution_time": round(result.duration, 3),
        "output": "\n".join(result.notes),
        "tests": [
            {
                "name": part.grade_id,
                "score": part.score,
                "max_score": part.max_score,
                "status": "passed" if part.status == "passed" else "failed",
                "output": part.message,
            }
            for part in result.parts
        ],
        "extra_data": {
            "learner": result.learner,
            "assignment": result.assignment,
            "attempt": result.attempt,
            "seed": result.seed,
            "sha256": result.sha256,
            "status": result.status,
            "sandbox": result.sandbox,
            "language": result.language,
        },
    }


def _name(text) -> str:
    """A learner's or file's name in Markdown: control characters escaped, no HTML."""
    return for_terminal(text).replace("<", "&lt;").replace(">", "&gt;")


def _text(text) -> str:
    """A message or note on one Markdown line."""
    return _name(str(text).replace("\n", " "))


def _cell(text: str) -> str:
    return _text(text).replace("|", "\\|")


def feedback_markdown(result: Result) -> str:
    """Per-learner feedback in Markdown, in the submission's language."""
    with speaking(result.language):
        return _feedback(result)


def _feedback(result: Result) -> str:
    file_name = _name(Path(result.path).name).replace("`", "'")
    score = f"{result.score:g} / {result.max_score:g}"
    lines = [
        _("# Feedback: {assignment}", assignment=result.assignment),
        "",
        _("- Learner: {learner}", learner=_name(result.learner)),
        _("- File: `{file}`", file=file_name),
        _("- Score: **{score}**", score=score),
        _("- Attempt: {attempt}, graded {graded_at} (random cases seed {seed})",
          attempt=result.attempt, graded_at=result.graded_at, seed=result.seed),
        "",
        _("| Part | Score | Result |"),
        "|---|---|---|",
    ]  # fmt: skip
    for part in result.parts:
        lines.append(
            f"| {part.grade_id} | {part.score:g} / {part.max_score:g} | {_cell(part.message)} |"
        )
    if result.notes:
        lines += ["", _("## Notes"), ""] + [f"- {_text(note)}" for note in result.notes]
    lines += [
        "",
        _(
            "The grader called your functions on fresh random inputs, so hard-coded answers do "
            "not pass. Run each `check()` in the notebook for hints."
        ),
        "",
    ]
    return "\n".join(lines)


def write_csv(rows, path) -> None:
    """One line per learner and assignment (latest attempt), for an LMS import; a text cell
    that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``) starts with ``'``."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["learner", "assignment", "attempt", "score", "max_score", "status", "graded_at"]
        )
        for row in rows:
            writer.writerow([for_csv(value) for value in row])


def write_json(data: dict, path) -> None:
    Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
