"""exercises/ is generated from solutions/, up to date, and leaks nothing."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from course_lib.grading.notebook import HIDDEN, SOLUTION, blocks, strip_hidden, strip_solution
from course_lib.grading.release import ReleaseError, release, student_copy
from tests.grading_fixtures.submissions import EXERCISES, SOLUTIONS

PREFIXES = ["ex01", "ex02", "ex03", "ex04", "ex05", "ex06", "ex07"]
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def notebooks(folder):
    return {
        p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.ipynb"))
    }


def test_five_assignments_named_by_prefix():
    names = sorted(p.name for p in SOLUTIONS.glob("*.ipynb"))
    assert [n[:4] for n in names] == PREFIXES
    assert sorted(p.name for p in EXERCISES.glob("*.ipynb")) == names


def test_exercises_are_up_to_date(tmp_path):
    # Regenerate into a scratch folder and compare byte for byte with what is committed.
    assert release(SOLUTIONS, tmp_path) == [str(tmp_path / n) for n in notebooks(SOLUTIONS)]
    for name in notebooks(SOLUTIONS):
        assert (tmp_path / name).read_bytes() == (EXERCISES / name).read_bytes(), (
            f"exercises/{name} is stale: run `python -m course_lib.grading release`"
        )
    assert release(SOLUTIONS, EXERCISES, check=True) == []


def test_check_mode_reports_a_stale_copy_and_writes_nothing(tmp_path):
    release(SOLUTIONS, tmp_path)
    victim = tmp_path / "ex01_forward_pass.ipynb"
    victim.write_text(victim.read_text() + " ", encoding="utf-8")
    before = victim.read_bytes()
    assert release(SOLUTIONS, tmp_path, check=True) == [str(victim)]
    assert victim.read_bytes() == before
    (tmp_path / "ex09_orphan.ipynb").write_text("{}")
    assert any("ex09_orphan" in line for line in release(SOLUTIONS, tmp_path, check=True))


def _marked_lines(source, markers):
    lines = source.split("\n")
    return [lines[i].strip() for b, e in blocks(source, markers) for i in range(b + 1, e)]


def test_no_solution_or_hidden_test_text_survives_in_student_copies():
    for name, sol in notebooks(SOLUTIONS).items():
        exercise_text = (EXERCISES / name).read_text(encoding="utf-8")
        # lines that also appear outside any block (e.g. a blank line, 'return out') prove nothing
        outside = set()
        for cell in sol["cells"]:
            src = "".join(cell["source"])
            kept = strip_hidden(strip_solution(src))
            outside.update(line.strip() for line in kept.split("\n"))
        secret = set()
        for cell in sol["cells"]:
            src = "".join(cell["source"])
            secret.update(_marked_lines(src, SOLUTION) + _marked_lines(src, HIDDEN))
        secret = {s for s in secret if len(s) > 3 and s not in outside}
        assert len(secret) > 20, name  # the check has teeth: each notebook hides real text
        exercise_lines = {
            line.strip()
            for cell in json.loads(exercise_text)["cells"]
            for line in "".join(cell["source"]).split("\n")
        }
        leaked = sorted(secret & exercise_lines)
        assert leaked == [], f"{name} leaks {leaked[:5]}"
        for marker in (*SOLUTION, *HIDDEN, "hidden_test"):
            assert marker not in exercise_text


def test_student_copies_keep_ids_metadata_stubs_and_tags():
    for name, sol in notebooks(SOLUTIONS).items():
        ex = json.loads((EXERCISES / name).read_text(encoding="utf-8"))
        assert ex["nbformat"] == 4 and ex["nbformat_minor"] >= 5
        assert ex["metadata"]["kernelspec"] == KERNELSPEC == sol["metadata"]["kernelspec"]
        nbformat.validate(nbformat.from_dict(ex))
        sol_cells = {c["id"]: c for c in sol["cells"]}
        answers = 0
        for cell in ex["cells"]:
            assert cell["id"] in sol_cells
            role = cell["metadata"].get("grading", {}).get("role")
            assert role != "hidden"
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None
            if role == "answer":
                answers += 1
                src = "".join(cell["source"])
                assert "# YOUR CODE HERE" in src
                # a function's body raises until written; a top-level answer never raises
                # (it would stop Run All): its own first line leaves the name unanswered
                top_level = "\n# YOUR CODE HERE" in "\n" + src
                assert ("raise NotImplementedError()" in src) != top_level, src
                assert "raises-exception" in cell["metadata"]["tags"]
                assert cell["metadata"]["grading"] == sol_cells[cell["id"]]["metadata"]["grading"]
            if role == "check":
                assert "raises-exception" not in cell["metadata"].get("tags", [])
        assert answers == sum(
            1 for c in sol["cells"] if c["metadata"].get("grading", {}).get("role") == "answer"
        )


def test_every_part_states_its_points_in_the_text():
    for name, sol in notebooks(SOLUTIONS).items():
        text = "\n".join("".join(c["source"]) for c in sol["cells"] if c["cell_type"] == "markdown")
        parts = [c["metadata"]["grading"] for c in sol["cells"]
                 if c["metadata"].get("grading", {}).get("role") == "answer"]  # fmt: skip
        total = sum(p["points"] for p in parts)
        assert f"**Points: {total}**" in text, name
        for i, part in enumerate(parts, start=1):
            unit = "point" if part["points"] == 1 else "points"
            assert re.search(rf"## Part {i} \({part['points']} {unit}\)", text), (name, i)


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def test_release_refuses_unbalanced_markers_and_answers_without_solution():
    answer_meta = {"grading": {"role": "answer", "grade_id": "a", "points": 1, "defines": ["f"]}}
    unclosed = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1", metadata=answer_meta)
    with pytest.raises(ReleaseError, match="never closed"):
        student_copy(_nb(unclosed), "bad.ipynb")
    no_block = nbformat.v4.new_code_cell("def f():\n    return 1", metadata=answer_meta)
    with pytest.raises(ReleaseError, match="needs a ### BEGIN SOLUTION block"):
        student_copy(_nb(no_block), "bad.ipynb")
    stray_end = nbformat.v4.new_code_cell("### END HIDDEN TESTS")
    with pytest.raises(ReleaseError, match="without"):
        student_copy(_nb(stray_end), "bad.ipynb")


def test_stub_keeps_the_indentation_of_the_block():
    src = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION"
    assert strip_solution(src) == (
        "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    )


def test_hidden_tests_changed_after_release_are_refused_by_grade_and_check(tmp_path):
    import shutil
    import subprocess
    import sys

    source = tmp_path / "solutions"
    shutil.copytree(SOLUTIONS, source)
    assert release(source, tmp_path / "exercises") != []  # writes copies (manifest unchanged)
    assert release(source, tmp_path / "exercises", check=True) == []
    # someone rewrites a hidden test so that every answer passes
    victim = source / "ex01_forward_pass.ipynb"
    nb = json.loads(victim.read_text(encoding="utf-8"))
    hidden = next(
        c for c in nb["cells"] if c["metadata"].get("grading", {}).get("role") == "hidden"
    )
    text = "".join(hidden["source"])
    hidden["source"] = text.replace(
        "### END HIDDEN TESTS", "__import__('os')\n### END HIDDEN TESTS"
    )
    victim.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    stale = release(source, tmp_path / "exercises", check=True)
    assert any("hidden tests changed since release" in line for line in stale)
    cmd = [sys.executable, "-m", "course_lib.grading", "grade", "ex01", str(victim),
           "--source", str(source), "--db", str(tmp_path / "g.sqlite"), "--quiet"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "changed since release" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "g.sqlite").exists()  # refused before any grading
    # releasing again is the instructor's decision: then grading goes on
    release(source, tmp_path / "exercises")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
