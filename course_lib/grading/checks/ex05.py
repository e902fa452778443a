"""Self-checks for ex05, PyTorch equivalence: torch_gradients, torch_sgd_step, max_abs_difference.

They compare with the notebook's given ``manual_backward``: that is the point of the exercise.
"""

from __future__ import annotations

import numpy as np

from course_lib.grading.checks.base import Check
from course_lib.grading.checks.ex01 import article_params
from course_lib.grading.hidden import Fail, expect_array, expect_dict, expect_float
from course_lib.grading.language import N_, translator

__all__ = ["torch_gradients", "torch_sgd_step", "max_abs_difference"]

_ = translator("grading")

BLOCKED = ("course_lib", "micrograd")
KEYS = ["W1", "b1", "W2", "b2"]


def _cases():
    rng = np.random.default_rng(11)
    random = {
        "W1": rng.normal(size=(2, 2)),
        "b1": np.array([0.4, -0.3]),
        "W2": rng.normal(size=(1, 2)),
        "b2": rng.normal(size=1),
    }
    return [(N_("the article's example"), np.array([0.9, 1.0]), 2.0, article_params()),
            (N_("a random case"), rng.normal(size=2), -0.5, random)]  # fmt: skip


def _manual(call):
    manual = call.namespace.get("manual_backward")
    if not callable(manual):
        raise Fail(_("run the cell that defines the given manual_backward() first"))
    return manual


def _gradients_match(call):
    manual = _manual(call)
    for label, x, y, params in _cases():
        got = expect_dict(call("torch_gradients", x, y, params), KEYS, "torch_gradients")
        want = manual(x, y, params)
        for key in KEYS:
            what = _("torch_gradients on {case}: {key} (compared with manual_backward)",
                     case=_(label), key=repr(key))  # fmt: skip
            expect_array(got[key], want[key], what, rtol=1e-9, atol=1e-12)


torch_gradients = Check(
    ["torch_gradients"],
    [_gradients_match],
    [
        N_(
            "Two nn.Linear(..., dtype=torch.float64) layers with nn.ReLU() between them; copy the "
            "weights in with layer.weight.copy_(torch.as_tensor(...)) inside torch.no_grad()."
        ),
        N_(
            "nn.MSELoss()(y_hat, torch.tensor([y], dtype=torch.float64)).backward(), then read "
            "layer.weight.grad and layer.bias.grad."
        ),
        N_("Return numpy arrays: tensor.grad.detach().numpy(). The dtype must be float64."),
    ],
    points=3,
    blocked=BLOCKED,
    part=("ex05_pytorch_equivalence", "torch_gradients"),
)


def _step_matches(call):
    manual = _manual(call)
    for label, x, y, params in _cases():
        before = {k: v.copy() for k, v in params.items()}
        got = expect_dict(call("torch_sgd_step", x, y, params, 0.1), KEYS, "torch_sgd_step")
        grads = manual(x, y, before)
        for key in KEYS:
            what = _("torch_sgd_step on {case} with lr = 0.1: {key}", case=_(label), key=repr(key))
            expect_array(got[key], before[key] - 0.1 * grads[key], what, rtol=1e-9, atol=1e-12)


torch_sgd_step = Check(
    ["torch_sgd_step"],
    [_step_matches],
    [
        N_("Build the model as in part 1, then opt = torch.optim.SGD(model.parameters(), lr=lr)."),
        N_("opt.zero_grad(); loss.backward(); opt.step(); then read the parameters back as numpy."),
    ],
    points=2,
    blocked=BLOCKED,
    part=("ex05_pytorch_equivalence", "torch_sgd_step"),
)


def _difference_example(call):
    got = call("max_abs_difference", {"w": np.array([1.0, 2.0])}, {"w": np.array([1.5, 2.0])})
    expect_float(got, 0.5, _("max_abs_difference on the worked example"))


def _difference_keys(call):
    a = {"p": np.array([[1.0, -1.0]]), "q": np.array([0.0])}
    b = {"p": np.array([[1.0, 2.0]]), "q": np.array([0.5])}
    expect_float(call("max_abs_difference", a, b), 3.0, _("max_abs_difference over two keys"))


max_abs_difference = Check(
    ["max_abs_difference"],
    [_difference_example, _difference_keys],
    [
        N_(
            "Compare the two dicts key by key: the largest absolute difference within each "
            "array, then the largest of those."
        ),
        N_("Return a Python float: float(...)."),
    ],
    points=1,
)
