"""Every solution notebook scores full marks and every untouched exercise scores 0, through the
real command line (one run per assignment, both notebooks in one batch)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from tests.grading_fixtures.submissions import EXERCISES, POINTS, SOLUTIONS, notebook_path, write


def grade(*args, cwd):
    cmd = [sys.executable, "-m", "course_lib.grading", "grade", *map(str, args), "--quiet"]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


def rows(db, sql):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.parametrize("prefix", sorted(POINTS))
def test_solution_full_marks_exercise_zero(prefix, tmp_path):
    sol = write(
        tmp_path / "teacher" / f"{prefix}.ipynb", notebook_path(SOLUTIONS, prefix).read_bytes()
    )
    stub = write(
        tmp_path / "newbie" / f"{prefix}.ipynb", notebook_path(EXERCISES, prefix).read_bytes()
    )
    results = tmp_path / "results"
    grade(prefix, sol, stub, "--source", SOLUTIONS, "--db", tmp_path / "g.sqlite",
          "--results", results, cwd=tmp_path)  # fmt: skip
    got = rows(tmp_path / "g.sqlite", "SELECT learner, score, max_score FROM submissions")
    assert sorted(got) == [
        ("newbie", 0.0, POINTS[prefix]),
        ("teacher", POINTS[prefix], POINTS[prefix]),
    ]
    data = json.loads((results / f"newbie__{prefix}.results.json").read_text())
    assert data["score"] == 0 and all(t["score"] == 0 for t in data["tests"])
    reasons = ("NotImplementedError", "must use", "not None")
    assert all(any(r in t["output"] for r in reasons) for t in data["tests"])
