"""Cheats and faults, each a real submission graded in real worker processes.

Every case says which parts must score 0 (and the reason shown) and which keep full marks:
a cheat or a fault costs only the parts it touches. Expected scores are the points declared in
the solution notebooks, written out here by hand.
"""

from __future__ import annotations

import copy
import json

import pytest

from course_lib.grading.assignment import load_assignment
from course_lib.grading.grader import grade_submission, sandbox_config
from tests.grading_fixtures.submissions import (
    FORWARD_OK,
    RELU_OK,
    SOLUTIONS,
    load,
    with_answer,
    write,
)

TIMEOUT = 2.0


@pytest.fixture(scope="module")
def ex01():
    assignment = load_assignment("ex01", SOLUTIONS)
    yield assignment, sandbox_config(assignment)


def grade(ex, tmp_path, content, name="learner"):
    assignment, server = ex
    path = write(tmp_path / f"{name}.ipynb", content)
    return grade_submission(assignment, path, server, learner=name, seed=1234, timeout=TIMEOUT)


def scores(result) -> dict:
    return {p.grade_id: p.score for p in result.parts}


def message(result, grade_id) -> str:
    return next(p.message for p in result.parts if p.grade_id == grade_id)


def honest(relu=RELU_OK, forward=FORWARD_OK) -> dict:
    return with_answer("ex01", "forward", forward, with_answer("ex01", "relu", relu))


def cells_with_role(nb, role):
    return [c for c in nb["cells"] if c.get("metadata", {}).get("grading", {}).get("role") == role]


# (case id, submission builder, expected scores, {part: text the reason must contain})
CASES = [
    ("honest", lambda: honest(), {"relu": 1, "forward": 3}, {}),
    (
        "edited-visible-checks",
        lambda: _edit_checks(honest(relu="def relu(z):\n    return z\n")),
        {"relu": 0, "forward": 3},
        {"relu": "not the expected values"},
    ),
    (
        "deleted-visible-checks-and-examples",
        lambda: _keep_only_answers(honest(relu="def relu(z):\n    return np.abs(z)\n")),
        {"relu": 0, "forward": 3},
        {"relu": "not the expected values"},
    ),
    (
        "monkeypatched-comparisons",
        lambda: honest(
            relu="np.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = print\n"
            "AssertionError = Exception\ndef relu(z):\n    return z * 0 + 1\n"
        ),
        {"relu": 0, "forward": 3},
        {"relu": "not the expected values"},
    ),
    (
        "object-equal-to-anything",
        lambda: honest(
            forward="class Anything:\n    def __eq__(self, other):\n        return True\n"
            "def forward(x, params):\n    return Anything()\n"
        ),
        {"relu": 1, "forward": 0},
        {"forward": "object of type __main__.Anything"},
    ),
    (
        "float-subclass",
        lambda: honest(
            forward=FORWARD_OK.replace("float(z2[0])", "Sly(z2[0])")
            + "class Sly(float):\n    def __eq__(self, other):\n        return True\n"
        ),
        {"relu": 1, "forward": 0},
        {"forward": "Sly"},
    ),
    (
        "hard-coded-worked-examples",
        lambda: honest(
            relu="def relu(z):\n    return np.array([0.0, 0.0, 3.5])\n",
            forward="def forward(x, params):\n    return {'z1': np.array([0.58, 1.06]), "
            "'a1': np.array([0.58, 1.06]), 'z2': np.array([1.326]), 'y_hat': 1.326}\n",
        ),
        {"relu": 0, "forward": 0},
        {"relu": "shape", "forward": "not the expected value"},
    ),
    (
        "imports-course-lib-mlp",
        lambda: honest(
            forward="from course_lib.mlp import MLP\n"
            "def forward(x, params):\n    net = MLP([2, 2, 1], params=params)\n"
            "    y_hat, c = net.forward(x)\n"
            "    return {'z1': c['z1'], 'a1': c['a1'], 'z2': c['z2'], 'y_hat': float(y_hat[0])}\n"
        ),
        {"relu": 1, "forward": 0},
        {"forward": "importing 'course_lib' is not allowed"},
    ),
    (
        "dunder-import-of-course-lib",
        lambda: honest(forward="mlp = __import__('course_lib.mlp')\n" + FORWARD_OK),
        {"relu": 1, "forward": 0},
        {"forward": "importing 'course_lib' is not allowed"},
    ),
    (
        "reads-the-solutions-file",
        lambda: honest(relu="SOLUTION = open('../solutions/ex01_forward_pass.ipynb').read()\n"),
        {"relu": 0, "forward": 3},
        {"relu": "FileNotFoundError"},
    ),
    (
        "infinite-loop-in-function",
        lambda: honest(forward="def forward(x, params):\n    while True:\n        pass\n"),
        {"relu": 1, "forward": 0},
        {"forward": "did not finish within"},
    ),
    (
        "infinite-loop-at-top-level",
        lambda: honest(relu=RELU_OK + "while True:\n    pass\n"),
        {"relu": 0, "forward": 3},
        {"relu": "did not finish"},
    ),
    (
        "memory-bomb",
        lambda: honest(
            forward="def forward(x, params):\n    hog = np.ones((200_000, 100_000))\n"
            "    return {'y_hat': float(hog.sum())}\n"
        ),
        {"relu": 1, "forward": 0},
        {"forward": "MemoryError"},
    ),
    (
        "memory-bomb-at-top-level",
        lambda: honest(relu="hog = [0.5] * (10**10)\n" + RELU_OK),
        {"relu": 0, "forward": 3},
        {"relu": "MemoryError"},
    ),
    (
        "sys-exit",
        lambda: honest(relu="def relu(z):\n    raise SystemExit(0)\n"),
        {"relu": 0, "forward": 3},
        {"relu": "SystemExit"},
    ),
    (
        "os-exit",
        lambda: honest(relu="import os\ndef relu(z):\n    os._exit(0)\n"),
        {"relu": 0, "forward": 3},
        {"relu": "worker process ended"},
    ),
    (
        "output-flood",
        lambda: honest(forward=FORWARD_OK.replace("    z1 =", "    print('x' * 50_000)\n    z1 =")),
        {"relu": 1, "forward": 0},
        {"forward": "printed more than"},
    ),
    (
        "deleted-answer-cell",
        lambda: _delete_answer(honest(), "relu"),
        {"relu": 0, "forward": 3},
        {"relu": "no answer cell found"},
    ),
    (
        "syntax-error",
        lambda: honest(relu="def relu(z)\n    return z\n"),
        {"relu": 0, "forward": 3},
        {"relu": "SyntaxError"},
    ),
    (
        "fills-the-sandbox-tmp",
        lambda: honest(
            relu="import os\nfor i in range(8):\n    try:\n"
            "        open(f'/tmp/fill{i}', 'wb').write(b'x' * 15_000_000)\n"
            "    except OSError:\n        break\n" + RELU_OK
        ),
        {"relu": 1, "forward": 3},  # a full /tmp costs nothing to the other parts
        {},
    ),
    (
        "terminal-escapes-in-an-error",
        lambda: honest(
            relu="def relu(z):\n    raise ValueError('\\x1b[2J\\x1b]0;pwned\\x07gone')\n"
        ),
        {"relu": 0, "forward": 3},
        {"relu": "\\x1b[2J"},  # shown escaped, never sent to a terminal as is
    ),
    (
        "nan-results",
        lambda: honest(relu="def relu(z):\n    return z * np.nan\n"),
        {"relu": 0, "forward": 3},
        {"relu": "NaN"},
    ),
]


