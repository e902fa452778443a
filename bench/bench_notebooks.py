"""How long each course notebook takes under nbval, the way `make test` runs it
(goals: at most 15 s per notebook, at most 60 s for the whole course).

Runs `pytest --nbval-lax --nbval-current-env` on each notebook in a fresh process,
``--repeats`` times (default 3), and prints the median wall time per notebook (process
start, kernel start and every cell) and the total of the medians.

    python bench/bench_notebooks.py [--repeats 3] [--only 03] [--edition en|zh-CN|both]

``--edition both`` times each English notebook and its zh-CN twin in the same run and prints
the ratio (the same code; the Chinese edition adds one cell and looks its text up).
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
    parser.add_argument("--edition", choices=["en", "zh-CN", "both"], default="en")
    args = parser.parse_args()
    editions = ["en", "zh-CN"] if args.edition == "both" else [args.edition]
    folders = {"en": ROOT / "notebooks", "zh-CN": ROOT / "notebooks" / "zh-CN"}
    names = sorted(p.name for p in folders["en"].glob(f"{args.only or ''}*.ipynb"))
    print(f"nbval wall time per notebook, median of {args.repeats} (goal: <= {PER_NOTEBOOK:g} s)")
    print(f"  {'notebook':<42} " + " ".join(f"{e:>8}" for e in editions))
    totals = dict.fromkeys(editions, 0.0)
    for name in names:
        medians = {}
        for e in editions:
            runs = [run_once(folders[e] / name) for _ in range(args.repeats)]
            medians[e] = statistics.median(runs)
            totals[e] += medians[e]
        over = any(m > PER_NOTEBOOK for m in medians.values())
        ratio = f"  zh/en {medians['zh-CN'] / medians['en']:.2f}" if len(editions) == 2 else ""
        cells = " ".join(f"{medians[e]:6.1f} s" for e in editions)
        print(f"  {name:<42} {cells}{ratio}{'  over the goal' if over else ''}")
    if not args.only:
        cells = " ".join(f"{totals[e]:6.1f} s" for e in editions)
        print(f"  {'whole course (sum of medians)':<42} {cells} (goal: <= {COURSE:g} s each)")


if __name__ == "__main__":
    main()
