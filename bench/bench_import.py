"""Wall time of `import course_lib` in a fresh process (goal: at most 0.3 s).

Runs `python -c "import course_lib"` 15 times and, for reference, a bare
`python -c "pass"`; prints the medians and their difference.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def median_run(code: str, repeats: int = 15) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    bare = median_run("pass")
    full = median_run("import course_lib, course_lib.mlp, course_lib.walkthrough")
    print("fresh-process wall time, median of 15")
    print(f"  python -c 'pass':                  {bare:.3f} s")
    print(f"  import course_lib (+ mlp, walkthrough): {full:.3f} s (goal: <= 0.3 s)")
    print(f"  of which course_lib and numpy:     {full - bare:.3f} s")


if __name__ == "__main__":
    main()
