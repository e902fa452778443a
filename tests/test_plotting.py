"""course_lib.plotting: what is drawn, where, and that limits stay finite (Agg, no display)."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import FancyBboxPatch

from course_lib import plotting
from course_lib.article import article_mlp
from course_lib.graphs import article_graph, by_label, graph_example
from course_lib.mlp import MLP
from course_lib.plotting import (
    OKABE_ITO,
    draw_graph,
    draw_network,
    finite_limits,
    plot_decision_boundary,
    plot_loss,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _boxes(ax):
    """Value boxes (the op nodes are the small ones)."""
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_width() > 0.5]


def _ops(ax):
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_width() < 0.5]


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_okabe_ito_palette_is_the_published_one():
    # Okabe & Ito (2008): orange 230,159,0; sky blue 86,180,233; bluish green 0,158,115;
    # yellow 240,228,66; blue 0,114,178; vermillion 213,94,0; reddish purple 204,121,167.
    rgb = [(230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178)]
    rgb += [(213, 94, 0), (204, 121, 167), (0, 0, 0)]
    assert [c.lower() for c in plotting.PALETTE] == ["#{:02x}{:02x}{:02x}".format(*c) for c in rgb]


@pytest.mark.parametrize(
    "values, log, want",
    [
        ([1.0, 3.0], False, (0.9, 3.1)),
        ([2.0, 2.0], False, (1.9, 2.1)),
        ([0.0], False, (-0.05, 0.05)),
        ([], False, (0.0, 1.0)),
        ([math.nan, math.inf, -math.inf], False, (0.0, 1.0)),
        ([1e-3, 1e3], True, (10**-3.3, 10**3.3)),
        ([0.0, -1.0], True, (0.1, 10.0)),
        ([1e-250, 1e250], True, (1e-200, 1e200)),
    ],
)
def test_finite_limits(values, log, want):
    assert finite_limits(values, log=log) == pytest.approx(want)


@pytest.mark.parametrize("values", [[1e308, -1e308], [1.7e308], [5e-324, 1.7e308]])
@pytest.mark.parametrize("log", [False, True])
def test_finite_limits_never_overflow(values, log):
    lo, hi = finite_limits(values, log=log)
    assert math.isfinite(lo) and math.isfinite(hi) and lo < hi


def test_draw_graph_shows_every_value_and_gradient():
    f = graph_example()
    f.backward()
    ax = draw_graph(f)
    texts = _texts(ax)
    # by hand: p = 4 - 2 = 2, f = 2 * 3 = 6; df/dx = z = 3, df/dy = -3, df/dz = p = 2, df/dp = 3
    for want in ["x\ndata 4\ngrad 3", "y\ndata 2\ngrad -3", "z\ndata 3\ngrad 2"]:
        assert want in texts
    assert "p\ndata 2\ngrad 3" in texts and "f\ndata 6\ngrad 1" in texts
    assert len(_boxes(ax)) == 5 and len(_ops(ax)) == 2  # the '-' and the '*'
    assert "−" in texts and "×" in texts


def test_draw_graph_puts_inputs_left_of_results_and_boxes_apart():
    L = article_graph()
    L.backward()
    ax = draw_graph(L)
    boxes = _boxes(ax)
    assert len(boxes) == 28
    centre = {}
    for box, text in zip(boxes, [t for t in ax.texts if "\ndata " in t.get_text()], strict=True):
        centre[text.get_text().split("\n")[0]] = (box.get_x(), box.get_y(), box.get_width())
    for node in L.topological_order():
        for parent in node.parents:
            assert centre[parent.label][0] < centre[node.label][0], (parent.label, node.label)
    for i, a in enumerate(boxes):  # no two boxes overlap
        for b in boxes[i + 1 :]:
            apart_x = (
                a.get_x() + a.get_width() <= b.get_x() or b.get_x() + b.get_width() <= a.get_x()
            )
            apart_y = (
                a.get_y() + a.get_height() <= b.get_y() or b.get_y() + b.get_height() <= a.get_y()
            )
            assert apart_x or apart_y
    assert "z1_1\ndata 0.58\ngrad -0.674" in _texts(ax)  # dL/dz1 = -2 * 0.674 * 0.5, by hand


def test_draw_graph_highlight_and_no_grad():
    L = article_graph()
    target = by_label(L)["z1_1"]
    ax = draw_graph(L, show_grad=False, highlight=[target])
    assert not any("grad" in t for t in _texts(ax))
    hot = [b for b in _boxes(ax) if to_hex(b.get_edgecolor()) == OKABE_ITO["vermillion"].lower()]
    assert len(hot) == 1
    (text,) = [t for t in ax.texts if t.get_text().startswith("z1_1\n")]
    assert hot[0].contains_point(ax.transData.transform(text.get_position()))


def test_draw_graph_bad_arguments():
    with pytest.raises(TypeError, match="root must be a Value"):
        draw_graph(3.0)
    with pytest.raises(TypeError, match="highlight must be a Value"):
        draw_graph(graph_example(), highlight=["x"])


def test_figures_are_reused_not_piled_up():
    before = len(plt.get_fignums())
    for _ in range(25):
        draw_graph(graph_example())
        plot_loss([3.0, 2.0, 1.0])
        draw_network(article_mlp())
    assert len(plt.get_fignums()) == before + 3


def test_draw_network_values_weights_and_biases():
    ax = draw_network(article_mlp(), x=[0.9, 1.0])
    texts = _texts(ax)
    assert len(ax.get_lines()) == 6  # 2*2 + 2*1 edges
    for want in ["w1_11 = 0.2", "w1_12 = 0.3", "w1_21 = 0.4", "w2_12 = 0.6", "b1_2 = 0.2"]:
        assert want in texts
    assert "x1\n0.9" in texts and "h1_1\nz 0.58\na 0.58" in texts and "ŷ\n1.326" in texts


def test_draw_network_colours_weights_by_sign_and_shows_relu():
    net = MLP([2, 2, 1], params={"W1": [[-1.0, 0.5], [0.3, 0.2]], "b1": [0, 0], "W2": [1, -2],
                                 "b2": [0]})  # fmt: skip
    ax = draw_network(net, x=[1.0, 1.0])
    colours = [to_hex(line.get_color()) for line in ax.get_lines()]
    assert colours.count(OKABE_ITO["vermillion"].lower()) == 2
    assert "h1_1\nz -0.5\na 0" in _texts(ax)  # ReLU(-1 + 0.5) = 0
    bare = _texts(draw_network(MLP([3, 5, 4, 2])))  # too many edges for labels: none drawn
    assert not any(t.startswith("w1_") for t in bare)


def test_draw_network_bad_arguments():
    with pytest.raises(TypeError, match="net must be a course_lib MLP"):
        draw_network([2, 2, 1])
    with pytest.raises(ValueError, match="x must be one sample of 2 inputs"):
        draw_network(article_mlp(), x=[1.0, 2.0, 3.0])


def test_plot_loss_linear_and_log():
    ax = plot_loss([0.5, 0.4, 0.3], label="a")
    assert ax.get_yscale() == "linear" and ax.get_ylabel() == "loss"
    assert list(ax.get_lines()[0].get_ydata()) == [0.5, 0.4, 0.3]
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2, 3]
    ax = plot_loss(np.geomspace(10, 1e-4, 50))
    assert ax.get_yscale() == "log"


@pytest.mark.filterwarnings("error")
def test_plot_loss_history_and_divergence_keep_limits_finite(tmp_path):
    history = article_mlp().train([0.9, 1.0], 2.0, lr=3.0, epochs=1000)
    assert history.diverged
    ax = plot_loss(history)
    lo, hi = ax.get_ylim()
    assert math.isfinite(lo) and math.isfinite(hi) and lo < hi
    assert ax.get_yscale() == "log"
    assert any(t.get_text().startswith("diverged (epoch") for t in ax.texts)
    ax.figure.savefig(tmp_path / "loss.png")  # drawing it warns of no overflow either
    for bad in ([math.nan], [math.inf, math.nan], [], [0.0, 0.0]):
        ax = plot_loss(bad)
        assert all(math.isfinite(v) for v in ax.get_ylim() + ax.get_xlim())


def test_plot_loss_bad_input():
    with pytest.raises(TypeError, match="losses must be a sequence"):
        plot_loss("0.5")
    with pytest.raises(TypeError, match="losses must be a sequence"):
        plot_loss([0.5, "x"])


def _blobs():
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(-2, 0.5, (40, 2)), rng.normal(2, 0.5, (40, 2))])
    return X, np.repeat([0, 1], 40)


@pytest.mark.parametrize(
    "predict",
    [
        lambda g: g[:, 0] - 0.5,  # a score, cut at 0
        lambda g: 1 / (1 + np.exp(-(g[:, 0] - 0.5))),  # a probability, cut at 0.5
        lambda g: np.column_stack([0.5 - g[:, 0], g[:, 0] - 0.5]),  # two class scores
    ],
)
def test_decision_boundary_sits_where_the_classifier_says(predict):
    X, y = _blobs()
    ax = plot_decision_boundary(predict, X, y, title="blobs")
    assert ax.get_title() == "blobs" and ax.get_xlabel() == "x1"
    line = [c for c in ax.collections if c.get_paths() and type(c).__name__ == "QuadContourSet"]
    vertices = np.vstack([p.vertices for c in line[-1:] for p in c.get_paths()])
    assert np.allclose(vertices[:, 0], 0.5, atol=0.1)  # the boundary is the line x1 = 0.5
    xlo, xhi = ax.get_xlim()
    assert xlo < X[:, 0].min() and xhi > X[:, 0].max()
    scatters = [c for c in ax.collections if type(c).__name__ == "PathCollection"]
    assert sorted(len(c.get_offsets()) for c in scatters) == [40, 40]


def test_decision_boundary_threshold_moves_the_cut():
    """Scores outside [0, 1] (an mse-trained output) are cut where the threshold says."""
    X, y = _blobs()
    ax = plot_decision_boundary(lambda g: 2.0 * g[:, 0], X, y, threshold=1.6)
    line = [c for c in ax.collections if c.get_paths() and type(c).__name__ == "QuadContourSet"]
    vertices = np.vstack([p.vertices for c in line[-1:] for p in c.get_paths()])
    assert np.allclose(vertices[:, 0], 0.8, atol=0.1)  # 2 * x1 = 1.6 at x1 = 0.8
    with pytest.raises(ValueError, match="threshold"):
        plot_decision_boundary(lambda g: g[:, 0], X, y, threshold=math.nan)


def test_decision_boundary_survives_nan_predictions():
    X, y = _blobs()
    ax = plot_decision_boundary(lambda g: np.full(len(g), np.nan), X, y)
    assert all(math.isfinite(v) for v in ax.get_xlim() + ax.get_ylim())


def test_decision_boundary_bad_arguments():
    X, y = _blobs()
    with pytest.raises(TypeError, match="predict must be a function"):
        plot_decision_boundary(None, X, y)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        plot_decision_boundary(lambda g: g[:, 0], X[:, :1], y)
    with pytest.raises(ValueError, match="y must hold one class per row"):
        plot_decision_boundary(lambda g: g[:, 0], X, y[:-1])
    with pytest.raises(ValueError, match="predict must return one row per input row"):
        plot_decision_boundary(lambda g: g[:3, 0], X, y)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("values", [[1e308, 1.0], [1.0, 2.0, 1e300], [-1e308, 1e308, math.nan]])
def test_plot_loss_draws_extreme_values_without_warnings(values, tmp_path):
    ax = plot_loss(values)
    ax.figure.savefig(tmp_path / "extreme.png")
    assert all(math.isfinite(v) for v in ax.get_ylim())


def test_loss_curve_epoch_ticks_are_whole_numbers(tmp_path):
    ax = plot_loss([1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.04, 0.03, 0.02, 0.01])
    ax.figure.savefig(tmp_path / "ticks.png")  # ticks are placed when the figure is drawn
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks


def test_loss_lines_are_never_yellow():
    from course_lib.plotting import OKABE_ITO

    ax = None
    for k in range(9):
        ax = plot_loss([1.0, 0.5 / (k + 1)], ax=ax, label=str(k))
    colours = [line.get_color().upper() for line in ax.get_lines()]
    assert OKABE_ITO["yellow"].upper() not in colours
    assert len(set(colours[:7])) == 7  # seven distinguishable lines before a colour repeats


def test_one_sided_scores_are_shaded_by_value_and_the_legend_sits_outside(tmp_path):
    """An untrained network may call every point class 0: the fill still shows its scores."""
    X, y = _blobs()
    ax = plot_decision_boundary(lambda g: 0.3 + 0.02 * g[:, 0], X, y, threshold=0.5)
    ax.figure.savefig(tmp_path / "shade.png")
    fills = [c for c in ax.collections if type(c).__name__ == "QuadContourSet"]
    assert len(fills) == 1  # no boundary line: every score is below the cut
    used = [v for v in fills[0].levels if 0.2 <= v <= 0.4]
    assert len(used) > 3  # several shades, not one flat colour
    legend = ax.get_legend().get_window_extent()
    axes_box = ax.get_window_extent()
    assert legend.y0 >= axes_box.y1 - 1  # above the plotting area, covering nothing


def test_graph_marks_which_input_is_subtracted_and_is_drawn_large_enough():
    from course_lib.graphs import graph_example
    from course_lib.plotting import GRAPH_DPI, draw_graph

    f = graph_example()  # p = x - y, f = p * z
    ax = draw_graph(f)
    texts = [t.get_text() for t in ax.texts]
    # the − op's own symbol, and one sign per input of it: "+" by x's arrow, "−" by y's
    assert texts.count("−") == 2 and texts.count("+") == 1
    assert ax.figure.dpi == GRAPH_DPI >= 150
    arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
    assert arrows and all(p.get_linewidth() >= 1.0 for p in arrows)
    fig, own = plt.subplots(dpi=72)
    draw_graph(f, ax=own)
    assert fig.dpi == 72  # an axes the caller made keeps its figure as it is
    plt.close(fig)


def test_only_ordered_operations_get_signs():
    from course_lib.plotting import draw_graph
    from course_lib.value import Value

    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    texts = [t.get_text() for t in draw_graph(a * b + a).texts]
    assert texts.count("+") == 1 and "−" not in texts  # the + op's symbol only
    texts = [t.get_text() for t in draw_graph(a / b).texts]
    assert texts.count("÷") == 2  # the op's symbol and the mark on the divisor's arrow
