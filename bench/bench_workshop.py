"""Load and sizing for the workshop hub: N learners on one machine, loopback only.

Starts the hub (workshop/jupyterhub_config.py) on 127.0.0.1, logs in up to ``--max``
learners, gives each the course by the nbgitpuller link and a kernel on the training
playground's notebook, then raises the number of active learners step by step. At each step
every active learner drags the playground's learning-rate slider: one update (200 epochs of
training and a redrawn figure) every ``--think`` seconds, ``--updates`` times. The time from
sending the update to the kernel being idle again is timed, through the proxy and the
learner's server, as the learner's browser would see it.

Prints, per step: p50 and p95 of that time, and the cores the learners' kernels used; then
memory per learner (server plus kernel, resident; the kernel with and without torch). The run
stops by itself: after the first step whose p95 is over the budget, after ``--max``, or after
``--deadline`` seconds. The hub is stopped at the end, and whatever it left is killed.

    .venv/bin/python bench/bench_workshop.py --max 8
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT / "workshop"))

from _timing import percentile  # noqa: E402
from hubdriver import Hub, Learner, bare_course_repo  # noqa: E402
from link import link  # noqa: E402

CODE = "sizing-run-code"
TICKS = os.sysconf("SC_CLK_TCK")
SETUP = (
    "import os\n"
    "from course_lib.widgets import Playground\n"
    "pg = Playground()\n"
    "pg.controls['epochs'].value = 200\n"
    "print(os.getpid(), os.getppid())"
)
TORCH = "import torch\nnet = torch.nn.Linear(2, 1)\nnet(torch.ones(1, 2)).sum().backward()"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def join(learner: Learner, url: str) -> dict:
    """Log in, pull the course, open a kernel on the playground notebook and build a playground."""
    start = time.perf_counter()
    learner.login()
    learner.open_link(url)
    listing = learner.api("GET", f"/user/{learner.name}/api/contents/course/notebooks").json()
    (name,) = [i["name"] for i in listing["content"] if i["name"].endswith("_playground.ipynb")]
    kernel = learner.kernel(f"course/notebooks/{name}")
    out = kernel.run(SETUP)
    if out["errors"]:
        raise RuntimeError(f"{learner.name}: {out['errors']}")
    kernel_pid, server_pid = map(int, out["text"].split())
    return {
        "learner": learner,
        "kernel": kernel,
        "kernel_pid": kernel_pid,
        "server_pid": server_pid,
        "join": time.perf_counter() - start,
    }


def drag(seat: dict, updates: int, think: float, times: list, lock: threading.Lock) -> None:
    """One learner's slider: ``updates`` learning rates, ``think`` seconds apart.

    A failed update (an error in the kernel, a lost connection) is counted as infinitely slow.
    """
    for i in range(updates):
        rate = 0.01 * (1.35 ** (i % 12))
        try:
            out = seat["kernel"].run(f"pg.controls['lr'].value = {rate!r}", timeout=60)
            seconds = out["seconds"] if not out["errors"] else float("inf")
        except Exception as exc:  # noqa: BLE001 (reported, and counted as a failure)
            print(f"{seat['learner'].name}: update failed: {exc}", file=sys.stderr)
            seconds = float("inf")
        with lock:
            times.append(seconds)
        time.sleep(think)


def total_cpu(pids) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except OSError:
            pass
    return total


def step(hub: Hub, seats: list[dict], updates: int, think: float) -> dict:
    times: list[float] = []
    lock = threading.Lock()
    everything = hub.track()  # hub, proxy, culler, every server and kernel
    cpu0 = sum(cpu_seconds(s["kernel_pid"]) for s in seats)
    all0 = total_cpu(everything)
    start = time.perf_counter()
    threads = [threading.Thread(target=drag, args=(s, updates, think, times, lock)) for s in seats]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cores = (sum(cpu_seconds(s["kernel_pid"]) for s in seats) - cpu0) / wall
    all_cores = (total_cpu(everything) - all0) / wall
    ms = [t * 1e3 for t in times]
    return {
        "n": len(seats), "p50": statistics.median(ms), "p95": percentile(ms, 95),
        "cores": cores, "all_cores": all_cores, "count": len(ms),
        "failed": sum(1 for t in ms if t == float("inf")),
    }  # fmt: skip


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--steps",
        default="1,4,8,12,16,24",
        help="active learners per step (default 1,4,8,12,16,24)",
    )
    p.add_argument("--updates", type=int, default=10, help="slider updates per learner per step")
    p.add_argument("--think", type=float, default=1.0, help="seconds between a learner's updates")
    p.add_argument("--budget-ms", type=float, default=500.0, help="p95 budget (default 500 ms)")
    p.add_argument("--deadline", type=float, default=420.0, help="stop after this many seconds")
    args = p.parse_args(argv)
    steps = sorted({int(n) for n in args.steps.split(",")})
    if not steps or steps[0] < 1 or args.updates < 1 or args.think < 0:
        p.error("--steps must be positive counts, --updates positive and --think >= 0")
    began = time.monotonic()
    results, seats = [], []
    with tempfile.TemporaryDirectory(prefix="bench-workshop-") as tmp:
        url_repo = bare_course_repo(Path(tmp)).as_uri()
        with Hub(Path(tmp) / "hub", CODE, mem_limit="3G") as hub:
            print(f"hub start-up: {hub.startup_seconds:.1f} s")
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"machine: {os.cpu_count()} cores, load average before the run {load}")
            url = link(hub.url, url_repo)
            for n in steps:
                names = [f"learner{i + 1}" for i in range(len(seats), n)]
                with ThreadPoolExecutor(4) as pool:  # four learners log in at a time
                    seats += pool.map(lambda who: join(Learner(hub.url, who, CODE), url), names)
                hub.track()
                r = step(hub, seats[:n], args.updates, args.think)
                results.append(r)
                print(
                    f"{n:2d} learners: slider update p50 {r['p50']:6.0f} ms  p95 {r['p95']:6.0f} ms"
                    f"  kernels {r['cores']:.2f} cores ({r['cores'] / n:.2f} per learner),"
                    f" hub and all {r['all_cores']:.2f}"
                    f"  [{r['count']} updates, {r['failed']} failed]",
                    flush=True,
                )
                print(f"   (load average now {os.getloadavg()[0]:.1f})", flush=True)
                if r["p95"] > args.budget_ms or time.monotonic() - began > args.deadline:
                    break
            joins = [s["join"] for s in seats]
            server = statistics.median(rss_mb(s["server_pid"]) for s in seats)
            kernel = statistics.median(rss_mb(s["kernel_pid"]) for s in seats)
            torch_out = seats[0]["kernel"].run(TORCH)
            kernel_torch = rss_mb(seats[0]["kernel_pid"])
            for s in seats:
                s["kernel"].close()
        print(f"login to running playground kernel: median {statistics.median(joins):.1f} s")
        failed = f" (torch failed: {torch_out['errors']})" if torch_out["errors"] else ""
        print(
            f"memory per learner (resident): server {server:.0f} MB, kernel {kernel:.0f} MB "
            f"without torch, {kernel_torch:.0f} MB after importing torch{failed}"
        )
        if hub.leftovers:
            print(f"killed processes the hub left: {hub.leftovers}")
    ok = [r["n"] for r in results if r["p95"] <= args.budget_ms]
    bad = [r["n"] for r in results if r["p95"] > args.budget_ms]
    print(
        f"holds {max(ok) if ok else 0} active learners with p95 <= {args.budget_ms:.0f} ms; "
        + (f"fails at {min(bad)}" if bad else f"no failure up to {results[-1]['n']}")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
