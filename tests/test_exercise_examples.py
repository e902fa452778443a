"""In a learner's kernel: an untouched exercise runs top to bottom without a traceback in its
worked examples, and a check run after an answer cell that does not compile says so instead of
checking the version that ran before (which says 'Not written yet')."""

import nbformat
import pytest
from nbclient import NotebookClient

from tests.grading_fixtures.submissions import EXERCISES, notebook_path

pytestmark = pytest.mark.slow


def run(cells):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, kernel_name="python3", timeout=60, allow_errors=True).execute()
    return ["".join(o.get("text", "") + o.get("evalue", "") for o in c.outputs) for c in nb.cells]


def test_untouched_exercise_examples_print_a_sentence_not_a_traceback():
    nb = nbformat.read(notebook_path(EXERCISES, "ex01"), as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=60, allow_errors=True)
    client.execute()
    example = next(c for c in nb.cells if c.metadata.get("grading", {}).get("role") == "example")
    assert [o.output_type for o in example.outputs] == ["stream"]
    assert "forward is not written yet" in example.outputs[0].text
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []


def test_a_check_after_an_indentation_error_names_it():
    stub = "def relu(z):\n    raise NotImplementedError()"
    broken = "def relu(z):\n    x = 1\n      return z"
    out = run(
        [
            "from course_lib.grading.checks import ex01",
            stub,
            "ex01.relu.check()",
            broken,
            "ex01.relu.check()",
            "def relu(z):\n    return z * (z > 0)",
            "ex01.relu.check()",
        ]
    )
    assert "Not written yet" in out[2]
    assert "unexpected indent" in out[3]  # the cell's own error
    assert "The cell that defines relu does not run: IndentationError" in out[4]
    assert "line 3 of the cell" in out[4] and "Not written yet" not in out[4]
    assert "Passed the visible checks" in out[6]


def test_without_ipython_history_nothing_changes():
    from course_lib.grading.checks.base import _broken_definition

    assert _broken_definition("relu", {}) is None
    assert _broken_definition("relu", {"_ih": ["", "def relu(z):\n  return z"]}) is None
    found = _broken_definition("LR", {"_ih": ["", "LR = (", "print(1)"]})
    assert found.startswith("SyntaxError")


def solution_lines():
    import json
    import re

    from tests.grading_fixtures.submissions import SOLUTIONS

    found = {}
    for path in sorted(SOLUTIONS.glob("ex*.ipynb")):
        text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
        blocks = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, re.S)
        lines = {line.strip() for b in blocks for line in b.splitlines()}
        found[path.name[:4]] = {line for line in lines if " = " in line and len(line) >= 20}
    return found


@pytest.mark.parametrize("prefix", ["ex01", "ex02", "ex03", "ex04", "ex05", "ex06", "ex07"])
def test_hints_lead_but_do_not_dictate(prefix):
    """No hint holds an expression of the solution: a product like np.outer(d_z2, a1) or
    W2.T @ d_z2, or a whole assignment from it."""
    import importlib
    import re

    from course_lib.grading.checks.base import Check

    module = importlib.import_module(f"course_lib.grading.checks.{prefix}")
    lines = solution_lines()[prefix]
    for check in (v for v in vars(module).values() if isinstance(v, Check)):
        for hint in check.hints:
            assert not re.search(r"np\.outer\(|\.T @ |@ \w+\.T", hint), hint
            assert not [line for line in lines if line in hint], hint
