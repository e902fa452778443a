"""How fast the grader is, each submission in its bubblewrap sandbox beside --no-sandbox.

Everything is measured in one run, sandboxed and unsandboxed interleaved so both see the
same machine load:

1. starting a process: a bare ``bwrap ... python -I -c pass`` against plain python, and the
   interpreter with the exercises' imports (numpy; numpy, torch and torch._dynamo for ex05),
   medians;
2. one submission at a time (the real ``grade_submission`` on the solution, median of a few):
   the sandbox's cost per submission, and where it goes: the zygote's start (bwrap, the
   interpreter, the preload), the fork of a worker per part, the per-part work (cells and
   hidden tests) and the teardown, timed at the ``Sandbox`` class's methods;
3. batches through the real command line (``python -m course_lib.grading grade -j 2``): N
   submissions of each exercise (copies of solutions/exNN_*.ipynb, 1 in 10 with a wrong last
   part, 1 in 10 the blank exercise), then the class of N learners x every exercise, which is
   those five batches one after another, as an instructor runs them. Targets for 100: 60 s
   per exercise (ex01-ex04), 120 s for ex05 (torch), 300 s for the class.

``--quick`` grades 20 submissions per exercise and extrapolates linearly to 100 (labelled as
such; slightly pessimistic, as the command's start-up is counted five times). It asserts
nothing: the targets are printed beside the measurements.

    python bench/bench_grading.py [--quick] [--learners N] [--jobs 2] [--only ex05]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course_lib.grading import bwrap, grader, runner
from course_lib.grading.assignment import load_assignment
from course_lib.grading.grader import grade_submission, sandbox_config
from course_lib.grading.sandbox import Sandbox, worker_env

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
PREFIXES = tuple(sorted(p.name[:4] for p in SOLUTIONS.glob("ex*.ipynb")))
# the targets: 60 s for a numpy exercise, 120 s for ex05 (torch); ex06 and ex07 are numpy
TARGET = {prefix: 120 if prefix == "ex05" else 60 for prefix in PREFIXES}
CLASS_TARGET, TARGET_SIZE = 300, 100
WRONG = "    return {}  # a wrong answer\n"
MODES = ("bwrap", "none")


def say(text: str = "") -> None:
    print(text, flush=True)


def notebook(folder: Path, prefix: str) -> dict:
    (path,) = sorted(folder.glob(f"{prefix}_*.ipynb"))
    return json.loads(path.read_text(encoding="utf-8"))


def make_submissions(prefix: str, n: int, folder: Path) -> None:
    """n notebooks: 8 in 10 right, 1 in 10 with its last part wrong, 1 in 10 the blank exercise."""
    solution, exercise = notebook(SOLUTIONS, prefix), notebook(EXERCISES, prefix)
    for i in range(n):
        nb = json.loads(json.dumps(exercise if i % 10 == 9 else solution))
        answers = [
            c for c in nb["cells"] if c["metadata"].get("grading", {}).get("role") == "answer"
        ]
        for cell in answers:  # every file different, as real submissions are
            cell["source"] = f"# learner {i}\n" + "".join(cell["source"])
        if i % 10 == 8:
            last = answers[-1]
            lines = "".join(last["source"]).split("\n")
            defs = [k for k, line in enumerate(lines) if line.startswith("def ")]
            wrong = (
                "\n".join(lines[: defs[0] + 1]) + "\n" + WRONG if defs else "LEARNING_RATE = 1e-6"
            )
            last["source"] = wrong
        (folder / f"learner{i:03d}.ipynb").write_text(json.dumps(nb), encoding="utf-8")


# --- 1. where the time goes: fresh processes, medians ---


def run_once(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, env=worker_env("/tmp"))
    return time.perf_counter() - start


def python_vs_bwrap(code: str, repeats: int) -> tuple[float, float]:
    """Median wall time of ``python -I -c code``, plain and inside the grading sandbox."""
    plain = [sys.executable, "-I", "-c", code]
    boxed = bwrap.command(plain, env=worker_env("/tmp"))
    times: dict[str, list[float]] = {"plain": [], "bwrap": []}
    for _ in range(repeats):  # interleaved
        times["plain"].append(run_once(plain))
        times["bwrap"].append(run_once(boxed))
    return statistics.median(times["plain"]), statistics.median(times["bwrap"])


def startup(repeats: int) -> None:
    say("1. starting a process: plain python against the same inside bwrap (the sandbox's")
    say("   namespaces, binds and /tmp), fresh processes, interleaved, medians")
    say(f"   {'':56s} {'plain':>7s} {'bwrap':>7s} {'cost':>7s}")
    rows = [("pass", repeats), ("import numpy", repeats)]  # ex01-ex04 preload numpy
    rows.append(("import numpy, torch", max(3, repeats // 3)))
    rows.append(("import numpy, torch, torch._dynamo", max(3, repeats // 3)))  # ex05's preload
    for code, times in rows:
        plain, boxed = python_vs_bwrap(code, times)
        label = f"python -I -c '{code}' (of {times})"
        say(f"   {label:56s} {plain:6.3f}s {boxed:6.3f}s {boxed - plain:+6.3f}s")


# --- 2. one submission at a time, in this process ---


class TimedSandbox(Sandbox):
    """The real Sandbox, adding up the seconds its zygote starts, forks and teardown take."""

    spent: dict[str, float] = {}  # for the submission being graded

    def _note(self, what: str, seconds: float) -> None:
        self.spent[what] = self.spent.get(what, 0.0) + seconds

    def _start(self) -> None:
        start = time.perf_counter()
        super()._start()
        self._note("zygote", time.perf_counter() - start)
        self._note("sandboxes", 1)

    def spawn(self, timeout: float = 20.0):
        start, before = time.perf_counter(), self.spent.get("zygote", 0.0)
        worker = super().spawn(timeout)
        restarted = self.spent.get("zygote", 0.0) - before  # a zygote started inside spawn()
        self._note("forks", time.perf_counter() - start - restarted)
        return worker

    def close(self) -> None:
        start = time.perf_counter()
        super().close()
        self._note("teardown", time.perf_counter() - start)


def grade_timed(assignment, path, config, seed: int) -> dict[str, float]:
    """Grade the solution once with the sandbox's seams timed; the seconds of each."""
    TimedSandbox.spent = {}
    result = grade_submission(assignment, path, config, learner="bench", seed=seed)
    if result.score != result.max_score:
        why = "; ".join(f"{p.grade_id}: {p.message}" for p in result.parts)
        raise SystemExit(f"{assignment.name} ({config.isolation}): the solution scored "
                         f"{result.score} of {result.max_score} ({why})")  # fmt: skip
    spent = dict(TimedSandbox.spent, total=result.duration)
    spent["work"] = spent["total"] - spent["zygote"] - spent["forks"] - spent["teardown"]
    return spent


