"""The article's examples, as data.

Source: "Forward Pass & Backpropagation: Neural Networks 101" (Towards Data
Science, November 2023). The numbers the article *states* are kept apart
from the numbers course_lib *computes*, so the course can set them side by
side: ``STATED_NEXT_PREDICTION`` (1.618296) is not what any standard loss
convention gives (see ``course_lib.walkthrough``).

>>> ARTICLE.x, ARTICLE.y, ARTICLE.lr
((0.9, 1.0), 2.0, 0.1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ARTICLE",
    "GRAPH",
    "STATED_PREDICTION",
    "STATED_NEXT_PREDICTION",
    "article_params",
    "article_mlp",
]


@dataclass(frozen=True)
class TwoTwoOne:
    """The 2-2-1 network of the article: two inputs, two ReLU hidden neurons, one linear output."""

    x: tuple = (0.9, 1.0)
    y: float = 2.0
    W1: tuple = ((0.2, 0.3), (0.4, 0.5))  # row k: the weights into hidden neuron k
    b1: tuple = (0.1, 0.2)
    W2: tuple = ((0.5, 0.6),)  # the output neuron's weights from the two hidden neurons
    b2: tuple = (0.4,)
    lr: float = 0.1
    activation: str = "relu"


@dataclass(frozen=True)
class GraphExample:
    """f(x, y, z) = (x - y) * z with p = x - y, and one gradient step with h = 0.1.

    The article's figure with the starting values is lost; it says only that
    one step moves x to 3.7. x = 4 and z = 3 are consistent with that
    (4 - 0.1 * 3 = 3.7); y = 2 is our choice.
    """

    x: float = 4.0
    y: float = 2.0
    z: float = 3.0
    h: float = 0.1
    stated_new_x: float = 3.7


ARTICLE = TwoTwoOne()
GRAPH = GraphExample()

STATED_PREDICTION = 1.326  # the article's first prediction: correct
STATED_NEXT_PREDICTION = 1.618296  # the article's prediction after one update: not reproducible
STATED_LOSS = "mean squared error"  # what the article says it uses (nn.MSELoss in its code)


def article_params() -> dict[str, np.ndarray]:
    """A fresh copy of the article's parameters as float64 arrays."""
    return {
        name: np.array(getattr(ARTICLE, name), dtype=np.float64)
        for name in ("W1", "b1", "W2", "b2")
    }


def article_mlp():
    """The article's network, ``MLP([2, 2, 1], 'relu')`` with its fixed weights."""
    from course_lib.mlp import MLP

    return MLP([2, 2, 1], ARTICLE.activation, params=article_params())
