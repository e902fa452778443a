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
from pathlib import Path

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


def grade(*args, cwd, check=True, env=None):
    cmd = [sys.executable, "-m", "course_lib.grading", "grade", *map(str, args), "--quiet"]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def _slow_submissions(tmp_path, learners, seconds: float) -> Path:
    """A folder of honest ex01 notebooks, one per learner, whose forward() sleeps ``seconds``
    (different content each, so none is taken for another's)."""
    slow = FORWARD_OK.replace("    z1 =", f"    import time\n    time.sleep({seconds})\n    z1 =")
    folder = tmp_path / "in"
    for name in learners:
        write(folder / f"{name}.ipynb", with_answer("ex01", "forward", f"# {name}\n" + slow))
    return folder


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
    folder = _slow_submissions(tmp_path, [f"learner{i:02d}" for i in range(n)], 0.08)
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
    folder = _slow_submissions(tmp_path, [f"l{i}" for i in range(6)], 0.1)
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
    from course_lib.grading.identity import Submission, learner_of, name_outputs

    name = "ex04_chain_rule"
    assert learner_of(Path("in/alice.ipynb"), name) == "alice"
    assert learner_of(Path("in/alice/ex04_chain_rule.ipynb"), name) == "alice"
    assert learner_of(Path("submitted/bob/ex04/ex04_chain_rule.ipynb"), name) == "bob"
    assert learner_of(Path("submitted/bob/ex04_chain_rule/ex04.ipynb"), name) == "bob"
    # "josé" saved decomposed (e + combining acute, as macOS does) is the same learner
    assert learner_of(Path("in/jose\u0301.ipynb"), name) == "jos\u00e9"
    subs = [Submission(Path(p), learner=who) for p, who in
            [("a/ex04.ipynb", "a"), ("b/ex04.ipynb", "b"), ("b/x/ex04.ipynb", "b"),
             ("c.ipynb", "c"), ("b__ex04.ipynb", "b__ex04")]]  # fmt: skip
    name_outputs(subs)
    # a stem of its own: the stem; a shared one: learner__stem, numbered when that is taken
    assert [s.name for s in subs] == ["a__ex04", "b__ex04", "b__ex04__2", "c", "b__ex04__3"]


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


