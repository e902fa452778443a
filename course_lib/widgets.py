"""Sliders that answer at once: the training playground and the backward-pass stepper.

Each widget is a small controller class (``Playground``, ``Stepper``) that
owns its controls (ipywidgets) and a view drawn in the browser
(``course_lib.views``): the kernel sends numbers, the browser draws them.
The classes work without a browser, so tests can set a control and look at
what the view was sent.

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

import math
import time

import ipywidgets as widgets
import numpy as np

from course_lib import plotting
from course_lib._validate import choice, finite_array
from course_lib.article import ARTICLE
from course_lib.i18n import N_, translator
from course_lib.init import layer_sizes
from course_lib.mlp import ACTIVATIONS, MLP
from course_lib.value import Value
from course_lib.views import GraphView, LineCharts

__all__ = [
    "Playground",
    "training_playground",
    "Stepper",
    "backward_stepper",
    "local_derivative",
    "INIT_CHOICES",
]

_ = translator("widgets")

# (shown label, value): the dropdown shows the label in the language in use; values never change
INIT_CHOICES = (
    (N_("the article's values"), "article"),
    (N_("zeros"), "zeros"),
    (N_("constant (0.5)"), "constant"),
    (N_("uniform [-1, 1)"), "uniform"),
    (N_("normal (std 1)"), "normal"),
    (N_("Xavier uniform"), "xavier_uniform"),
    (N_("Xavier normal"), "xavier_normal"),
    (N_("He uniform"), "he_uniform"),
    (N_("He normal"), "he_normal"),
)
_SEEDLESS = ("article", "zeros", "constant")
_LR_MIN, _LR_MAX = 1e-3, 3.0


# --- the training playground ------------------------------------------------------------------


class Playground:
    """Train an MLP on ``(x, y)`` and watch it: loss, prediction, parameters, a status line.

    ``controls`` holds the widgets ('lr', 'init', 'seed', 'epochs', 'reset');
    changing any of them retrains from scratch and sends the new curves to
    ``view``, which the browser draws. ``widget`` is what a notebook
    displays. After each update: ``net`` (trained), ``history``, ``losses``
    (loss after 0, 1, ... updates), ``predictions`` (one row per update, one
    column per sample), ``trajectories`` (one row per update, one column per
    parameter), ``status`` (one line, then any notes after ". Note: "; the view shows
    ``status_line`` and ``notes`` apart) and ``timings`` (seconds per update, sending included).
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
        self.n_shown = min(len(self.x), 4)  # predictions drawn: the first four samples
        self.view = LineCharts(panels=self._panels())
        self.view.add_class("course-output")
        c = self.controls
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        self.widget = widgets.VBox(
            [
                widgets.HBox([c["lr"], c["epochs"]], layout=wrap),
                widgets.HBox([c["init"], c["seed"], c["reset"]], layout=wrap),
                self.view,
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
            description=_("learning rate"),
            readout_format=".3g",
            continuous_update=True,
            style=style,
            layout=widgets.Layout(width="420px", max_width="100%"),
        )
        options = [
            (_(label), value)
            for label, value in INIT_CHOICES
            if value != "article" or self.sizes == [2, 2, 1]
        ]
        init = widgets.Dropdown(
            options=options, value=self.defaults["init"], description=_("initialisation"),
            style=style,
        )  # fmt: skip
        seed = widgets.BoundedIntText(
            value=0, min=0, max=2**32 - 1, description=_("seed"), style=style,
            layout=widgets.Layout(width="150px"),
        )  # fmt: skip
        epochs = widgets.IntSlider(
            value=self.defaults["epochs"], min=1, max=1000, description=_("epochs"),
            continuous_update=True, style=style,
            layout=widgets.Layout(width="380px", max_width="100%"),
        )  # fmt: skip
        reset = widgets.Button(
            description=_("reset"), icon="undo", tooltip=_("back to the article")
        )
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

    # the picture: fixed panels; each update sends their rows of numbers

    def _panels(self) -> list[dict]:
        """The three charts and their series; ``row`` indexes the rows that ``_rows`` sends."""
        colours = plotting.PALETTE
        k = self.n_shown
        pred = [
            {"label": _("ŷ sample {i}", i=i + 1), "colour": colours[[0, 4, 2, 5][i]], "row": 1 + i}
            for i in range(k)
        ]
        target = [
            {
                "label": _("target {i}", i=i + 1),
                "colour": colours[[0, 4, 2, 5][i]],
                "row": 1 + k + i,
                "dash": [6, 4],
                "width": 1.3,
            }  # fmt: skip
            for i in range(k)
        ]
        params = [
            {
                "label": name,
                "colour": colours[i % 7],
                "row": 1 + 2 * k + i,
                "width": 1.4,
                "dash": [[], [6, 4], [2, 3]][i // 7 % 3],
            }  # fmt: skip
            for i, name in enumerate(self.names[:16])
        ]
        loss_series = [{"label": _("loss"), "colour": colours[4], "row": 0}]
        many = len(self.names) > 16
        return [
            {"title": _("loss ({name})", name=self.loss_name),
             "xlabel": _("epoch (updates done)"), "ylabel": _("loss"), "scale": "loss",
             "series": loss_series},
            {"title": _("prediction (solid), target (dashed)"), "xlabel": _("epoch"),
             "ylabel": "ŷ", "scale": "value", "series": pred + target},
            {"title": _("parameters (the first 16)") if many else _("parameters"),
             "xlabel": _("epoch"), "ylabel": _("value"), "scale": "value", "series": params,
             "legend": True},
        ]  # fmt: skip

    def _rows(self) -> np.ndarray:
        """What the view draws: loss, predictions, targets, parameters; one row each, one
        column per update (non-finite values stay: the browser marks them as overflowed)."""
        k, columns = self.n_shown, len(self.losses)
        targets = np.repeat(self.y[:k, :1], columns, axis=1)
        return np.vstack([
            self.losses[None, :],
            self.predictions[:, :k].T,
            targets,
            self.trajectories[:, : len(self.names[:16])].T,
        ])  # fmt: skip

    # one update: train, then send the numbers

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
        self.status_line, self.notes = self._status()
        self.status = self.status_line
        if self.notes:
            self.status = _("{status}. Note: {notes}", status=self.status_line, notes=self.notes)

    def _param_columns(self):
        """(key in params, index in the flattened array) for each name: w1_12 -> ('W1', 1)."""
        counters = {}
        for name in self.names:
            key = ("W" if name[0] == "w" else "b") + name[1:].split("_")[0]
            counters[key] = counters.get(key, -1) + 1
            yield key, counters[key]

    def _status(self) -> tuple[str, str]:
        """``(status line, notes)``: what happened, and what to notice ('' when nothing)."""
        h = self.history
        if h.diverged:
            line = _(
                "diverged at epoch {epoch}: the learning rate {lr} is too large for this "
                "initialisation (the loss overflowed)",
                epoch=h.diverged_epoch,
                lr=f"{self.lr:.3g}",
            )
            return line, ""
        first, last = self.losses[0], self.losses[-1]
        numbers = {"loss": f"{last:.3g}", "epochs": h.epochs_run, "first": f"{first:.3g}"}
        if h.epochs_run == 1:
            line = _("loss {loss} after {epochs} epoch (from {first})", **numbers)
        else:
            line = _("loss {loss} after {epochs} epochs (from {first})", **numbers)
        if self.predictions.shape[1] == 1:
            line = _(
                "{status}; prediction {prediction}, target {target}",
                status=line,
                prediction=f"{self.predictions[-1, 0]:.4g}",
                target=f"{self.y.ravel()[0]:.4g}",
            )
        notes = []
        if last > first:
            notes.append(_("the loss grew: the learning rate is too large"))
        cache = self.net.forward(self.x)[1]
        hidden = [cache[f"a{k}"] for k in range(1, len(self.sizes) - 1)]
        if self.activation == "relu" and hidden and all(not np.any(a) for a in hidden[:1]):
            notes.append(_("every hidden ReLU outputs 0, so the first layer gets no gradient"))
        W1, b1 = self.net.params["W1"], self.net.params["b1"]
        if len(W1) > 1 and np.all(W1 == W1[0]) and np.all(b1 == b1[0]):
            notes.append(_("the hidden neurons are identical (the symmetry was never broken)"))
        joined = notes[0] if notes else ""
        for note in notes[1:]:
            joined = _("{notes}; {note}", notes=joined, note=note)
        return line, joined

    def update(self) -> None:
        """Retrain with the controls' values and send the new picture (never raises)."""
        start = time.perf_counter()
        try:
            with np.errstate(all="ignore"):  # inf and NaN are expected here, and handled
                self._train()
                rows = self._rows()
        except Exception as exc:  # a learner never sees a traceback; the status says what failed
            self.status = _("could not train with these settings: {error}", error=exc)
            self.status_line, self.notes, rows = self.status, "", None
        with self.view.hold_sync():  # picture and status leave in one message, so they agree
            if rows is not None:
                self.view.columns = rows.shape[1]
                self.view.data = np.ascontiguousarray(rows, dtype="<f8").tobytes()
                self.view.epochs = int(self.controls["epochs"].value)
                self.view.diverged_at = len(self.losses) - 1 if self.history.diverged else -1
            self.view.status = self.status_line
            self.view.note = _("Note: {notes}", notes=self.notes) if self.notes else ""
        self.controls["seed"].disabled = self.controls["init"].value in _SEEDLESS
        self.timings.append(time.perf_counter() - start)


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
    chain-rule product that gave it. ``view`` draws the graph in the browser
    with its own Play button and step slider, so a step never waits for the
    kernel; ``show(k)`` sets the step from Python, and ``step`` and
    ``chain_text`` follow the browser.
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
        index = {id(node): i for i, node in enumerate(nodes)}
        self.view = GraphView(
            nodes=[
                {
                    "label": node.label or "·",
                    "op": plotting._op_symbol(node.op) if node.parents else "",
                    "data": f"{node.data:.4g}",
                    "grad": f"{node.grad:.4g}",
                    "col": column[id(node)],
                    "row": row[id(node)],
                    "kind": "root" if node is root else "node" if node.parents else "leaf",
                    "parents": [index[id(p)] for p in node.parents],
                }
                for node in nodes
            ],
            order=[index[id(node)] for node in self.order],
            lines=[self._line(k) for k in range(n + 1)],
            interval_ms=interval_ms,
        )
        self.view.add_class("course-output")
        self.widget = widgets.VBox([self.view])
        self.widget.add_class("course-stepper")
        self.view.observe(lambda change: self._follow(change["new"]), names="step")
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
            return _("d{root}/d{root} = 1 (the backward pass starts at the output)", root=root)
        consumers = self.consumers[id(node)]
        if not consumers:
            return _("d{root}/d{name} = 0 ({name} does not reach {root})", root=root, name=name)
        symbols = " + ".join(
            f"1 · ∂({_expression(c, names)})/∂{name}"  # d root/d root is 1, not d root/d root
            if c is self.root
            else f"d{root}/d{_name(c, names)} · d{_name(c, names)}/d{name}"
            for c in consumers
        )
        factors = [(g, d) for _c, g, d in self.terms(k)]
        numbers = " + ".join(f"{g:.4g} × {d:.4g}" for g, d in factors)
        total = math.fsum(g * d for g, d in factors)
        return f"d{root}/d{name} = {symbols} = {numbers} = {total:.4g}"

    def _line(self, k: int) -> str:
        if k == 0:
            return _(
                "step {step} of {steps}: the forward pass is done, no gradient is known yet. "
                "Press play or move the slider.",
                step=0,
                steps=len(self.order),
            )
        return _(
            "step {step} of {steps}: {chain}", step=k, steps=len(self.order), chain=self.chain(k)
        )

    def known(self, k: int | None = None) -> list[str]:
        """Labels of the nodes whose gradient the view shows at step ``k`` (default: now)."""
        k = self.step if k is None else k
        return [self.view.nodes[i]["label"] for i in self.view.order[:k]]

    def show(self, k: int) -> None:
        """Step ``k``: gradients known so far, node k highlighted, its chain-rule line."""
        k = int(min(max(k, 0), len(self.order)))
        self.view.step = k
        self._follow(k)

    def _follow(self, k: int) -> None:
        """The step changed (in the browser, which has drawn it already): keep up."""
        self.step = int(k)
        self.chain_text = self.view.lines[self.step]


def backward_stepper(root: Value | None = None, *, interval_ms: int = 900):
    """The backward-pass stepper's widget (display it); its controller is ``.stepper``.

    ``root`` defaults to the article's 2-2-1 network with its loss
    (``course_lib.graphs.article_graph()``).
    """
    stepper = Stepper(root, interval_ms=interval_ms)
    stepper.widget.stepper = stepper
    return stepper.widget
