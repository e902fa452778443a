"""One slip costs one part, and feedback names the course's common slips, never the answer."""

from __future__ import annotations

from course_lib.grading.assignment import load_assignment
from course_lib.grading.grader import grade_submission, sandbox_config
from tests.grading_fixtures.submissions import SOLUTIONS, with_answer, write

HALF_MSE = (
    "def mse_loss(y_hat, y):\n"
    "    return 0.5 * (y_hat - y) ** 2, float(y_hat - y)\n"  # the ½(y - y_hat)² convention
)
FLIPPED_BACKWARD = (
    "def backward(x, y, params):\n"
    "    c = forward(x, params)\n"
    "    d = np.array([2.0 * (y - c['y_hat'])])\n"  # the sign flipped: y - y_hat
    "    d_z1 = (params['W2'].T @ d) * (c['z1'] > 0)\n"
    "    return {'W1': np.outer(d_z1, x), 'b1': d_z1, 'W2': np.outer(d, c['a1']), 'b2': d}\n"
)


def grade(prefix, nb, tmp_path, name="learner"):
    assignment = load_assignment(prefix, SOLUTIONS)
    path = write(tmp_path / f"{name}.ipynb", nb)
    config = sandbox_config(assignment)
    result = grade_submission(assignment, path, config, learner=name, seed=7, timeout=5)
    return {p.grade_id: (p.score, p.message) for p in result.parts}


def test_a_half_mse_slip_costs_mse_loss_only_not_backward_too(tmp_path):
    parts = grade("ex02", with_answer("ex02", "mse_loss", HALF_MSE), tmp_path)
    assert parts["mse_loss"][0] == 0
    assert parts["relu_grad"][0] == 1
    assert parts["backward"][0] == 4, parts["backward"][1]  # consistent with its own mse_loss


def test_a_flipped_sign_is_named_and_the_expected_value_is_not_shown(tmp_path):
    parts = grade("ex02", with_answer("ex02", "backward", FLIPPED_BACKWARD), tmp_path)
    score, message = parts["backward"]
    assert score == 0 and "it looks like a flipped sign" in message
    assert "-0.9" not in message and "1.348" not in message  # no expected numbers leak


def test_sgd_step_slips_are_named(tmp_path):
    up = "def sgd_step(p, g, lr):\n    return {k: p[k] + lr * g[k] for k in p}"

    same = "def sgd_step(params, grads, lr):\n    return {k: params[k].copy() for k in params}\n"
    parts = grade("ex03", with_answer("ex03", "sgd_step", up), tmp_path, "up")
    assert parts["sgd_step"][0] == 0 and "a flipped sign" in parts["sgd_step"][1]
    parts = grade("ex03", with_answer("ex03", "sgd_step", same), tmp_path, "same")
    assert parts["sgd_step"][0] == 0
    assert "the parameters before the update" in parts["sgd_step"][1]
