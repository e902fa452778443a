"""Self-checks for ex02, the backward pass: mse_loss, relu_grad, backward."""

from __future__ import annotations

import numpy as np

from course_lib.grading.checks.base import Check, numeric_gradient
from course_lib.grading.checks.ex01 import article_params
from course_lib.grading.hidden import Fail, expect_array, expect_dict, expect_float, expect_tuple
from course_lib.grading.language import N_, translator

__all__ = ["mse_loss", "relu_grad", "backward"]

_ = translator("grading")

BLOCKED = ("course_lib", "torch", "micrograd", "sympy")
KEYS = ["W1", "b1", "W2", "b2"]


def _mse_article(call):
    loss, grad = expect_tuple(call("mse_loss", 1.326, 2.0), 2, "mse_loss(1.326, 2.0)")
    expect_float(loss, 0.454276, _("mse_loss(1.326, 2.0)[0], the loss"))
    expect_float(grad, -1.348, _("mse_loss(1.326, 2.0)[1], the derivative"))


def _mse_numeric(call):
    y_hat, y = np.array([0.3]), 1.7
    _, grad = expect_tuple(call("mse_loss", 0.3, y), 2, "mse_loss(0.3, 1.7)")
    numeric = numeric_gradient(lambda: call("mse_loss", float(y_hat[0]), y)[0], y_hat)
    if type(grad) is float and not np.isclose(grad, numeric[0], rtol=1e-5):
        raise Fail(
            _(
                "mse_loss's derivative does not match the slope of its own loss at y_hat = 0.3, "
                "y = 1.7 (checked by finite differences)"
            )
        )


mse_loss = Check(
    ["mse_loss"],
    [_mse_article, _mse_numeric],
    [
        N_("The loss is the squared difference; its derivative by the power rule."),
        N_("d/dy_hat (y_hat - y)^2 = 2 (y_hat - y). Return both as floats, in a tuple."),
    ],
    points=1,
    blocked=BLOCKED,
)


def _relu_grad_example(call):
    got = call("relu_grad", np.array([-1.0, 0.0, 2.5]))
    expect_array(got, [0.0, 0.0, 1.0], "relu_grad(np.array([-1.0, 0.0, 2.5]))", atol=0)


def _relu_grad_shape(call):
    z = np.array([[0.5, -0.5], [2.0, -3.0]])
    expect_array(call("relu_grad", z), (z > 0) * 1.0, _("relu_grad of a 2x2 array"), atol=0)


relu_grad = Check(
    ["relu_grad"],
    [_relu_grad_example, _relu_grad_shape],
    [
        N_("ReLU is z where z > 0 and 0 elsewhere: its slope is 1 on one side, 0 on the other."),
        N_("A comparison z > 0 gives booleans; .astype(np.float64) makes them 1.0 and 0.0."),
    ],
    points=1,
    blocked=BLOCKED,
)


def _loss_of(forward, x, y, params):
    return (forward(x, params)["y_hat"] - y) ** 2


def _backward_article(call):
    got = call("backward", np.array([0.9, 1.0]), 2.0, article_params())
    expect_dict(got, KEYS, "backward(x, y, params)")
    want = {
        "W1": [[-0.6066, -0.674], [-0.72792, -0.8088]],
        "b1": [-0.674, -0.8088],
        "W2": [[-0.78184, -1.42888]],
        "b2": [-1.348],
    }
    for key in KEYS:
        expect_array(
            got[key], want[key], _("backward on the article's example: {key}", key=repr(key))
        )


def _backward_numeric(call):
    forward = call.namespace.get("forward")
    if not callable(forward):
        raise Fail(_("run the cell that defines the given forward() first"))
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=2), 0.5
    params = {
        "W1": rng.normal(size=(2, 2)),
        "b1": np.array([0.3, -0.2]),
        "W2": rng.normal(size=(1, 2)),
        "b2": rng.normal(size=1),
    }
    got = expect_dict(call("backward", x, y, params), KEYS, "backward")
    for key in KEYS:
        numeric = numeric_gradient(lambda: _loss_of(forward, x, y, params), params[key])
        what = _("backward on a random case: {key} (checked by finite differences)", key=repr(key))
        expect_array(got[key], numeric, what, rtol=1e-4, atol=1e-6)


backward = Check(
    ["backward"],
    [_backward_article, _backward_numeric],
    [
        N_(
            "Start from d_y_hat = mse_loss(y_hat, y)[1]; the output is linear, so dL/dz2 = d_y_hat."
        ),
        N_(
            "Each gradient has its parameter's shape. dW2 is (1, 2): which product of d_z2 "
            "(shape (1,)) and a1 (shape (2,)) gives that shape? Entry [i, j] is d_z2[i] * a1[j]."
        ),
        N_(
            "Going back through W2, each hidden neuron k receives d_z2 times the weight that joins "
            "it to the output. Through ReLU: multiply by relu_grad(z1). dW1 then follows the same "
            "pattern as dW2, with x in place of a1."
        ),
    ],
    points=4,
    blocked=BLOCKED,
)
