"""ex06 (autograd engine) and ex07 (batched backward pass) graded through the real command line:
each typical slip costs its own part, with a message that names it; the other parts keep their
points. One grade run per assignment, all the slips in one batch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.grading_fixtures.submissions import SOLUTIONS, load, with_answer, write

OVERWRITE = """def backward(root):
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local):
            parent.grad = local * node.grad
"""
NO_VISITED_SET = """def topological_order(root):
    order = []
    for parent in root.parents:
        order.extend(topological_order(parent))
    return order + [root]
"""
MUL_NOT_SWAPPED = """class Scalar:
    def __init__(self, data, parents=(), local=()):
        self.data, self.grad, self.parents, self.local = float(data), 0.0, parents, local

    def __add__(self, other):
        return Scalar(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        return Scalar(self.data * other.data, (self, other), (self.data, other.data))

    def __pow__(self, n):
        return Scalar(self.data**n, (self,), (n * self.data ** (n - 1),))

    def tanh(self):
        t = math.tanh(self.data)
        return Scalar(t, (self,), (1 - t * t,))

    def relu(self):
        return Scalar(max(self.data, 0.0), (self,), (float(self.data > 0),))
"""
USES_TORCH = "import torch\n\n" + NO_VISITED_SET.replace("order = []", "order = []  # torch")


def grade_all(prefix, submissions, tmp_path):
    paths = [write(tmp_path / name / f"{prefix}.ipynb", nb) for name, nb in submissions.items()]
    results = tmp_path / "results"
    cmd = [sys.executable, "-m", "course_lib.grading", "grade", prefix, *map(str, paths),
           "--source", str(SOLUTIONS), "--db", str(tmp_path / "g.sqlite"),
           "--results", str(results), "--quiet"]  # fmt: skip
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = {}
    for name in submissions:
        data = json.loads((results / f"{name}__{prefix}.results.json").read_text())
        out[name] = {t["name"]: (t["score"], t["output"]) for t in data["tests"]}
    return out


def test_ex06_slips_cost_their_own_part(tmp_path):
    got = grade_all(
        "ex06",
        {
            "overwrite": with_answer("ex06", "backward", OVERWRITE),
            "duplicates": with_answer("ex06", "order", NO_VISITED_SET),
            "noswap": with_answer("ex06", "scalar", MUL_NOT_SWAPPED),
            "torch": with_answer("ex06", "order", USES_TORCH),
            "honest": load("ex06"),
        },
        tmp_path,
    )
    full = {"scalar": 2.0, "order": 1.0, "backward": 2.0, "train": 1.0}
    assert {k: v[0] for k, v in got["honest"].items()} == full
    # the neuron uses no value twice, so the overwriting engine still trains it
    assert {k: v[0] for k, v in got["overwrite"].items()} == {**full, "backward": 0.0}
    assert (
        "a node used twice keeps only one of its contributions" in got["overwrite"]["backward"][1]
    )
    # the backward pass uses the learner's order, so duplicates break it too
    assert got["duplicates"]["order"][0] == 0.0 and got["duplicates"]["scalar"][0] == 2.0
    assert "more than once" in got["duplicates"]["order"][1]
    assert {k: v[0] for k, v in got["noswap"].items()} == {**full, "scalar": 0.0, "train": 0.0}
    assert "wrong local derivative" in got["noswap"]["scalar"][1]
    assert got["torch"]["order"][0] == 0.0 and "torch" in got["torch"]["order"][1]


@pytest.mark.parametrize("grade_id", ["scalar", "order", "backward", "train"])
def test_ex06_visible_checks_right_and_wrong(grade_id):
    """Each visible check passes the solution, says 'Not written yet' on the stub, and fails a
    typical slip with a message."""
    from course_lib.grading.checks import ex06

    check = getattr(ex06, grade_id)
    solved, stub = _namespaces("ex06")
    assert "Passed" in _verdict(check, solved)
    assert "Not written yet" in _verdict(check, stub)
    wrong, _ = _namespaces("ex06")  # a fresh copy: the given functions see its names
    slip = {"scalar": MUL_NOT_SWAPPED, "order": NO_VISITED_SET, "backward": OVERWRITE,
            "train": MUL_NOT_SWAPPED}[grade_id]  # fmt: skip
    exec(slip, wrong)
    said = _verdict(check, wrong)
    assert "✗" in said and "Passed" not in said
    if grade_id == "backward":
        assert "keeps only one of its two contributions" in said


TRANSPOSED = """def backward_batch(params, cache, d_y_hat):
    grads, dz = {}, d_y_hat
    for i in range(len(params) // 2, 0, -1):
        grads[f"W{i}"] = cache[f"a{i - 1}"].T @ dz
        grads[f"b{i}"] = dz.sum(axis=0)
        if i > 1:
            dz = (dz @ params[f"W{i}"]) * (cache[f"z{i - 1}"] > 0)
    return grads
"""
BIAS_NOT_SUMMED = TRANSPOSED.replace(
    'cache[f"a{i - 1}"].T @ dz', 'dz.T @ cache[f"a{i - 1}"]'
).replace("dz.sum(axis=0)", "dz")
SUM_NOT_MEAN = """def mse_batch(y_hat, y):
    return float(np.sum((y_hat - y) ** 2)), 2.0 * (y_hat - y)
"""


def test_ex07_shape_slips_get_clear_messages(tmp_path):
    got = grade_all(
        "ex07",
        {
            "transposed": with_answer("ex07", "backward", TRANSPOSED),
            "bias": with_answer("ex07", "backward", BIAS_NOT_SUMMED),
            "sum": with_answer("ex07", "mse", SUM_NOT_MEAN),
            "honest": load("ex07"),
        },
        tmp_path,
    )
    full = {"mse": 1.0, "forward": 2.0, "backward": 3.0}
    assert {k: v[0] for k, v in got["honest"].items()} == full
    assert {k: v[0] for k, v in got["transposed"].items()} == {**full, "backward": 0.0}
    message = got["transposed"]["backward"][1]
    assert "should have W" in message and "(transposed?)" in message, message
    message = got["bias"]["backward"][1]
    assert "should have b" in message and "sum over the batch" in message, message
    assert {k: v[0] for k, v in got["sum"].items()} == {**full, "mse": 0.0}


def _namespaces(prefix):
    solved, stub = {}, {}
    for nb, namespace in (
        (load(prefix), solved),
        (load(prefix, SOLUTIONS.parent / "exercises"), stub),
    ):
        for cell in nb["cells"]:
            if cell.get("metadata", {}).get("grading", {}).get("role") in ("setup", "answer"):
                exec("".join(cell["source"]), namespace)
    return solved, stub


def _verdict(check, namespace):
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        check.check(namespace)
    return printed.getvalue()


@pytest.mark.parametrize("grade_id", ["mse", "forward", "backward"])
def test_ex07_visible_checks_right_and_wrong(grade_id):
    from course_lib.grading.checks import ex07

    check = getattr(ex07, grade_id)
    solved, stub = _namespaces("ex07")
    assert "Passed" in _verdict(check, solved)
    assert "Not written yet" in _verdict(check, stub)
    wrong, _ = _namespaces("ex07")  # a fresh copy: the given functions see its names
    exec({"mse": SUM_NOT_MEAN, "backward": TRANSPOSED, "forward": FORWARD_NO_RELU}[grade_id], wrong)
    said = _verdict(check, wrong)
    assert "✗" in said and "Passed" not in said
    if grade_id == "backward":
        assert "should have W" in said and "shape" in said


FORWARD_NO_RELU = """def forward_batch(X, params):
    cache, a = {"a0": X}, X
    for i in range(1, len(params) // 2 + 1):
        a = a @ params[f"W{i}"].T + params[f"b{i}"]
        cache[f"z{i}"], cache[f"a{i}"] = a, a
    return cache
"""
