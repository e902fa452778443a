"""One training step of a network, every intermediate number, as data and as a table.

``step_report`` does the step with course_lib's manual backprop and returns
every number; ``python -m course_lib walkthrough`` prints it for the
article's 2-2-1 example (or your own numbers, to check a hand calculation).

>>> from course_lib.article import article_mlp, ARTICLE
>>> r = step_report(article_mlp(), ARTICLE.x, ARTICLE.y, lr=0.1, loss="half_sse")
>>> round(r["prediction"], 6), round(r["next_prediction"], 6)
(1.326, 1.619155)
"""

from __future__ import annotations

import numpy as np

from course_lib._cli import pad, width, wrap
from course_lib.article import STATED_NEXT_PREDICTION, STATED_PREDICTION
from course_lib.i18n import N_, translator
from course_lib.losses import LOSSES, get_loss

__all__ = ["step_report", "conventions", "erratum_line", "article_comparison", "format_table"]

_ = translator("cli")


def _plain(arr):
    arr = np.asarray(arr)
    return float(arr[0]) if arr.shape == (1,) else arr


def step_report(net, x, y, *, lr: float = 0.1, loss: str = "mse") -> dict:
    """Forward, loss, backward, one SGD step and the next forward pass, for one sample or a batch.

    ``net`` is not changed. Keys: ``cache`` (a0, z1, a1, ...), ``prediction``,
    ``loss``, ``loss_name``, ``dy_hat``, ``grads``, ``updated``, ``next_prediction``,
    ``next_loss``.
    """
    loss_fn = get_loss(loss)
    work = net.copy()
    y_hat, cache = work.forward(x)
    y = work._targets(y, cache["a0"])
    value, dy_hat = loss_fn(y_hat, y)
    grads = work.backward(cache, dy_hat)
    work.step(grads, lr)
    y_next = work.forward(x)[0]
    return {
        "cache": cache,
        "prediction": _plain(y_hat),
        "loss": value,
        "loss_name": loss,
        "dy_hat": _plain(dy_hat),
        "grads": grads,
        "updated": work.params,
        "next_prediction": _plain(y_next),
        "next_loss": loss_fn(y_next, y)[0],
    }


def conventions(net, x, y, *, lr: float = 0.1) -> dict[str, float]:
    """The next prediction under every loss convention (one-output networks)."""
    return {name: step_report(net, x, y, lr=lr, loss=name)["next_prediction"] for name in LOSSES}


def erratum_line(net, x, y, *, lr: float = 0.1) -> str:
    """One line on why the article's 1.618296 is not what its example gives."""
    return _erratum_text(conventions(net, x, y, lr=lr))


def _erratum_text(nxt: dict[str, float]) -> str:
    return _(
        "The article states {stated} after one step, but its own loss "
        "(mean squared error, nn.MSELoss) gives {mse} and the textbook "
        "1/2 (y - y_hat)^2 gives {half_sse}; no standard convention gives "
        "{stated}, so it is an error in the article.",
        stated=STATED_NEXT_PREDICTION,
        mse=f"{nxt['mse']:.6f}",
        half_sse=f"{nxt['half_sse']:.6f}",
    )


def article_comparison(net, x, y, *, lr: float = 0.1) -> dict:
    """The article's stated numbers beside ours, for ``format_table(..., article=...)``.

    Keys: ``stated_prediction``, ``stated_next``, ``conventions`` (the next
    prediction under each loss) and ``line`` (the one-line explanation).
    """
    nxt = conventions(net, x, y, lr=lr)
    return {
        "stated_prediction": STATED_PREDICTION,
        "stated_next": STATED_NEXT_PREDICTION,
        "conventions": nxt,
        "line": _erratum_text(nxt),
    }


def _fmt(value) -> str:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr):.6f}"
    text = np.array2string(
        arr, precision=6, floatmode="fixed", separator=", ", max_line_width=10**6
    )
    return " ".join(text.split())


def format_table(report: dict, *, lr: float, article: dict | None = None) -> str:
    """The report as an aligned table; ``article`` adds the stated-versus-computed rows.

    Labels and notes are in the current language (``course_lib.i18n``); the columns are
    aligned in terminal columns, where a Chinese character takes two.
    """
    rows: list[tuple[str, str, str]] = []

    def section(title):
        rows.append((f"-- {title}", "", ""))

    cache = report["cache"]
    n_layers = len([k for k in cache if k.startswith("z")])
    section(_("forward pass"))
    rows.append((_("x (input a0)"), _fmt(cache["a0"]), ""))
    for i in range(1, n_layers + 1):
        how = f"W{i} a{i - 1} + b{i}"
        rows.append((f"z{i}", _fmt(cache[f"z{i}"]), how))
        what = _("linear output: a = z") if i == n_layers else _("activation of z")
        rows.append((f"a{i}", _fmt(cache[f"a{i}"]), what))
    rows.append((_("prediction y_hat"), _fmt(report["prediction"]), f"= a{n_layers}"))
    if article:
        rows.append(("  " + _("article states"), _fmt(article["stated_prediction"]), _("matches")))
    section(_("loss ({name})", name=report["loss_name"]))
    rows.append((_("loss"), _fmt(report["loss"]), _(_LOSS_TEXT[report["loss_name"]])))
    rows.append(("dL/dy_hat", _fmt(report["dy_hat"]), _DLOSS_TEXT[report["loss_name"]]))
    section(_("backward pass (gradients)"))
    for name in reversed(list(report["grads"])):
        rows.append((f"dL/d{name}", _fmt(report["grads"][name]), ""))
    section(_("gradient descent, lr = {lr}", lr=f"{lr:g}"))
    for name, value in report["updated"].items():
        rows.append((_("{name} new", name=name), _fmt(value), f"{name} - lr * dL/d{name}"))
    section(_("second forward pass"))
    rows.append((_("next prediction"), _fmt(report["next_prediction"]), ""))
    rows.append((_("next loss"), _fmt(report["next_loss"]), ""))
    if article:
        rows.append(("  " + _("article states"), _fmt(article["stated_next"]), _("see below")))
        for name, value in article["conventions"].items():
            rows.append(("  " + _("with loss {name}", name=name), _fmt(value), ""))
    w0 = max(width(r[0]) for r in rows if not r[0].startswith("--"))  # titles stand alone
    w1 = max(width(r[1]) for r in rows if r[2])  # only rows with a note need the alignment
    lines = []
    for a, b, c in rows:
        lines.append(a if a.startswith("--") else f"{pad(a, w0)}  {pad(b, w1)}  {c}".rstrip())
    if article:  # a long sentence, broken between words (or between Chinese characters)
        lines += ["", *wrap(article["line"], 88)]
    return "\n".join(lines)


_LOSS_TEXT = {
    "mse": N_("mean of (y - y_hat)^2"),
    "sse": N_("sum of (y - y_hat)^2"),
    "half_sse": N_("1/2 sum of (y - y_hat)^2"),
}
_DLOSS_TEXT = {
    "mse": "-2 (y - y_hat) / N",
    "sse": "-2 (y - y_hat)",
    "half_sse": "-(y - y_hat)",
}
