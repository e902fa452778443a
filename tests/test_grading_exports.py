"""Canvas and Moodle CSVs from a real gradebook: submissions graded by the grade command.

The headers checked here are each LMS's documented import format: Canvas's gradebook import
reads the columns its own export starts with (Student, ID, SIS User ID, SIS Login ID, Section),
then assignment columns, with an optional "Points Possible" row; Moodle's CSV grade import
needs a first line of column names and a column that identifies users (mapped to username).
"""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys

import pytest

from tests.grading_fixtures.submissions import EXERCISES, SOLUTIONS, notebook_path

POINTS = {"ex01_forward_pass": 4, "ex02_backward_pass": 6}  # as stated in each notebook


def cli(*args, cwd):
    cmd = [sys.executable, "-m", "course_lib.grading", *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    """ada hands in both solutions, bo the blank ex01; cy's ex02 failed in the grader."""
    tmp = tmp_path_factory.mktemp("book")
    db = tmp / "g.sqlite"
    for learner, folder, prefix in (
        ("ada", SOLUTIONS, "ex01"),
        ("ada", SOLUTIONS, "ex02"),
        ("bo", EXERCISES, "ex01"),
    ):
        path = notebook_path(folder, prefix)
        args = ["grade", prefix, path, "--db", db, "--learner", learner, "--quiet"]
        proc = cli(*args, "--source", SOLUTIONS, cwd=tmp)
        assert proc.returncode == 0, proc.stderr
    with sqlite3.connect(db) as conn:  # a grader error, as the gradebook records one
        conn.execute(
            "INSERT INTO submissions (learner, assignment, attempt, path, sha256, seed, status,"
            " score, max_score, notes, duration, graded_at, sandbox)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            ("cy", "ex02_backward_pass", 1, "cy.ipynb", "0" * 64, 1, "error", 0.0, 6.0,
             "worker died", 0.1, "2026-01-01T00:00:00+00:00", "bwrap"),
        )  # fmt: skip
    return db


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_csv_has_canvas_columns_points_possible_and_latest_scores(gradebook, tmp_path):
    out = tmp_path / "canvas.csv"
    proc = cli("lms", "canvas", "--db", gradebook, "--csv", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "left empty: cy ex02_backward_pass (status 'error')" in proc.stderr
    rows = read(out)
    assert rows[0] == [
        "Student", "ID", "SIS User ID", "SIS Login ID", "Section",
        "ex01_forward_pass", "ex02_backward_pass",
    ]  # fmt: skip
    assert rows[1] == ["Points Possible", "", "", "", "", "4", "6"]
    assert rows[2:] == [
        ["ada", "", "", "ada", "", "4", "6"],
        ["bo", "", "", "bo", "", "0", ""],
        ["cy", "", "", "cy", "", "", ""],  # an error is not a 0
    ]


def test_moodle_csv_has_a_username_column_and_one_column_per_assignment(gradebook, tmp_path):
    out = tmp_path / "moodle.csv"
    proc = cli("lms", "moodle", "--db", gradebook, "--csv", out, "--assignment",
               "ex01_forward_pass", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert read(out) == [
        ["Username", f"ex01_forward_pass [max {POINTS['ex01_forward_pass']}]"],
        ["ada", "4"],
        ["bo", "0"],
    ]


def test_lms_export_names_the_bad_argument(gradebook, tmp_path):
    bad = cli("lms", "blackboard", "--db", gradebook, "--csv", tmp_path / "x.csv", cwd=tmp_path)
    assert bad.returncode == 2 and "invalid choice: 'blackboard'" in bad.stderr
    empty = cli("lms", "canvas", "--db", tmp_path / "new.sqlite", "--csv", tmp_path / "x.csv",
                cwd=tmp_path)  # fmt: skip
    assert empty.returncode == 2 and "holds no graded submissions" in empty.stderr
