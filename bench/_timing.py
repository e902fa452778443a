"""Timing helpers for the bench scripts: medians of repeated calls, in one process."""

from __future__ import annotations

import statistics
import time


def per_call(fn, *, repeats: int = 2000, warmup: int = 50) -> list[float]:
    """Seconds taken by each of ``repeats`` calls of ``fn()`` (after ``warmup`` calls)."""
    for _ in range(warmup):
        fn()
    times = []
    clock = time.perf_counter
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return times


def median_us(times: list[float]) -> float:
    return statistics.median(times) * 1e6


def percentile(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]