def one_at_a_time(prefixes, repeats: int) -> None:
    say()
    say(f"2. one submission at a time: grade_submission on the solution, median of {repeats}")
    say("   zygotes = its sandboxes ready with their preload (a part that blocks modules has")
    say("   one of its own); forks = a worker per part; work = the rest (reading, cells, hidden")
    say("   tests); teardown = killing the sandboxes and removing their folders; (n) is the")
    say("   number of sandboxes (or, with --no-sandbox, zygotes) the submission started")
    columns = ("total", "zygote", "forks", "work", "teardown")
    say(f"   {'':22s}" + "".join(f"{c:>9s}" for c in ("total", "zygotes", *columns[2:])))
    saved = grader.Sandbox, runner.Sandbox
    grader.Sandbox = runner.Sandbox = TimedSandbox  # the real code, timed at the seams
    try:
        for prefix in prefixes:
            assignment = load_assignment(prefix, SOLUTIONS)
            path = sorted(SOLUTIONS.glob(f"{prefix}_*.ipynb"))[0]
            configs = {mode: sandbox_config(assignment, mode) for mode in MODES}
            runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
            for i in range(repeats):
                for mode in MODES:  # interleaved
                    runs[mode].append(grade_timed(assignment, path, configs[mode], seed=i))
            for mode in MODES:
                median = {c: statistics.median(r[c] for r in runs[mode]) for c in columns}
                label = f"{prefix} {'sandbox' if mode == 'bwrap' else '--no-sandbox'}"
                label += f" ({runs[mode][0]['sandboxes']:g})"
                say(f"   {label:22s}" + "".join(f"{median[c]:8.3f}s" for c in columns))
            cost = statistics.median(r["total"] for r in runs["bwrap"]) - statistics.median(
                r["total"] for r in runs["none"]
            )
            parts = len(assignment.parts)
            say(f"   {'':22s} sandbox's cost: {cost:+.3f} s per submission ({parts} parts)")
    finally:
        grader.Sandbox, runner.Sandbox = saved


# --- 3. batches through the command line ---


