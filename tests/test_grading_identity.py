"""Whose file is it, and what is a file: links, FIFOs, devices, names made to mislead, names
made to break things. Each case is built for real on disk and graded by the real CLI."""

from __future__ import annotations

import csv
import json
import os

from tests.grading_fixtures.submissions import (
    EXERCISES,
    FORWARD_OK,
    SOLUTIONS,
    notebook_path,
    with_answer,
    write,
)
from tests.test_grading_batch import grade, rows


def honest():
    return with_answer("ex01", "forward", FORWARD_OK)


def stub():
    return notebook_path(EXERCISES, "ex01").read_bytes()


def test_links_fifos_and_devices_are_refused_with_a_row_and_never_opened(tmp_path):
    folder = tmp_path / "in"
    write(folder / "alice.ipynb", honest())
    (folder / "copycat.ipynb").symlink_to(notebook_path(SOLUTIONS, "ex01"))  # full marks, once
    (folder / "ghost.ipynb").symlink_to(tmp_path / "nowhere.ipynb")  # dangling
    os.mkfifo(folder / "pipe.ipynb")  # opening it to read would wait forever
    write(folder / "notes.txt", "my notes")
    write(folder / ".ipynb_checkpoints" / "alice-checkpoint.ipynb", honest())
    elsewhere = write(tmp_path / "elsewhere" / "eve.ipynb", honest())
    (folder / "linked_folder").symlink_to(elsewhere.parent)
    explicit_link = tmp_path / "given.ipynb"
    explicit_link.symlink_to(notebook_path(SOLUTIONS, "ex01"))
    db, out_csv = tmp_path / "g.sqlite", tmp_path / "grades.csv"
    proc = grade("ex01", folder, explicit_link, "/dev/null", "--source", SOLUTIONS, "--db", db,
                 "--csv", out_csv, "--feedback", tmp_path / "fb", cwd=tmp_path)  # fmt: skip
    table = rows(db, "SELECT learner, status, score, notes FROM submissions ORDER BY learner")
    got = {learner: (status, score) for learner, status, score, _ in table}
    assert got == {
        "alice": ("graded", 4.0),
        "copycat": ("refused", 0.0),
        "ghost": ("refused", 0.0),
        "pipe": ("refused", 0.0),
        "given": ("refused", 0.0),
        "null": ("refused", 0.0),
    }
    reasons = {learner: notes for learner, _, _, notes in table}
    assert "symbolic link" in reasons["copycat"] and "symbolic link" in reasons["given"]
    assert "dangling" in reasons["ghost"]
    assert "FIFO" in reasons["pipe"] and "device" in reasons["null"]
    # every part carries the reason too, with its points at 0
    ghost = "SELECT part, score, max_score FROM grades WHERE learner='ghost' ORDER BY rowid"
    assert rows(db, ghost) == [("relu", 0.0, 1.0), ("forward", 0.0, 3.0)]
    # the summary lists each refused file with its reason, and each skipped one
    assert "(refused: a FIFO (named pipe), not a notebook file)" in proc.stdout
    for skipped in ("notes.txt: not a .ipynb file", ".ipynb_checkpoints: Jupyter's autosave",
                    "linked_folder: a symbolic link to a folder, not followed"):  # fmt: skip
        assert skipped in proc.stdout
    assert "eve" not in rows(db, "SELECT group_concat(learner) FROM submissions")[0][0]
    with open(out_csv, newline="") as f:
        assert {r["learner"]: r["status"] for r in csv.DictReader(f)}["pipe"] == "refused"
    assert "dangling" in (tmp_path / "fb" / "ghost.feedback.md").read_text()
    # a rerun adds no second refusal row
    grade("ex01", folder, explicit_link, "/dev/null", "--source", SOLUTIONS, "--db", db,
          cwd=tmp_path)  # fmt: skip
    assert rows(db, "SELECT COUNT(*), MAX(attempt) FROM submissions") == [(6, 1)]


