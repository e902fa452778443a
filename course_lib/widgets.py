"""Sliders that answer at once: the training playground and the backward-pass stepper.

Each widget is a small controller class (``Playground``, ``Stepper``) that
owns its controls, one matplotlib figure drawn with Agg and shown as a PNG
in an ``Image`` inside a fixed-height ``Output``, and an ``update`` method
that changes the figure's artists in place and draws once. The classes work
without a kernel, so tests can set a control and look at the result.

>>> pg = Playground()
>>> pg.controls["lr"].value, pg.controls["init"].value, pg.controls["epochs"].value
(0.1, 'article', 50)
>>> [round(float(p), 6) for p in pg.predictions[:2, 0]]  # the article's first step (mse)
[1.326, 1.935951]
>>> pg.controls["lr"].value, pg.controls["epochs"].value = 3.0, 1000
>>> pg.status.split(":")[0]
'diverged at epoch 220'
"""

from __future__ import annotations

import html
import io
import math
import time

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_lib import plotting
from course_lib._validate import choice, finite_array
from course_lib.article import ARTICLE
from course_lib.init import layer_sizes
from course_lib.mlp import ACTIVATIONS, MLP
from course_lib.value import Value

__all__ = [
    "Playground",
    "training_playground",
    "Stepper",
    "backward_stepper",
    "local_derivative",
    "INIT_CHOICES",
]

INIT_CHOICES = (
    ("the article's values", "article"),
    ("zeros", "zeros"),
    ("constant (0.5)", "constant"),
    ("uniform [-1, 1)", "uniform"),
    ("normal (std 1)", "normal"),
    ("Xavier uniform", "xavier_uniform"),
    ("Xavier normal", "xavier_normal"),
    ("He uniform", "he_uniform"),
    ("He normal", "he_normal"),
)
_SEEDLESS = ("article", "zeros", "constant")
_LR_MIN, _LR_MAX = 1e-3, 3.0
_DPI = 80
_GRAPH_DPI = 96  # the stepper's graph: small text, so a little more resolution


class _Frames:
    """Renders a figure again and again, cheaply: the static part is drawn once.

    The figure is drawn once without the ``dynamic`` artists and kept as a
    background; each frame restores it, draws only the dynamic artists (in
    the order given) and encodes a PNG. No new figure, no re-layout. The
    background is drawn again only when ``key()`` changes (the x limits,
    say, whose tick labels are part of it).
    """

    def __init__(self, figure: Figure, dynamic, key=lambda: None):
        self.figure, self.dynamic, self.key = figure, list(dynamic), key
        self._background, self._key = None, None
        FigureCanvasAgg(figure)

    def png(self, changed=None) -> bytes:
        """The current picture as PNG bytes.

        ``changed`` (optional) lists the only dynamic artists that changed since the
        last frame: then just their patches of the picture are redrawn.
        """
        canvas = self.figure.canvas
        fresh = self._background is None or self.key() != self._key
        if fresh:
            shown = [a.get_visible() for a in self.dynamic]
            for artist in self.dynamic:
                artist.set_visible(False)
            canvas.draw()
            self._background, self._key = canvas.copy_from_bbox(self.figure.bbox), self.key()
            for artist, visible in zip(self.dynamic, shown, strict=True):
                artist.set_visible(visible)
        renderer = canvas.get_renderer()
        if changed is None or fresh:
            canvas.restore_region(self._background)
            for artist in self.dynamic:
                artist.draw(renderer)
        else:
            self._patch(list(changed), renderer)
        width, height = canvas.get_width_height()
        buffer = io.BytesIO()
        PIL.Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)\
            .save(buffer, format="png", compress_level=1)  # fmt: skip
        return buffer.getvalue()

    def _patch(self, changed, renderer) -> None:
        """Restore the background under ``changed`` and draw those artists again.

        For artists that keep their place and overlap no other dynamic artist (the
        stepper's node boxes, each with its text inside).
        """
        canvas, ids = self.figure.canvas, {id(a) for a in changed}
        height = canvas.get_width_height()[1]
        origin = self._background.get_extents()[:2]  # the region stays where it was
        for artist in changed:
            box = artist.get_window_extent(renderer).padded(4)
            top, bottom = height - box.y1, height - box.y0  # Agg's regions count from the top
            canvas.restore_region(self._background, bbox=(box.x0, top, box.x1, bottom), xy=origin)
        for artist in self.dynamic:  # in their order, so a text lands on its box
            if id(artist) in ids:
                artist.draw(renderer)


