"""The grade command end to end: every solution full marks, every exercise 0, the gradebook,
the outputs, and a batch killed midway. Real subprocesses, real SQLite."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from course_lib.grading.notebook import HIDDEN, SOLUTION, blocks
from tests.grading_fixtures.submissions import (
    EXERCISES,
    FORWARD_OK,
    ROOT,
    SOLUTIONS,
    notebook_path,
    with_answer,
    write,
)


def grade(*args, cwd, check=True):
    cmd = [sys.executable, "-m", "course_lib.grading", "grade", *map(str, args), "--quiet"]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def rows(db, sql, *params):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def _submissions(folder, n):
    """n honest ex01 submissions with different content (a comment makes each file unique)."""
    paths = []
    for i in range(n):
        nb = with_answer("ex01", "forward", f"# learner {i}\n" + FORWARD_OK)
        paths.append(write(folder / f"learner{i:02d}.ipynb", nb))
    return paths


def test_outputs_gradescope_csv_feedback_and_idempotent_rerun(tmp_path):
    subs = _submissions(tmp_path / "in", 2)
    write(tmp_path / "in" / "zz_broken.ipynb", b"not a notebook")
    db, res, fb, out_csv = (tmp_path / x for x in ("g.sqlite", "res", "fb", "grades.csv"))
    args = ["ex01", tmp_path / "in", "--source", SOLUTIONS, "--db", db, "--results", res,
            "--feedback", fb, "--csv", out_csv, "-j", "2"]  # fmt: skip
    first = grade(*args, cwd=tmp_path)
    assert "4 / 4" in first.stdout and "0 / 4" in first.stdout
    data = json.loads((res / "learner00.results.json").read_text())
    assert data["score"] == 4.0
    assert [(t["name"], t["score"], t["max_score"]) for t in data["tests"]] == [
        ("relu", 1.0, 1.0), ("forward", 3.0, 3.0)]  # fmt: skip
    assert isinstance(data["extra_data"]["seed"], int)
    bad = json.loads((res / "zz_broken.results.json").read_text())
    assert bad["score"] == 0 and "not valid JSON" in bad["tests"][0]["output"]
    with open(out_csv, newline="") as f:
        table = list(csv.DictReader(f))
    got = [(r["learner"], r["score"], r["attempt"]) for r in table]
    assert got == [("learner00", "4.0", "1"), ("learner01", "4.0", "1"), ("zz_broken", "0.0", "1")]
    # feedback: scores and reasons, never a line of a solution or a hidden test
    secret = set()
    sol = json.loads(notebook_path(SOLUTIONS, "ex01").read_text())
    for cell in sol["cells"]:
        src = "".join(cell["source"]).split("\n")
        for b, e in blocks("\n".join(src), SOLUTION) + blocks("\n".join(src), HIDDEN):
            secret.update(line.strip() for line in src[b + 1 : e] if len(line.strip()) > 12)
    for path in fb.glob("*.md"):
        text = path.read_text()
        assert "Score:" in text and not [s for s in secret if s in text]
    assert "not valid JSON" in (fb / "zz_broken.feedback.md").read_text()
    n_grades = rows(db, "SELECT COUNT(*) FROM grades")[0][0]
    assert n_grades == 3 * 2
    # rerun: nothing new; --regrade: a second attempt, the first kept
    grade(*args, cwd=tmp_path)
    assert rows(db, "SELECT COUNT(*) FROM grades")[0][0] == n_grades
    grade(*args, "--regrade", cwd=tmp_path)
    assert rows(db, "SELECT attempt, COUNT(*) FROM grades GROUP BY attempt") == [(1, 6), (2, 6)]
    stamps = rows(db, "SELECT graded_at FROM grades")
    assert all(s[0].endswith("+00:00") for s in stamps)
    assert len(subs) == 2


def test_a_batch_killed_midway_loses_and_duplicates_nothing(tmp_path):
    n = 12
    slow = FORWARD_OK.replace("    z1 =", "    import time\n    time.sleep(0.08)\n    z1 =")
    folder = tmp_path / "in"
    for i in range(n):
        nb = with_answer("ex01", "forward", f"# learner {i}\n" + slow)
        write(folder / f"learner{i:02d}.ipynb", nb)
    db = tmp_path / "g.sqlite"
    cmd = [sys.executable, "-m", "course_lib.grading", "grade", "ex01", str(folder), "--source",
           str(SOLUTIONS), "--db", str(db), "-j", "1", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline:
        if db.exists():
            try:
                done = rows(db, "SELECT COUNT(*) FROM submissions")[0][0]
            except sqlite3.OperationalError:
                done = 0
        if done >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = rows(db, "SELECT learner FROM submissions")
    assert 3 <= len(partial) < n, "the batch should have been killed midway"
    # every stored submission is complete: both of its parts, no more, no less
    per = rows(db, "SELECT learner, attempt, COUNT(*) FROM grades GROUP BY learner, attempt")
    assert sorted((learner, 1, 2) for (learner,) in partial) == sorted(per)
    grade("ex01", folder, "--source", SOLUTIONS, "--db", db, "-j", "2", cwd=tmp_path)
    final = rows(db, "SELECT learner, attempt, score FROM submissions ORDER BY learner")
    assert final == [(f"learner{i:02d}", 1, 4.0) for i in range(n)]
    assert rows(db, "SELECT COUNT(*) FROM grades")[0][0] == 2 * n


def test_ctrl_c_stops_cleanly_and_a_rerun_finishes(tmp_path):
    slow = FORWARD_OK.replace("    z1 =", "    import time\n    time.sleep(0.1)\n    z1 =")
    folder = tmp_path / "in"
    for i in range(6):
        write(folder / f"l{i}.ipynb", with_answer("ex01", "forward", f"# {i}\n" + slow))
    db = tmp_path / "g.sqlite"
    cmd = [sys.executable, "-m", "course_lib.grading", "grade", "ex01", str(folder), "--source",
           str(SOLUTIONS), "--db", str(db), "-j", "1", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if db.exists() and rows(db, "SELECT COUNT(*) FROM submissions")[0][0] >= 1:
                break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and b"run the same command again" in err
    stored = rows(db, "SELECT COUNT(*) FROM submissions")[0][0]
    assert 1 <= stored < 6
    assert rows(db, "SELECT COUNT(*) FROM grades")[0][0] == 2 * stored
    grade("ex01", folder, "--source", SOLUTIONS, "--db", db, cwd=tmp_path)
    assert rows(db, "SELECT COUNT(*), SUM(score) FROM submissions") == [(6, 24.0)]


def test_exit_status_and_usage_errors(tmp_path):
    stub = write(tmp_path / "a.ipynb", notebook_path(EXERCISES, "ex01").read_bytes())
    ok = grade("ex01", stub, "--source", SOLUTIONS, "--db", tmp_path / "g.sqlite", cwd=tmp_path)
    assert ok.returncode == 0  # graded, even though the score is 0
    missing = grade(
        "ex01", tmp_path / "nope.ipynb", "--source", SOLUTIONS, cwd=tmp_path, check=False
    )
    assert (
        missing.returncode == 2
        and "SUBMISSION" in missing.stderr
        and "nope.ipynb" in missing.stderr
    )
    unknown = grade("ex42", stub, "--source", SOLUTIONS, cwd=tmp_path, check=False)
    assert unknown.returncode == 2 and "ASSIGNMENT 'ex42'" in unknown.stderr
    (tmp_path / "file").write_text("")
    not_dir = grade("ex01", stub, "--results", tmp_path / "file", cwd=tmp_path, check=False)
    assert not_dir.returncode == 2 and "--results must be a folder" in not_dir.stderr
    bad_csv = grade("ex01", stub, "--csv", tmp_path / "no" / "g.csv", cwd=tmp_path, check=False)
    assert bad_csv.returncode == 2 and "--csv" in bad_csv.stderr
    bad_jobs = grade("ex01", stub, "-j", "0", cwd=tmp_path, check=False)
    assert bad_jobs.returncode == 2 and "-j" in bad_jobs.stderr


def test_learner_names_in_common_layouts():
    from pathlib import Path

    from course_lib.grading.batch import _out_names, learner_of

    name = "ex04_chain_rule"
    assert learner_of(Path("in/alice.ipynb"), name) == "alice"
    assert learner_of(Path("in/alice/ex04_chain_rule.ipynb"), name) == "alice"
    assert learner_of(Path("submitted/bob/ex04/ex04_chain_rule.ipynb"), name) == "bob"
    assert learner_of(Path("submitted/bob/ex04_chain_rule/ex04.ipynb"), name) == "bob"
    paths = [Path("a/ex04.ipynb"), Path("b/ex04.ipynb"), Path("b/x/ex04.ipynb"), Path("c.ipynb")]
    assert _out_names(paths, ["a", "b", "b", "c"]) == [
        "a__ex04",
        "b__ex04__1",
        "b__ex04__2",
        "c",
    ]


def test_learner_names_from_file_or_folder(tmp_path):
    a = write(
        tmp_path / "alice" / "ex01_forward_pass.ipynb",
        notebook_path(SOLUTIONS, "ex01").read_bytes(),
    )
    b = write(tmp_path / "bob.ipynb", notebook_path(SOLUTIONS, "ex01").read_bytes())
    grade("ex01", a, b, "--source", SOLUTIONS, "--db", tmp_path / "g.sqlite", cwd=tmp_path)
    assert sorted(rows(tmp_path / "g.sqlite", "SELECT learner FROM submissions")) == [
        ("alice",), ("bob",)]  # fmt: skip


def test_release_command_check_mode_passes_on_the_repository():
    proc = subprocess.run(
        [sys.executable, "-m", "course_lib.grading", "release", "--check"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=dict(os.environ),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout
    assert "0 exercise notebook(s) stale" in proc.stdout
