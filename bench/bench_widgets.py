"""From a control's value change to the updated image, headless (Agg, no kernel).

Each change sets a control's ``value`` (as the frontend's message does), which
retrains the network for 200 epochs, changes the figure's artists, draws and
encodes the PNG that the Image widget shows. Timed per change with
``perf_counter``; the budget (issue 4) is a median of at most 100 ms and a
95th percentile of at most 200 ms. Also timed: the backward-pass stepper's
steps. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
from _timing import percentile  # noqa: E402

from course_lib.init import SCHEMES  # noqa: E402
from course_lib.widgets import Playground, Stepper  # noqa: E402

EPOCHS = 200


def timed(changes) -> list[float]:
    """Seconds from each ``(control, value)`` assignment to the new image being set."""
    times = []
    for control, value in changes:
        start = time.perf_counter()
        control.value = value
        times.append(time.perf_counter() - start)
    return times


def report(name: str, times: list[float]) -> None:
    ms = [t * 1e3 for t in times]
    print(
        f"{name:<44} n={len(ms):>3}  median {statistics.median(ms):6.1f} ms"
        f"  p95 {percentile(ms, 95):6.1f} ms  max {max(ms):6.1f} ms"
    )


def main() -> None:
    pg = Playground()
    c = pg.controls
    c["epochs"].value = EPOCHS
    timed([(c["lr"], 0.2), (c["lr"], 0.1)])  # warm-up: fonts, first background

    # a learner dragging the learning rate up and down the whole slider, 1e-3 to 3
    rates = np.concatenate([np.geomspace(1e-3, 3, 40), np.geomspace(3, 1e-3, 40)])
    lr_times = timed((c["lr"], float(r)) for r in rates)

    # every initialisation and a few seeds, at a learning rate that trains and one that diverges
    changes = []
    for scheme, lr in itertools.product(SCHEMES, (0.05, 2.5)):
        changes += [(c["lr"], lr), (c["init"], scheme)]
        if scheme not in ("article", "zeros", "constant"):
            changes += [(c["seed"], s) for s in (1, 2, 3)]
    mixed_times = timed(changes)

    frame_times = []
    for _ in range(30):
        start = time.perf_counter()
        pg._frames.png()
        frame_times.append(time.perf_counter() - start)
    train_times = []
    for _ in range(30):
        start = time.perf_counter()
        pg._train()
        train_times.append(time.perf_counter() - start)

    # dragging the epochs slider: new x limits each time, so the background is drawn again
    c["lr"].value, c["init"].value = 0.1, "article"
    epoch_times = timed((c["epochs"], int(e)) for e in np.linspace(100, 300, 50))

    c["epochs"].value = 1000
    big_times = timed((c["lr"], float(r)) for r in np.geomspace(1e-3, 3, 20))

    st = Stepper()
    step_times = timed(
        (st.controls["step"], k) for k in list(range(1, 29)) + list(range(27, 0, -1))
    )

    print(f"training playground, {EPOCHS} epochs, 2-2-1 article network, Agg, {_cpu()}")
    report("learning-rate drag (change -> image)", lr_times)
    report("init / seed / lr changes (change -> image)", mixed_times)
    report("all of the above", lr_times + mixed_times)
    report("  of which: training + snapshots", train_times)
    report("  of which: frame (draw + PNG encode)", frame_times)
    report("epochs drag 100..300 (background redrawn)", epoch_times)
    report("1000 epochs, learning-rate changes", big_times)
    report("backward stepper, one step (change -> image)", step_times)
    budget = statistics.median(lr_times + mixed_times) <= 0.1
    budget = budget and percentile(lr_times + mixed_times, 95) <= 0.2
    verdict = "met" if budget else "NOT met"
    print(f"budget (median <= 100 ms, p95 <= 200 ms at {EPOCHS} epochs): {verdict}")


def _cpu() -> str:
    import os

    return f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"


if __name__ == "__main__":
    main()
