"""How fast the grader is: 100 submissions of one exercise with -j 2, and a class of 100 x 5.

Generates submissions from the solution and exercise notebooks (mostly right, some with a wrong
part, some untouched), grades them with the real command line, and prints the figures. It
asserts nothing: the targets (60 s for 100 submissions, 5 minutes for the class) are printed
beside the measurements.

    python bench/bench_grading.py [--learners 100] [--jobs 2] [--only ex05]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
WRONG = "    return {}  # a wrong answer\n"


def notebook(folder: Path, prefix: str) -> dict:
    (path,) = sorted(folder.glob(f"{prefix}_*.ipynb"))
    return json.loads(path.read_text(encoding="utf-8"))


def _role(cell: dict) -> str | None:
    return cell["metadata"].get("grading", {}).get("role")


def make_submissions(prefix: str, n: int, folder: Path) -> None:
    """n notebooks: 8 in 10 right, 1 in 10 with its last part wrong, 1 in 10 untouched."""
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


def grade(prefix: str, folder: Path, jobs: int, work: Path) -> tuple[float, list[dict]]:
    results = work / f"results-{prefix}"
    cmd = [
        sys.executable, "-m", "course_lib.grading", "grade", prefix, str(folder),
        "-j", str(jobs), "--db", str(work / "bench.sqlite"), "--results", str(results),
        "--source", str(SOLUTIONS), "--quiet",
    ]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"grading {prefix} failed:\n{proc.stderr}")
    data = [json.loads(p.read_text()) for p in results.glob("*.results.json")]
    return wall, data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", help="one assignment prefix, e.g. ex05")
    args = parser.parse_args()
    every = ["ex01", "ex02", "ex03", "ex04", "ex05", "ex06", "ex07"]
    prefixes = [args.only] if args.only else every
    print(f"grading {args.learners} submissions per exercise with -j {args.jobs}")
    total = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        work = Path(tmp)
        for prefix in prefixes:
            folder = work / prefix
            folder.mkdir()
            make_submissions(prefix, args.learners, folder)
            wall, data = grade(prefix, folder, args.jobs, work)
            total += wall
            times = [d["execution_time"] for d in data]
            full = sum(d["score"] == sum(t["max_score"] for t in d["tests"]) for d in data)
            zero = sum(d["score"] == 0 for d in data)
            print(
                f"{prefix}: {args.learners} submissions in {wall:5.1f} s wall "
                f"(target 60 s); per submission median {statistics.median(times) * 1000:.0f} ms, "
                f"max {max(times) * 1000:.0f} ms; {full} full marks, {zero} zero, "
                f"{len(data) - full - zero} partial"
            )
    if len(prefixes) == 5:
        print(f"class of {args.learners} learners x 5 exercises: {total:.1f} s (target 300 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