def _hold_temp_dir(parent):
    """A real process that makes a grader temp folder, puts a file in it, and waits.
    Returns the process and the folder."""
    code = (
        "import sys, time\n"
        "from course_lib.grading.tempdirs import make_temp_dir\n"
        "d = make_temp_dir(sys.argv[1]); (d / 'fork.sock').write_text('x')\n"
        "print(d, flush=True); time.sleep(120)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(parent)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    return proc, Path(proc.stdout.readline().strip())


def test_temp_folders_of_a_killed_grader_are_swept_and_a_live_ones_kept(tmp_path):
    from course_lib.grading.tempdirs import clean_stale_temp_dirs

    killed, stale = _hold_temp_dir(tmp_path)
    alive, kept = _hold_temp_dir(tmp_path)
    try:
        killed.kill()  # SIGKILL: no cleanup of its own
        killed.wait()
        assert stale.is_dir() and (stale / "fork.sock").exists()
        namespace = os.stat("/proc/self/ns/pid").st_ino
        # a folder named for this (live) pid but another start time: the pid was reused
        reused = tmp_path / f"course-grading-{os.getpid()}-1-{namespace}-0123abcd"
        reused.mkdir()
        other = tmp_path / "course-grading-notours"  # not our naming: never touched
        other.mkdir()
        link = tmp_path / f"course-grading-999999-5-{namespace}-0123abcd"  # a link, not a folder
        link.symlink_to(other)
        # pid 999999 in another pid namespace (a container sharing /tmp): not ours to judge
        foreign = tmp_path / f"course-grading-999999-5-{namespace + 1}-0123abcd"
        foreign.mkdir()
        removed = clean_stale_temp_dirs(tmp_path)
        assert sorted(removed) == sorted([stale, reused])
        assert not stale.exists() and not reused.exists()
        assert kept.is_dir() and other.is_dir() and link.is_symlink() and foreign.is_dir()
    finally:
        alive.kill()
        alive.wait()
    assert clean_stale_temp_dirs(tmp_path) == [kept]


def test_the_grade_command_sweeps_stale_temp_folders(tmp_path):
    import shutil
    import tempfile

    # a short TMPDIR of its own (the fork server's socket path must stay under 108 bytes)
    scratch = Path(tempfile.mkdtemp(prefix="sweep-", dir="/tmp"))
    try:
        killed, stale = _hold_temp_dir(scratch)
        killed.kill()
        killed.wait()
        sub = write(tmp_path / "alice.ipynb", with_answer("ex01", "forward", FORWARD_OK))
        env = dict(os.environ, TMPDIR=str(scratch))
        cmd = [sys.executable, "-m", "course_lib.grading", "grade", "ex01", str(sub), "--source",
               str(SOLUTIONS), "--db", str(tmp_path / "g.sqlite"), "--quiet"]  # fmt: skip
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert not stale.exists()
        assert f"removed {stale}" in proc.stderr
        # the grade command's own temp folders are gone too when it ends normally
        assert [p.name for p in scratch.iterdir()] == []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _read_in_thread(path, **kwargs):
    """read_cells(path) in a thread that must end within 10 s (a FIFO opened for reading
    without O_NONBLOCK would wait for a writer forever)."""
    import threading

    from course_lib.grading.notebook import read_cells

    box = {}

    def run():
        try:
            box["value"] = read_cells(path, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), f"read_cells({path}) blocked"
    return box


def test_reading_refuses_fifos_links_deep_json_and_huge_cells_without_blocking(tmp_path):
    from course_lib.grading.notebook import NotebookError

    fifo = tmp_path / "pipe.ipynb"
    os.mkfifo(fifo)
    got = _read_in_thread(fifo)
    assert isinstance(got["error"], NotebookError) and "not a regular file" in str(got["error"])
    honest = write(tmp_path / "honest.ipynb", with_answer("ex01", "forward", FORWARD_OK))
    link = tmp_path / "link.ipynb"
    link.symlink_to(honest)
    assert "symbolic link" in str(_read_in_thread(link, follow_symlinks=False)["error"])
    assert len(_read_in_thread(link)["value"][0]) > 5  # the instructor's own links still work
    deep = write(tmp_path / "deep.ipynb", "[" * 200_000 + "]" * 200_000)
    assert "nested too deeply" in str(_read_in_thread(deep)["error"])
    # 2.8 million lines, 16.8 million characters, in one answer cell: a 19.6 MB file (each
    # newline is two bytes in JSON), under the 20 MiB file limit
    huge = with_answer("ex01", "forward", "x = 1\n" * 2_800_000 + FORWARD_OK)
    path = write(tmp_path / "huge.ipynb", huge)
    assert 19_000_000 < path.stat().st_size < 20 * 1024 * 1024
    message = str(_read_in_thread(path)["error"])
    assert "holds 168" in message and "over the 262144 character limit" in message
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}
    assert "old nbformat 3" in str(_read_in_thread(write(tmp_path / "v3.ipynb", v3))["error"])
    sparse = tmp_path / "sparse.ipynb"
    with open(sparse, "wb") as f:
        f.truncate(21_000_000)
    assert "21000000 bytes, over the 20971520 byte limit" in str(_read_in_thread(sparse)["error"])


TAMPERING = [
    # a learner's escaped process gave itself full marks on every later insert
    ("CREATE TRIGGER bump AFTER INSERT ON grades BEGIN "
     "UPDATE grades SET score = max_score WHERE learner = 'mallory'; END",
     "trigger 'bump' on 'grades'"),
    ("CREATE VIEW latest_view AS SELECT * FROM grades", "view 'latest_view'"),
    ("CREATE TABLE stash (x)", "table 'stash'"),
    ("ALTER TABLE grades ADD COLUMN extra TEXT", "table 'grades' has columns"),
    ("CREATE INDEX by_score ON grades(score)", "index 'by_score' on 'grades'"),
    # the same columns, rebuilt so that 'Alice' and 'alice' are one learner
    ("ALTER TABLE submissions RENAME TO old; CREATE TABLE submissions ("
     "learner TEXT NOT NULL COLLATE NOCASE, assignment TEXT NOT NULL, attempt INTEGER NOT NULL, "
     "path TEXT NOT NULL, sha256 TEXT NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL, "
     "score REAL NOT NULL, max_score REAL NOT NULL, notes TEXT NOT NULL, "
     "duration REAL NOT NULL, graded_at TEXT NOT NULL, sandbox TEXT NOT NULL DEFAULT 'bwrap', "
     "language TEXT NOT NULL DEFAULT 'en', PRIMARY KEY (learner, assignment, attempt)); "
     "INSERT INTO submissions SELECT * FROM old; DROP TABLE old",
     "table 'submissions' has clauses COLLATE, NOCASE"),
]  # fmt: skip


