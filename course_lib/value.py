"""A scalar autograd engine: every number remembers how it was made.

Each operation below computes its result (forward) and, right beside it, a
small function that pushes the result's gradient back to its inputs
(backward). ``backward()`` visits the graph in reverse topological order, so
each node's gradient is complete before it is passed on.

>>> x, y, z = Value(4.0, label="x"), Value(2.0, label="y"), Value(3.0, label="z")
>>> p = x - y
>>> f = p * z
>>> f.backward()
>>> (f.data, x.grad, y.grad, z.grad)
(6.0, 3.0, -3.0, 2.0)
"""

from __future__ import annotations

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
    ``parents`` (its inputs) and an optional ``label``.
    """

    __slots__ = ("data", "grad", "op", "parents", "label", "_backward")

    def __init__(self, data, parents=(), op: str = "", label: str = ""):
        self.data = data if type(data) is float else _check_number("data", data)
        self.grad = 0.0
        self.op = op
        self.parents = tuple(parents)
        self.label = label
        self._backward = None

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def _lift(other, op: str) -> Value:
        if type(other) is Value:
            return other
        if isinstance(other, Value):
            return other
        if isinstance(other, bool) or not isinstance(other, Real):
            raise TypeError(
                f"Value {op}: the other operand must be a real number or a Value, "
                f"got {type(other).__name__}: {other!r}"
            )
        return Value(other)

    # --- the operations: forward on the first lines, backward right below ---

    def __add__(self, other):
        other = self._lift(other, "+")
        out = Value(self.data + other.data, (self, other), "+")

        def backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other):
        other = self._lift(other, "*")
        out = Value(self.data * other.data, (self, other), "*")

        def backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def __pow__(self, exponent):
        if isinstance(exponent, Value) or isinstance(exponent, bool):
            raise TypeError("Value **: the exponent must be an int or float constant, not a Value")
        exponent = _check_number("exponent", exponent)
        if self.data == 0 and exponent < 0:
            raise ZeroDivisionError(f"Value **: 0 ** {exponent:g} is undefined")
        if self.data < 0 and not exponent.is_integer():
            raise ValueError(
                f"Value **: a negative base ({self.data:g}) needs an integer exponent, "
                f"got {exponent:g}"
            )
        out = Value(self.data**exponent, (self,), f"**{exponent:g}")

        def backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def backward():
            self.grad += (1.0 - t * t) * out.grad

        out._backward = backward
        return out

    def sigmoid(self):
        d = self.data
        s = 1.0 / (1.0 + math.exp(-d)) if d >= 0 else math.exp(d) / (1.0 + math.exp(d))
        out = Value(s, (self,), "sigmoid")

        def backward():
            self.grad += s * (1.0 - s) * out.grad

        out._backward = backward
        return out

    def exp(self):
        e = math.exp(self.data)
        out = Value(e, (self,), "exp")

        def backward():
            self.grad += e * out.grad

        out._backward = backward
        return out

    def log(self):
        if self.data <= 0:
            raise ValueError(f"Value.log: the argument must be > 0, got {self.data:g}")
        out = Value(math.log(self.data), (self,), "log")

        def backward():
            self.grad += out.grad / self.data

        out._backward = backward
        return out

    # --- the reflected operators: 2 * v, 1 - v, ... ---

    def __neg__(self):
        out = Value(-self.data, (self,), "neg")

        def backward():
            self.grad -= out.grad

        out._backward = backward
        return out

    def __sub__(self, other):
        other = self._lift(other, "-")
        out = Value(self.data - other.data, (self, other), "-")

        def backward():
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = backward
        return out

    def __truediv__(self, other):
        other = self._lift(other, "/")
        if other.data == 0:
            raise ZeroDivisionError("Value /: division by a Value whose data is 0")
        out = Value(self.data / other.data, (self, other), "/")

        def backward():
            self.grad += out.grad / other.data
            other.grad -= self.data / other.data**2 * out.grad

        out._backward = backward
        return out

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
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for parent in node.parents:
                if id(parent) not in seen:
                    stack.append((parent, False))
        return order

    def backward(self) -> None:
        """Fill ``grad`` of every node in the graph with d(self)/d(node).

        Gradients accumulate (``+=``), so a node used twice gets both
        contributions, and a second ``backward()`` adds to the first, as in
        PyTorch: call ``zero_grad()`` in between.
        """
        order = self.topological_order()
        self.grad = 1.0
        for node in reversed(order):
            if node._backward is not None:
                node._backward()

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and every node it depends on."""
        for node in self.topological_order():
            node.grad = 0.0
