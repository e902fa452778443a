"""Self-checks for ex04, the chain rule: by_hand, with_value, gradient_step."""

from __future__ import annotations

import numpy as np

from course_lib.grading.checks.base import Check, numeric_gradient
from course_lib.grading.hidden import Fail, expect_dict, expect_float
from course_lib.grading.language import N_, translator

__all__ = ["by_hand", "with_value", "gradient_step"]

_ = translator("grading")

BLOCKED = ("course_lib", "torch", "micrograd", "sympy")
ALLOWED = ("course_lib", "course_lib.value", "course_lib.Value")
KEYS = ["f", "a", "b", "c", "d"]
EXAMPLE = (2.0, -3.0, 10.0, 0.5)


def _gradient_checks(name):
    def worked_example(call):
        got = expect_dict(call(name, *EXAMPLE), KEYS, f"{name}(2.0, -3.0, 10.0, 0.5)")
        expect_float(got["f"], 1.848469, f"{name}(2.0, -3.0, 10.0, 0.5)['f']", rtol=1e-6)
        expect_float(got["c"], 0.462117, f"{name}(2.0, -3.0, 10.0, 0.5)['c']", rtol=1e-5)

    def finite_differences(call):
        point = np.array([0.7, -1.2, 0.4, -0.3])
        got = expect_dict(
            call(name, *map(float, point)), KEYS, _("{name} at a random point", name=name)
        )
        f_of = call.namespace[name]
        numeric = numeric_gradient(lambda: f_of(*map(float, point))["f"], point)
        for key, slope in zip("abcd", numeric, strict=True):
            if type(got[key]) is not float:
                raise Fail(_("{name}(...)[{key}] should be a float", name=name, key=repr(key)))
            if not np.isclose(got[key], slope, rtol=1e-5, atol=1e-7):
                raise Fail(
                    _(
                        "{name}(0.7, -1.2, 0.4, -0.3)[{key}] does not match the slope of your "
                        "'f' (checked by finite differences); is your 'f' right?",
                        name=name,
                        key=repr(key),
                    )
                )

    return [worked_example, finite_differences]


by_hand = Check(
    ["grads_by_hand"],
    _gradient_checks("grads_by_hand"),
    [
        N_(
            "Go backwards: df/dp = t and df/dt = p; then dp/de = dp/dc = 1 and de/da = b, "
            "de/db = a."
        ),
        N_("df/da = df/dp * dp/de * de/da. For d: df/dt * dt/dd, with dt/dd = 1 - t**2."),
    ],
    points=3,
    blocked=BLOCKED,
    allowed=ALLOWED,
    part=("ex04_chain_rule", "by_hand"),
)

with_value = Check(
    ["grads_with_value"],
    _gradient_checks("grads_with_value"),
    [
        N_("Wrap each input: va = Value(a), ...; Value has a .tanh() method."),
        N_(
            "After f.backward(), va.grad is df/da. Return floats: f.data and the .grad of each "
            "leaf."
        ),
    ],
    points=2,
    blocked=BLOCKED,
    allowed=ALLOWED,
    part=("ex04_chain_rule", "with_value"),
)


def _step_example(call):
    got = expect_dict(call("gradient_step", *EXAMPLE, 0.1), ["a", "b", "c", "d"], "gradient_step")
    expect_float(got["c"], 10.0 - 0.1 * 0.46211715726, "gradient_step(2, -3, 10, 0.5, 0.1)['c']")


def _step_decreases(call):
    by_hand_fn = call.namespace.get("grads_by_hand")
    if not callable(by_hand_fn):
        raise Fail(_("define grads_by_hand (part 1) first"))
    point = (0.7, -1.2, 0.4, -0.3)
    got = call("gradient_step", *point, 0.01)
    before = by_hand_fn(*point)["f"]
    after = by_hand_fn(got["a"], got["b"], got["c"], got["d"])["f"]
    if not after < before:
        raise Fail(_("a small step (h = 0.01) should make f smaller; it did not"))


gradient_step = Check(
    ["gradient_step"],
    [_step_example, _step_decreases],
    [
        N_("You have the partial derivatives already: grads_by_hand(a, b, c, d)."),
        N_("Each new value is old - h * partial derivative."),
    ],
    points=1,
    blocked=BLOCKED,
    allowed=ALLOWED,
)
