"""One training step of the article's 2-2-1: course_lib's manual backprop against PyTorch.

Both do forward, MSE loss, backward and an SGD update with lr 0.1, from the same weights.
Goal: manual at least 10x faster. Prints the median per step and the ratio.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import torch  # noqa: E402
from _timing import median_us, per_call  # noqa: E402

from course_lib.article import ARTICLE, article_mlp  # noqa: E402
from course_lib.torch_bridge import to_torch  # noqa: E402


def main() -> None:
    torch.set_num_threads(1)
    net = article_mlp()

    def manual_step():
        net.train_step(ARTICLE.x, ARTICLE.y, ARTICLE.lr, "mse")

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

    rounds = []
    for _ in range(3):  # interleave, so both see the same machine load
        rounds.append((median_us(per_call(manual_step)), median_us(per_call(torch_step))))
    manual = sorted(r[0] for r in rounds)[1]
    theirs = sorted(r[1] for r in rounds)[1]
    print("one training step of the 2-2-1 (forward, MSE, backward, SGD), median of 3 x 2000")
    print(f"  course_lib manual backprop (numpy float64): {manual:8.1f} us")
    print(f"  PyTorch nn.Module + MSELoss + SGD (float32): {theirs:8.1f} us")
    print(f"  ratio: manual is {theirs / manual:.1f}x faster (goal: >= 10x)")


if __name__ == "__main__":
    main()
