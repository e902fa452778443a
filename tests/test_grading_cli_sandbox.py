"""The grading CLI and its sandbox as an instructor meets them: run as a real process.

As a non-root user (issue 8 asks for both root and non-root), with the grader killed in the
middle of a submission, and on a machine where bubblewrap cannot start.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.grading_fixtures.submissions import (
    FORWARD_OK,
    RELU_OK,
    ROOT,
    SOLUTIONS,
    ZH_EXERCISES,
    load,
    notebook_path,
    solved,
    with_answer,
    write,
)

NOBODY = 65534
SOLUTION_FILE = str(notebook_path(SOLUTIONS, "ex01"))
WORKER = "course_lib.grading.worker"

# relu copied from the solution file if it can be read, otherwise wrong for negative entries
READS_SOLUTIONS = f"""
import json

def relu(z):
    try:
        with open({SOLUTION_FILE!r}) as f:
            cells = json.load(f)["cells"]
    except OSError:
        return z
    grading = [c["metadata"].get("grading", {{}}) for c in cells]
    cell = cells[[g.get("grade_id") for g in grading].index("relu")]
    namespace = {{"np": np}}
    exec("".join(cell["source"]), namespace)
    return namespace["relu"](z)
"""


def cli(*args, env=None, cwd=None, user=None, timeout=300) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "course_lib.grading", *map(str, args)]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def part_scores(results: Path, stem: str) -> dict:
    data = json.loads((results / f"{stem}.results.json").read_text(encoding="utf-8"))
    return {t["name"]: t["score"] for t in data["tests"]}


def summary_scores(stdout: str) -> dict:
    """``learner: (score, max)`` from the summary lines the CLI prints."""
    found = re.findall(r"^\s*([\d.]+) / ([\d.]+)\s+(\S+)", stdout, flags=re.M)
    return {who: (float(score), float(top)) for score, top, who in found}


# --- a real unprivileged user ---


@contextlib.contextmanager
def reachable_by_others(paths):
    """``chmod o+x`` on every ancestor folder of ``paths`` that lacks it, restored afterwards.

    The interpreter lives under /root/.pyenv and /root is mode 700, so a non-root user cannot
    even start it. Adding only the search bit (not read) to only those folders, for the length
    of the test, is the least that lets the unprivileged grader run.
    """
    changed: dict[Path, int] = {}
    try:
        for path in paths:
            for folder in [Path(path), *Path(path).parents]:
                mode = stat.S_IMODE(folder.stat().st_mode)
                if folder.is_dir() and not mode & stat.S_IXOTH and folder not in changed:
                    changed[folder] = mode
                    os.chmod(folder, mode | stat.S_IXOTH)
        yield
    finally:
        for folder, mode in changed.items():
            os.chmod(folder, mode)


def test_grading_as_an_unprivileged_user_sandboxes_every_submission():
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged user (CI runs as root)")
    # pytest's tmp_path sits in a folder only root may enter: a folder of nobody's own in /tmp
    work = Path(tempfile.mkdtemp(prefix="graded-by-nobody-"))
    try:
        _grade_as_nobody(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _attacks_as_nobody(work: Path) -> dict[str, str]:
    """Top-of-cell attacks run by an unprivileged grader's sandbox (each guarded, so that the
    honest relu after it is defined whatever the attack meets)."""
    site = f"{sys.prefix}/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages"
    return {
        "forker": (
            "import os, subprocess\n"
            "for spawn in (os.fork, lambda: subprocess.Popen(['sh', '-c', "
            f"'sleep 2; touch {work}/escaped'])):\n"
            "    try:\n        spawn() or os._exit(0)\n    except OSError:\n        pass\n"
        ),
        "killer": (
            "import os, signal\n"
            "for target in (-1, 1, os.getppid()):\n"
            "    try:\n        os.kill(target, signal.SIGKILL)\n    except OSError:\n"
            "        pass\n"
        ),
        "planter": (
            f"for path in ({str(work / 'planted.txt')!r}, {site + '/zz_planted.pth'!r},\n"
            f"             {str(ROOT / 'solutions' / 'planted.ipynb')!r}):\n"
            "    try:\n        open(path, 'w').write('import os')\n    except OSError:\n"
            "        pass\n"
        ),
        "stylish": (  # honest code the old deny-list refused
            "import os, sys\n"
            "_where = os.path.join(os.getcwd(), 'x')\n"
            "_eps = sys.float_info.epsilon\n"
            "_names = sorted(locals())\n"
            "_dtype = getattr(np.zeros(1), 'dtype', None)\n"
        ),
    }


def _grade_as_nobody(work: Path) -> None:
    write(work / "alice.ipynb", load("ex01"))
    attack = with_answer(
        "ex01", "forward", FORWARD_OK, with_answer("ex01", "relu", READS_SOLUTIONS)
    )
    write(work / "mallory.ipynb", attack)
    # attacks at the top of an honest relu cell: they must reach nothing, and cost nothing
    for name, source in _attacks_as_nobody(work).items():
        write(work / f"{name}.ipynb", with_answer("ex01", "relu", source + RELU_OK))
    # the zh-CN exercise, solved; and solved again after code that tries to switch the
    # grader to English: both full marks, both told so in Chinese
    write(work / "li.ipynb", solved(ZH_EXERCISES, "ex01"))
    meddling = "import os\nos.environ['COURSE_LANG'] = 'en'\n" + RELU_OK
    write(work / "wang.ipynb", solved(ZH_EXERCISES, "ex01", {"relu": meddling}))
    for path in [work, *work.iterdir()]:
        os.chown(path, NOBODY, NOBODY)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "LANG": "C.UTF-8"}
    interpreter = [os.path.realpath(sys.executable), sys.base_prefix, sys.prefix, ROOT]
    folders = {f for p in interpreter for f in [Path(p), *Path(p).parents]}
    modes = {folder: folder.stat().st_mode for folder in folders}
    with reachable_by_others(interpreter):
        done = cli(
            "grade",
            "ex01",
            *sorted(work.glob("*.ipynb")),
            "--db",
            work / "gradebook.sqlite",
            "--results",
            work / "results",
            "--quiet",
            env=env,
            cwd=work,
            user=NOBODY,
        )
    assert done.returncode == 0, done.stderr
    assert (work / "gradebook.sqlite").stat().st_uid == NOBODY  # it really ran as nobody
    expected = {"alice": (4, 4), "mallory": (3, 4), "li": (4, 4), "wang": (4, 4)}
    expected.update({name: (4, 4) for name in _attacks_as_nobody(work)})
    assert summary_scores(done.stdout) == expected, done.stdout
    assert part_scores(work / "results", "mallory") == {"relu": 0, "forward": 3}
    assert not list(work.glob("planted*")) and not (work / "escaped").exists()
    assert not (ROOT / "solutions" / "planted.ipynb").exists()
    site = Path(sys.prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert not list(site.glob("site-packages/zz_planted*.pth"))
    assert part_scores(work / "results", "alice") == {"relu": 1, "forward": 3}
    for learner in ("li", "wang"):
        data = json.loads((work / "results" / f"{learner}.results.json").read_text("utf-8"))
        assert data["extra_data"]["language"] == "zh-CN"
        assert all(re.search("[\u4e00-\u9fff]", t["output"]) for t in data["tests"]), data
    assert {folder: folder.stat().st_mode for folder in folders} == modes  # all restored


# --- the grader killed in the middle of a submission ---


def _process_table() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, command line) for every process on the host."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        table[int(entry)] = (int(fields[1]), fields[0], cmdline)
    return table


def _descendants(pid: int) -> dict[int, str]:
    table = _process_table()
    out, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _, cmdline) in table.items():
            if ppid == parent and child not in out:
                out[child] = cmdline
                todo.append(child)
    return out


def _still_running(processes: dict[int, str]) -> dict[int, str]:
    table = _process_table()
    return {
        pid: cmd
        for pid, cmd in processes.items()
        if pid in table and table[pid][2] == cmd and table[pid][1] != "Z"
    }


def test_killing_the_grader_kills_its_sandbox_and_the_next_run_removes_its_folder(tmp_path):
    temp = tmp_path / "tmp"  # the grader's TMPDIR: where its course-grading-* folders go
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp))
    sleeper = write(
        tmp_path / "sleeper.ipynb",
        with_answer("ex01", "relu", "import time\ntime.sleep(30)\n" + RELU_OK),
    )
    command = [
        sys.executable,
        "-m",
        "course_lib.grading",
        "grade",
        "ex01",
        str(sleeper),
        "--db",
        str(tmp_path / "gradebook.sqlite"),
        "--timeout",
        "60",
        "--quiet",
    ]
    grader = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        sandbox = {}
        # the sandbox is up when it holds the zygote and the worker forked for the part
        while sum(WORKER in cmd for cmd in sandbox.values()) < 2:
            assert grader.poll() is None, "the grader ended before its sandbox started"
            assert time.monotonic() < deadline, "the sandbox did not start"
            time.sleep(0.1)
            sandbox = _descendants(grader.pid)
        time.sleep(0.5)
        sandbox = _descendants(grader.pid)
        assert any("bwrap" in cmd for cmd in sandbox.values()), sandbox
        assert list(temp.glob(f"course-grading-{grader.pid}-*"))
    finally:
        grader.send_signal(signal.SIGKILL)
        grader.wait(timeout=30)
    deadline = time.monotonic() + 5
    while (left := _still_running(sandbox)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == {}, left
    stale = list(temp.glob(f"course-grading-{grader.pid}-*"))
    assert stale  # SIGKILL left the folder behind ...
    solution = write(tmp_path / "alice.ipynb", load("ex01"))
    done = subprocess.run(
        [*command[:5], str(solution), *command[6:]],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert not any(path.exists() for path in stale)  # ... and the next run removed it
    assert list(temp.glob("course-grading-*")) == []


# --- no sandbox on this machine ---

NO_BWRAP = {"COURSE_GRADING_BWRAP": "/nonexistent/bwrap"}


def grade_solution(folder: Path, *options, env=None) -> subprocess.CompletedProcess:
    """The CLI on a copy of ex01's solution, with its gradebook and results in ``folder``."""
    solution = write(folder / "alice.ipynb", load("ex01"))
    book, results = folder / "gradebook.sqlite", folder / "results"
    environment = dict(os.environ, **(env or {}))
    command = ["grade", "ex01", solution, "--db", book, "--results", results, "--quiet"]
    return cli(*command, *options, env=environment, cwd=folder)