def _edit_checks(nb):
    for cell in cells_with_role(nb, "check"):
        cell["source"] = "ex01.relu.check = lambda: print('✓ correct')\nassert True\n"
    nb["cells"] = [c for c in nb["cells"] if c not in cells_with_role(nb, "hidden")]
    return nb


def _keep_only_answers(nb):
    nb["cells"] = [c for c in nb["cells"] if _grade_id(c)]  # setup, checks, tests: all gone
    return nb


def _grade_id(cell):
    return cell.get("metadata", {}).get("grading", {}).get("grade_id")


def _delete_answer(nb, grade_id):
    nb["cells"] = [c for c in nb["cells"] if _grade_id(c) != grade_id]
    return nb


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_cheats_and_faults_cost_only_their_parts(ex01, tmp_path, case):
    _, build, expected, reasons = case
    result = grade(ex01, tmp_path, build())
    assert result.status == "graded"
    assert scores(result) == expected, [p.message for p in result.parts]
    for grade_id, text in reasons.items():
        assert text in message(result, grade_id)
    for part in result.parts:
        assert "\x1b" not in part.message and "\x07" not in part.message


FILE_FAULTS = [
    ("empty-file", b"", "the file is empty"),
    ("not-json", b'{"cells": [', "not valid JSON"),
    ("png-bytes", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not UTF-8"),
    ("python-source", b"def relu(z):\n    return z\n", "not valid JSON"),
    ("json-not-notebook", b'{"hello": "world"}', "not a Jupyter notebook"),
    ("json-list", b"[1, 2, 3]", "not a Jupyter notebook"),
]


@pytest.mark.parametrize("case", FILE_FAULTS, ids=[c[0] for c in FILE_FAULTS])
def test_unreadable_files_score_zero_with_a_reason(ex01, tmp_path, case):
    _, content, reason = case
    result = grade(ex01, tmp_path, content)
    assert result.status == "graded"
    assert scores(result) == {"relu": 0, "forward": 0}
    assert all(reason in p.message for p in result.parts)


def test_old_nbformat_is_refused_with_how_to_fix(ex01, tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}
    v3["cells"] = []  # even with a cells key, version 3 is refused before anything runs
    result = grade(ex01, tmp_path, v3)
    assert scores(result) == {"relu": 0, "forward": 0}
    assert "old nbformat 3" in message(result, "relu") and "save it" in message(result, "relu")


def test_moved_duplicated_and_retyped_cells_are_matched_and_reported(ex01, tmp_path):
    nb = honest()
    cells = nb["cells"]
    relu_cell = next(c for c in cells if _grade_id(c) == "relu")
    fwd_cell = next(c for c in cells if _grade_id(c) == "forward")
    # moved: forward's cell goes to the top; retyped: relu's cell loses its id and metadata
    cells.remove(fwd_cell)
    cells.insert(0, fwd_cell)
    relu_cell["id"] = "retyped-by-hand"
    relu_cell["metadata"] = {}
    # duplicated: a broken copy of forward first, the working one last
    broken = copy.deepcopy(fwd_cell)
    broken["source"] = "def forward(x, params):\n    return None\n"
    broken["id"] = "copy-of-forward"
    cells.insert(0, broken)
    result = grade(ex01, tmp_path, nb)
    assert scores(result) == {"relu": 1, "forward": 3}
    notes = " ".join(result.notes)
    assert "found by what it defines" in notes
    assert "2 cells claim to be its answer" in notes
    assert "moved" in notes


def test_untouched_exercise_scores_zero_and_says_not_written(ex01, tmp_path):
    from tests.grading_fixtures.submissions import EXERCISES

    result = grade(ex01, tmp_path, load("ex01", EXERCISES))
    assert scores(result) == {"relu": 0, "forward": 0}
    assert "relu() is not written yet" in message(result, "relu")


def test_ipython_magics_are_ignored_not_fatal(ex01, tmp_path):
    result = grade(ex01, tmp_path, honest(relu="%matplotlib inline\n!ls\n" + RELU_OK))
    assert scores(result) == {"relu": 1, "forward": 3}
    assert any("magic" in note for note in result.notes)


def test_grader_never_sees_learner_objects_only_json(ex01, tmp_path):
    # The learner's reply is decoded into plain types in the grader: a dict with a list inside
    # arrives as a dict with a list, not as anything the learner defined.
    result = grade(
        ex01, tmp_path, honest(forward="def forward(x, params):\n    return {'y_hat': [1]}\n")
    )
    assert scores(result)["forward"] == 0
    assert "should have exactly the keys" in message(result, "forward")
    json.dumps([p.message for p in result.parts])  # messages are plain text


def test_changing_arguments_in_place_is_caught_by_the_grader(tmp_path):
    assignment = load_assignment("ex03", SOLUTIONS)
    in_place = (
        "def sgd_step(params, grads, lr):\n"
        "    for k in params:\n"
        "        params[k] -= lr * grads[k]\n"
        "    return params\n"
    )
    path = write(tmp_path / "inplace.ipynb", with_answer("ex03", "sgd_step", in_place))
    result = grade_submission(assignment, path, sandbox_config(assignment), learner="x", seed=3)
    assert scores(result) == {"sgd_step": 0, "train": 3, "learning_rate": 1}
    assert "changed its arguments in place" in message(result, "sgd_step")


def test_random_cases_are_fresh_per_seed_and_repeatable(ex01, tmp_path):
    assignment, server = ex01
    wrong = honest(forward=FORWARD_OK.replace("float(z2[0])", "float(z2[0]) + 1e-3"))
    path = write(tmp_path / "wrong.ipynb", wrong)

    def forward_message(seed):
        result = grade_submission(assignment, path, server, learner="w", seed=seed, timeout=TIMEOUT)
        return message(result, "forward")

    # the article's example comes first, so skip it: compare a later, random case
    wrong_later = with_answer(
        "ex01",
        "forward",
        FORWARD_OK.replace("float(z2[0])", "float(z2[0]) + (0.0 if x[0] == 0.9 else 1e-3)"),
        wrong,
    )
    write(path, wrong_later)
    first, again, other = forward_message(11), forward_message(11), forward_message(12)
    assert first == again
    assert first != other and "for x = [" in first
