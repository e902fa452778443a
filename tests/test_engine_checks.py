"""Notebook 03's step checks: a right engine passes every step, each kind of slip is caught
with its own message, and the notebook's own engine passes.

The engine used as the right answer is written here, differently from the notebook's
(an explicit-stack topological sort, operations as methods).
"""

import json
import math
from pathlib import Path

import pytest
import torch

from course_lib.engine_checks import engine_steps, random_expression
from course_lib.value import Value

STEP1, STEP2, STEP3, STEP4 = engine_steps()
NB = Path(__file__).resolve().parent.parent / "notebooks" / "03_build_your_own_autograd.ipynb"


def order_by_stack(root):
    order, done, stack = [], set(), [(root, iter(root.parents))]
    done.add(id(root))
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if id(p) not in done:
                done.add(id(p))
                stack.append((p, iter(p.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def without_visited_set(root):
    order = []
    for p in root.parents:
        order.extend(without_visited_set(p))
    return order + [root]


class Good:
    def __init__(self, data, parents=(), local=()):
        self.data, self.grad, self.parents, self.local = float(data), 0.0, parents, local

    def __add__(self, o):
        return type(self)(self.data + o.data, (self, o), (1.0, 1.0))

    def __mul__(self, o):
        return type(self)(self.data * o.data, (self, o), (o.data, self.data))

    def __pow__(self, n):
        return type(self)(self.data**n, (self,), (n * self.data ** (n - 1),))

    def tanh(self):
        t = math.tanh(self.data)
        return type(self)(t, (self,), (1 - t**2,))

    def relu(self):
        return type(self)(self.data * (self.data > 0), (self,), (float(self.data > 0),))

    def backward(self):
        order = order_by_stack(self)
        for n in order:
            n.grad = 0.0
        self.grad = 1.0
        for n in order[::-1]:
            for p, d in zip(n.parents, n.local, strict=True):
                self.collect(p, d * n.grad)

    @staticmethod
    def collect(parent, contribution):
        parent.grad = parent.grad + contribution


class Overwriting(Good):
    @staticmethod
    def collect(parent, contribution):
        parent.grad = contribution  # the bug: = in place of +=


class MulNoSwap(Good):
    def __mul__(self, o):
        return type(self)(self.data * o.data, (self, o), (self.data, o.data))


class TanhWrong(Good):
    def tanh(self):
        t = math.tanh(self.data)
        return type(self)(t, (self,), (1 - self.data**2,))


class NoGrad:
    def __init__(self, data, parents=(), local=()):
        self.data, self.parents, self.local = float(data), parents, local


class NotFloatData(Good):
    def __init__(self, data, parents=(), local=()):
        super().__init__(data, parents, local)
        self.data = str(data)


def test_a_right_engine_passes_every_step():
    assert STEP1.check(Good).correct
    assert STEP2.check(Good).correct
    assert STEP3.check(order_by_stack).correct
    assert STEP4.check(Good).correct


def test_the_notebooks_engine_passes_every_step():
    nb = json.loads(NB.read_text(encoding="utf-8"))
    namespace = {}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            exec("".join(cell["source"]), namespace)
            if "step4.check" in "".join(cell["source"]):
                break
    assert STEP1.check(namespace["Scalar"]).correct
    assert STEP2.check(namespace["Scalar"]).correct
    assert STEP3.check(namespace["topological_order"]).correct
    assert STEP4.check(namespace["Scalar"]).correct


@pytest.mark.parametrize(
    ("step", "answer", "words"),
    [
        (STEP1, NoGrad, "no attribute 'grad'"),
        (STEP1, Good(1.0), "pass the class itself"),
        (STEP2, MulNoSwap, "a * b"),
        (STEP2, TanhWrong, "a.tanh()"),
        (STEP2, NotFloatData, "a new leaf should have 2.5"),
        (STEP3, lambda root: without_visited_set(root), "more than once"),
        (STEP3, lambda root: order_by_stack(root)[::-1], "before one of its inputs"),
        (STEP3, lambda root: order_by_stack(root)[1:], "each of the"),
        (STEP3, order_by_stack(Value(1.0)), "pass your function"),
        (STEP4, Overwriting, "course_lib.Value gives"),
        (STEP4, MulNoSwap, "a * b"),
    ],
)
def test_each_slip_gets_its_own_message(step, answer, words):
    feedback = step.check(answer)
    assert feedback.status == "incorrect"
    assert words in feedback.message, feedback.message
    assert f"{step.name}.hint()" in feedback.message


def test_preorder_with_visited_set_is_caught():
    def preorder(root):
        order, seen = [], set()

        def visit(n):
            if id(n) not in seen:
                seen.add(id(n))
                order.append(n)
                for p in n.parents:
                    visit(p)

        visit(root)
        return order

    assert not STEP3.check(preorder).correct


def test_unanswered_hint_and_solution_never_raise():
    assert STEP1.check().status == "unanswered"
    for step in (STEP1, STEP2, STEP3, STEP4):
        assert step.hint().status == "hint" and step.solution().status == "solution"
    assert STEP3.check(lambda root: 1 / 0).status == "incorrect"


def test_random_expression_is_the_same_graph_in_every_engine():
    """Values and gradients agree with PyTorch float64 (an independent autograd)."""
    for seed in range(10):
        leaves, root, text = random_expression(Value, seed)
        tensors, troot, ttext = random_expression(
            lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True), seed
        )
        assert text == ttext
        assert math.isclose(root.data, troot.item(), rel_tol=1e-12, abs_tol=1e-15)
        root.backward()
        troot.backward()
        for leaf, t in zip(leaves, tensors, strict=True):
            want = 0.0 if t.grad is None else t.grad.item()
            assert math.isclose(leaf.grad, want, rel_tol=1e-12, abs_tol=1e-15)


def test_some_random_expressions_use_a_node_twice():
    forks = 0
    for seed in range(8):
        _, root, _ = random_expression(Value, seed)
        order = root.topological_order()
        uses = [id(p) for n in order for p in n.parents]
        forks += len(uses) != len(set(uses))
    assert forks >= 4


def test_nudge_moves_one_leaf():
    leaves, _, _ = random_expression(Value, 3)
    nudged, _, _ = random_expression(Value, 3, nudge=(1, 0.5))
    assert [v.data for v in nudged] == [leaves[0].data, leaves[1].data + 0.5, leaves[2].data]


def test_notebook_03_golden_output_holds_hand_computed_numbers():
    golden = (Path(__file__).resolve().parent / "notebook_outputs" / "03.txt").read_text()
    a, b = 2.0, -3.0  # FORK
    # with =, the last contribution wins; with +=, they add. In a * b + a the output's
    # backward step writes 1 into a, then the product's step overwrites it with b.
    rows = {"a + a": (1.0, 2.0), "a * a": (a, 2 * a), "a * b + a": (b, b + 1)}
    for text, (wrong, right) in rows.items():
        assert f"{text:<10} {wrong:+.6f}  {right:+.6f}  {right:+.6f}" in golden
    # the neuron by plain arithmetic: n = tanh(w1 x1 + w2 x2 + b), loss (n + 0.5)^2, lr 0.02
    w1, w2, bias, x1, x2 = 1.2, 0.4, 0.3, 0.5, -1.0
    losses = []
    for _ in range(40):
        n = math.tanh(w1 * x1 + w2 * x2 + bias)
        losses.append((n + 0.5) ** 2)
        g = 2 * (n + 0.5) * (1 - n * n)
        w1, w2, bias = w1 - 0.02 * g * x1, w2 - 0.02 * g * x2, bias - 0.02 * g
    assert (
        f"first {losses[0]:.6f}, after 10 steps {losses[10]:.6f}, last {losses[-1]:.6f}" in golden
    )
    assert "False" not in golden
