"""The course's pictures, matplotlib only: graphs, networks, loss curves, decision boundaries.

Every function draws on ``ax`` when given one and returns the Axes. Without
``ax`` it draws on a figure named after the function, reused (cleared) on
the next call, so figures never pile up; to show two pictures in one cell,
make the axes yourself (``fig, (a, b) = plt.subplots(1, 2)``) and pass them.
Colours come from the Okabe-Ito palette, which stays distinct under the
common forms of colour blindness.

>>> from course_lib.graphs import graph_example
>>> f = graph_example()
>>> f.backward()
>>> ax = draw_graph(f)
>>> sorted(t.get_text().split()[0] for t in ax.texts if "grad" in t.get_text())
['f', 'p', 'x', 'y', 'z']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.ticker import MaxNLocator

from course_lib._validate import finite_array
from course_lib.fonts import configure as _use_a_cjk_font
from course_lib.i18n import translator
from course_lib.value import Value

_use_a_cjk_font()  # Chinese labels (COURSE_LANG=zh-CN) draw, never as boxes

__all__ = [
    "OKABE_ITO",
    "PALETTE",
    "draw_graph",
    "draw_network",
    "plot_loss",
    "plot_decision_boundary",
    "finite_limits",
]

_ = translator("widgets")

# Okabe & Ito (2008), "Color Universal Design": eight colours safe for colour-blind readers.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
# The order in which lines take colours (black last: it is kept for annotations).
PALETTE = tuple(OKABE_ITO[k] for k in list(OKABE_ITO)[1:]) + (OKABE_ITO["black"],)
# Lines on a white background: the palette without yellow, too faint for a thin line.
LINE_COLOURS = tuple(c for c in PALETTE if c != OKABE_ITO["yellow"])

_LEAF_FILL, _NODE_FILL, _ROOT_FILL = "#DCEFFA", "#FFFFFF", "#FBE9C2"  # light sky blue, orange
_HIGHLIGHT_FILL = "#F9F3A8"  # light yellow
GRAPH_DPI = 150  # a standalone graph figure: its 7.5 pt text shows at about 16 px

# the sign written by each input of the operations whose inputs cannot be swapped
_OPERAND_SIGNS = {"-": ("+", "−"), "/": ("", "÷")}
_OP_SYMBOLS = {"*": "×", "-": "−", "/": "÷", "neg": "−x", "sigmoid": "σ", "relu": "ReLU"}


def _op_symbol(op: str) -> str:
    return "^" + op[2:] if op.startswith("**") else _OP_SYMBOLS.get(op, op)


# Axis limits are clamped so that margins and tick locators never overflow to inf:
_BIG = 1e300  # linear axes
_LOG_CAP = 200.0  # log axes: 1e-200 .. 1e200 (a log tick locator overflows near 1e300)


def _axes(ax, name: str, figsize):
    if ax is not None:
        return ax
    fig = plt.figure(num=f"course_lib.{name}", clear=True, layout="constrained")
    fig.set_size_inches(*figsize)
    return fig.add_subplot()


def finite_limits(values, *, log: bool = False, pad: float = 0.05) -> tuple[float, float]:
    """Axis limits around the finite values (positive ones when ``log``), never NaN or inf.

    >>> finite_limits([1.0, float("nan"), 3.0, float("inf")])
    (0.9, 3.1)
    >>> finite_limits([])
    (0.0, 1.0)
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if log:
        v = np.log10(np.clip(v[v > 0], 10.0**-_LOG_CAP, 10.0**_LOG_CAP))
        if v.size == 0:
            return (0.1, 10.0)
        lo, hi = float(v.min()), float(v.max())
        span = max(hi - lo, 1.0)
        lo, hi = max(lo - pad * span, -_LOG_CAP), min(hi + pad * span, _LOG_CAP)
        return (10.0**lo, 10.0 ** max(hi, lo + 1.0))
    v = np.clip(v, -_BIG, _BIG)
    if v.size == 0:
        return (0.0, 1.0)
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return (max(lo - pad * span, -_BIG), min(hi + pad * span, _BIG))


# --- computational graphs -------------------------------------------------------------------


def _columns(nodes: list[Value]) -> dict[int, int]:
    """Column of each node: inputs left, each result one column right of its last input."""
    level, consumers = {}, {id(n): [] for n in nodes}
    for node in nodes:  # topological order: parents first
        level[id(node)] = 1 + max((level[id(p)] for p in node.parents), default=-1)
        for p in node.parents:
            consumers[id(p)].append(node)
    for node in nodes:  # a leaf sits just left of its first use, not far away in column 0
        if not node.parents and consumers[id(node)]:
            level[id(node)] = min(level[id(c)] for c in consumers[id(node)]) - 1
    return level


