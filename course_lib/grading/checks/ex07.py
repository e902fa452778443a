"""Self-checks for ex07, the backward pass for a batch: mse, forward, backward."""

from __future__ import annotations

import numpy as np

from course_lib.grading.checks.base import Check, numeric_gradient
from course_lib.grading.hidden import Fail, expect_array, expect_dict, expect_float
from course_lib.grading.language import N_, translator

__all__ = ["mse", "forward", "backward"]

_ = translator("grading")

BLOCKED = ("course_lib", "torch", "micrograd", "sympy")


def _network(sizes, n, seed):
    rng = np.random.default_rng(seed)
    params = {}
    for i in range(1, len(sizes)):
        params[f"W{i}"] = rng.normal(size=(sizes[i], sizes[i - 1]))
        params[f"b{i}"] = rng.normal(size=sizes[i])
    return params, rng.normal(size=(n, sizes[0])), rng.normal(size=(n, 1))


def _mse_example(call):
    y_hat, y = np.array([[1.0], [2.0]]), np.array([[0.0], [4.0]])
    got = call("mse_batch", y_hat, y)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Fail(_("mse_batch should return a pair (loss, d_y_hat)"))
    expect_float(got[0], (1.0 + 4.0) / 2, _("the loss for y_hat = [[1], [2]], y = [[0], [4]]"))
    expect_array(got[1], [[1.0], [-2.0]], _("d_y_hat for y_hat = [[1], [2]], y = [[0], [4]]"))


def _mse_slope(call):
    rng = np.random.default_rng(4)
    y_hat, y = rng.normal(size=(7, 1)), rng.normal(size=(7, 1))
    got = call("mse_batch", y_hat, y)[1]
    fn = call.namespace["mse_batch"]
    slope = numeric_gradient(lambda: fn(y_hat, y)[0], y_hat)
    expect_array(got, slope, _("d_y_hat for N = 7 (checked by finite differences of your loss)"),
                 rtol=1e-5, atol=1e-7)  # fmt: skip


def _forward_shapes(call):
    params, X, _y = _network([3, 4, 5, 1], 6, 1)
    keys = ["a0", "z1", "a1", "z2", "a2", "z3", "a3"]
    got = expect_dict(call("forward_batch", X, params), keys, _("forward_batch (sizes 3, 4, 5, 1)"))
    for key, width in zip(keys, [3, 4, 4, 5, 5, 1, 1], strict=True):
        if not isinstance(got[key], np.ndarray) or got[key].shape != (6, width):
            shape = getattr(got[key], "shape", None)
            raise Fail(_("cache[{key}] should have shape (6, {width}): one row per example "
                         "for N = 6; it has {shape}", key=repr(key), width=width,
                         shape=shape))  # fmt: skip


def _forward_values(call):
    params, X, _y = _network([2, 3, 1], 4, 2)
    got = call("forward_batch", X, params)
    z1 = X @ params["W1"].T + params["b1"]
    expect_array(got["z1"], z1, _("cache['z1'] for sizes 2, 3, 1"))
    expect_array(got["a1"], np.maximum(z1, 0.0), _("cache['a1'] (ReLU of z1)"))
    z2 = np.maximum(z1, 0.0) @ params["W2"].T + params["b2"]
    expect_array(got["a2"], z2, _("cache['a2'] (the output layer is linear)"))


def _backward_shapes_and_slopes(call):
    forward, mse = call.namespace.get("forward_batch"), call.namespace.get("mse_batch")
    if not (callable(forward) and callable(mse)):
        raise Fail(_("run the cells that define forward_batch and mse_batch first"))
    for sizes, n in (([3, 4, 1], 5), ([2, 3, 3, 1], 1)):
        params, X, y = _network(sizes, n, 3)
        cache = forward(X, params)
        d_y_hat = mse(cache[f"a{len(sizes) - 1}"], y)[1]
        got = expect_dict(call("backward_batch", params, cache, d_y_hat), list(params), "grads")
        for name, p in params.items():
            g = got[name]
            if isinstance(g, np.ndarray) and g.shape != p.shape:
                raise Fail(_("for sizes {sizes} and N = {n}, dL/d{name} should have {name}'s "
                             "shape {shape}, but it has shape {got}", sizes=sizes, n=n,
                             name=name, shape=p.shape, got=g.shape))  # fmt: skip

            out = f"a{len(sizes) - 1}"
            numeric = numeric_gradient(lambda: mse(forward(X, params)[out], y)[0], params[name])  # noqa: B023
            what = _("dL/d{name} for sizes {sizes}, N = {n} (checked by finite differences)",
                     name=name, sizes=sizes, n=n)  # fmt: skip
            expect_array(g, numeric, what, rtol=1e-4, atol=1e-6)


mse = Check(
    ["mse_batch"],
    [_mse_example, _mse_slope],
    [
        N_("The loss is the mean of the squared differences: a float."),
        N_("Each y_hat_i appears in one term of the mean, with weight 1/N."),
    ],
    points=1,
    blocked=BLOCKED,
)

forward = Check(
    ["forward_batch"],
    [_forward_shapes, _forward_values],
    [
        N_("Loop over the layers from 1 to L, keeping every z and a in the cache."),
        N_(
            "X has one row per example and W one row per output, so the weighted sums need W "
            "transposed; the bias broadcasts over the rows."
        ),
    ],
    points=2,
    blocked=BLOCKED,
)

backward = Check(
    ["backward_batch"],
    [_backward_shapes_and_slopes],
    [
        N_(
            "Go from the last layer to the first. Each gradient has its parameter's shape: "
            "(outputs, inputs) for a weight, (outputs,) for a bias."
        ),
        N_(
            "dZ is (N, outputs) and the layer's input (N, inputs): which product of the two has "
            "shape (outputs, inputs)? The bias is added to every row, so its gradient collects "
            "every row."
        ),
        N_(
            "Going down a layer: through the weights, then ReLU lets the gradient through only "
            "where z was positive."
        ),
    ],
    points=3,
    blocked=BLOCKED,
)
