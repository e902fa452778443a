"""Self-checks for ex06, the autograd engine: scalar, order, backward, train."""

from __future__ import annotations

import math

from course_lib.grading.checks.base import Check
from course_lib.grading.hidden import Fail, expect_list
from course_lib.grading.language import N_, translator

__all__ = ["scalar", "order", "backward", "train"]

_ = translator("grading")

BLOCKED = ("course_lib", "torch", "micrograd", "sympy")

# c = a * b + a as a spec (parents, local derivatives) at a = 2, b = -3; a is used twice
FORK_SPEC = [([], []), ([], []), ([0, 1], [-3.0, 2.0]), ([2, 0], [1.0, 1.0])]


def _close(x, y) -> bool:
    return isinstance(x, float) and abs(x - y) <= 1e-9 + 1e-6 * abs(y)


def _scalar_worked(call):
    got = expect_list(call("scalar_probe", [["*", 0, 1], ["**", 0, 3]], [2.0, -3.0]), 4, "probe")
    if not (_close(got[0][0], 2.0) and got[0][1] == []):
        raise Fail(_("Scalar(2.0) should have data 2.0 and no local derivatives (no parents)"))
    if not _close(got[2][0], -6.0) or [round(d, 9) for d in got[2][1]] != [-3.0, 2.0]:
        raise Fail(_("for a * b with a = 2, b = -3: data should be -6.0, local (-3.0, 2.0)"))
    if not _close(got[3][0], 8.0) or [round(d, 9) for d in got[3][1]] != [12.0]:
        raise Fail(_("for a ** 3 with a = 2: data should be 8.0 and local (12.0,)"))


def _scalar_each_op(call):
    x, y = 0.7, -1.3
    t = math.tanh(x)
    want = {
        "+": (x + y, [1.0, 1.0]),
        "tanh": (t, [1 - t * t]),
        "relu": (x, [1.0]),
    }
    for op, (data, local) in want.items():
        got = call("scalar_probe", [[op, 0, 1]], [x, y])[-1]
        if not _close(got[0], data):
            raise Fail(
                _("{op} at a = {a}, b = {b}: data {data} is not right", op=op, a=x, b=y,
                  data=repr(got[0]))
            )  # fmt: skip
        if len(got[1]) != len(local) or not all(map(_close, got[1], local)):
            raise Fail(
                _("{op} at a = {a}, b = {b}: the local derivative(s) {local} are not right",
                  op=op, a=x, b=y, local=got[1])
            )  # fmt: skip
    got = call("scalar_probe", [["relu", 1, 0]], [x, y])[-1]
    if got != [0.0, [0.0]]:
        raise Fail(_("relu of a negative number: data 0.0 and local derivative 0.0"))


def _order_fork(call):
    got = call("order_positions", FORK_SPEC)
    if not isinstance(got, list) or sorted(got) != [0, 1, 2, 3]:
        raise Fail(
            _(
                "for c = a * b + a, the order should hold a, b, a * b and c, each once "
                "(positions 0 to 3), got positions {got}",
                got=got,
            )
        )
    if got.index(2) > got.index(3) or got.index(0) > got.index(2) or got[-1] != 3:
        raise Fail(_("for c = a * b + a, a node comes before one of its parents: {got}", got=got))


def _order_deep(call):
    spec = [([], [])] + [([k], [1.0]) for k in range(400)]  # a chain 401 nodes deep
    got = call("order_positions", spec)
    if got != list(range(401)):
        raise Fail(_("for a chain of 401 nodes the order should be the chain itself, input first"))


def _backward_fork(call):
    got = expect_list(call("all_gradients", FORK_SPEC), 4, _("backward on c = a * b + a"))
    if _close(got[0], -3.0) or _close(got[0], 1.0):
        raise Fail(
            _(
                "for c = a * b + a, a.grad keeps only one of its two contributions: "
                "a node used twice must collect both"
            )
        )
    for name, k, want in (("a", 0, -2.0), ("b", 1, 2.0), ("c", 3, 1.0)):
        if not _close(got[k], want):
            raise Fail(
                _("for c = a * b + a at a = 2, b = -3, {name}.grad should be {want}", name=name,
                  want=want)
            )  # fmt: skip


def _backward_twice(call):
    spec = [([], []), ([0, 0], [1.0, 1.0]), ([1, 1], [2.0, 2.0])]  # b = a + a, c = b * b
    got = expect_list(call("all_gradients", spec), 3, _("backward on b = a + a, c = b * b"))
    if not (_close(got[1], 4.0) and _close(got[0], 8.0)):
        raise Fail(_("for b = a + a and c = b * b (b = 1), expect dc/db = 4 and dc/da = 8"))


def _train_worked(call):
    got = expect_list(
        call("train_neuron", [0.5, -1.0], -0.5, [1.2, 0.4], 0.3, 0.02, 3), 3, "train_neuron"
    )
    first = (math.tanh(0.5) + 0.5) ** 2
    if not _close(got[0], first):
        raise Fail(_("the first loss should be (tanh(1.2 * 0.5 + 0.4 * -1.0 + 0.3) + 0.5) ** 2"))
    if not got[2] < got[1] < got[0]:
        raise Fail(_("the loss should fall at every step of this example"))
    w, b = [1.2, 0.4], 0.3  # the same three steps by plain arithmetic
    for k in range(3):
        n = math.tanh(w[0] * 0.5 - w[1] + b)
        if not _close(got[k], (n + 0.5) ** 2):
            raise Fail(
                _(
                    "the loss at step {step} is not what gradient descent gives: check the "
                    "gradients of w and b, and that each step starts from the updated numbers",
                    step=k + 1,
                )
            )
        g = 2 * (n + 0.5) * (1 - n * n)
        w, b = [w[0] - 0.02 * g * 0.5, w[1] + 0.02 * g], b - 0.02 * g


scalar = Check(
    ["Scalar"],
    [_scalar_worked, _scalar_each_op],
    [
        N_("Each operation returns Scalar(result, (its inputs), (d result / d each input))."),
        N_(
            "For a product each input's local derivative is the *other* input's data; for tanh it "
            "can be written with the result itself."
        ),
    ],
    points=2,
    blocked=BLOCKED,
)

order = Check(
    ["topological_order"],
    [_order_fork, _order_deep],
    [
        N_("Depth first: place a node's parents before appending the node."),
        N_("Remember the nodes you have visited (by id) so a node used twice is listed once."),
    ],
    points=1,
    blocked=BLOCKED,
)

backward = Check(
    ["backward", "topological_order"],
    [_backward_fork, _backward_twice],
    [
        N_("Reset every grad to 0, set root.grad to 1, then walk your order from the end."),
        N_(
            "Each node hands local * node.grad to each parent. A parent reached twice must keep "
            "what it had: does your line add, or replace?"
        ),
    ],
    points=2,
    blocked=BLOCKED,
)

train = Check(
    ["train_neuron", "Scalar", "backward"],
    [_train_worked],
    [
        N_(
            "Each step: fresh Scalars for the weights and the bias, the sum, tanh, the loss; then "
            "backward(loss)."
        ),
        N_(
            "Keep the numbers, not the Scalars, between steps: the new weight is the old data "
            "minus lr times its grad."
        ),
    ],
    points=1,
    blocked=BLOCKED,
)
