"""course_lib's Value against micrograd (PyPI) on the same MLP(2, [16, 16, 1]) training step.

One step: forward over 100 samples, mean squared error, backward, SGD update. The
network code below is written once and run with either engine's Value, from the
same initial weights. Goal: Value at least 1.5x faster. Prints medians and the ratio.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from micrograd.engine import Value as MicrogradValue  # noqa: E402

from course_lib import Value  # noqa: E402

SIZES = [2, 16, 16, 1]


def make_weights(seed=0):
    rng = random.Random(seed)
    return [
        [[rng.uniform(-1, 1) for _ in range(n_in + 1)] for _ in range(n_out)]  # last: the bias
        for n_in, n_out in zip(SIZES[:-1], SIZES[1:], strict=True)
    ]


def make_data(seed=1, n=100):
    rng = random.Random(seed)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
    ys = [1.0 if x0 * x1 > 0 else -1.0 for x0, x1 in xs]
    return xs, ys


def training_step(engine, weights, xs, ys, lr=0.05):
    """The same code for both engines: build, forward, loss, backward, update."""
    params = [[[engine(w) for w in neuron] for neuron in layer] for layer in weights]
    loss = engine(0.0)
    for x, y in zip(xs, ys, strict=True):
        a = x
        for k, layer in enumerate(params):
            z = [
                sum((w * ai for w, ai in zip(neuron[:-1], a, strict=True)), neuron[-1])
                for neuron in layer
            ]
            a = [v.relu() for v in z] if k < len(params) - 1 else z
        loss = loss + (a[0] - y) ** 2
    loss = loss * (1.0 / len(xs))
    loss.backward()
    new = [[[w.data - lr * w.grad for w in neuron] for neuron in layer] for layer in params]
    return loss.data, new


def time_steps(engine, repeats=15):
    weights, (xs, ys) = make_weights(), make_data()
    times, losses = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        loss, weights = training_step(engine, weights, xs, ys)
        times.append(time.perf_counter() - start)
        losses.append(loss)
    return times, losses


def main() -> None:
    rounds = []
    for _ in range(3):  # interleaved, so both see the same machine load
        ours, our_losses = time_steps(Value)
        theirs, their_losses = time_steps(MicrogradValue)
        rounds.append((statistics.median(ours), statistics.median(theirs)))
    same = all(abs(a - b) < 1e-9 for a, b in zip(our_losses, their_losses, strict=True))
    ours = sorted(r[0] for r in rounds)[1] * 1e3
    theirs = sorted(r[1] for r in rounds)[1] * 1e3
    print("MLP(2, [16, 16, 1]) training step on 100 samples (scalar autograd), median of 3 x 15")
    print(f"  course_lib Value: {ours:8.1f} ms")
    print(f"  micrograd Value:  {theirs:8.1f} ms")
    print(f"  ratio: course_lib is {theirs / ours:.2f}x faster (goal: >= 1.5x)")
    print(f"  both engines computed the same losses: {same}")


if __name__ == "__main__":
    main()
