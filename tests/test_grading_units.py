"""The grader's small pieces: JSON values, static checks, comparisons, self-checks, gradebook."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

from course_lib.grading.checks import ex01, ex02
from course_lib.grading.gradebook import Gradebook
from course_lib.grading.grader import PartResult, Result
from course_lib.grading.hidden import Fail, expect_array, expect_dict, expect_float
from course_lib.grading.integrity import imports_of
from course_lib.grading.notebook import NotebookError, parse_cells
from course_lib.grading.progress import Progress
from course_lib.grading.wire import Unsupported, decode, encode

# --- wire ---


def round_trip(value):
    return decode(json.loads(json.dumps(encode(value))))


def test_values_cross_as_plain_json_with_their_types():
    value = {"a": np.array([[1.5, -2.0]]), "f": 0.25, "t": (1, "x"), "n": None, "s": np.float64(2)}
    back = round_trip(value)
    assert back["a"].dtype == np.float64 and back["a"].tolist() == [[1.5, -2.0]]
    assert type(back["f"]) is float and back["t"] == (1, "x") and back["n"] is None
    assert type(back["s"]) is np.float64
    assert round_trip(np.float32(1.5)).dtype == np.float32


def test_unexpected_objects_become_type_names_never_objects():
    class Sneaky(float):
        def __eq__(self, other):
            return True

    assert isinstance(round_trip(Sneaky(1.0)), Unsupported)
    assert round_trip(Sneaky(1.0)).type_name.endswith("Sneaky")
    assert isinstance(round_trip(np.array(["a"], dtype=object)), Unsupported)
    assert isinstance(round_trip({1: "int key"}), Unsupported)


@pytest.mark.parametrize(
    "data",
    [
        {"__nd__": [1, 2], "dtype": "float64", "shape": [3]},  # shape lies
        {"__nd__": [[1], [2, 3]], "dtype": "float64", "shape": [2]},  # ragged
        {"__nd__": [1], "dtype": "object", "shape": [1]},
        {"__np__": "str_", "value": 1},
        {"__whatever__": 1},
        {},
    ],
)
def test_malformed_replies_are_rejected(data):
    with pytest.raises(ValueError, match="malformed value from the worker"):
        decode(data)


# --- imports an exercise does not allow (check() warns; the worker refuses them) ---


@pytest.mark.parametrize(
    "source, found",
    [
        ("import course_lib.mlp as m\n", ["course_lib.mlp"]),
        ("from course_lib import mlp\n", ["course_lib.mlp"]),
        ("def f():\n    import torch\n", ["torch"]),
        ("import os\nimport sys\nfrom os import path\n", []),  # honest imports are fine now
        ("from course_lib import Value\nimport numpy as np\n", []),  # exactly allowed
        ("def f(:\n", []),  # a syntax error is the worker's to report, with its line
    ],
)
def test_imports_of_lists_only_modules_the_exercise_refuses(source, found):
    blocked, allowed = ["course_lib", "torch"], ["course_lib", "course_lib.Value"]
    assert imports_of(source, blocked, allowed) == found


# --- notebooks ---


@pytest.mark.parametrize(
    "data, reason",
    [
        ({"cells": []}, "not a Jupyter notebook"),
        ({"cells": [], "nbformat": "4"}, "not a version number"),
        ({"cells": [], "nbformat": 5}, "newer"),
        ({"cells": {}, "nbformat": 4}, "not a list"),
    ],
)
def test_notebook_structure_errors_say_why(data, reason):
    with pytest.raises(NotebookError, match=reason):
        parse_cells(data)


def test_junk_cells_are_skipped_not_fatal():
    cells, _ = parse_cells(
        {"nbformat": 4, "cells": [5, {"cell_type": "code", "source": 7}, {"cell_type": "code"}]}
    )
    assert [(c.index, c.source, c.id, c.metadata) for c in cells] == [(2, "", None, {})]


# --- comparisons ---


def test_comparisons_check_exact_types_and_never_show_the_expected_value():
    with pytest.raises(Fail, match="should be a float, but it is a numpy array"):
        expect_float(np.array([1.0]), 1.0, "y_hat")
    with pytest.raises(Fail, match="should be a float, but it is a bool"):
        expect_float(True, 1.0, "y_hat")
    with pytest.raises(Fail, match="dtype float64, but it has dtype float32"):
        expect_array(np.array([1.0], dtype=np.float32), [1.0], "a1")
    with pytest.raises(Fail, match="shape") as info:
        expect_array(np.zeros(3), np.array([0.123456789, 1, 2, 3]), "z1")
    assert "0.123456789" not in str(info.value)
    with pytest.raises(Fail, match="1 of 2 entries") as info:
        expect_array(np.array([1.0, 2.0]), np.array([1.0, 2.987654]), "z1")
    assert "2.987654" not in str(info.value)
    with pytest.raises(Fail, match="exactly the keys"):
        expect_dict({"a": 1}, ["a", "b"], "grads")
    expect_float(np.float64(0.1 + 0.2), 0.3, "sum")  # within tolerance, numpy float64 accepted


# --- visible self-checks: they never raise, whatever the learner wrote ---


def run_check(check, namespace) -> str:
    out = io.StringIO()
    stdout, sys.stdout = sys.stdout, out
    try:
        check.check(namespace)
    finally:
        sys.stdout = stdout
    return out.getvalue()


def _boom(*args):
    raise ZeroDivisionError("oops")


@pytest.mark.parametrize(
    "fn, says",
    [
        (_boom, "Your code raised ZeroDivisionError: oops"),
        (lambda z: z, "not the expected values"),
        (lambda z: [0.0, 0.0, 3.5], "should be a numpy array"),
        (lambda z: (_ for _ in ()).throw(SystemExit(1)), "SystemExit"),
    ],
)
def test_check_explains_instead_of_raising(fn, says):
    text = run_check(ex01.relu, {"relu": fn})
    assert text.startswith("✗") and says in text and "Traceback" not in text


def test_check_passes_a_right_answer_and_hints_progress():
    text = run_check(ex01.relu, {"relu": lambda z: np.maximum(np.asarray(z, float), 0.0)})
    assert text.startswith("✓") and ex01.relu.passed
    assert "is not defined yet" in run_check(ex02.backward, {})
    out = io.StringIO()
    stdout, sys.stdout = sys.stdout, out
    try:
        ex02.backward.hint()
        ex02.backward.hint()
    finally:
        sys.stdout = stdout
    assert "Hint 1 of 3" in out.getvalue() and "Hint 2 of 3" in out.getvalue()


# --- gradebook ---


def _result(learner, scores):
    r = Result("x.ipynb", learner, "ex01_forward_pass", 7, "abc")
    r.parts = [PartResult(g, s, 1.0, "passed" if s else "failed", "m") for g, s in scores]
    return r


def test_gradebook_attempts_history_and_atomic_writes(tmp_path):
    book = Gradebook(tmp_path / "g.sqlite")
    assert book.record(_result("ann", [("relu", 1.0), ("forward", 0.0)])) == 1
    assert book.record(_result("ann", [("relu", 1.0), ("forward", 1.0)])) == 2
    assert book.already_graded("ann", "ex01_forward_pass", "abc") == 2
    # a result that cannot be stored whole (two rows for one part) leaves nothing behind
    with pytest.raises(sqlite3.IntegrityError):
        book.record(_result("bob", [("relu", 1.0), ("relu", 0.0)]))
    assert book.count("submissions") == 2 and book.count("grades") == 4
    assert [row[:5] for row in book.latest()] == [("ann", "ex01_forward_pass", 2, 2.0, 2.0)]
    loaded = book.load("ann", "ex01_forward_pass", 1)
    assert [(p.grade_id, p.score) for p in loaded.parts] == [("relu", 1.0), ("forward", 0.0)]
    book.close()
    with pytest.raises(ValueError, match="--db"):
        Gradebook(tmp_path)  # a folder is not a database file


def test_progress_bar_lines_in_a_log():
    out = io.StringIO()
    bar = Progress(4, "ex01", stream=out, width=4)
    for _ in range(4):
        bar.update("ok")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("ex01 [#---] 1/4") and lines[-1].startswith("ex01 [####] 4/4")


def test_importing_course_lib_does_not_import_the_grader():
    code = (
        "import sys, course_lib; print([m for m in sys.modules if 'grading' in m or 'torch' in m])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_gradebook_from_before_the_sandbox_gets_its_column_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        """CREATE TABLE submissions (
    learner TEXT NOT NULL, assignment TEXT NOT NULL, attempt INTEGER NOT NULL,
    path TEXT NOT NULL, sha256 TEXT NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL,
    score REAL NOT NULL, max_score REAL NOT NULL, notes TEXT NOT NULL,
    duration REAL NOT NULL, graded_at TEXT NOT NULL,
    PRIMARY KEY (learner, assignment, attempt)
);
CREATE TABLE grades (
    learner TEXT NOT NULL, assignment TEXT NOT NULL, part TEXT NOT NULL, attempt INTEGER NOT NULL,
    score REAL NOT NULL, max_score REAL NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    PRIMARY KEY (learner, assignment, part, attempt),
    FOREIGN KEY (learner, assignment, attempt) REFERENCES submissions (learner, assignment, attempt)
);
INSERT INTO submissions VALUES ('ann', 'ex01', 1, 'a.ipynb', 'x', 1, 'graded', 4, 4, '', 0.5,
                                '2026-11-01T00:00:00+00:00');"""
    )
    old.commit()
    old.close()
    book = Gradebook(path)
    assert book.load("ann", "ex01", 1).sandbox == "bwrap"  # graded before --no-sandbox existed
    result = Result("b.ipynb", "bob", "ex01", 2, "y")
    result.sandbox = "none"
    result.parts = [PartResult("relu", 1.0, 1.0, "passed", "passed")]
    attempt = book.record(result)
    assert book.load("bob", "ex01", attempt).sandbox == "none"
    book.close()
    Gradebook(path).close()  # the migrated file opens again: its schema is the grader's own
