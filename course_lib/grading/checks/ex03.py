"""Self-checks for ex03, gradient descent: sgd_step, train, learning_rate."""

from __future__ import annotations

import numpy as np

from course_lib.grading.checks.base import Check
from course_lib.grading.checks.ex01 import article_params
from course_lib.grading.hidden import Fail, expect_array, expect_dict, expect_float, expect_list
from course_lib.grading.language import N_, translator

__all__ = ["sgd_step", "train", "learning_rate"]

_ = translator("grading")

BLOCKED = ("course_lib", "torch", "micrograd", "sympy")
KEYS = ["W1", "b1", "W2", "b2"]
ARTICLE_GRADS = {
    "W1": np.array([[-0.6066, -0.674], [-0.72792, -0.8088]]),
    "b1": np.array([-0.674, -0.8088]),
    "W2": np.array([[-0.78184, -1.42888]]),
    "b2": np.array([-1.348]),
}


def _sgd_article(call):
    got = expect_dict(call("sgd_step", article_params(), ARTICLE_GRADS, 0.1), KEYS, "sgd_step")
    what = _("sgd_step on the article's example")
    expect_array(got["W2"], [[0.578184, 0.742888]], f"{what}: 'W2'")
    expect_array(got["b2"], [0.5348], f"{what}: 'b2'")


def _sgd_zero_lr_like(call):
    params = article_params()
    zeros = {k: np.zeros_like(v) for k, v in params.items()}
    what = _("sgd_step with zero gradients")
    got = expect_dict(call("sgd_step", params, zeros, 0.5), KEYS, what)
    for key in KEYS:
        expect_array(
            got[key], params[key], _("{what}: {key} (unchanged)", what=what, key=repr(key))
        )


def _sgd_no_mutation(call):
    params, grads = article_params(), {k: v.copy() for k, v in ARTICLE_GRADS.items()}
    call.namespace["sgd_step"](params, grads, 0.1)
    if not all(np.array_equal(params[k], article_params()[k]) for k in KEYS):
        raise Fail(_("sgd_step changed the params dict it was given; return a new dict instead"))


sgd_step = Check(
    ["sgd_step"],
    [_sgd_article, _sgd_zero_lr_like, _sgd_no_mutation],
    [
        N_("Gradient descent moves each parameter against its gradient, scaled by lr."),
        N_("A dict comprehension over params: {name: params[name] - lr * grads[name] ...}."),
    ],
    points=2,
    blocked=BLOCKED,
)


def _train_article(call):
    got = expect_list(
        call("train", np.array([0.9, 1.0]), 2.0, article_params(), 0.1, 3), 3, "train(..., 3)"
    )
    expect_float(got[0], 0.454276, _("train(x, y, params, 0.1, 3)[0], the loss before any update"))
    if not all(type(v) is float for v in got):
        raise Fail(_("train should return a list of Python floats"))
    if not got[0] > got[1] > got[2]:
        raise Fail(
            _("with lr = 0.1 the loss should go down at every epoch on the article's example")
        )


def _train_length(call):
    got = call("train", np.array([0.9, 1.0]), 2.0, article_params(), 0.05, 7)
    expect_list(got, 7, "train(x, y, params, 0.05, 7)")


train = Check(
    ["train"],
    [_train_article, _train_length],
    [
        N_("Each epoch: compute the loss (forward, then mse_loss), remember it, then update."),
        N_(
            "The update needs the gradients at the current parameters: your backward gives them, "
            "your sgd_step uses them. Keep the new parameters for the next epoch."
        ),
    ],
    points=3,
    blocked=BLOCKED,
)


def _learning_rate(call):
    lr = call.get("LEARNING_RATE")
    if type(lr) not in (float, int) or not lr > 0:
        raise Fail(_("LEARNING_RATE should be a positive number, not {value}", value=repr(lr)))
    train_fn = call.namespace.get("train")
    if callable(train_fn):
        losses = train_fn(np.array([0.9, 1.0]), 2.0, article_params(), lr, 50)
        if not losses[-1] < 1e-3:
            raise Fail(
                _("with LEARNING_RATE = {lr}, your train() ends at {loss}", lr=lr,
                  loss=f"{losses[-1]:.3g}")
            )  # fmt: skip


learning_rate = Check(
    ["LEARNING_RATE"],
    [_learning_rate],
    [
        N_("Try 0.001, 0.01, 0.1 and 1.0 with train(x, y, params, lr, 50) and compare."),
        N_("Too small barely moves in 50 epochs; too large overshoots and the loss grows."),
    ],
    points=1,
    blocked=BLOCKED,
)
