"""How gates pass gradients back (notebook 03): four patterns on small graphs, and the same
patterns found in the 2-2-1 network's backward pass.

>>> out, nodes = gate("multiply", upstream=2.0)
>>> nodes["a"].data, nodes["b"].data, nodes["a"].grad, nodes["b"].grad  # each gets g * the other
(3.0, -2.0, -4.0, 6.0)
>>> [row.holds for row in patterns_in_article_graph()]
[True, True, True, True]
"""

from __future__ import annotations

from dataclasses import dataclass

from course_lib._validate import choice
from course_lib.i18n import translator
from course_lib.value import Value

__all__ = ["PATTERNS", "GATE_INPUTS", "gate", "PatternRow", "patterns_in_article_graph"]

_ = translator("widgets")
PATTERNS = ("add", "multiply", "relu", "fork")
GATE_INPUTS = {"a": 3.0, "b": -2.0}


def _backward_from(out: Value, upstream: float) -> None:
    """The chain rule from ``out``, with ``upstream`` as d(loss)/d(out) arriving from above."""
    order = out.topological_order()
    for node in order:
        node.grad = 0.0
    out.grad = upstream
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local, strict=True):
            parent.grad += local * node.grad


def gate(pattern: str, upstream: float = 2.0, **inputs) -> tuple[Value, dict[str, Value]]:
    """``(out, {label: node})``: one small graph showing ``pattern``, after a backward pass in
    which ``upstream`` arrives at ``out``.

    'add' is a + b, 'multiply' a * b, 'relu' relu(a) (pass a=-1.0 to see it closed), 'fork'
    a * b + a (a used twice). Inputs default to GATE_INPUTS.
    """
    choice("pattern", pattern, PATTERNS)
    values = {**GATE_INPUTS, **inputs}
    a, b = Value(values["a"], label="a"), Value(values["b"], label="b")
    if pattern == "add":
        out = a + b
    elif pattern == "multiply":
        out = a * b
    elif pattern == "relu":
        out = a.relu()
    else:
        product = a * b
        product.label = "a·b"
        out = product + a
    out.label = "out"
    _backward_from(out, float(upstream))
    nodes = {n.label: n for n in out.topological_order() if n.label}
    return out, nodes


@dataclass(frozen=True)
class PatternRow:
    pattern: str  # its name (these three texts in the language in use)
    where: str  # the node of the 2-2-1 graph
    rule: str  # what the pattern says should happen there
    holds: bool  # whether the backward pass did exactly that


def patterns_in_article_graph(root: Value | None = None) -> list[PatternRow]:
    """The four patterns at one node each of the 2-2-1 graph (``article_graph()`` by default),
    each checked against the gradients ``backward()`` computed."""
    from course_lib.graphs import article_graph, by_label

    if root is None:
        root = article_graph()
        root.backward()
    n = by_label(root)
    s, product = n["s2_1"], n["w2_11·a1_1"]
    a1, z1 = n["a1_1"], n["z1_1"]
    x1 = n["x1"]
    into_x1 = [n["w1_11·x1"], n["w1_21·x1"]]
    contributions = [p.grad * p.local[p.parents.index(x1)] for p in into_x1]
    return [
        PatternRow(
            _("add distributes"),
            "s2_1 = w2_11·a1_1 + w2_12·a1_2",
            _("both inputs get s2_1's gradient unchanged"),
            all(p.grad == s.grad for p in s.parents),
        ),
        PatternRow(
            _("multiply swaps"),
            "w2_11·a1_1",
            _("w2_11 gets the product's gradient times a1_1, and a1_1 times w2_11"),
            n["w2_11"].grad == product.grad * a1.data and a1.grad == product.grad * n["w2_11"].data,
        ),
        PatternRow(
            _("ReLU routes"),
            "a1_1 = relu(z1_1)",
            _("z1_1 gets a1_1's gradient if z1_1 > 0, else 0"),
            z1.grad == (a1.grad if z1.data > 0 else 0.0),
        ),
        PatternRow(
            _("a fork sums"),
            _("x1, used by both hidden neurons"),
            _("x1's gradient is the sum of what the two products send back"),
            x1.grad == sum(contributions) and len(contributions) == 2,
        ),
    ]
