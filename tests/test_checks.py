"""The self-checks: right answers pass, common slips get their own hint, nothing raises.

Expected values are computed here by plain arithmetic from the article's
numbers (or by PyTorch), never by asking the question for its own answer.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_lib.checks import NOTEBOOKS, Feedback, Mistake, Question, ____, questions
from course_lib.engine_checks import FORK
from course_lib.value import Value

# the article's 2-2-1 by hand: x = (0.9, 1.0), y = 2, W1 = [[.2, .3], [.4, .5]], b1 = (.1, .2),
# W2 = (.5, .6), b2 = .4, lr = .1
Z1 = (0.2 * 0.9 + 0.3 * 1.0 + 0.1, 0.4 * 0.9 + 0.5 * 1.0 + 0.2)
Y_HAT = 0.5 * Z1[0] + 0.6 * Z1[1] + 0.4
DY = -2 * (2.0 - Y_HAT)  # mean squared error, one output

RIGHT = {
    "00": [2 * 2 + 2 + 2 + 1, 0.4],
    "01": [(4 - 2) * 3, -3.0, (3.7 - 2.3) * 2.8],
    "02": [(1 - math.tanh(1.2 * 0.5 + 0.4 * -1.0 + 0.3) ** 2) * 0.5, 3 * 3.0**2],
    "03": [1.0, FORK["b"] + 1, 2.0 * 3.0, DY * (0.5 * 0.2 + 0.6 * 0.4)],
    "04": [Z1[1], 0.4, "yes"],
    "05": [DY, DY * Z1[0], DY * 0.5 * 0.9, 0.4 - 0.1 * DY],
    "06": ["MseLossBackward0", 2 * DY * Z1[0]],
    "07": [1.0, 1, 0],
    "08": [[16, 2], 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1, "no"],
    "09": [1, "lower"],  # XOR is not linearly separable; L2's effect: test_classify2d
}

ALL = [(nb, i) for nb, answers in RIGHT.items() for i in range(len(answers))]


def test_every_notebook_has_two_to_four_questions():
    assert sorted(NOTEBOOKS) == sorted(RIGHT)
    for nb, answers in RIGHT.items():
        assert 2 <= len(questions(nb)) <= 4
        assert len(questions(nb)) == len(answers)


@pytest.mark.parametrize(("nb", "i"), ALL)
def test_right_answer_is_correct(nb, i):
    q = questions(nb)[i]
    result = q.check(RIGHT[nb][i])
    assert result.correct, (nb, q.name, str(result))
    assert bool(result) is True and result.status == "correct"


@pytest.mark.parametrize(("nb", "i"), [(nb, i) for nb, i in ALL if isinstance(RIGHT[nb][i], float)])
def test_tolerance(nb, i):
    q = questions(nb)[i]
    want = RIGHT[nb][i]
    assert q.check(want * (1 + 2e-5)).correct  # a few digits short is still right
    nearly = q.check(want * (1 + 3e-3))
    assert not nearly.correct
    assert "close" in nearly.message


COUNTS = [(nb, i) for nb, i in ALL if type(questions(nb)[i].expected()) is int]


def test_the_count_questions():
    assert {("00", 0), ("07", 1), ("07", 2), ("08", 1)} <= set(COUNTS)


@pytest.mark.parametrize(("nb", "i"), COUNTS)
def test_counts_are_exact_with_their_own_feedback(nb, i):
    q = questions(nb)[i]
    want = RIGHT[nb][i]
    assert q.check(float(want)).correct and q.check(np.int64(want)).correct
    slips = {m.value() for m in q.mistakes}
    for off, word in ((1, "1 too many"), (-1, "1 too few")):
        if want + off in slips:
            continue
        result = q.check(want + off)
        assert not result.correct and word in result.message, str(result)
        assert "digits" not in result.message
    assert "whole number" in q.check(want + 0.5).message
    assert "whole number" in q.check([want, want]).message


def test_the_parameter_count_off_by_one():
    q2 = questions("08")[1]
    want = 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    assert "1 too few" in q2.check(want - 1).message
    assert "only the weights" in q2.check(2 * 16 + 16 * 16 + 16).message


def test_the_gradient_shape_question():
    q1 = questions("08")[0]
    assert q1.check((16, 2)).correct and q1.check(np.zeros((16, 2)).shape).correct
    assert "transposed" in q1.check([2, 16]).message
    assert "one row per example" in q1.check([200, 16]).message


BAD_ANSWERS = [
    None,
    "abc",
    "",
    float("nan"),
    float("inf"),
    [1.0, 2.0, 3.0],
    [],
    {},
    object(),
    lambda: 1,
    True,
    np.array([np.nan]),
    np.array([]),
    Ellipsis,
    ____,
    b"bytes",
    1e308,
    -1e308,
    complex(1, 2),
]


@pytest.mark.parametrize(("nb", "i"), ALL)
def test_bad_answers_never_raise_and_never_pass(nb, i):
    q = questions(nb)[i]
    for bad in BAD_ANSWERS:
        result = q.check(bad)
        assert isinstance(result, Feedback)
        assert result.status in ("incorrect", "unanswered"), (bad, str(result))
        assert result.message
    assert q.check().status == "unanswered"
    assert q.check(____).status == "unanswered"


@pytest.mark.parametrize(("nb", "i"), ALL)
def test_hint_and_solution(nb, i):
    q = questions(nb)[i]
    hint, solution = q.hint(), q.solution()
    assert hint.status == "hint" and len(hint.message) > 10
    assert solution.status == "solution"
    want = RIGHT[nb][i]
    if isinstance(want, (str, list)):
        assert str(want) in solution.message
    else:
        assert f"{want:.6g}" in solution.message  # the solution quotes the computed answer


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.text(max_size=5))
def test_any_scalar_gives_feedback(answer):
    for q in questions("05"):
        assert q.check(answer).status in ("correct", "incorrect")


def test_specific_hints_for_common_slips():
    q1, q2, q3, q4 = questions("05")
    half = q1.check(-(2.0 - Y_HAT))  # dL/dy_hat of 1/2 (y - y_hat)^2
    assert not half.correct and "1/2" in half.message and "mean" in half.message
    assert "1/2" in q2.check(-(2.0 - Y_HAT) * Z1[0]).message
    assert "W2[0,0]" in q3.check(DY * 0.9).message  # skipped the output weight
    assert "added" in q4.check(0.4 + 0.1 * DY).message  # gradient ascent
    assert "sign" in q1.check(-DY).message

    f1, f2, f3 = questions("01")
    assert "p = x - y" in f1.check(2.0).message
    assert "plus" in f1.check((4 + 2) * 3).message
    assert "df/dz" in f2.check(2.0).message
    assert "only x" in f3.check((3.7 - 2.0) * 3.0).message
    assert "climbs" in f3.check((4.3 - 1.7) * 3.2).message

    p1, p2 = questions("00")
    assert "biases" in p1.check(6).message
    assert "W2" in p2.check(0.5 * 0.1 + 0.6 * 0.2 + 0.4).message

    n1, n2 = questions("02")
    assert "tanh" in n1.check(0.5).message
    assert "one of the three" in n2.check(9.0).message
    assert "two of the three" in n2.check(18.0).message
    assert "b = a * a" in n2.check(6.0).message

    c1, c2, _ = questions("04")
    assert "column" in c1.check(0.3 * 0.9 + 0.5 * 1.0 + 0.2).message
    assert "bias" in c1.check(0.4 * 0.9 + 0.5 * 1.0).message
    assert "ReLU" in c2.check(0.5 * -0.4 + 0.6 * -0.6 + 0.4).message

    assert "neurons" in p1.check(2 + 1).message  # two hidden neurons and one output
    assert "different" in questions("07")[1].check(2).message

    t1, t2 = questions("06")
    assert "case" in t1.check("mselossbackward0").message
    assert "one pass" in t2.check(DY * Z1[0]).message


def test_answers_in_other_forms():
    q1, q2, q3, q4 = questions("05")
    assert q1.check([DY]).correct  # a one-element list
    assert q1.check(np.array([[DY]])).correct
    assert q1.check(torch.tensor([DY], dtype=torch.float64)).correct
    assert q1.check(Value(DY)).correct
    assert q1.check(np.float32(DY)).correct  # float32 rounding is within the tolerance
    assert not q1.check("-1.348").correct  # text is explained, not parsed
    assert "quotes" in q1.check("-1.348").message
    assert "function" in q1.check(lambda: DY).message
    assert "None" in q1.check(None).message


def test_choices_are_forgiving_about_case_and_spaces():
    q3 = questions("04")[2]
    assert q3.check(" YES ").correct
    assert "not one of the choices" in q3.check("maybe").message
    assert not q3.check(1).correct


def test_expected_is_computed_at_check_time():
    state = {"value": 1.0}
    q = Question("q", "?", lambda: state["value"], hint="h", solution=lambda: "s")
    assert q.check(1.0).correct
    state["value"] = 2.0
    assert not q.check(1.0).correct and q.check(2.0).correct


def test_an_expected_value_that_fails_is_reported_not_raised():
    q = Question("q", "?", lambda: 1 / 0, hint="h", solution=lambda: "s")
    result = q.check(1.0)
    assert result.status == "incorrect" and "ZeroDivisionError" in result.message


def test_mistake_with_array_answer():
    q = Question(
        "q",
        "?",
        lambda: [1.0, 2.0],
        hint="h",
        solution=lambda: "s",
        mistakes=[Mistake(lambda: [[2.0, 1.0]], "swapped")],
    )
    assert q.check([[1.0, 2.0]]).correct
    assert q.check([2.0, 1.0]).message == "swapped"
    assert "shape" in q.check([1.0, 2.0, 3.0]).message


def test_feedback_html_escapes_and_labels():
    fb = Feedback("incorrect", "<script>")
    assert "<script>" not in fb._repr_html_() and "&lt;script&gt;" in fb._repr_html_()
    assert str(fb).startswith("Not quite:")
    assert not fb
    assert "<pre" in Feedback("solution", "a\nb")._repr_html_()


def test_unknown_notebook():
    with pytest.raises(ValueError, match="notebook must be one of"):
        questions("99")
    assert len(questions(5)) == len(questions("05"))