def test_without_bubblewrap_grade_stops_with_one_line_saying_how_to_fix_it(tmp_path):
    done = grade_solution(tmp_path, env=NO_BWRAP)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "bubblewrap" in lines[0] and "apt-get install bubblewrap" in lines[0]
    assert done.stdout == "" and not (tmp_path / "gradebook.sqlite").exists()


def test_no_sandbox_warns_and_grades(tmp_path):
    done = grade_solution(tmp_path, "--no-sandbox", env=NO_BWRAP)
    assert done.returncode == 0, done.stderr
    assert "warning: --no-sandbox" in done.stderr
    assert summary_scores(done.stdout) == {"alice": (4, 4)}
    assert part_scores(tmp_path / "results", "alice") == {"relu": 1, "forward": 3}


def test_no_sandbox_is_recorded_in_the_results_file_and_the_gradebook(tmp_path):
    done = grade_solution(tmp_path, "--no-sandbox")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "results" / "alice.results.json").read_text(encoding="utf-8")
    assert re.search(r'"sandbox": "none"', text), text
    with sqlite3.connect(tmp_path / "gradebook.sqlite") as con:
        cursor = con.execute("SELECT * FROM submissions")
        (row,) = [dict(zip([c[0] for c in cursor.description], r, strict=True)) for r in cursor]
    # a column of its own, or the row's notes: either way the row says so
    assert row.get("sandbox") == "none" or "sandbox: none" in str(row.get("notes")), row
