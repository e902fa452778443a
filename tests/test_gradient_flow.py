"""course_lib.gradient_flow: the four patterns on small graphs, by hand, and found in the 2-2-1
graph for random parameters (and not found when a gradient is tampered with)."""

import numpy as np
import pytest

from course_lib.gradient_flow import gate, patterns_in_article_graph
from course_lib.graphs import article_graph, by_label


@pytest.mark.parametrize("g", [2.0, -0.5])
def test_each_gate_by_hand(g):
    a, b = 3.0, -2.0
    _, n = gate("add", upstream=g)
    assert (n["a"].grad, n["b"].grad) == (g, g)
    _, n = gate("multiply", upstream=g)
    assert (n["a"].grad, n["b"].grad) == (g * b, g * a)
    _, n = gate("relu", upstream=g)
    assert n["a"].grad == g
    _, n = gate("relu", upstream=g, a=-1.0)
    assert n["a"].grad == 0.0 and n["out"].data == 0.0
    _, n = gate("fork", upstream=g)  # out = a * b + a
    assert n["a"].grad == g * b + g and n["b"].grad == g * a


def test_bad_pattern_is_named():
    with pytest.raises(ValueError, match="pattern must be one of 'add', 'multiply'"):
        gate("max")


def test_patterns_hold_for_random_parameters():
    rng = np.random.default_rng(11)
    for _ in range(5):
        params = {"W1": rng.normal(size=(2, 2)), "b1": rng.normal(size=2),
                  "W2": rng.normal(size=(1, 2)), "b2": rng.normal(size=1)}  # fmt: skip
        L = article_graph(params=params, x=rng.normal(size=2), y=[0.3])
        L.backward()
        assert [r.holds for r in patterns_in_article_graph(L)] == [True] * 4


def test_a_tampered_gradient_breaks_its_pattern():
    L = article_graph()
    L.backward()
    n = by_label(L)
    n["x1"].grad *= 0.5  # as if only one of its two uses had been counted
    n["z1_1"].grad += 1.0
    holds = {r.pattern: r.holds for r in patterns_in_article_graph(L)}
    assert holds == {"add distributes": True, "multiply swaps": True, "ReLU routes": False,
                     "a fork sums": False}  # fmt: skip
