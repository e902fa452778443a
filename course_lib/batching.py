"""Training on a data set in batches, and what the forward pass keeps for the backward pass
(notebook 08).

>>> import numpy as np
>>> from course_lib.mlp import MLP
>>> X = np.zeros((10, 2)); y = np.zeros(10)
>>> net = MLP([2, 3, 1], rng=np.random.default_rng(0))
>>> run = train_minibatches(net, X, y, lr=0.1, epochs=2, batch_size=4)
>>> run.updates, len(run.losses)      # 3 batches (4, 4, 2) per epoch
(6, 3)
>>> cache_nbytes([2, 3, 1], batch=10)  # a0 (10x2), z1, a1 (10x3 each), z2, a2 (10x1 each)
800
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from course_lib._validate import count
from course_lib.mlp import MLP

__all__ = ["MinibatchRun", "train_minibatches", "cache_nbytes"]


@dataclass
class MinibatchRun:
    """``losses[k]``: the loss on the whole data set before epoch k+1 (and after the last)."""

    losses: list[float] = field(default_factory=list)
    updates: int = 0


def train_minibatches(
    net: MLP, x, y, *, lr: float, epochs: int, batch_size: int, seed: int = 0, loss: str = "mse"
) -> MinibatchRun:
    """Mini-batch SGD: each epoch shuffles the examples (seeded) and takes one step per batch.

    ``batch_size`` equal to the number of examples is full-batch gradient descent.
    """
    epochs, batch_size = count("epochs", epochs), count("batch_size", batch_size, minimum=1)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    rng = np.random.default_rng(seed)
    run = MinibatchRun()
    for _ in range(epochs):
        run.losses.append(net.loss(x, y, loss))
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            rows = order[start : start + batch_size]
            _, grads = net.gradients(x[rows], y[rows], loss)
            net.step(grads, lr)
            run.updates += 1
    run.losses.append(net.loss(x, y, loss))
    return run


def cache_nbytes(sizes, batch: int, seed: int = 0) -> int:
    """Bytes of the arrays the forward pass keeps for the backward pass (float64),
    for a network of layer ``sizes`` on a batch of ``batch`` examples: measured on a real
    forward pass, not computed from a formula."""
    batch = count("batch", batch, minimum=1)
    net = MLP(list(sizes), rng=np.random.default_rng(seed))
    x = np.random.default_rng(seed).normal(size=(batch, sizes[0]))
    _, cache = net.forward(x)
    return int(sum(value.nbytes for value in cache.values()))
