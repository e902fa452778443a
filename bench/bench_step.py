"""One training step of the article's 2-2-1: course_lib's manual backprop against PyTorch.

Both do forward, MSE loss, backward and an SGD update with lr 0.1, from the same
weights, one sample per step. Two ways of stepping are timed for each:

- in a training loop (``MLP.train(epochs=100)`` against a 100-step PyTorch loop),
  time per step; this is the goal's figure (manual at least 10x faster);
- one step per call (``MLP.train_step``, which also checks its arguments each time,
  against one PyTorch step).

Prints medians and ratios, all measured in one run, interleaved.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import torch  # noqa: E402
from _timing import median_us, per_call  # noqa: E402

from course_lib.article import ARTICLE, article_mlp  # noqa: E402
from course_lib.torch_bridge import to_torch  # noqa: E402

LOOP = 100


def loop_us(fn, repeats=60) -> float:
    """Median time per step of ``fn()``, which runs LOOP steps."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) / LOOP)
    return statistics.median(times) * 1e6


def main() -> None:
    torch.set_num_threads(1)
    net = article_mlp()
    model = to_torch(article_mlp(), "float32")
    opt = torch.optim.SGD(model.parameters(), lr=ARTICLE.lr)
    criterion = torch.nn.MSELoss()
    x = torch.tensor([ARTICLE.x], dtype=torch.float32)
    y = torch.tensor([[ARTICLE.y]], dtype=torch.float32)

    def torch_step():
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()

    def torch_loop():
        for _ in range(LOOP):
            torch_step()

    def manual_step():
        net.train_step(ARTICLE.x, ARTICLE.y, ARTICLE.lr, "mse")

    def manual_loop():
        net.train(ARTICLE.x, ARTICLE.y, lr=ARTICLE.lr, epochs=LOOP)

    rounds = []
    for _ in range(3):  # interleaved, so both see the same machine load
        rounds.append(
            (
                loop_us(manual_loop),
                loop_us(torch_loop),
                median_us(per_call(manual_step)),
                median_us(per_call(torch_step)),
            )
        )
    ml, tl, ms, ts = (sorted(r[k] for r in rounds)[1] for k in range(4))
    print("one training step of the 2-2-1 (forward, MSE, backward, SGD), median of 3 rounds")
    print(f"in a {LOOP}-step training loop, per step:")
    print(f"  course_lib MLP.train (numpy float64):           {ml:7.1f} us")
    print(f"  PyTorch nn.Module + MSELoss + SGD (float32):    {tl:7.1f} us")
    print(f"  ratio: manual is {tl / ml:.1f}x faster (goal: >= 10x)")
    print("one step per call:")
    print(f"  course_lib MLP.train_step (checks its inputs):  {ms:7.1f} us")
    print(f"  PyTorch, one step:                              {ts:7.1f} us")
    print(f"  ratio: manual is {ts / ms:.1f}x faster")


if __name__ == "__main__":
    main()
