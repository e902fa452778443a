"""The course map: each notebook's file, title, what it teaches, its estimated time and the
graded exercises that practise it.

One source for notebook 00's overview, ``docs/COURSE_MAP.md``, the README's map and the tests
that check every notebook's title, time and "Now try" links against it.

>>> [n.number for n in COURSE]
['00', '01', '02', '03', '04', '05', '06', '07', '08', '09']
>>> total_minutes() == sum(n.minutes for n in COURSE)
True
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Notebook", "COURSE", "total_minutes", "markdown"]


@dataclass(frozen=True)
class Notebook:
    file: str
    title: str
    teaches: str
    minutes: int
    exercises: tuple[str, ...] = ()  # files in exercises/ that practise this notebook

    @property
    def number(self) -> str:
        return self.file[:2]


COURSE = (
    Notebook(
        "00_start_here.ipynb",
        "Start here",
        "What the course covers and in what order; running cells, restarting the kernel, "
        "sliders and self-checks; an environment check.",
        15,
    ),
    Notebook(
        "01_computational_graphs.ipynb",
        "Computational graphs",
        "f(x, y, z) = (x - y) * z as a graph: forward values, local derivatives, gradients "
        "on the graph, one gradient-descent step that lowers f.",
        25,
    ),
    Notebook(
        "02_chain_rule.ipynb",
        "The chain rule",
        "The same gradients by hand, with the Value engine and by finite differences; a tanh "
        "neuron; why gradients accumulate when a value is used twice.",
        30,
        ("ex04_chain_rule.ipynb",),
    ),
    Notebook(
        "03_build_your_own_autograd.ipynb",
        "Build your own autograd",
        "A scalar engine written step by step: local derivatives, a topological sort, "
        "backward(); the = versus += bug met in your own code; checked against Value, PyTorch "
        "and finite differences; one neuron trained with it; how gradients flow through add, "
        "multiply, ReLU and a fork.",
        55,
        ("ex06_autograd_engine.ipynb",),
    ),
    Notebook(
        "04_forward_pass.ipynb",
        "The forward pass",
        "The article's 2-2-1 network by hand (each z and a, the prediction); why weights must "
        "not start equal; what Xavier and He initialisation are for.",
        30,
        ("ex01_forward_pass.ipynb",),
    ),
    Notebook(
        "05_backpropagation.ipynb",
        "Backpropagation",
        "Loss, output and hidden gradients through ReLU, the updates and the second forward "
        "pass in one table; a backward-pass stepper; the article's erratum explained.",
        40,
        ("ex02_backward_pass.ipynb",),
    ),
    Notebook(
        "06_pytorch.ipynb",
        "PyTorch",
        "The same network with nn.Module, nn.MSELoss and optim.SGD; equal to the manual "
        "numbers in float64, small float32 differences explained; autograd's graph; a "
        "training loop.",
        30,
        ("ex05_pytorch_equivalence.ipynb",),
    ),
    Notebook(
        "07_training_playground.ipynb",
        "Training playground",
        "Sliders for learning rate, initialisation, seed and epochs; guided experiments: "
        "divergence, symmetry, dead ReLUs.",
        30,
        ("ex03_gradient_descent.ipynb",),
    ),
    Notebook(
        "08_from_one_example_to_a_dataset.ipynb",
        "From one example to a data set",
        "The backward pass for a batch as matrix products, shape by shape; bias gradients "
        "sum over the batch; mean versus sum; manual backprop and PyTorch on a 2-D data set, "
        "full batch and mini-batches; the memory the forward cache needs.",
        50,
        ("ex07_batched_backward.ipynb",),
    ),
    Notebook(
        "09_playground_2d.ipynb",
        "Data playground",
        "A playground in the browser on five 2-D data sets: features, hidden layers, "
        "activation, learning rate, batch size, L2; guided experiments: XOR, spiral, "
        "overfitting, regularisation, a learning rate too large.",
        35,
    ),
)


def total_minutes() -> int:
    """The whole course's estimated time in minutes."""
    return sum(n.minutes for n in COURSE)


def exercise_folder(link_prefix: str) -> str:
    """Where exercises/ is, seen from where ``link_prefix`` leads to notebooks/.

    >>> exercise_folder("notebooks/"), exercise_folder("../notebooks/"), exercise_folder("")
    ('exercises/', '../exercises/', '../exercises/')
    """
    if link_prefix.endswith("notebooks/"):
        return link_prefix[: -len("notebooks/")] + "exercises/"
    return "../exercises/"  # from inside notebooks/


def markdown(link_prefix: str = "") -> str:
    """The course map as a Markdown table; ``link_prefix`` is put before each file name."""
    lines = [
        "| # | Notebook | What it teaches | Time | Graded exercise |",
        "|---|---|---|---|---|",
    ]
    folder = exercise_folder(link_prefix)
    for n in COURSE:
        link = f"[{n.title}]({link_prefix}{n.file})"
        practice = ", ".join(f"[{e[:4]}]({folder}{e})" for e in n.exercises)
        lines.append(f"| {n.number} | {link} | {n.teaches} | {n.minutes} min | {practice} |")
    hours, minutes = divmod(total_minutes(), 60)
    lines.append(f"|  | **Total** |  | **{hours} h {minutes:02d} min** |  |")
    return "\n".join(lines)