def test_a_file_named_after_another_learner_stays_with_the_folder_owner(tmp_path):
    sub = tmp_path / "submitted"
    write(sub / "bob" / "ex01" / "ex01_forward_pass.ipynb", honest())
    write(sub / "mallory" / "ex01" / "bob.ipynb", stub())  # would become bob's latest attempt
    db = tmp_path / "g.sqlite"
    grade("ex01", sub, "--source", SOLUTIONS, "--db", db, "-j", "2", cwd=tmp_path)
    assert rows(db, "SELECT learner, attempt, score FROM submissions ORDER BY 1") == [
        ("bob", 1, 4.0), ("mallory", 1, 0.0)]  # fmt: skip
    # named one by one (as a shell glob does), nbgrader's layout still decides
    db2 = tmp_path / "g2.sqlite"
    grade("ex01", sub / "mallory" / "ex01" / "bob.ipynb",
          sub / "bob" / "ex01" / "ex01_forward_pass.ipynb",
          "--source", SOLUTIONS, "--db", db2, cwd=tmp_path)  # fmt: skip
    assert rows(db2, "SELECT learner, score FROM submissions ORDER BY 1") == [
        ("bob", 4.0), ("mallory", 0.0)]  # fmt: skip


def test_attempts_are_numbered_in_input_order_not_finishing_order(tmp_path):
    slow = FORWARD_OK.replace("    z1 =", "    import time\n    time.sleep(0.5)\n    z1 =")
    folder = tmp_path / "in" / "alice"
    first = write(folder / "a_first.ipynb", with_answer("ex01", "forward", slow))  # 4/4, slow
    second = write(folder / "b_second.ipynb", stub())  # 0/4 at once
    db, out_csv = tmp_path / "g.sqlite", tmp_path / "grades.csv"
    grade("ex01", tmp_path / "in", "--source", SOLUTIONS, "--db", db, "--csv", out_csv,
          "-j", "2", cwd=tmp_path)  # fmt: skip
    assert rows(db, "SELECT attempt, path, score FROM submissions ORDER BY attempt") == [
        (1, str(first), 4.0), (2, str(second), 0.0)]  # fmt: skip
    with open(out_csv, newline="") as f:  # the latest attempt is the later file
        assert [(r["learner"], r["attempt"], r["score"]) for r in csv.DictReader(f)] == [
            ("alice", "2", "0.0")]  # fmt: skip


def test_files_named_like_the_assignment_with_a_suffix_stay_separate_learners(tmp_path):
    folder = tmp_path / "in"
    write(folder / "ex01_forward_pass_alice.ipynb", honest())
    write(folder / "ex01_forward_pass_bob.ipynb", stub())
    write(folder / "ex01-carol.ipynb", honest())
    db = tmp_path / "g.sqlite"
    proc = grade("ex01", folder, "--source", SOLUTIONS, "--db", db, cwd=tmp_path)
    assert rows(db, "SELECT learner, attempt, score FROM submissions ORDER BY 1") == [
        ("alice", 1, 4.0), ("bob", 1, 0.0), ("carol", 1, 4.0)]  # fmt: skip
    assert "note:" not in proc.stdout  # no learner has two files


def test_a_roster_maps_files_exactly_and_merges_are_reported(tmp_path):
    folder = tmp_path / "in"
    write(folder / "x1.ipynb", honest())
    write(folder / "x2.ipynb", stub())
    write(folder / "x3.ipynb", stub())
    write(folder / "zoe.ipynb", honest())
    roster = write(tmp_path / "roster.csv", "learner,file\ns001,in/x1.ipynb\ns002,in/x2.ipynb\n"
                   "# s001 resubmitted\ns001,in/x3.ipynb\ns009,in/gone.ipynb\n")  # fmt: skip
    db = tmp_path / "g.sqlite"
    proc = grade("ex01", folder, "--roster", roster, "--source", SOLUTIONS, "--db", db,
                 cwd=tmp_path)  # fmt: skip
    assert rows(db, "SELECT learner, attempt, score FROM submissions ORDER BY 1, 2") == [
        ("s001", 1, 4.0), ("s001", 2, 0.0), ("s002", 1, 0.0), ("zoe", 1, 4.0)]  # fmt: skip
    assert "note: learner 's001' has 2 files in this batch" in proc.stdout
    assert "note: --roster: 1 of its 4 files are not in this batch" in proc.stdout
    bad = write(tmp_path / "bad.csv", "s001,in/x1.ipynb\ns002\n")
    broken = grade("ex01", folder, "--roster", bad, "--source", SOLUTIONS, "--db", db,
                   cwd=tmp_path, check=False)  # fmt: skip
    assert broken.returncode == 2
    assert broken.stderr == (
        f"error: --roster '{bad}': line 2 should be 'learner,file', got 's002'\n"
    )
    both = grade("ex01", folder / "x1.ipynb", "--roster", roster, "--learner", "me",
                 "--source", SOLUTIONS, cwd=tmp_path, check=False)  # fmt: skip
    assert both.returncode == 2 and "--learner and --roster" in both.stderr


