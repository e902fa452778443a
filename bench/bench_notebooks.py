"""How long each course notebook takes under nbval, the way `make test` runs it
(goals: at most 15 s per notebook, at most 60 s for the whole course).

Runs `pytest --nbval-lax --nbval-current-env` on each notebook in a fresh process,
``--repeats`` times (default 3), and prints the median wall time per notebook (process
start, kernel start and every cell) and the total of the medians.

    python bench/bench_notebooks.py [--repeats 3] [--only 03]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PER_NOTEBOOK, COURSE = 15.0, 60.0


def run_once(notebook: Path) -> float:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
           "--nbval-current-env", str(notebook)]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{notebook.name} failed under nbval:\n{proc.stdout[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", help="a notebook number, e.g. 03")
    args = parser.parse_args()
    notebooks = sorted((ROOT / "notebooks").glob(f"{args.only or ''}*.ipynb"))
    print(f"nbval wall time per notebook, median of {args.repeats} (goal: <= {PER_NOTEBOOK:g} s)")
    total = 0.0
    for nb in notebooks:
        median = statistics.median(run_once(nb) for _ in range(args.repeats))
        total += median
        flag = "" if median <= PER_NOTEBOOK else "  over the goal"
        print(f"  {nb.name:<42} {median:6.1f} s{flag}")
    if not args.only:
        print(f"  {'whole course (sum of medians)':<42} {total:6.1f} s (goal: <= {COURSE:g} s)")


if __name__ == "__main__":
    main()
