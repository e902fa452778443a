"""Notebook 09's self-checks (the data playground); ``course_lib.checks.questions('09')``.

Every expected answer is computed from ``course_lib.experiments2d``'s runs.
"""

from __future__ import annotations

from functools import cache

from course_lib.checks import Mistake, Question
from course_lib.i18n import N_, translator

__all__ = ["questions_09"]
_ = translator("checks")


@cache
def _results(name: str) -> dict:
    from course_lib.experiments2d import runs

    return dict(runs(name))


def hidden_layers_for_xor() -> int:
    """The fewest hidden layers with which the XOR runs reach 90% test accuracy."""
    for clf in _results("xor").values():
        if clf.accuracy("test") >= 0.9:
            return len(clf.settings.hidden)
    raise AssertionError("no XOR run reaches 90%")  # the experiment is built so that one does


def l2_effect() -> str:
    """'lower' or 'higher': the test loss with L2 = 0.03 against without, on 50 noisy points."""
    plain, penalised = (clf.curves.test[-1] for clf in _results("l2").values())
    return "lower" if penalised < plain else "higher"


def questions_09() -> tuple[Question, Question]:
    q1 = Question(
        "q1",
        N_(
            "How many hidden layers does the smallest network in the XOR experiment need to "
            "classify at least 90% of the test points correctly?"
        ),
        hidden_layers_for_xor,
        hint=N_(
            "Without a hidden layer the output is w1·x1 + w2·x2 + b: its boundary is a straight "
            "line. Can one line split XOR's four quadrants?"
        ),
        solution=lambda: _(
            "{count}: no straight line separates XOR's classes; one hidden "
            "layer combines several lines (its neurons' pictures show them).",
            count=hidden_layers_for_xor(),
        ),
        mistakes=[
            Mistake(lambda: 0, N_("look at the accuracy of the run without a hidden layer."))
        ],
    )
    q2 = Question(
        "q2",
        N_(
            "On the 50 noisy points, is the test loss with L2 = 0.03 'lower' or 'higher' than "
            "without regularisation?"
        ),
        l2_effect,
        choices=("lower", "higher"),
        hint=N_("Compare the test-loss column of the two runs; the train loss goes the other way."),
        solution=lambda: _(
            "{answer!r}: the penalty keeps the weights small, so the boundary cannot bend "
            "around every noisy training point; the training loss rises a little, the test loss "
            "falls.",
            answer=l2_effect(),
        ),
    )
    return q1, q2
