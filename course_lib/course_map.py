"""The course map: each notebook's file, title, what it teaches, its estimated time and the
graded exercises that practise it.

One source for notebook 00's overview, ``docs/COURSE_MAP.md``, the README's map and the tests
that check every notebook's title, time and "Now try" links against it. Titles and texts are
written in English; ``markdown()`` shows them in the course's language (``course_lib.i18n``).

>>> [n.number for n in COURSE]
['00', '01', '02', '03', '04', '05', '06', '07', '08', '09']
>>> total_minutes() == sum(n.minutes for n in COURSE)
True
"""

from __future__ import annotations

from dataclasses import dataclass

from course_lib.i18n import N_, language, translator

__all__ = ["Notebook", "COURSE", "total_minutes", "markdown"]

_ = translator("cli")


@dataclass(frozen=True)
class Notebook:
    file: str
    title: str  # in English; _(title) in the course's language
    teaches: str
    minutes: int
    exercises: tuple[str, ...] = ()  # files in exercises/ that practise this notebook

    @property
    def number(self) -> str:
        return self.file[:2]


COURSE = (
    Notebook(
        "00_start_here.ipynb",
        N_("Start here"),
        N_(
            "What the course covers and in what order; running cells, restarting the kernel, "
            "sliders and self-checks; an environment check."
        ),
        15,
    ),
    Notebook(
        "01_computational_graphs.ipynb",
        N_("Computational graphs"),
        N_(
            "f(x, y, z) = (x - y) * z as a graph: forward values, local derivatives, gradients "
            "on the graph, one gradient-descent step that lowers f."
        ),
        25,
    ),
    Notebook(
        "02_chain_rule.ipynb",
        N_("The chain rule"),
        N_(
            "The same gradients by hand, with the Value engine and by finite differences; a tanh "
            "neuron; why gradients accumulate when a value is used twice."
        ),
        30,
        ("ex04_chain_rule.ipynb",),
    ),
    Notebook(
        "03_build_your_own_autograd.ipynb",
        N_("Build your own autograd"),
        N_(
            "A scalar engine written step by step: local derivatives, a topological sort, "
            "backward(); the = versus += bug met in your own code; checked against Value, PyTorch "
            "and finite differences; one neuron trained with it; how gradients flow through add, "
            "multiply, ReLU and a fork."
        ),
        55,
        ("ex06_autograd_engine.ipynb",),
    ),
    Notebook(
        "04_forward_pass.ipynb",
        N_("The forward pass"),
        N_(
            "The article's 2-2-1 network by hand (each z and a, the prediction); why weights must "
            "not start equal; what Xavier and He initialisation are for."
        ),
        30,
        ("ex01_forward_pass.ipynb",),
    ),
    Notebook(
        "05_backpropagation.ipynb",
        N_("Backpropagation"),
        N_(
            "Loss, output and hidden gradients through ReLU, the updates and the second forward "
            "pass in one table; a backward-pass stepper; the article's erratum explained."
        ),
        40,
        ("ex02_backward_pass.ipynb",),
    ),
    Notebook(
        "06_pytorch.ipynb",
        N_("PyTorch"),
        N_(
            "The same network with nn.Module, nn.MSELoss and optim.SGD; equal to the manual "
            "numbers in float64, small float32 differences explained; autograd's graph; a "
            "training loop."
        ),
        30,
        ("ex05_pytorch_equivalence.ipynb",),
    ),
    Notebook(
        "07_training_playground.ipynb",
        N_("Training playground"),
        N_(
            "Sliders for learning rate, initialisation, seed and epochs; guided experiments: "
            "divergence, symmetry, dead ReLUs."
        ),
        30,
        ("ex03_gradient_descent.ipynb",),
    ),
    Notebook(
        "08_from_one_example_to_a_dataset.ipynb",
        N_("From one example to a data set"),
        N_(
            "The backward pass for a batch as matrix products, shape by shape; bias gradients "
            "sum over the batch; mean versus sum; manual backprop and PyTorch on a 2-D data set, "
            "full batch and mini-batches; the memory the forward cache needs."
        ),
        50,
        ("ex07_batched_backward.ipynb",),
    ),
    Notebook(
        "09_playground_2d.ipynb",
        N_("Data playground"),
        N_(
            "A playground in the browser on five 2-D data sets: features, hidden layers, "
            "activation, learning rate, batch size, L2; guided experiments: XOR, spiral, "
            "overfitting, regularisation, a learning rate too large."
        ),
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


def _edition_links(link_prefix: str) -> tuple[str, str]:
    """(what goes before a notebook's file name, the exercises folder) for the edition in the
    course's language: in Chinese, ``notebooks/zh-CN/`` and ``exercises/zh-CN/``, and an empty
    ``link_prefix`` means a table shown inside ``notebooks/zh-CN/``."""
    folder = exercise_folder(link_prefix)
    if language() == "en":
        return link_prefix, folder
    edition = language() + "/"
    if link_prefix.endswith("notebooks/"):
        return link_prefix + edition, folder + edition
    return link_prefix, "../" + folder + edition


def markdown(link_prefix: str = "") -> str:
    """The course map as a Markdown table; ``link_prefix`` is put before each file name.

    In Chinese (``set_language("zh-CN")``) the table's words are Chinese and its links lead to
    the zh-CN notebooks and exercises.
    """
    head = (_("Notebook"), _("What it teaches"), _("Time"), _("Graded exercise"))
    lines = [
        "| # | " + " | ".join(head) + " |",
        "|---|---|---|---|---|",
    ]
    notebooks, folder = _edition_links(link_prefix)
    for n in COURSE:
        link = f"[{_(n.title)}]({notebooks}{n.file})"
        practice = ", ".join(f"[{e[:4]}]({folder}{e})" for e in n.exercises)
        time = _("{minutes} min", minutes=n.minutes)
        lines.append(f"| {n.number} | {link} | {_(n.teaches)} | {time} | {practice} |")
    hours, minutes = divmod(total_minutes(), 60)
    total = _("{hours} h {minutes} min", hours=hours, minutes=f"{minutes:02d}")
    lines.append(f"|  | **{_('Total')}** |  | **{total}** |  |")
    return "\n".join(lines)