def grade(prefix: str, folder: Path, jobs: int, work: Path, mode: str) -> tuple[float, list[dict]]:
    results = work / f"results-{prefix}-{mode}"
    cmd = [
        sys.executable, "-m", "course_lib.grading", "grade", prefix, str(folder),
        "-j", str(jobs), "--db", str(work / f"{prefix}-{mode}.sqlite"), "--results", str(results),
        "--source", str(SOLUTIONS), "--seed", "1", "--quiet",
    ]  # fmt: skip
    if mode == "none":
        cmd.append("--no-sandbox")
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # 1: some submission got status error (counted below)
        raise SystemExit(f"grading {prefix} ({mode}) failed:\n{proc.stderr}")
    data = [json.loads(p.read_text()) for p in sorted(results.glob("*.results.json"))]
    return wall, data


def summary(data: list[dict]) -> str:
    full = sum(d["score"] == sum(t["max_score"] for t in d["tests"]) for d in data)
    zero = sum(d["score"] == 0 for d in data)
    errors = sum(d["extra_data"]["status"] != "graded" for d in data)
    text = f"{full} full, {len(data) - full - zero} partial, {zero} zero"
    return text + (f", {errors} ERRORS" if errors else "")


def batches(prefixes, n: int, jobs: int) -> None:
    scale = TARGET_SIZE / n
    say()
    say(f"3. batches: {n} submissions per exercise, -j {jobs}, the command line, wall time once")
    if n != TARGET_SIZE:
        say(f"   EXTRAPOLATED: '~100' columns are the measured {n} x {scale:g} (linear)")
    totals = {mode: 0.0 for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        work = Path(tmp)
        for k, prefix in enumerate(prefixes):
            folder = work / prefix
            folder.mkdir()
            make_submissions(prefix, n, folder)
            runs = {}
            for mode in MODES if k % 2 == 0 else reversed(MODES):  # alternate who goes first
                runs[mode] = grade(prefix, folder, jobs, work, mode)
            for mode in MODES:
                wall, data = runs[mode]
                totals[mode] += wall
                median = statistics.median(d["execution_time"] for d in data)
                label = "sandbox     " if mode == "bwrap" else "--no-sandbox"
                line = f"   {prefix} {label} {n} in {wall:5.1f} s"
                if n != TARGET_SIZE:
                    line += f" (~100: {wall * scale:5.1f} s)"
                line += f", target {TARGET[prefix]} s; per submission median {median:.2f} s"
                say(line + f"; {summary(data)}")
            scores = [[(d["extra_data"]["learner"], d["score"]) for d in runs[m][1]] for m in MODES]
            extra = (runs["bwrap"][0] - runs["none"][0]) / n
            agree = "same scores" if scores[0] == scores[1] else "SCORES DIFFER"
            say(
                f"        sandbox's cost: {extra:+.3f} s per submission of wall time; {agree}; "
                f"load average now {os.getloadavg()[0]:.1f}"
            )
    if len(prefixes) == len(PREFIXES):
        say(f"   class of {n} learners x {len(PREFIXES)} exercises (the batches above in a row):")
        for mode in MODES:
            label = "sandbox     " if mode == "bwrap" else "--no-sandbox"
            line = f"     {label} {totals[mode]:6.1f} s"
            if n != TARGET_SIZE:
                line += f" (~100 learners: {totals[mode] * scale:6.1f} s, EXTRAPOLATED)"
            say(line + f", target {CLASS_TARGET} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 submissions, extrapolated")
    parser.add_argument("--learners", type=int, help="submissions per exercise (default 100)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", choices=PREFIXES, help="one exercise")
    args = parser.parse_args()
    n = args.learners or (20 if args.quick else TARGET_SIZE)
    if n < 1 or args.jobs < 1:
        parser.error("--learners and --jobs must be positive")
    problem = bwrap.problem()
    if problem:
        raise SystemExit(f"the sandbox cannot start here, so nothing to compare: {problem}")
    prefixes = [args.only] if args.only else list(PREFIXES)
    version = subprocess.run([bwrap.executable(), "--version"], capture_output=True, text=True)
    say(
        f"machine: {os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), "
        f"load average {os.getloadavg()[0]:.1f} at start, Python {platform.python_version()}, "
        f"{version.stdout.strip()}, running as uid {os.getuid()}"
    )
    say("this machine is shared with other jobs: figures are noisy; compare the two columns")
    say("of one run, which were measured interleaved, rather than runs with each other")
    say()
    began = time.perf_counter()
    startup(5 if args.quick else 15)
    one_at_a_time(prefixes, 3 if args.quick else 5)
    batches(prefixes, n, args.jobs)
    say()
    say(
        f"load average {os.getloadavg()[0]:.1f} at the end; "
        f"this run took {time.perf_counter() - began:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