def test_long_formula_and_control_character_names_are_stored_and_shown_safely(tmp_path):
    folder = tmp_path / "in"
    long_name = "a" * 243 + ".ipynb"  # 249 characters: with '.results.json', over 255
    assert len(long_name) == 249
    write(folder / long_name, honest())
    write(folder / "=HYPERLINK(1).ipynb", honest())
    write(folder / "eve\n\x1b[2Jfake 4 of 4.ipynb", stub())
    db, res, fb, out_csv = (tmp_path / x for x in ("g.sqlite", "res", "fb", "grades.csv"))
    proc = grade("ex01", folder, "--source", SOLUTIONS, "--db", db, "--results", res,
                 "--feedback", fb, "--csv", out_csv, cwd=tmp_path)  # fmt: skip
    learners = [r[0] for r in rows(db, "SELECT learner FROM submissions ORDER BY 1")]
    assert len(learners) == 3
    assert len(max(learners, key=len)) == 200 and max(learners, key=len).startswith("a" * 180)
    names = sorted(p.name for p in res.iterdir())
    assert len(names) == 3
    # only letters, digits, '.', '_' and '-' in a generated name; a long one keeps a hash
    assert names[0] == "HYPERLINK_1.results.json" and names[2] == "eve_2Jfake_4_of_4.results.json"
    assert names[1].startswith("a" * 89 + "-") and len(names[1]) == 89 + 1 + 10 + 13
    # the summary: one line per submission, the control characters shown, never sent
    assert "\x1b" not in proc.stdout + proc.stderr
    assert len([line for line in proc.stdout.splitlines() if "/ 4" in line]) == 3
    assert "eve\\n\\x1b[2Jfake 4 of 4" in proc.stdout
    with open(out_csv, newline="") as f:
        exported = [r["learner"] for r in csv.DictReader(f)]
    assert "'=HYPERLINK(1)" in exported and "=HYPERLINK(1)" not in exported
    feedback = "".join(p.read_text() for p in fb.iterdir())
    assert "\x1b" not in feedback and "eve\\n\\x1b[2Jfake" in feedback
    eve = next(p for p in res.iterdir() if p.name.startswith("eve"))
    assert json.loads(eve.read_text())["score"] == 0.0


def test_the_progress_bar_shows_control_characters_escaped():
    import io

    from course_lib.grading.progress import Progress

    log = io.StringIO()  # not a terminal: one line per tenth
    bar = Progress(2, "ex01", stream=log)
    bar.update("eve\n\x1b[2J\rfake: 4/4")
    bar.update("bob: 0/4")
    lines = log.getvalue().split("\n")
    assert len(lines) == 3 and lines[2] == ""  # two lines, each ended once
    assert lines[0].endswith("eve\\n\\x1b[2J\\rfake: 4/4") and "\x1b" not in log.getvalue()


def test_a_folder_with_nothing_gradable_says_what_it_skipped(tmp_path):
    folder = tmp_path / "in"
    elsewhere = write(tmp_path / "elsewhere" / "eve.ipynb", honest())
    folder.mkdir()
    (folder / "linked").symlink_to(elsewhere.parent)
    proc = grade("ex01", folder, "--source", SOLUTIONS, cwd=tmp_path, check=False)
    assert proc.returncode == 2
    assert proc.stderr == (
        "error: SUBMISSION: no notebooks found in the given folders (1 other entries skipped, "
        f"e.g. {folder / 'linked'}: a symbolic link to a folder, not followed)\n"
    )
