"""Value: each operation's forward and backward against hand derivatives and PyTorch float64."""

import math

import pytest
import torch

from course_lib import Value

UNARY = {
    # name: (Value op, torch op)
    "relu": (lambda v: v.relu(), torch.relu),
    "tanh": (lambda v: v.tanh(), torch.tanh),
    "sigmoid": (lambda v: v.sigmoid(), torch.sigmoid),
    "exp": (lambda v: v.exp(), torch.exp),
    "neg": (lambda v: -v, torch.neg),
    "square": (lambda v: v**2, lambda t: t**2),
    "cube": (lambda v: v**3, lambda t: t**3),
    "sqrt": (lambda v: v**0.5, torch.sqrt),
    "reciprocal": (lambda v: v**-1, torch.reciprocal),
    "log": (lambda v: v.log(), torch.log),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("x", [0.37, 1.8, 4.2])
def test_unary_ops_match_torch(name, x):
    ours, theirs = UNARY[name]
    v = Value(x)
    out = ours(v)
    out.backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ref = theirs(t)
    ref.backward()
    assert out.data == pytest.approx(ref.item(), rel=1e-14, abs=1e-15)
    assert v.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-15)


def test_binary_ops_and_reflected_operators():
    a, b = Value(3.0), Value(-2.0)
    out = (a * b + a / b - b**2 + 2 * a - 1 / b + (4 - a) + (a - 1)) / 2
    out.backward()
    # d/da of [ab + a/b - b^2 + 2a - 1/b + 4 - a + a - 1] / 2 = (b + 1/b + 2) / 2
    assert a.grad == pytest.approx((-2 + 1 / -2 + 2) / 2, abs=1e-15)
    # d/db = (a - a/b^2 - 2b + 1/b^2) / 2
    assert b.grad == pytest.approx((3 - 3 / 4 + 4 + 1 / 4) / 2, abs=1e-15)
    assert out.data == pytest.approx((-6 - 1.5 - 4 + 6 + 0.5 + 1 + 2) / 2, abs=1e-15)


def test_the_articles_graph_f_equals_x_minus_y_times_z():
    x, y, z = Value(4.0, label="x"), Value(2.0, label="y"), Value(3.0, label="z")
    p = x - y
    f = p * z
    f.backward()
    assert (f.data, p.data) == (6.0, 2.0)
    assert (x.grad, y.grad, z.grad, p.grad) == (3.0, -3.0, 2.0, 3.0)  # z, -z, p, z
    assert x.data - 0.1 * x.grad == pytest.approx(3.7, abs=1e-15)  # the article's x -> 3.7


def test_a_node_used_twice_accumulates():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0
    a2 = Value(3.0)
    c = a2 * a2
    c.backward()
    assert a2.grad == 6.0


def test_backward_accumulates_in_leaves_until_zero_grad():
    x = Value(2.0)
    f = (x * x).tanh() * 3  # intermediates between x and f
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    g = (t * t).tanh() * 3
    f.backward()
    f.backward()
    g.backward(retain_graph=True)
    g.backward()
    assert x.grad == pytest.approx(t.grad.item(), rel=1e-14)  # twice the gradient, as in PyTorch
    assert x.grad == pytest.approx(2 * 3 * (1 - math.tanh(4.0) ** 2) * 4, rel=1e-14)
    f.zero_grad()
    assert (x.grad, f.grad) == (0.0, 0.0)
    f.backward()
    assert x.grad == pytest.approx(t.grad.item() / 2, rel=1e-14)


def test_a_chain_of_100000_nodes_needs_no_recursion():
    x = Value(1.0)
    out = x
    for _ in range(100_000):
        out = out + 1e-5
    out.backward()
    assert x.grad == 1.0
    assert out.data == pytest.approx(2.0, abs=1e-9)


def test_diamond_graph_visits_each_node_once():
    x = Value(0.5)
    a, b = x.tanh(), x.sigmoid()
    out = a * b
    out.backward()
    s = 1 / (1 + math.exp(-0.5))
    t = math.tanh(0.5)
    assert x.grad == pytest.approx((1 - t * t) * s + t * s * (1 - s), rel=1e-14)


def test_sigmoid_is_stable_for_large_inputs():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_repr_and_label():
    v = Value(2.5, label="w")
    assert repr(v) == "Value(w=2.5, grad=0)"
    assert (v + 1).op == "+"


def test_backward_restores_the_garbage_collector_even_on_error():
    import gc

    assert gc.isenabled()
    (Value(1.0) * 2).backward()
    assert gc.isenabled()
    bad = Value(1.0) * 2
    bad.parents = (None,)  # a broken graph: backward fails, gc must come back on
    with pytest.raises(AttributeError):
        bad.backward()
    assert gc.isenabled()


def test_local_derivatives_sit_beside_each_result():
    a, b = Value(3.0), Value(4.0)
    assert (a * b).local == (4.0, 3.0)
    assert (a / b).local == (0.25, -3.0 / 16.0)
    assert (a**2).local == (6.0,)
    assert Value(-1.0).relu().local == (0.0,)
