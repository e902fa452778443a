"""The kernel's share of a change, headless (no browser): from a control's value to the
numbers sent to the browser view.

Each change sets a control's ``value`` (as the frontend's message does), which
retrains the network for 200 epochs and packs the curves the view draws. Timed
per change with ``perf_counter``; bench_browser.py times the whole trip in
Chromium. Also timed: the data playground's frames (one epoch, 2-[8,8]-1, 500
points). Prints the figures; asserts nothing.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
from _timing import percentile  # noqa: E402

from course_lib.data_playground import DataPlayground  # noqa: E402
from course_lib.init import SCHEMES  # noqa: E402
from course_lib.widgets import Playground  # noqa: E402

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

    pack_times = []
    for _ in range(30):
        start = time.perf_counter()
        pg._rows().astype("<f8").tobytes()
        pack_times.append(time.perf_counter() - start)
    train_times = []
    for _ in range(30):
        start = time.perf_counter()
        pg._train()
        train_times.append(time.perf_counter() - start)

    # dragging the epochs slider
    c["lr"].value, c["init"].value = 0.1, "article"
    epoch_times = timed((c["epochs"], int(e)) for e in np.linspace(100, 300, 50))

    c["epochs"].value = 1000
    big_times = timed((c["lr"], float(r)) for r in np.geomspace(1e-3, 3, 20))

    play = DataPlayground(dataset="spirals", hidden=[8, 8], n=500)
    frame_times = []
    for _ in range(60):
        start = time.perf_counter()
        play.advance(1)
        frame_times.append(time.perf_counter() - start)

    print(f"training playground, {EPOCHS} epochs, 2-2-1 article network, {_cpu()}")
    report("learning-rate drag (change -> sent)", lr_times)
    report("init / seed / lr changes (change -> sent)", mixed_times)
    report("all of the above", lr_times + mixed_times)
    report("  of which: training + snapshots", train_times)
    report("  of which: packing the curves", pack_times)
    report("epochs drag 100..300", epoch_times)
    report("1000 epochs, learning-rate changes", big_times)
    report("data playground, one epoch + its frame", frame_times)


def _cpu() -> str:
    import os

    return f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"


if __name__ == "__main__":
    main()