def _framed(image: widgets.Image, height_px: int, css_class: str) -> widgets.Output:
    """An Output of fixed height that shows ``image`` (no kernel needed to fill it)."""
    out = widgets.Output(layout=widgets.Layout(height=f"{height_px}px", overflow="hidden"))
    out.add_class(css_class)
    out.outputs = (
        {
            "output_type": "display_data",
            "data": {
                "text/plain": "(figure)",
                "application/vnd.jupyter.widget-view+json": {
                    "version_major": 2,
                    "version_minor": 0,
                    "model_id": image.model_id,
                },
            },
            "metadata": {},
        },
    )
    return out


def _safe(values, low=-1e300, high=1e300):
    """Values for plotting: NaN where not finite, clipped where matplotlib would overflow."""
    v = np.asarray(values, dtype=np.float64)
    return np.clip(np.where(np.isfinite(v), v, np.nan), low, high)


# --- the training playground ------------------------------------------------------------------


class Playground:
    """Train an MLP on ``(x, y)`` and watch it: loss, prediction, parameters, a status line.

    ``controls`` holds the widgets ('lr', 'init', 'seed', 'epochs', 'reset');
    changing any of them retrains from scratch and redraws ``figure`` in
    place. ``widget`` is what a notebook displays. After each update:
    ``net`` (trained), ``history``, ``losses`` (loss after 0, 1, ... updates),
    ``predictions`` (one row per update, one column per sample),
    ``trajectories`` (one row per update, one column per parameter),
    ``status`` (one line) and ``timings`` (seconds per update, drawing included).
    """

    def __init__(self, x=None, y=None, sizes=(2, 2, 1), activation="relu", *, loss="mse"):
        self.sizes = layer_sizes(sizes)
        self.activation = choice("activation", activation, tuple(ACTIVATIONS))
        self.loss_name = loss
        if x is None and y is None:
            x, y = ARTICLE.x, ARTICLE.y
        elif x is None or y is None:
            raise ValueError("x and y must be given together (or neither, for the article's)")
        self.x = np.atleast_2d(finite_array("x", x, ndim=(1, 2)))
        n, n_in, n_out = len(self.x), self.sizes[0], self.sizes[-1]
        if self.x.shape[1] != n_in:
            raise ValueError(f"x must have {n_in} inputs per sample, got shape {self.x.shape}")
        self.y = finite_array("y", y)
        if self.y.size != n * n_out:
            raise ValueError(
                f"y must hold {n_out} target(s) for each of the {n} samples, got {y!r}"
            )
        self.y = self.y.reshape(n, n_out)
        MLP(self.sizes, self.activation, init="zeros").loss(self.x, self.y, loss)  # checks `loss`
        self.names = [
            f"{kind}{layer}_{i + 1}{j + 1}" if kind == "w" else f"b{layer}_{i + 1}"
            for layer, (n_in, n_out) in enumerate(
                zip(self.sizes, self.sizes[1:], strict=False), start=1
            )
            for kind in ("w", "b")
            for i in range(n_out)
            for j in range(n_in if kind == "w" else 1)
        ]
        self.defaults = {
            "lr": ARTICLE.lr,
            "init": "article" if self.sizes == [2, 2, 1] else "xavier_uniform",
            "seed": 0,
            "epochs": 50,
        }
        self.controls = self._make_controls()
        # two lines of fixed height (the status, then any notes), so nothing below jumps
        self.status_line = widgets.HTML(layout=widgets.Layout(height="3.2em", overflow="hidden"))
        self.status_line.add_class("course-status")
        self.figure, self._artists = self._make_figure()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.image.add_class("course-figure")
        height = int(self.figure.get_figheight() * _DPI) + 8
        self.output = _framed(self.image, height, "course-output")
        c = self.controls
        self.widget = widgets.VBox(
            [
                widgets.HBox([c["lr"], c["epochs"]]),
                widgets.HBox([c["init"], c["seed"], c["reset"]]),
                self.status_line,
                self.output,
            ]
        )
        self.widget.add_class("course-playground")
        self.status, self.timings, self._holding = "", [], False
        for name in ("lr", "init", "seed", "epochs"):
            c[name].observe(self._changed, names="value")
        c["reset"].on_click(lambda _button: self.reset())
        self.update()

    # controls

    def _make_controls(self):
        style = {"description_width": "initial"}
        lr = widgets.FloatLogSlider(
            value=self.defaults["lr"],
            base=10,
            min=math.log10(_LR_MIN),
            max=math.log10(_LR_MAX),
            step=0.01,
            description="learning rate",
            readout_format=".3g",
            continuous_update=True,
            style=style,
            layout=widgets.Layout(width="420px"),
        )
        options = [o for o in INIT_CHOICES if o[1] != "article" or self.sizes == [2, 2, 1]]
        init = widgets.Dropdown(
            options=options, value=self.defaults["init"], description="initialisation", style=style
        )
        seed = widgets.BoundedIntText(
            value=0, min=0, max=2**32 - 1, description="seed", style=style,
            layout=widgets.Layout(width="150px"),
        )  # fmt: skip
        epochs = widgets.IntSlider(
            value=self.defaults["epochs"], min=1, max=1000, description="epochs",
            continuous_update=True, style=style, layout=widgets.Layout(width="380px"),
        )  # fmt: skip
        reset = widgets.Button(description="reset", icon="undo", tooltip="back to the article")
        controls = {"lr": lr, "init": init, "seed": seed, "epochs": epochs, "reset": reset}
        for name, control in controls.items():
            control.add_class(f"course-{name}")
        return controls

    def _changed(self, _change):
        if not self._holding:
            self.update()

    def reset(self) -> None:
        """Put every control back to its default (the article's example) and redraw once."""
        self._holding = True
        try:
            for name, value in self.defaults.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        self.update()

    # the figure: made once, then only its artists' data change

    def _make_figure(self):
        fig = Figure(figsize=(11.5, 3.3), dpi=_DPI)
        fig.subplots_adjust(left=0.075, right=0.885, bottom=0.16, top=0.9, wspace=0.36)
        ax_loss, ax_pred, ax_par = fig.subplots(1, 3)
        colours = plotting.PALETTE
        a = {"axes": (ax_loss, ax_pred, ax_par)}
        (a["loss"],) = ax_loss.plot([], [], color=colours[4], lw=1.8)
        n_show = min(len(self.x), 4)
        a["pred"], a["target"] = [], []
        for k in range(n_show):
            colour = colours[[0, 4, 2, 5][k]]
            a["pred"] += ax_pred.plot([], [], color=colour, lw=1.8)
            a["target"] += ax_pred.plot([], [], color=colour, lw=1.2, ls="--")
        a["params"] = []
        for k, name in enumerate(self.names[:16]):
            a["params"] += ax_par.plot([], [], lw=1.3, color=colours[k % 7],
                                       ls=["-", "--", ":"][k // 7 % 3], label=name)  # fmt: skip
        fig.legend(handles=a["params"], fontsize=7, loc="upper left", frameon=False,
                   bbox_to_anchor=(0.89, 0.92))  # fmt: skip
        titles = [
            f"loss ({self.loss_name})",
            "prediction (solid), target (dashed)",
            "parameters" if len(self.names) <= 16 else "parameters (the first 16)",
        ]
        a["diverged"] = []
        xlabels = ["epoch (updates done)", "epoch", "epoch"]
        ylabels = ["loss", "ŷ", "value"]
        for ax, title, xlabel, ylabel in zip(a["axes"], titles, xlabels, ylabels, strict=True):
            # Titles and labels are figure texts: drawn once, into the static background.
            box = ax.get_position()
            fig.text((box.x0 + box.x1) / 2, box.y1 + 0.02, title, ha="center", fontsize=10)
            fig.text((box.x0 + box.x1) / 2, 0.02, xlabel, ha="center", fontsize=9)
            fig.text(box.x0 - 0.052, (box.y0 + box.y1) / 2, ylabel, rotation=90, fontsize=9,
                     ha="center", va="center")  # fmt: skip
            ax.tick_params(labelsize=8)
            ax.xaxis.set_major_locator(ticker.MaxNLocator(5, integer=True, steps=[1, 2, 5, 10]))
            ax.yaxis.set_major_locator(ticker.MaxNLocator(5))
            ax.grid(True, alpha=0.3)
            ax.set_autoscale_on(False)  # limits come from plotting.finite_limits
            a["diverged"].append(ax.axvline(0, color=plotting.OKABE_ITO["vermillion"], ls="--",
                                            lw=1.2, visible=False))  # fmt: skip
        # Redrawn per update: each y axis (below) and the lines. The rest, x axes included, is
        # background, drawn again only when the x limits change (a new number of epochs).
        axes = a["axes"]
        dynamic = [ax.yaxis for ax in axes] + [line for ax in axes for line in ax.lines]
        self._frames = _Frames(fig, dynamic, key=lambda: tuple(ax.get_xlim() for ax in axes))
        return fig, a

    # one update: train, then change the artists and draw once

    def _train(self):
        c = self.controls
        self.lr = float(min(max(c["lr"].value, _LR_MIN), _LR_MAX))
        rng = np.random.default_rng(int(c["seed"].value))
        self.net = MLP(self.sizes, self.activation, init=c["init"].value, rng=rng)
        self.history = self.net.train(
            self.x, self.y, lr=self.lr, epochs=int(c["epochs"].value), loss=self.loss_name,
            snapshots=True,
        )  # fmt: skip
        h = self.history
        stacked = {k: np.stack([s[k] for s in h.snapshots]) for k in self.net.params}
        with np.errstate(all="ignore"):  # diverged snapshots hold inf and NaN
            a = np.broadcast_to(self.x, (len(h.snapshots),) + self.x.shape)
            act = ACTIVATIONS[self.activation][0]
            for layer in range(1, len(self.sizes)):
                z = a @ np.swapaxes(stacked[f"W{layer}"], 1, 2) + stacked[f"b{layer}"][:, None, :]
                a = act(z) if layer < len(self.sizes) - 1 else z
            self.predictions = a[:, :, 0]  # (updates + 1, samples), first output
            losses = list(h.losses)
            if not h.diverged:
                losses.append(self.net.loss(self.x, self.y, self.loss_name))
            self.losses = np.asarray(losses, dtype=np.float64)
        flat = {k: v.reshape(len(h.snapshots), -1) for k, v in stacked.items()}
        self.trajectories = np.column_stack([flat[k][:, i] for k, i in self._param_columns()])
        self.status = self._status()

    def _param_columns(self):
        """(key in params, index in the flattened array) for each name: w1_12 -> ('W1', 1)."""
        counters = {}
        for name in self.names:
            key = ("W" if name[0] == "w" else "b") + name[1:].split("_")[0]
            counters[key] = counters.get(key, -1) + 1
            yield key, counters[key]

    def _status(self) -> str:
        h = self.history
        if h.diverged:
            return (
                f"diverged at epoch {h.diverged_epoch}: the learning rate {self.lr:.3g} is too "
                "large for this initialisation (the loss overflowed)"
            )
        first, last = self.losses[0], self.losses[-1]
        runs = f"{h.epochs_run} epoch{'' if h.epochs_run == 1 else 's'}"
        line = f"loss {last:.3g} after {runs} (from {first:.3g})"
        if self.predictions.shape[1] == 1:
            line += f"; prediction {self.predictions[-1, 0]:.4g}, target {self.y.ravel()[0]:.4g}"
        notes = []
        if last > first:
            notes.append("the loss grew: the learning rate is too large")
        cache = self.net.forward(self.x)[1]
        hidden = [cache[f"a{k}"] for k in range(1, len(self.sizes) - 1)]
        if self.activation == "relu" and hidden and all(not np.any(a) for a in hidden[:1]):
            notes.append("every hidden ReLU outputs 0, so the first layer gets no gradient")
        W1, b1 = self.net.params["W1"], self.net.params["b1"]
        if len(W1) > 1 and np.all(W1 == W1[0]) and np.all(b1 == b1[0]):
            notes.append("the hidden neurons are identical (the symmetry was never broken)")
        return line + "".join(f". Note: {n}" if i == 0 else f"; {n}" for i, n in enumerate(notes))

    def update(self) -> None:
        """Retrain with the controls' values and redraw the figure in place (never raises)."""
        start = time.perf_counter()
        try:
            with np.errstate(all="ignore"):  # inf and NaN are expected here, and handled
                self._train()
                self._redraw()
        except Exception as exc:  # a learner never sees a traceback; the status says what failed
            self.status = f"could not train with these settings: {exc}"
        try:
            png = self._frames.png()
        except Exception as exc:
            png, self.status = None, f"could not draw the figure: {exc}"
        if png is not None:  # picture and status leave together, so they never disagree
            self.image.value = png
        self.status_line.value = _status_html(self.status)
        self.controls["seed"].disabled = self.controls["init"].value in _SEEDLESS
        self.timings.append(time.perf_counter() - start)

    def _redraw(self):
        a = self._artists
        ax_loss, ax_pred, ax_par = a["axes"]
        epochs = np.arange(len(self.losses))
        last = max(len(epochs) - 1, 1)
        span = (-0.02 * last, 1.02 * last)
        positive = self.losses[np.isfinite(self.losses) & (self.losses > 0)]
        log = positive.size > 1 and np.log10(positive.max()) - np.log10(positive.min()) > 2
        shown = _safe(self.losses)
        if log:  # a loss of exactly 0 has no place on a log axis: left out
            shown = np.clip(np.where(shown > 0, shown, np.nan), 1e-200, 1e200)
        a["loss"].set_data(epochs, shown)
        _set_scale(ax_loss, "log" if log else "linear")
        ax_loss.set_ylim(*plotting.finite_limits(shown, log=log))
        steps = np.arange(len(self.predictions))
        n_pred = len(a["pred"])
        pred = _safe(self.predictions[:, :n_pred], -1e200, 1e200)
        for k, (line, target) in enumerate(zip(a["pred"], a["target"], strict=True)):
            line.set_data(steps, pred[:, k])
            target.set_data(span, [self.y[k, 0]] * 2)
        _fit(ax_pred, np.concatenate([pred.ravel(), self.y[:n_pred, 0]]))
        traj = _safe(self.trajectories[:, : len(a["params"])], -1e200, 1e200)
        for k, line in enumerate(a["params"]):
            line.set_data(steps, traj[:, k])
        _fit(ax_par, traj)
        for ax in a["axes"]:
            ax.set_xlim(*span)
        for marker in a["diverged"]:
            marker.set_visible(self.history.diverged)
            marker.set_xdata([len(self.losses) - 1] * 2)


def _status_html(status: str) -> str:
    """The status as two lines of fixed height: the result, then any note (cut with ...)."""
    main, _, notes = status.partition(". Note: ")
    style = "line-height: 1.45; white-space: nowrap; overflow: hidden; text-overflow: ellipsis"
    text = f"<div style='{style}'><b>{html.escape(main)}</b></div>"
    if notes:
        notes = html.escape(f"Note: {notes}", quote=True)
        text += f"<div style='{style}' title='{notes}'>{notes}</div>"
    return text


def _set_scale(ax, scale: str) -> None:
    """Switch the y scale (only when it changes: that rebuilds the axis) with few ticks."""
    if ax.get_yscale() == scale:
        return
    if scale == "symlog":
        ax.set_yscale("symlog", linthresh=1.0)
    else:
        ax.set_yscale(scale)
    if scale == "log":
        ax.yaxis.set_major_locator(ticker.LogLocator(numticks=6))
    elif scale == "linear":
        ax.yaxis.set_major_locator(ticker.MaxNLocator(5))
    ax.yaxis.set_minor_locator(ticker.NullLocator())  # fewer ticks, faster frames


def _symlog_ticks(lo: float, hi: float) -> list[float]:
    """About seven ticks for a symmetric-log axis: 0 and a few powers of ten each side."""
    top = math.ceil(math.log10(max(abs(lo), abs(hi), 10.0)))
    powers = sorted({int(k) for k in np.linspace(0, top, 4).round()})
    if top >= 6:
        powers = powers[1:]  # +-1 would crowd 0 when the axis spans many decades
    ticks = [-(10.0**k) for k in reversed(powers)] + [0.0] + [10.0**k for k in powers]
    return [t for t in ticks if lo <= t <= hi]


def _fit(ax, values) -> None:
    """Finite y limits around ``values``; symmetric-log when they run into the thousands."""
    v = np.asarray(values, dtype=np.float64)
    big = bool(np.isfinite(v).any()) and float(np.nanmax(np.abs(v))) > 1e3
    _set_scale(ax, "symlog" if big else "linear")
    lo, hi = plotting.finite_limits(v, pad=0.08 if big else 0.05)
    if big:
        ax.yaxis.set_major_locator(ticker.FixedLocator(_symlog_ticks(lo, hi)))
    ax.set_ylim(lo, hi)


def training_playground(x=None, y=None, sizes=(2, 2, 1), activation="relu", *, loss="mse"):
    """The training playground's widget (display it); its controller is ``.playground``.

    Defaults reproduce the article's example: its 2-2-1 network, x = (0.9, 1.0),
    y = 2, learning rate 0.1 and the article's initial weights, trained with
    mean squared error.
    """
    playground = Playground(x, y, sizes, activation, loss=loss)
    playground.widget.playground = playground
    return playground.widget


# --- the backward-pass stepper ----------------------------------------------------------------


def _name(node: Value, names: dict[int, str]) -> str:
    """A node's name for d/d...: its label, in parentheses when it is a product like w·x."""
    name = node.label or names.setdefault(id(node), f"n{len(names) + 1}")
    return f"({name})" if any(c in name for c in "·*+- ") else name


_POWERS = {"2": "²", "3": "³"}


def _expression(node: Value, names: dict[int, str]) -> str:
    """How ``node`` is made from its parents, e.g. 'e²' or 'a + b' (for the stepper's text).

    >>> a = Value(2.0, label="e")
    >>> _expression(a**2, {}), _expression(a.relu(), {}), _expression(a * a, {})
    ('e²', 'relu(e)', 'e·e')
    """
    args = [_name(p, names) for p in node.parents]
    op = node.op
    if op.startswith("**"):
        return args[0] + _POWERS.get(op[2:], "^" + op[2:])
    if op == "neg":
        return "−" + args[0]
    if op in ("+", "-", "*", "/"):
        return {"+": " + ", "-": " − ", "*": "·", "/": "/"}[op].join(args)
    return f"{op}({', '.join(args)})"


def local_derivative(consumer: Value, node: Value) -> float:
    """d consumer / d node, from the local derivatives the engine stored (nothing typed).

    >>> a, b = Value(3.0), Value(5.0)
    >>> local_derivative(a * b, a), local_derivative(a * a, a)
    (5.0, 6.0)
    """
    if not any(p is node for p in consumer.parents):
        raise ValueError("node must be one of consumer's parents")
    # a node used twice by one consumer (a * a) gets both local derivatives
    return math.fsum(d for p, d in zip(consumer.parents, consumer.local, strict=True) if p is node)


class Stepper:
    """Walk the backward pass of ``root`` one node at a time.

    Step 0 is before the backward pass; step k has finished the k-th node in
    reverse topological order: its gradient is known and ``chain`` shows the
    chain-rule product that gave it. ``controls`` holds 'step' (a slider)
    and 'play'; ``figure`` is the graph, the current node highlighted.
    """

    def __init__(self, root: Value | None = None, *, interval_ms: int = 900):
        if root is None:
            from course_lib.graphs import article_graph

            root = article_graph()
        if not isinstance(root, Value):
            raise TypeError(f"root must be a Value (a graph's output), got {type(root).__name__}")
        self.root = root
        root.zero_grad()
        root.backward()  # the final gradients; each step reveals one of them
        nodes = root.topological_order()
        # Right to left as drawn, top to bottom in a column: a reverse topological order,
        # because every node sits in a column left of all the nodes made from it.
        column = plotting._columns(nodes)
        row = plotting._rows(nodes, column)
        self.order = sorted(nodes, key=lambda n: (-column[id(n)], -row[id(n)]))
        self.consumers = {id(n): [] for n in nodes}
        for node in nodes:
            for parent in dict.fromkeys(node.parents):  # once per consumer, even for x * x
                self.consumers[id(parent)].append(node)
        self._names: dict[int, str] = {}
        n = len(nodes)
        step = widgets.IntSlider(value=0, min=0, max=n, description="step", continuous_update=True)
        play = widgets.Play(value=0, min=0, max=n, step=1, interval=interval_ms, description="play")
        widgets.jslink((play, "value"), (step, "value"))
        step.add_class("course-step")
        play.add_class("course-play")
        self.controls = {"step": step, "play": play}
        self.chain_line = widgets.HTML()
        self.chain_line.add_class("course-chain")
        self.figure = Figure(dpi=_GRAPH_DPI)
        ax = self.figure.add_axes((0, 0, 1, 1))
        _, self._artists = plotting._draw_graph(root, ax, pending={id(v) for v in nodes})
        w, h = ax.get_xlim(), ax.get_ylim()
        self.figure.set_size_inches(w[1] - w[0], h[1] - h[0])
        self._frames = _Frames(self.figure, [a for pair in self._artists.values() for a in pair])
        # shrinks to the notebook's width when narrower than the figure
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.image.add_class("course-figure")
        height = int(self.figure.get_figheight() * _GRAPH_DPI) + 8
        self.output = _framed(self.image, height, "course-output")
        self.widget = widgets.VBox([widgets.HBox([play, step]), self.chain_line, self.output])
        self.widget.add_class("course-stepper")
        self.timings, self._drawn = [], {}
        step.observe(lambda change: self.show(change["new"]), names="value")
        self.show(0)

    def terms(self, k: int) -> list[tuple[Value, float, float]]:
        """Step ``k``'s chain-rule terms: (consumer c, dL/dc, dc/dnode) for each consumer."""
        node = self.order[k - 1]
        return [(c, c.grad, local_derivative(c, node)) for c in self.consumers[id(node)]]

    def chain(self, k: int) -> str:
        """The chain-rule product for step ``k`` (1 ... number of nodes), as plain text."""
        node = self.order[k - 1]
        names = self._names
        name = _name(node, names)
        root = _name(self.root, names)
        if node is self.root:
            return f"d{root}/d{root} = 1 (the backward pass starts at the output)"
        consumers = self.consumers[id(node)]
        if not consumers:
            return f"d{root}/d{name} = 0 ({name} does not reach {root})"
        symbols = " + ".join(
            f"1 · ∂({_expression(c, names)})/∂{name}"  # d root/d root is 1, not d root/d root
            if c is self.root
            else f"d{root}/d{_name(c, names)} · d{_name(c, names)}/d{name}"
            for c in consumers
        )
        factors = [(g, d) for _, g, d in self.terms(k)]
        numbers = " + ".join(f"{g:.4g} × {d:.4g}" for g, d in factors)
        total = math.fsum(g * d for g, d in factors)
        return f"d{root}/d{name} = {symbols} = {numbers} = {total:.4g}"

    def show(self, k: int) -> None:
        """Draw step ``k``: gradients known so far, node k highlighted, its chain-rule line."""
        start = time.perf_counter()
        k = int(min(max(k, 0), len(self.order)))
        self.step = k
        known = {id(v) for v in self.order[:k]}
        current = id(self.order[k - 1]) if k else None
        changed = []
        for node in self.order:
            box, text = self._artists[id(node)]
            label = plotting._node_text(node, True, pending=id(node) not in known)
            hot = id(node) == current
            if self._drawn.get(id(node)) == (label, hot):
                continue
            self._drawn[id(node)] = (label, hot)
            changed += [box, text]
            text.set_text(label)
            box.set_facecolor(plotting._HIGHLIGHT_FILL if hot else self._fill(node))
            box.set_edgecolor(plotting.OKABE_ITO["vermillion"] if hot else "#555555")
            box.set_linewidth(2.6 if hot else 0.9)
        if k == 0:
            line = (
                f"step 0 of {len(self.order)}: the forward pass is done, no gradient is known yet. "
                "Press play or move the slider."
            )
        else:
            line = f"step {k} of {len(self.order)}: {self.chain(k)}"
        self.chain_text = line
        # only the nodes that changed are drawn again; the picture, then its line
        self.image.value = self._frames.png(changed=changed)
        self.chain_line.value = f"<code>{html.escape(line)}</code>"
        self.timings.append(time.perf_counter() - start)

    def _fill(self, node):
        if node is self.root:
            return plotting._ROOT_FILL
        return plotting._NODE_FILL if node.parents else plotting._LEAF_FILL


def backward_stepper(root: Value | None = None, *, interval_ms: int = 900):
    """The backward-pass stepper's widget (display it); its controller is ``.stepper``.

    ``root`` defaults to the article's 2-2-1 network with its loss
    (``course_lib.graphs.article_graph()``).
    """
    stepper = Stepper(root, interval_ms=interval_ms)
    stepper.widget.stepper = stepper
    return stepper.widget
