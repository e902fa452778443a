"""Self-checks for ex01, the forward pass: ``ex01.relu.check()``, ``ex01.forward.check()``."""

from __future__ import annotations

import numpy as np

from course_lib.grading.checks.base import Check
from course_lib.grading.hidden import Fail, expect_array, expect_dict, expect_float
from course_lib.grading.language import N_, translator

__all__ = ["relu", "forward", "article_params"]

_ = translator("grading")

BLOCKED = ("course_lib", "torch", "micrograd", "sympy")


def article_params() -> dict:
    """The article's 2-2-1 parameters, a fresh copy."""
    return {
        "W1": np.array([[0.2, 0.3], [0.4, 0.5]]),
        "b1": np.array([0.1, 0.2]),
        "W2": np.array([[0.5, 0.6]]),
        "b2": np.array([0.4]),
    }


def _relu_example(call):
    got = call("relu", np.array([-2.0, 0.0, 3.5]))
    expect_array(got, [0.0, 0.0, 3.5], "relu(np.array([-2.0, 0.0, 3.5]))", atol=0)


def _relu_shape(call):
    z = np.array([[1.0, -1.0], [-0.5, 2.0]])
    got = call("relu", z)
    if type(got) is np.ndarray and got.shape != z.shape:
        raise Fail(
            _("relu should keep the shape of z: got {got} for shape {shape}", got=got.shape,
              shape=z.shape)
        )  # fmt: skip
    expect_array(got, np.where(z > 0, z, 0.0), _("relu of a 2x2 array"), atol=0)


def _relu_no_mutation(call):
    ns_fn = call.namespace["relu"]
    z = np.array([-1.0, 2.0])
    ns_fn(z)
    if z[0] != -1.0:
        raise Fail(_("relu changed its input z in place; return a new array instead"))


relu = Check(
    ["relu"],
    [_relu_example, _relu_shape, _relu_no_mutation],
    [
        N_("ReLU keeps positive numbers and replaces the others by 0."),
        N_(
            "numpy has a function that takes the element-wise larger of two arrays (or of an "
            "array and a number)."
        ),
        N_("np.maximum(z, 0.0) is one line; np.where(z > 0, z, 0.0) is another."),
    ],
    points=1,
    blocked=BLOCKED,
)


def _forward_keys(call):
    got = call("forward", np.array([0.9, 1.0]), article_params())
    expect_dict(got, ["z1", "a1", "z2", "y_hat"], "forward(x, params)")


def _forward_article(call):
    got = call("forward", np.array([0.9, 1.0]), article_params())
    what = _("forward on the article's example")
    expect_array(got["z1"], [0.58, 1.06], f"{what}: z1")
    expect_array(got["a1"], [0.58, 1.06], f"{what}: a1")
    expect_array(got["z2"], [1.326], f"{what}: z2")
    expect_float(got["y_hat"], 1.326, f"{what}: y_hat")


def _forward_relu(call):
    params = article_params()
    params["b1"] = np.array([-5.0, -5.0])  # both hidden neurons off: the output is just b2
    got = call("forward", np.array([0.9, 1.0]), params)
    expect_dict(got, ["z1", "a1", "z2", "y_hat"], "forward(x, params)")
    expect_array(got["a1"], [0.0, 0.0], _("a1 when both pre-activations are negative"))
    expect_float(got["y_hat"], 0.4, _("y_hat when both hidden neurons are off (it should be b2)"))


forward = Check(
    ["forward"],
    [_forward_keys, _forward_article, _forward_relu],
    [
        N_(
            "Hidden layer: z1 = W1 @ x + b1 (W1 has one row per hidden neuron), then a1 = relu(z1)."
        ),
        N_(
            "Output layer: z2 = W2 @ a1 + b2 has shape (1,); the output is linear, so y_hat is "
            "z2's only number."
        ),
        N_("y_hat must be a Python float: float(z2[0])."),
    ],
    points=3,
    blocked=BLOCKED,
)
