"""Gradient checking: compare analytic gradients with central differences.

In float64 with ``eps=1e-6``, a correct gradient gives a relative error of
about 1e-10 to 1e-8 on smooth functions. Around 1e-7 is fine, 1e-4 or more
is suspicious (unless the function has a kink, such as ReLU at 0, within
``eps`` of the point), and 1e-2 or more means a bug. The course's tests ask
for below 1e-7.

>>> import numpy as np
>>> params = {"w": np.array([3.0])}
>>> numeric = numerical_gradients(lambda: float(params["w"][0] ** 2), params)
>>> relative_error({"w": np.array([6.0])}, numeric) < 1e-8
True
"""

from __future__ import annotations

import numpy as np

from course_lib._validate import positive_number

__all__ = ["numerical_gradients", "relative_error", "check_mlp"]


def numerical_gradients(f, params: dict, eps: float = 1e-6) -> dict[str, np.ndarray]:
    """d f() / d p by central differences, for every entry of every array in ``params``.

    ``f`` takes no arguments and reads ``params``, which are nudged in place
    and restored. Cost: two calls of ``f`` per number.
    """
    eps = positive_number("eps", eps)
    if not callable(f):
        raise TypeError(f"f must be a function of no arguments, got {type(f).__name__}")
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of numpy arrays, got {type(params).__name__}")
    grads = {}
    for name, p in params.items():
        if not isinstance(p, np.ndarray) or p.dtype != np.float64:
            raise TypeError(f"params[{name!r}] must be a float64 numpy array")
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = f()
            p[idx] = old - eps
            down = f()
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
        grads[name] = g
    return grads


def relative_error(analytic, numeric) -> float:
    """max |a - n| / max(1e-8, |a| + |n|) over every entry (dicts of arrays or arrays)."""
    if isinstance(analytic, dict) or isinstance(numeric, dict):
        if not (isinstance(analytic, dict) and isinstance(numeric, dict)):
            raise TypeError("analytic and numeric must both be dicts, or both arrays")
        if set(analytic) != set(numeric):
            raise ValueError(
                f"analytic and numeric must have the same keys, got {sorted(analytic)} "
                f"and {sorted(numeric)}"
            )
        return max((relative_error(analytic[k], numeric[k]) for k in analytic), default=0.0)
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"analytic and numeric must have one shape, got {a.shape} and {n.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))))


def check_mlp(net, x, y, loss: str = "mse", eps: float = 1e-6) -> float:
    """Relative error between ``net``'s manual backprop and central differences."""
    _, analytic = net.gradients(x, y, loss)
    numeric = numerical_gradients(lambda: net.loss(x, y, loss), net.params, eps)
    return relative_error(analytic, numeric)