def _rows(nodes: list[Value], column: dict[int, int]) -> dict[int, float]:
    """Vertical positions: centred columns, ordered by the mean height of their neighbours."""
    cols: dict[int, list[Value]] = {}
    for node in nodes:
        cols.setdefault(column[id(node)], []).append(node)
    neighbours = {id(n): list(n.parents) for n in nodes}
    for node in nodes:
        for p in node.parents:
            neighbours[id(p)].append(node)
    y = {}

    def place():
        for members in cols.values():
            for i, node in enumerate(members):
                y[id(node)] = (len(members) - 1) / 2 - i

    place()
    for _sweep in range(4):  # barycentre sweeps reduce edge crossings
        for c in sorted(cols):
            cols[c].sort(key=lambda n: -np.mean([y[id(m)] for m in neighbours[id(n)]] or [0]))
        place()
    return y


def _node_text(node: Value, show_grad: bool, pending: bool = False) -> str:
    lines = [node.label or "·", _("data {value}", value=f"{node.data:.4g}")]
    if show_grad:
        lines.append(_("grad ?") if pending else _("grad {value}", value=f"{node.grad:.4g}"))
    return "\n".join(lines)


def _draw_graph(root, ax, *, show_grad=True, highlight=None, pending=()):
    """Draw and return ``(ax, artists)``; ``artists[id(node)] = (box, text)`` for updates."""
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value (the output of a graph), got {type(root).__name__}")
    nodes = root.topological_order()
    column = _columns(nodes)
    row = _rows(nodes, column)
    first = min(column.values())
    n_cols = max(column.values()) - first + 1
    n_rows = max(sum(1 for c in column.values() if c == k) for k in set(column.values()))
    pitch_x, pitch_y, box_w, box_h = 1.3, 0.78, 0.86, 0.62  # inches
    ax = _axes(ax, "draw_graph", (max(3.0, pitch_x * n_cols + 0.3), max(1.6, pitch_y * n_rows)))
    marked = _as_ids(highlight)
    artists = {}
    for node in nodes:
        cx, cy = (column[id(node)] - first) * pitch_x, row[id(node)] * pitch_y
        fill = _ROOT_FILL if node is root else _NODE_FILL if node.parents else _LEAF_FILL
        hot = id(node) in marked
        box = FancyBboxPatch(
            (cx - box_w / 2, cy - box_h / 2),
            box_w,
            box_h,
            boxstyle="round,pad=0,rounding_size=0.06",
            fc=_HIGHLIGHT_FILL if hot else fill,
            ec=OKABE_ITO["vermillion"] if hot else "#555555",
            lw=2.6 if hot else 0.9,
            zorder=3,
        )
        ax.add_patch(box)
        text = ax.text(
            cx,
            cy,
            _node_text(node, show_grad, pending=id(node) in pending),
            ha="center",
            va="center",
            fontsize=7.5,
            linespacing=1.25,
            zorder=4,
        )
        artists[id(node)] = (box, text)
        if not node.parents:
            continue
        ox = cx - box_w / 2 - 0.23  # the op node, just left of its result
        op = FancyBboxPatch(
            (ox - 0.17, cy - 0.1),
            0.34,
            0.2,
            boxstyle="round,pad=0,rounding_size=0.1",
            fc="#EEEEEE",
            ec="#777777",
            lw=0.8,
            zorder=3,
        )
        ax.add_patch(op)
        ax.text(ox, cy, _op_symbol(node.op), ha="center", va="center", fontsize=6.5, zorder=4)
        ax.add_patch(_arrow((ox, cy), (cx, cy), op, box, hot))
        for k, parent in enumerate(node.parents):
            pb = artists[id(parent)][0]
            start = (pb.get_x() + box_w / 2, pb.get_y() + box_h / 2)
            ax.add_patch(_arrow(start, (ox, cy), pb, op, hot or id(parent) in marked))
            signs = _OPERAND_SIGNS.get(node.op, ())
            if k < len(signs) and signs[k]:  # x - y is not y - x: mark which input is which
                dx, dy = start[0] - ox, start[1] - cy
                length = max(np.hypot(dx, dy), 1e-9)
                along, across = 0.34 / length, 0.09 / length  # on the arrow, beside its line
                ax.text(ox + dx * along - dy * across, cy + dy * along + dx * across, signs[k],
                        ha="center", va="center", fontsize=9, fontweight="bold",
                        color="#333333", zorder=5)  # fmt: skip
    ax.set_xlim(-box_w / 2 - 0.45, (n_cols - 1) * pitch_x + box_w / 2 + 0.1)
    half = (n_rows - 1) / 2 * pitch_y + box_h / 2 + 0.1
    ax.set_ylim(-half, half)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax, artists


