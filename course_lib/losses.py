"""Loss functions, each with its convention in its name.

Each returns ``(loss, dL/dy_hat)``; ``dL/dy_hat`` has the shape of ``y_hat``.

=========  =================================  =======================
name       loss                               dL/dy_hat
=========  =================================  =======================
mse        mean of (y - y_hat)^2              -2 (y - y_hat) / N
sse        sum of (y - y_hat)^2               -2 (y - y_hat)
half_sse   1/2 sum of (y - y_hat)^2           -(y - y_hat)
=========  =================================  =======================

``mse`` is PyTorch's ``nn.MSELoss()`` (N counts every element); with one
output and one sample it equals ``sse``.

>>> loss, grad = mse([1.326], [2.0])
>>> round(loss, 6), [round(float(g), 6) for g in grad]
(0.454276, [-1.348])
"""

from __future__ import annotations

import numpy as np

from course_lib._validate import choice, finite_array
from course_lib.i18n import translator

__all__ = ["mse", "sse", "half_sse", "LOSSES", "get_loss"]

_ = translator("course")


def _pair(y_hat, y):
    y_hat = finite_array("y_hat", y_hat)
    y = finite_array("y", y)
    if y.shape != y_hat.shape:
        try:
            y = np.broadcast_to(y, y_hat.shape)
        except ValueError:
            raise ValueError(
                _(
                    "y must have the shape of y_hat {shape}, got shape {got}",
                    shape=y_hat.shape,
                    got=y.shape,
                )
            ) from None
    return y_hat, y


def _mse(y_hat, y):
    diff = y_hat - y
    return float(np.vdot(diff, diff)) / diff.size, (2.0 / diff.size) * diff


def _sse(y_hat, y):
    diff = y_hat - y
    return float(np.vdot(diff, diff)), 2.0 * diff


def _half_sse(y_hat, y):
    diff = y_hat - y
    return 0.5 * float(np.vdot(diff, diff)), diff


def mse(y_hat, y):
    """Mean squared error, as ``torch.nn.MSELoss()``: returns (loss, dL/dy_hat)."""
    return _mse(*_pair(y_hat, y))


def sse(y_hat, y):
    """Sum of squared errors: returns (loss, dL/dy_hat)."""
    return _sse(*_pair(y_hat, y))


def half_sse(y_hat, y):
    """Half the sum of squared errors (the textbook convention): returns (loss, dL/dy_hat)."""
    return _half_sse(*_pair(y_hat, y))


LOSSES = {"mse": mse, "sse": sse, "half_sse": half_sse}
UNCHECKED = {"mse": _mse, "sse": _sse, "half_sse": _half_sse}  # for callers that checked already


def get_loss(name: str):
    """The loss function called ``name`` ('mse', 'sse' or 'half_sse')."""
    return LOSSES[choice("loss", name, tuple(LOSSES))]
