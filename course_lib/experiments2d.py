"""The data playground's guided experiments: named settings, trained and tabulated.

Each experiment compares a few runs that differ in one setting; ``table``
trains them (seeded, so the numbers are the same every time) and returns
the lines notebook 09 prints.

>>> [label for label, _ in runs("xor")]
['no hidden layer', 'one hidden layer of 4']
"""

from __future__ import annotations

import math

from course_lib._cli import pad, width
from course_lib._validate import choice
from course_lib.classify2d import Classifier2D
from course_lib.i18n import N_, translator

__all__ = ["EXPERIMENTS", "runs", "table"]

_ = translator("widgets")
_XOR = {"dataset": "xor", "n": 200, "noise": 0.0}
_SPIRAL = {"dataset": "spirals", "n": 500, "noise": 0.0}
_NOISY = {"dataset": "circles", "noise": 0.25, "hidden": (8, 8, 8), "batch_size": 5}
_ALL = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")

# name: (epochs, {label: settings}) -- or per-run epochs as (settings, epochs); the labels
# are English (``runs`` gives them so), ``table`` shows them in the language in use
EXPERIMENTS = {
    "xor": (300, {
        N_("no hidden layer"): {**_XOR, "hidden": ()},
        N_("one hidden layer of 4"): {**_XOR, "hidden": (4,)},
    }),
    "spiral": (400, {
        N_("one layer of 8, x1 and x2"): {**_SPIRAL, "hidden": (8,)},
        N_("three layers of 8, x1 and x2"): {**_SPIRAL, "hidden": (8, 8, 8)},
        N_("one layer of 8, all seven features"): {**_SPIRAL, "hidden": (8,), "features": _ALL},
    }),
    # the same number of updates (600 x 5 batches = 60 x 50 batches) on 50 and on 500 points
    "overfitting": (None, {
        N_("50 points, 600 epochs"): ({**_NOISY, "n": 50}, 600),
        N_("500 points, 60 epochs"): ({**_NOISY, "n": 500}, 60),
    }),
    "l2": (600, {
        N_("50 points, L2 = 0"): {**_NOISY, "n": 50, "l2": 0.0},
        N_("50 points, L2 = 0.03"): {**_NOISY, "n": 50, "l2": 0.03},
    }),
    "learning rate": (50, {
        f"lr = {lr:g}": {"dataset": "circles", "hidden": (8, 8), "lr": lr}
        for lr in (0.03, 0.3, 1.0, 3.0)
    }),
}  # fmt: skip


def runs(name: str) -> list[tuple[str, Classifier2D]]:
    """The experiment's runs, trained: ``[(label, classifier), ...]``."""
    epochs, settings = EXPERIMENTS[choice("name", name, tuple(EXPERIMENTS))]
    done = []
    for label, spec in settings.items():
        spec, n_epochs = spec if isinstance(spec, tuple) else (spec, epochs)
        done.append((label, Classifier2D(**spec).fit(n_epochs)))
    return done


def table(name: str) -> str:
    """One line per run: train loss, test loss and test accuracy (or where it diverged)."""
    trained = [(_(label), clf) for label, clf in runs(name)]
    heads = [_("train loss"), _("test loss"), _("test accuracy")]
    labels = max(width(label) for label, _clf in trained)
    lines = ["  ".join([pad(_("run"), labels), *heads])]
    for label, clf in trained:
        if clf.diverged:
            why = _("diverged at epoch {epoch} (the loss overflowed)", epoch=clf.epoch)
            lines.append(f"{pad(label, labels)}  {why}")
            continue
        train, test = clf.curves.train[-1], clf.curves.test[-1]
        cells = [f"{train:.3f}"]
        if math.isfinite(test):
            cells += [f"{test:.3f}", f"{clf.accuracy('test'):.0%}"]
        numbers = [pad(c, width(head), right=True) for c, head in zip(cells, heads, strict=False)]
        lines.append("  ".join([pad(label, labels), *numbers]))
    return "\n".join(lines)