def _arrow(start, end, patch_a, patch_b, hot):
    return FancyArrowPatch(
        start,
        end,
        patchA=patch_a,
        patchB=patch_b,
        arrowstyle="-|>",
        mutation_scale=10,
        shrinkA=0,
        shrinkB=0,
        lw=1.6 if hot else 1.0,
        color=OKABE_ITO["vermillion"] if hot else "#555555",
        zorder=2,
    )


def _as_ids(highlight) -> set[int]:
    if highlight is None:
        return set()
    items = [highlight] if isinstance(highlight, Value) else list(highlight)
    for item in items:
        if not isinstance(item, Value):
            raise TypeError(f"highlight must be a Value or a list of Values, got {item!r}")
    return {id(v) for v in items}


def draw_graph(root: Value, ax=None, *, show_grad: bool = True, highlight=None):
    """Draw ``root``'s computational graph left to right (inputs on the left).

    Each value is a box with its label, data and (``show_grad``) grad; the
    operation that made it sits in a small grey node just before it. Inputs
    and parameters are blue, the output orange; ``highlight`` (a Value or a
    list of Values) is drawn yellow with a thick vermillion border. A figure made here (no
    ``ax``) is shown at GRAPH_DPI, so that a small graph's text is not tiny in a notebook.
    """
    ax = _draw_graph(root, ax, show_grad=show_grad, highlight=highlight)[0]
    if ax.figure.get_label() == "course_lib.draw_graph":
        ax.figure.set_dpi(GRAPH_DPI)
    return ax


# --- networks ---------------------------------------------------------------------------------