def test_a_gradebook_holding_what_the_grader_did_not_create_is_refused(tmp_path):
    import shutil

    sub = write(tmp_path / "alice.ipynb", with_answer("ex01", "forward", FORWARD_OK))
    clean = tmp_path / "clean.sqlite"
    grade("ex01", sub, "--source", SOLUTIONS, "--db", clean, cwd=tmp_path)
    assert rows(clean, "SELECT learner, attempt, score FROM submissions") == [("alice", 1, 4.0)]
    for i, (sql, what) in enumerate(TAMPERING):
        db = tmp_path / f"tampered{i}.sqlite"
        shutil.copy(clean, db)
        with sqlite3.connect(db) as conn:
            conn.executescript(sql)
        proc = grade("ex01", sub, "--source", SOLUTIONS, "--db", db, "--regrade", cwd=tmp_path,
                     check=False)  # fmt: skip
        assert proc.returncode == 2, (sql, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: --db '{db}' has an unexpected")
        assert what in lines[0]
        assert rows(db, "SELECT learner, attempt, score FROM submissions") == [("alice", 1, 4.0)]
        export = subprocess.run(
            [sys.executable, "-m", "course_lib.grading", "export", "--db", str(db), "--csv",
             str(tmp_path / "out.csv")], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert export.returncode == 2 and what in export.stderr


def test_an_error_attempt_does_not_count_as_already_graded(tmp_path):
    from course_lib.grading.gradebook import Gradebook
    from course_lib.grading.grader import PartResult, Result

    book = Gradebook(tmp_path / "unit.sqlite")
    failed = Result("a.ipynb", "ann", "ex01_forward_pass", 7, "f" * 64, status="error")
    failed.parts = [PartResult("relu", 0.0, 1.0, "error", "internal grader error")]
    assert book.record(failed) == 1
    assert book.already_graded("ann", "ex01_forward_pass", "f" * 64) is None
    graded = Result("a.ipynb", "ann", "ex01_forward_pass", 8, "f" * 64)
    graded.parts = [PartResult("relu", 1.0, 1.0, "passed", "passed")]
    assert book.record(graded) == 2
    assert book.already_graded("ann", "ex01_forward_pass", "f" * 64) == 2
    book.close()


def test_a_grader_failure_gets_an_error_row_exit_0_and_a_regrade(tmp_path):
    # the sandbox of the first submission cannot start (a bwrap that refuses its second run:
    # the first is the grader's probe), so the grader failed there, not the learner: an
    # error row, exit 0, and the next run grades it
    from course_lib.grading import bwrap

    folder = tmp_path / "in"
    write(folder / "deep.ipynb", with_answer("ex01", "forward", FORWARD_OK + "# deep\n"))
    write(folder / "ok.ipynb", with_answer("ex01", "forward", FORWARD_OK))
    db = tmp_path / "g.sqlite"
    broken = tmp_path / "bwrap"
    count = tmp_path / "count"
    broken.write_text(
        "#!/bin/sh\n"
        f"n=$(cat {count} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > {count}\n"
        '[ "$n" -eq 2 ] && exit 1\n'
        f'exec "{bwrap.executable()}" "$@"\n'
    )
    broken.chmod(0o755)
    env = {**os.environ, "COURSE_GRADING_BWRAP": str(broken)}
    first = grade("ex01", folder, "--source", SOLUTIONS, "--db", db, "-j", "1", cwd=tmp_path,
                  env=env)  # fmt: skip
    assert "grader error on" in first.stderr and "sandbox" in first.stderr
    again = grade("ex01", folder, "--source", SOLUTIONS, "--db", db, cwd=tmp_path)
    assert again.returncode == 0
    table = rows(db, "SELECT learner, attempt, status, score FROM submissions ORDER BY 1, 2")
    assert table == [
        ("deep", 1, "error", 0.0),
        ("deep", 2, "graded", 4.0),
        ("ok", 1, "graded", 4.0),
    ]


def test_a_gradebook_locked_mid_batch_costs_submissions_not_the_batch(tmp_path):
    import threading

    from course_lib.grading.assignment import load_assignment
    from course_lib.grading.batch import Options, grade_batch
    from course_lib.grading.gradebook import GradebookLocked

    folder = _slow_submissions(tmp_path, ["a1", "a2", "a3"], 0.3)
    db = tmp_path / "g.sqlite"
    locked, release = threading.Event(), threading.Event()

    def lock_after_first_row():
        conn = sqlite3.connect(db, timeout=30, isolation_level=None)
        while conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0 or (
            conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] < 1
        ):
            time.sleep(0.02)
        conn.execute("BEGIN EXCLUSIVE")  # what an escaped process did
        locked.set()
        release.wait(120)
        conn.execute("ROLLBACK")
        conn.close()

    holder = threading.Thread(target=lock_after_first_row, daemon=True)
    assignment = load_assignment("ex01", str(SOLUTIONS))
    import io

    out = io.StringIO()
    options = Options(jobs=1, db=str(db), quiet=True, lock_wait=1.0, seed=1)
    sqlite3.connect(db).close()
    holder.start()
    try:
        status = grade_batch(assignment, [folder], options, out=out)
    finally:
        release.set()
        holder.join(30)
    assert locked.is_set()
    assert status == 1  # two submissions have no row: said so, and the batch went on
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and "NOT STORED" not in lines[0]
    assert all("NOT STORED" in line for line in lines[1:])
    assert rows(db, "SELECT learner FROM submissions") == [("a1",)]
    # the rerun, with the lock gone, stores the rest
    assert grade_batch(assignment, [folder], options, out=io.StringIO()) == 0
    assert rows(db, "SELECT learner, attempt FROM submissions ORDER BY 1") == [
        ("a1", 1), ("a2", 1), ("a3", 1)]  # fmt: skip
    # locked before the batch starts: one clear error, nothing graded, no traceback
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        try:
            grade_batch(assignment, [folder], Options(db=str(db), lock_wait=0.5, quiet=True))
        except GradebookLocked as exc:
            assert f"the gradebook '{db}' is locked by another process" in str(exc)
        else:
            raise AssertionError("a locked gradebook was not reported")
        proc = grade("ex01", folder, "--source", SOLUTIONS, "--db", db, cwd=tmp_path, check=False)
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "is locked by another process (waited 10 s)" in proc.stderr


def test_huge_and_malformed_notebooks_cost_a_row_each_not_the_graders_memory(tmp_path):
    folder = tmp_path / "in"
    huge = with_answer("ex01", "forward", "x = 1\n" * 2_800_000 + FORWARD_OK)  # 19.6 MB file
    write(folder / "huge.ipynb", huge)
    write(folder / "deep.ipynb", "[" * 200_000 + "]" * 200_000)
    with open(folder / "sparse.ipynb", "wb") as f:
        f.truncate(21_000_000)  # over the 20 MiB limit: refused without being read
    write(folder / "ok.ipynb", with_answer("ex01", "forward", FORWARD_OK))
    db = tmp_path / "g.sqlite"
    cmd = [sys.executable, "-m", "course_lib.grading", "grade", "ex01", str(folder), "--source",
           str(SOLUTIONS), "--db", str(db), "--quiet"]  # fmt: skip
    # the grader and everything it starts, measured from outside: the peak resident memory
    wrapper = (
        "import resource, subprocess, sys\n"
        "code = subprocess.run(sys.argv[1:]).returncode\n"
        "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper, *cmd], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    code, peak_kb = proc.stdout.split()[-2:]
    assert code == "0", proc.stdout
    assert int(peak_kb) < 1_000_000, f"peak {int(peak_kb) // 1024} MB"  # the issue saw 9.4 GB
    got = {learner: (status, score) for learner, status, score in
           rows(db, "SELECT learner, status, score FROM submissions")}  # fmt: skip
    assert got == {"huge": ("graded", 0.0), "deep": ("graded", 0.0),
                   "sparse": ("refused", 0.0), "ok": ("graded", 4.0)}  # fmt: skip
    messages = dict(rows(db, "SELECT learner, message FROM grades WHERE part = 'forward'"))
    assert "over the 262144 character limit" in messages["huge"]
    assert "nested too deeply" in messages["deep"]
    assert "21000000 bytes, over the 20971520 byte limit" in messages["sparse"]


def test_a_huge_name_in_an_answer_is_clipped_everywhere_it_is_stored(tmp_path):
    from course_lib.grading.gradebook import Gradebook
    from course_lib.grading.grader import PartResult, Result

    book = Gradebook(tmp_path / "unit.sqlite")
    big = Result("a.ipynb", "b" * 5000, "ex01_forward_pass", 1, "0" * 64,
                 notes=["class " + "C" * 3_900_000])  # fmt: skip
    big.parts = [PartResult("relu", 0.0, 1.0, "failed", "E" * 3_900_000)]
    book.record(big)
    book.close()
    ((learner, notes),) = rows(tmp_path / "unit.sqlite", "SELECT learner, notes FROM submissions")
    (message,) = rows(tmp_path / "unit.sqlite", "SELECT message FROM grades")[0]
    assert len(learner) == 200 and len(notes) == 2000 and len(message) == 2000
    assert message.endswith("(3900000 chars)")
    # end to end: the static check echoes the attribute's name, 200 000 characters of it
    attribute = "__" + "E" * 200_000 + "__"
    answer = FORWARD_OK + f"_probe = forward.{attribute}\n"
    sub = write(tmp_path / "big.ipynb", with_answer("ex01", "forward", answer))
    db, res, fb = tmp_path / "g.sqlite", tmp_path / "res", tmp_path / "fb"
    grade("ex01", sub, "--source", SOLUTIONS, "--db", db, "--results", res, "--feedback", fb,
          cwd=tmp_path)  # fmt: skip
    (stored,) = rows(db, "SELECT message FROM grades WHERE part = 'forward'")[0]
    assert "E" * 100 in stored and len(stored) <= 2000
    assert (res / "big.results.json").stat().st_size < 10_000
    assert (fb / "big.feedback.md").stat().st_size < 10_000


def test_sigterm_stops_the_batch_and_leaves_no_temp_folder(tmp_path):
    import shutil
    import tempfile

    folder = _slow_submissions(tmp_path, [f"l{i}" for i in range(6)], 0.1)
    db = tmp_path / "g.sqlite"
    scratch = Path(tempfile.mkdtemp(prefix="term-", dir="/tmp"))  # short: the socket path
    try:
        cmd = [sys.executable, "-m", "course_lib.grading", "grade", "ex01", str(folder),
               "--source", str(SOLUTIONS), "--db", str(db), "-j", "1", "--quiet"]  # fmt: skip
        env = dict(os.environ, TMPDIR=str(scratch))
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if db.exists() and rows(db, "SELECT COUNT(*) FROM submissions")[0][0] >= 1:
                    break
            except sqlite3.OperationalError:
                pass
            time.sleep(0.05)
        assert [p.name[:15] for p in scratch.iterdir()] == ["course-grading-"]  # in use
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130 and b"run the same command again" in err
        assert list(scratch.iterdir()) == []
        stored = rows(db, "SELECT COUNT(*) FROM submissions")[0][0]
        assert 1 <= stored < 6 and rows(db, "SELECT COUNT(*) FROM grades")[0][0] == 2 * stored
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def test_an_output_file_that_cannot_be_written_is_reported_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "in"
    write(folder / "alice.ipynb", with_answer("ex01", "forward", FORWARD_OK))
    write(folder / "bob.ipynb", with_answer("ex01", "forward", FORWARD_OK))
    fb = tmp_path / "fb"
    (fb / "alice.feedback.md").mkdir(parents=True)  # a folder where alice's file should go
    db = tmp_path / "g.sqlite"
    proc = grade("ex01", folder, "--source", SOLUTIONS, "--db", db, "--feedback", fb,
                 cwd=tmp_path, check=False)  # fmt: skip
    assert proc.returncode == 1
    assert f"error: the output files of {folder / 'alice.ipynb'} were not written" in proc.stderr
    assert "Is a directory" in proc.stderr
    assert "Score: **4 / 4**" in (fb / "bob.feedback.md").read_text()
    assert rows(db, "SELECT learner, score FROM submissions ORDER BY 1") == [
        ("alice", 4.0), ("bob", 4.0)]  # fmt: skip
