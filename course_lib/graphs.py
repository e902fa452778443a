"""The course's computational graphs, built from ``Value`` and labelled for drawing.

``graph_example()`` is the article's f = (x - y) * z; ``article_graph()`` is
the 2-2-1 network's forward pass and loss, one ``Value`` per number, so that
``backward()`` on it gives the gradients that ``MLP.backward`` computes by
hand. Both return the output node with every gradient still zero.

>>> f = graph_example()
>>> f.backward()
>>> nodes = by_label(f)
>>> f.data, nodes["x"].grad, nodes["y"].grad, nodes["z"].grad
(6.0, 3.0, -3.0, 2.0)
>>> L = article_graph()
>>> round(by_label(L)["y_hat"].data, 6), round(L.data, 6)
(1.326, 0.454276)
"""

from __future__ import annotations

import numpy as np

from course_lib._validate import choice, finite_array
from course_lib.article import ARTICLE, GRAPH, article_params
from course_lib.i18n import translator
from course_lib.value import Value

__all__ = ["graph_example", "article_graph", "by_label", "parameter_grads", "GRAPH_LOSSES"]

_ = translator("course")

GRAPH_LOSSES = ("mse", "sse", "half_sse")
_ACTIVATIONS = ("relu", "tanh", "sigmoid")


def graph_example(x: float = GRAPH.x, y: float = GRAPH.y, z: float = GRAPH.z) -> Value:
    """f = p * z with p = x - y (the article's example); returns f.

    The article's figure with the starting values is lost; the defaults
    x = 4, y = 2, z = 3 are consistent with its step x -> 3.7 (see
    ``course_lib.article.GRAPH``).
    """
    xv, yv, zv = Value(x, label="x"), Value(y, label="y"), Value(z, label="z")
    p = xv - yv
    p.label = "p"
    f = p * zv
    f.label = "f"
    return f


def _labelled(value: Value, label: str) -> Value:
    value.label = label
    return value


def article_graph(
    loss: str = "mse",
    *,
    params: dict | None = None,
    x=None,
    y=None,
    activation: str = "relu",
) -> Value:
    """The 2-2-1 network's forward pass and loss as a graph of Values; returns L.

    Defaults are the article's numbers (``params``, ``x``, ``y``); pass your
    own to build the same graph for other numbers. ``loss`` is 'mse', 'sse'
    (both (y - y_hat)^2 for one output) or 'half_sse' (1/2 (y - y_hat)^2).
    Labels follow the article: ``w1_12`` is the weight from input 2 into
    hidden neuron 1 (``W1[0, 1]``), ``z1_1``/``a1_1`` the first hidden
    neuron's sum and activation, ``y_hat`` the prediction, ``L`` the loss.
    """
    choice("loss", loss, GRAPH_LOSSES)
    choice("activation", activation, _ACTIVATIONS)
    p = article_params() if params is None else params
    if not isinstance(p, dict) or not {"W1", "b1", "W2", "b2"} <= set(p):
        raise TypeError(_("params must be a dict with the keys 'W1', 'b1', 'W2', 'b2'"))
    shapes = {"W1": (2, 2), "b1": (2,), "W2": (1, 2), "b2": (1,)}
    arrays = {}
    for name, shape in shapes.items():
        arr = finite_array(f"params[{name!r}]", p[name])
        if arr.size != int(np.prod(shape)):
            raise ValueError(
                _(
                    "params[{name!r}] must have shape {shape}, got {got}",
                    name=name,
                    shape=shape,
                    got=arr.shape,
                )
            )
        arrays[name] = arr.reshape(shape)
    xs = finite_array("x", ARTICLE.x if x is None else x).ravel()
    if xs.shape != (2,):
        raise ValueError(_("x must hold 2 inputs, got shape {shape}", shape=xs.shape))
    target = finite_array("y", ARTICLE.y if y is None else y).ravel()
    if target.shape != (1,):
        raise ValueError(
            _("y must be one number (the target), got shape {shape}", shape=target.shape)
        )

    inputs = [Value(float(xs[j]), label=f"x{j + 1}") for j in range(2)]
    hidden = []
    for k in range(2):  # hidden neuron k + 1
        terms = []
        for j in range(2):
            w = Value(float(arrays["W1"][k, j]), label=f"w1_{k + 1}{j + 1}")
            terms.append(_labelled(w * inputs[j], f"w1_{k + 1}{j + 1}·x{j + 1}"))
        s = _labelled(terms[0] + terms[1], f"s1_{k + 1}")
        b = Value(float(arrays["b1"][k]), label=f"b1_{k + 1}")
        z = _labelled(s + b, f"z1_{k + 1}")
        hidden.append(_labelled(getattr(z, activation)(), f"a1_{k + 1}"))
    terms = []
    for k in range(2):
        w = Value(float(arrays["W2"][0, k]), label=f"w2_1{k + 1}")
        terms.append(_labelled(w * hidden[k], f"w2_1{k + 1}·a1_{k + 1}"))
    s = _labelled(terms[0] + terms[1], "s2_1")
    y_hat = _labelled(s + Value(float(arrays["b2"][0]), label="b2_1"), "y_hat")
    error = _labelled(y_hat - Value(float(target[0]), label="y"), "e")
    squared = _labelled(error**2, "e²" if loss == "half_sse" else "L")
    if loss == "half_sse":
        return _labelled(squared * 0.5, "L")
    return squared


def by_label(root: Value) -> dict[str, Value]:
    """Every labelled node of ``root``'s graph, by label (a later duplicate label wins)."""
    if not isinstance(root, Value):
        raise TypeError(_("root must be a Value, got {kind}", kind=type(root).__name__))
    return {node.label: node for node in root.topological_order() if node.label}


def parameter_grads(root: Value) -> dict[str, np.ndarray]:
    """The gradients of an ``article_graph`` as arrays shaped like ``MLP.params``.

    Call ``root.backward()`` first.

    >>> L = article_graph()
    >>> L.backward()
    >>> parameter_grads(L)["b2"].round(6).tolist()
    [-1.348]
    """
    nodes = by_label(root)
    try:
        return {
            "W1": np.array([[nodes[f"w1_{k}{j}"].grad for j in (1, 2)] for k in (1, 2)]),
            "b1": np.array([nodes[f"b1_{k}"].grad for k in (1, 2)]),
            "W2": np.array([[nodes[f"w2_1{k}"].grad for k in (1, 2)]]),
            "b2": np.array([nodes["b2_1"].grad]),
        }
    except KeyError as missing:
        raise ValueError(
            _("root must be an article_graph(); it has no node {missing}", missing=missing)
        ) from None
