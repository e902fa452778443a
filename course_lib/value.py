"""A scalar autograd engine: every number remembers how it was made.

Each operation computes its result (forward) and, on the same line, the local
derivatives of that result with respect to each input (d out / d input).
``backward()`` then applies the chain rule once for the whole graph, in
reverse topological order:

    input.grad += local derivative * out.grad

so each node's gradient is complete before it is passed on, and a node used
twice (a + a) collects both contributions.

>>> x, y, z = Value(4.0, label="x"), Value(2.0, label="y"), Value(3.0, label="z")
>>> p = x - y
>>> f = p * z
>>> f.backward()
>>> (f.data, x.grad, y.grad, z.grad)
(6.0, 3.0, -3.0, 2.0)
>>> p.local  # d p / d x and d p / d y
(1.0, -1.0)
"""

from __future__ import annotations

import gc
import math
from numbers import Real

__all__ = ["Value"]


def _check_number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{name} must be a real number (int or float) or a Value, "
            f"got {type(value).__name__}: {value!r}"
        )
    return float(value)


class Value:
    """One scalar in a computational graph.

    Attributes: ``data`` (the number), ``grad`` (d output / d this, filled by
    ``backward``), ``op`` (the operation that made it, '' for a leaf),
    ``parents`` (its inputs), ``local`` (d this / d each parent) and an
    optional ``label``.
    """

    __slots__ = ("data", "grad", "op", "parents", "local", "label")

    def __init__(self, data, parents=(), op: str = "", label: str = "", local=()):
        self.data = data if type(data) is float else _check_number("data", data)
        self.grad = 0.0
        self.op = op
        self.parents = parents
        self.local = local
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def _lift(other, op: str) -> Value:
        if isinstance(other, Value):
            return other
        if isinstance(other, bool) or not isinstance(other, Real):
            raise TypeError(
                f"Value {op}: the other operand must be a real number or a Value, "
                f"got {type(other).__name__}: {other!r}"
            )
        return Value(float(other))

    # --- the operations: the result, then (d result / d each input) ---

    def __add__(self, other):
        other = self._lift(other, "+")
        return Value(self.data + other.data, (self, other), "+", local=(1.0, 1.0))

    def __sub__(self, other):
        other = self._lift(other, "-")
        return Value(self.data - other.data, (self, other), "-", local=(1.0, -1.0))

    def __mul__(self, other):
        other = self._lift(other, "*")
        return Value(self.data * other.data, (self, other), "*", local=(other.data, self.data))

    def __truediv__(self, other):
        other = self._lift(other, "/")
        if other.data == 0:
            raise ZeroDivisionError("Value /: division by a Value whose data is 0")
        a, b = self.data, other.data
        return Value(a / b, (self, other), "/", local=(1.0 / b, -a / (b * b)))

    def __neg__(self):
        return Value(-self.data, (self,), "neg", local=(-1.0,))

    def __pow__(self, exponent):
        if isinstance(exponent, Value) or isinstance(exponent, bool):
            raise TypeError("Value **: the exponent must be an int or float constant, not a Value")
        n = _check_number("exponent", exponent)
        x = self.data
        if x == 0 and n < 0:
            raise ZeroDivisionError(f"Value **: 0 ** {n:g} is undefined")
        if x < 0 and not n.is_integer():
            raise ValueError(
                f"Value **: a negative base ({x:g}) needs an integer exponent, got {n:g}"
            )
        return Value(x**n, (self,), f"**{n:g}", local=(n * x ** (n - 1),))

    def relu(self):
        positive = self.data > 0
        return Value(self.data if positive else 0.0, (self,), "relu", local=(float(positive),))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), "tanh", local=(1.0 - t * t,))

    def sigmoid(self):
        d = self.data
        s = 1.0 / (1.0 + math.exp(-d)) if d >= 0 else math.exp(d) / (1.0 + math.exp(d))
        return Value(s, (self,), "sigmoid", local=(s * (1.0 - s),))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), "exp", local=(e,))

    def log(self):
        if self.data <= 0:
            raise ValueError(f"Value.log: the argument must be > 0, got {self.data:g}")
        return Value(math.log(self.data), (self,), "log", local=(1.0 / self.data,))

    # --- the reflected operators: 2 * v, 1 - v, ... ---

    def __radd__(self, other):
        return self._lift(other, "+") + self

    def __rmul__(self, other):
        return self._lift(other, "*") * self

    def __rsub__(self, other):
        return self._lift(other, "-") - self

    def __rtruediv__(self, other):
        return self._lift(other, "/") / self

    # --- the backward pass ---

    def topological_order(self) -> list[Value]:
        """Every node this one depends on, inputs before the nodes made from them.

        Iterative (an explicit stack), so a graph of any depth works.
        """
        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent in node.parents)
        return order

    def backward(self) -> None:
        """Fill ``grad`` of every node in the graph with d(self)/d(node): the chain rule.

        Gradients accumulate (``+=``), so a node used twice gets both
        contributions. As in PyTorch, the gradients of intermediate nodes are
        recomputed on every call, while those of the leaves (inputs and
        weights) add up across calls: call ``zero_grad()`` in between.
        """
        enabled = gc.isenabled()
        gc.disable()  # the walk makes no reference cycles; collections here only cost time
        try:
            order = self.topological_order()
            for node in order:
                if node.parents:
                    node.grad = 0.0
            self.grad += 1.0
            for node in reversed(order):
                for parent, local in zip(node.parents, node.local, strict=True):
                    parent.grad += local * node.grad
        finally:
            if enabled:
                gc.enable()

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and every node it depends on."""
        for node in self.topological_order():
            node.grad = 0.0