def draw_network(net, x=None, ax=None):
    """Draw an ``MLP`` as layers of neurons: weights on the edges, biases under the neurons.

    With ``x`` (one sample), the neurons show the forward pass: the inputs,
    each hidden neuron's z and a, and the output. Edge colour gives the
    weight's sign (blue positive, vermillion negative), its width the size.
    """
    if not (hasattr(net, "params") and hasattr(net, "sizes") and hasattr(net, "forward")):
        raise TypeError(f"net must be a course_lib MLP, got {type(net).__name__}")
    cache = None
    if x is not None:
        x = finite_array("x", x)
        if x.shape != (net.sizes[0],):
            raise ValueError(f"x must be one sample of {net.sizes[0]} inputs, got shape {x.shape}")
        cache = net.forward(x)[1]
    sizes, n_layers = net.sizes, len(net.sizes) - 1
    gap_x, gap_y, radius = 3.0, 1.25, 0.42
    tallest = max(sizes)
    ax = _axes(ax, "draw_network", (max(4.0, 2.6 * n_layers + 1.4), max(2.6, 1.1 * tallest + 1)))
    pos = {
        (layer, i): (layer * gap_x, ((n - 1) / 2 - i) * gap_y)
        for layer, n in enumerate(sizes)
        for i in range(n)
    }
    w_max = max(float(np.abs(net.params[f"W{k}"]).max()) for k in range(1, n_layers + 1)) or 1.0
    label_edges = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)) <= 12
    for layer in range(1, n_layers + 1):
        W = net.params[f"W{layer}"]
        for i in range(sizes[layer]):
            for j in range(sizes[layer - 1]):
                (x0, y0), (x1, y1), w = pos[(layer - 1, j)], pos[(layer, i)], float(W[i, j])
                colour = OKABE_ITO["blue"] if w >= 0 else OKABE_ITO["vermillion"]
                ax.plot([x0, x1], [y0, y1], color=colour, lw=0.6 + 2.6 * abs(w) / w_max, zorder=1)
                if label_edges:  # edges into different neurons labelled at different places
                    t = 0.36 + 0.28 * i / max(1, sizes[layer] - 1)
                    ax.text(
                        x0 + t * (x1 - x0),
                        y0 + t * (y1 - y0),
                        f"w{layer}_{i + 1}{j + 1} = {w:.3g}",
                        fontsize=7.5,
                        ha="center",
                        va="center",
                        color=colour,
                        bbox=dict(fc="white", ec="none", pad=0.6, alpha=0.9),
                        zorder=2,
                    )
    for (layer, i), (cx, cy) in pos.items():
        fill = _LEAF_FILL if layer == 0 else _ROOT_FILL if layer == n_layers else _NODE_FILL
        circle = plt.Circle((cx, cy), radius, fc=fill, ec="#444444", lw=1.0, zorder=3)
        ax.add_patch(circle)
        ax.text(cx, cy, _neuron_text(net, cache, layer, i), ha="center", va="center",
                fontsize=7.5, zorder=4)  # fmt: skip
        if layer > 0:
            b = float(net.params[f"b{layer}"][i])
            ax.text(cx, cy - radius - 0.14, f"b{layer}_{i + 1} = {b:.3g}", ha="center",
                    va="top", fontsize=7.5, color="#333333", zorder=4)  # fmt: skip
    for layer in range(n_layers + 1):
        if layer == 0:
            name = _("input")
        elif layer == n_layers:
            name = _("output")
        else:
            name = _("hidden {layer}", layer=layer)
        ax.text(layer * gap_x, (tallest - 1) / 2 * gap_y + radius + 0.3, name, ha="center",
                fontsize=8.5, weight="bold")  # fmt: skip
    if x is None:
        title = f"{net!r}"
    else:
        title = _("forward pass for x = {x}", x=np.round(x, 4).tolist())
    ax.set_title(_("{title}   (edges: blue w > 0, vermillion w < 0)", title=title), fontsize=9)
    half_h = (tallest - 1) / 2 * gap_y
    ax.set_xlim(-radius - 0.4, n_layers * gap_x + radius + 0.4)
    ax.set_ylim(-half_h - radius - 0.55, half_h + radius + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def _neuron_text(net, cache, layer, i):
    last = len(net.sizes) - 1
    name = f"x{i + 1}" if layer == 0 else "ŷ" if layer == last else f"h{layer}_{i + 1}"
    if cache is None:
        return name
    if layer == 0:
        return f"{name}\n{cache['a0'][i]:.4g}"
    if layer == last:
        return f"{name}\n{cache[f'z{layer}'][i]:.4g}"
    return f"{name}\nz {cache[f'z{layer}'][i]:.4g}\na {cache[f'a{layer}'][i]:.4g}"


# --- training ---------------------------------------------------------------------------------


def plot_loss(losses, ax=None, *, label: str | None = None):
    """Loss per epoch (``losses`` is a sequence or a ``History``).

    The y axis turns logarithmic when the finite losses span more than two
    decades. A loss that became inf or NaN is marked with a dashed line
    ("diverged"); the axis limits stay finite whatever the values.
    """
    values = getattr(losses, "losses", losses)
    if isinstance(values, (str, bytes)) or not isinstance(values, (Iterable, np.ndarray)):
        raise TypeError(f"losses must be a sequence of numbers or a History, got {values!r}")
    try:
        y = np.asarray(list(values), dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise TypeError("losses must be a sequence of numbers or a History") from None
    ax = _axes(ax, "plot_loss", (5.0, 3.2))
    epochs = np.arange(1, y.size + 1)
    finite = np.isfinite(y)
    shown = np.clip(np.where(finite, y, np.nan), -_BIG, _BIG)  # autoscaling overflows beyond
    colour = LINE_COLOURS[len(ax.get_lines()) % len(LINE_COLOURS)]
    ax.plot(epochs, shown, color=colour, lw=1.8, label=label, marker="." if y.size < 30 else None)
    if not finite.all():
        bad = int(epochs[~finite][0])
        ax.axvline(bad, color=OKABE_ITO["vermillion"], ls="--", lw=1.2)
        ax.annotate(_("diverged (epoch {epoch})", epoch=bad), (bad, 0.9),
                    xycoords=("data", "axes fraction"), ha="right", fontsize=8,
                    color=OKABE_ITO["vermillion"])  # fmt: skip
    everything = np.concatenate([np.asarray(line.get_ydata(), float) for line in ax.get_lines()])
    positive = everything[np.isfinite(everything) & (everything > 0)]
    log = positive.size > 1 and np.log10(positive.max()) - np.log10(positive.min()) > 2
    ax.set_autoscaley_on(False)  # our limits, not autoscaling (which overflows near 1e308)
    ax.set_yscale("log" if log else "linear")
    ax.set_ylim(*finite_limits(everything, log=log))
    ax.set_xlim(0.5, max(1.5, max(len(line.get_xdata()) for line in ax.get_lines()) + 0.5))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_xlabel(_("epoch"))
    ax.set_ylabel(_("loss (log scale)") if log else _("loss"))
    ax.grid(True, alpha=0.3)
    if label is not None:
        ax.legend(fontsize=8)
    return ax


def plot_decision_boundary(
    predict: Callable,
    X,
    y,
    ax=None,
    *,
    title: str | None = None,
    threshold: float | None = None,
    resolution: int = 150,
):
    """Shade where a classifier says which class, with the data on top (2-D inputs).

    ``predict`` maps an (n, 2) array to scores: shape (n,) or (n, 1) for two
    classes, class 1 where the score is above ``threshold`` (by default 0.5
    when every score lies in [0, 1], as probabilities do, else 0), or (n, k)
    for k classes (the largest wins). ``y`` holds the class of each row of ``X``.
    """
    if not callable(predict):
        raise TypeError(f"predict must be a function of an (n, 2) array, got {predict!r}")
    X = finite_array("X", X, ndim=(2,))
    if X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(f"X must have shape (n, 2) with n >= 1, got {X.shape}")
    labels = finite_array("y", y).ravel()
    if labels.shape != (X.shape[0],):
        raise ValueError(f"y must hold one class per row of X ({X.shape[0]}), got {labels.shape}")
    ax = _axes(ax, "plot_decision_boundary", (4.8, 4.2))
    (x0, x1), (y0, y1) = [finite_limits(X[:, k], pad=0.12) for k in (0, 1)]
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    with np.errstate(all="ignore"):
        scores = np.asarray(predict(grid), dtype=np.float64)
    if scores.shape[0] != grid.shape[0]:
        raise ValueError(f"predict must return one row per input row, got shape {scores.shape}")
    scores = scores.reshape(grid.shape[0], -1)
    classes = np.unique(labels)
    if scores.shape[1] == 1:
        s = scores[:, 0]
        inside = s[np.isfinite(s)]
        if threshold is not None:
            cut = float(finite_array("threshold", threshold, ndim=(0,)))
        else:
            cut = 0.5 if inside.size and inside.min() >= 0 and inside.max() <= 1 else 0.0
        region = np.where(np.isfinite(s), (s > cut).astype(float), np.nan)
        n_regions = 2
        shade = s if inside.size else None
    else:
        region = np.where(np.isfinite(scores).all(1), np.argmax(scores, 1).astype(float), np.nan)
        n_regions = scores.shape[1]
        shade = None
    region = region.reshape(gx.shape)
    colours = [PALETTE[[4, 0, 2, 5, 1, 6][k % 6]] for k in range(max(n_regions, classes.size))]
    if shade is not None:  # one score: the colour deepens with the distance from the cut
        _shade_scores(ax, gx, gy, shade.reshape(gx.shape), cut, colours[:2])
    elif np.isfinite(region).any():
        ax.contourf(gx, gy, region, levels=np.arange(n_regions + 1) - 0.5,
                    colors=colours[:n_regions], alpha=0.22)  # fmt: skip
    if np.isfinite(region).any():
        if np.nanmin(region) != np.nanmax(region):
            ax.contour(gx, gy, region, levels=np.arange(n_regions - 1) + 0.5,
                       colors=OKABE_ITO["black"], linewidths=1.0)  # fmt: skip
    markers = "os^Dv<>p"
    for k, c in enumerate(classes):
        pts = X[labels == c]
        ax.scatter(pts[:, 0], pts[:, 1], s=18, marker=markers[k % len(markers)],
                   color=colours[k],
                   edgecolors="white", linewidths=0.4,
                   label=_("class {name}", name=f"{c:g}"))  # fmt: skip
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    # outside the data, above the plot: a legend inside would cover part of the boundary
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(classes),
              frameon=False, borderaxespad=0.2)  # fmt: skip
    if title is not None:
        ax.set_title(title, fontsize=10, pad=18)  # room for the legend under it
    return ax


def _shade_scores(ax, gx, gy, s, cut, two_colours):
    """Fill by score: white at the cut, each class's colour deeper further from it."""
    finite = s[np.isfinite(s)]
    lo, hi = float(finite.min()), float(finite.max())
    reach = max(cut - lo, hi - cut, 1e-12)
    cmap = LinearSegmentedColormap.from_list("score", [two_colours[0], "#FFFFFF", two_colours[1]])
    levels = np.linspace(cut - reach, cut + reach, 21)
    ax.contourf(gx, gy, np.clip(s, levels[0], levels[-1]), levels=levels, cmap=cmap, alpha=0.45)
