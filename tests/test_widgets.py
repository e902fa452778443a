"""course_lib.widgets without a kernel: set each control, check the model and the plotted data.

The reference numbers come from a 2-2-1 network written out below with numpy
(independent of course_lib.mlp), from hand calculation and finite differences.
"""

import itertools
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib import widgets as W
from course_lib.graphs import article_graph, by_label, graph_example
from course_lib.init import SCHEMES, initialise
from course_lib.value import Value
from course_lib.widgets import Playground, Stepper, backward_stepper, training_playground

X, Y = np.array([0.9, 1.0]), 2.0
ARTICLE_PARAMS = {
    "W1": np.array([[0.2, 0.3], [0.4, 0.5]]),
    "b1": np.array([0.1, 0.2]),
    "W2": np.array([[0.5, 0.6]]),
    "b2": np.array([0.4]),
}


def reference_losses(params, lr, epochs):
    """Gradient descent on the 2-2-1 ReLU network with (y - y_hat)^2, by hand; losses after
    0, 1, ..., epochs updates (stops at the first non-finite loss)."""
    W1, b1 = params["W1"].copy(), params["b1"].copy()
    w2, b2 = params["W2"][0].copy(), float(params["b2"][0])
    losses = []
    with np.errstate(all="ignore"):
        for _ in range(epochs + 1):
            z1 = W1 @ X + b1
            a1 = np.maximum(z1, 0)
            y_hat = w2 @ a1 + b2
            losses.append((Y - y_hat) ** 2)
            if not np.isfinite(losses[-1]):
                break
            d = 2 * (y_hat - Y)  # dL/dy_hat
            dz1 = d * w2 * (z1 > 0)
            W1, b1, w2, b2 = (
                W1 - lr * np.outer(dz1, X),
                b1 - lr * dz1,
                w2 - lr * d * a1,
                b2 - lr * d,
            )
    return np.array(losses)


def _sent(pg):
    """What the browser was sent: the rows of numbers, and the status and note it shows."""
    return pg.view.rows(), pg.view.status, pg.view.note


def _series(pg, panel):
    return pg.view.panels[panel]["series"]


@pytest.fixture(scope="module")
def pg():
    return Playground()


@pytest.fixture(autouse=True)
def _defaults(pg):
    pg.reset()
    yield


def test_defaults_reproduce_the_article(pg):
    c = pg.controls
    assert (c["lr"].value, c["init"].value, c["seed"].value, c["epochs"].value) == (
        0.1,
        "article",
        0,
        50,
    )
    assert c["lr"].description == "learning rate" and c["seed"].disabled
    # by hand: y_hat = 0.5 * 0.58 + 0.6 * 1.06 + 0.4 = 1.326, L = (2 - 1.326)^2 = 0.454276
    assert pg.predictions[0, 0] == pytest.approx(1.326, abs=1e-12)
    assert pg.losses[0] == pytest.approx(0.454276, abs=1e-12)
    np.testing.assert_allclose(pg.losses, reference_losses(ARTICLE_PARAMS, 0.1, 50), rtol=1e-9)
    np.testing.assert_allclose(pg.trajectories[0], [0.2, 0.3, 0.4, 0.5, 0.1, 0.2, 0.5, 0.6, 0.4])
    assert pg.status.startswith("loss ") and "after 50 epochs" in pg.status
    rows, status, note = _sent(pg)
    assert rows.shape == (1 + 1 + 1 + 9, 51)  # loss, prediction, target, nine parameters
    assert status == pg.status and note == "" and pg.view.diverged_at == -1


def test_plotted_data_is_the_model_state(pg):
    rows = pg.view.rows()
    (loss,), pred, params = (_series(pg, k) for k in range(3))
    assert pg.view.columns == 51 and pg.view.epochs == 50
    np.testing.assert_array_equal(rows[loss["row"]], pg.losses)
    np.testing.assert_array_equal(rows[pred[0]["row"]], pg.predictions[:, 0])
    assert set(rows[pred[1]["row"]]) == {2.0} and pred[1]["label"] == "target 1"
    final = np.concatenate([pg.net.params[k].ravel() for k in ("W1", "b1", "W2", "b2")])
    np.testing.assert_allclose([rows[s["row"]][-1] for s in params], final)
    assert [s["label"] for s in params][:5] == ["w1_11", "w1_12", "w1_21", "w1_22", "b1_1"]
    assert len({s["row"] for p in pg.view.panels for s in p["series"]}) == len(rows)


@pytest.mark.parametrize("lr", [0.001, 0.02, 0.3])
def test_learning_rate_changes_training(pg, lr):
    before_data, before = pg.view.data, pg.losses.copy()
    pg.controls["lr"].value = lr
    assert pg.controls["lr"].value == pytest.approx(lr)
    np.testing.assert_allclose(pg.losses, reference_losses(ARTICLE_PARAMS, lr, 50), rtol=1e-9)
    assert not np.array_equal(pg.losses, before)
    np.testing.assert_array_equal(pg.view.rows()[0], pg.losses)
    assert pg.view.data != before_data


def test_learning_rate_slider_is_logarithmic_from_1e_3_to_3(pg):
    lr = pg.controls["lr"]
    assert (lr.base, lr.min, lr.max) == (10, pytest.approx(-3), pytest.approx(math.log10(3)))
    lr.value = 100.0
    assert lr.value == pytest.approx(3.0) and pg.lr == pytest.approx(3.0)
    lr.value = 1e-9
    assert lr.value == pytest.approx(1e-3)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_initialisation_dropdown(pg, scheme):
    pg.controls["seed"].value = 5
    pg.controls["init"].value = scheme
    want = initialise(scheme, [2, 2, 1], np.random.default_rng(5))
    first = np.concatenate([want[k].ravel() for k in ("W1", "b1", "W2", "b2")])
    np.testing.assert_array_equal(pg.trajectories[0], first)
    assert pg.controls["seed"].disabled == (scheme in ("article", "zeros", "constant"))
    if scheme == "zeros":
        assert np.all(pg.trajectories[0] == 0)
    if scheme == "constant":
        assert "identical (the symmetry was never broken)" in pg.status
        w1 = pg.net.params["W1"]
        assert w1[0, 0] == w1[1, 0] and w1[0, 1] == w1[1, 1]


def test_seed_changes_random_initialisation_only(pg):
    pg.controls["init"].value = "he_normal"
    first = pg.trajectories[0].copy()
    pg.controls["seed"].value = 1
    assert not np.array_equal(pg.trajectories[0], first)
    np.testing.assert_array_equal(
        pg.net.params["W1"] * 0 + pg.trajectories[0][:4].reshape(2, 2),
        initialise("he_normal", [2, 2, 1], np.random.default_rng(1))["W1"],
    )
    pg.controls["init"].value = "article"
    article = pg.trajectories[0].copy()
    pg.controls["seed"].value = 7
    np.testing.assert_array_equal(pg.trajectories[0], article)


@pytest.mark.parametrize("epochs", [1, 7, 1000])
def test_epochs(pg, epochs):
    pg.controls["epochs"].value = epochs
    assert len(pg.losses) == epochs + 1 and len(pg.predictions) == epochs + 1
    assert (pg.view.epochs, pg.view.columns) == (epochs, epochs + 1)
    if epochs == 1:  # one update of the article's example (mse), worked by hand in test_graphs
        assert pg.losses[1] == pytest.approx(reference_losses(ARTICLE_PARAMS, 0.1, 1)[1])
        assert "after 1 epoch (" in pg.status


def test_reset_restores_everything_with_one_update(pg):
    expected = pg.losses.copy()
    c = pg.controls
    c["lr"].value, c["init"].value, c["seed"].value, c["epochs"].value = 2.0, "normal", 9, 3
    n = len(pg.timings)
    c["reset"].click()
    assert len(pg.timings) == n + 1
    assert (c["lr"].value, c["init"].value, c["seed"].value, c["epochs"].value) == (
        0.1,
        "article",
        0,
        50,
    )
    np.testing.assert_array_equal(pg.losses, expected)


def test_divergence_is_reported_and_marked(pg):
    pg.controls["epochs"].value = 1000
    pg.controls["lr"].value = 3.0
    losses = reference_losses(ARTICLE_PARAMS, 3.0, 1000)
    epoch = len(losses)  # the epoch whose loss was not finite (1-based)
    assert not np.isfinite(losses[-1])
    assert pg.status == (
        f"diverged at epoch {epoch}: the learning rate 3 is too large for this "
        "initialisation (the loss overflowed)"
    )
    # marked at the epoch that overflowed; the overflowed loss is sent as it is, not clipped
    assert pg.view.diverged_at == epoch - 1 and pg.view.columns == epoch
    assert not np.isfinite(pg.view.rows()[0, -1]) and pg.view.epochs == 1000
    pg.controls["lr"].value = 0.1
    assert pg.view.diverged_at == -1


def test_the_view_is_updated_in_place(pg):
    view, panels = pg.view, pg.view.panels
    pyplot_figures = plt.get_fignums()
    sent = []
    view.observe(lambda change: sent.append(change["name"]), names=["panels", "data"])
    for value in (0.5, 0.05, 1.5):
        pg.controls["lr"].value = value
    assert pg.view is view and view.panels == panels and sent == ["data"] * 3
    assert plt.get_fignums() == pyplot_figures  # nothing drawn in the kernel


@pytest.mark.filterwarnings("error")  # a warning would reach the learner's notebook
def test_sweep_every_extreme_combination(pg):
    c = pg.controls
    for scheme, lr, epochs in itertools.product(SCHEMES, (1e-3, 3.0), (1, 1000)):
        seeds = (0, 2**32 - 1) if scheme not in ("article", "zeros", "constant") else (0,)
        for seed in seeds:
            c["init"].value, c["seed"].value = scheme, seed
            c["lr"].value, c["epochs"].value = lr, epochs
            setting = (scheme, lr, epochs, seed)
            assert pg.status and not pg.status.startswith("could not"), setting
            rows = pg.view.rows()
            assert rows.shape == (12, len(pg.losses)) and pg.view.status, setting
            assert len(pg.losses) == epochs + 1 or pg.history.diverged, setting


@pytest.mark.filterwarnings("error")
def test_learning_rate_drag_at_1000_epochs_warns_of_nothing(pg):
    pg.controls["epochs"].value = 1000
    for lr in np.geomspace(1e-3, 3, 20):  # 1.29 and 1.97 take the loss to ~1e308, not beyond
        pg.controls["lr"].value = float(lr)
        assert not pg.status.startswith("could not") and pg.view.rows().shape[0] == 12, lr


def test_widget_layout_and_css_classes():
    widget = training_playground()
    pg = widget.playground
    classes = {cls for child in _walk(widget) for cls in child._dom_classes}
    names = ["lr", "init", "seed", "epochs", "reset", "output", "playground"]
    assert {f"course-{name}" for name in names} <= classes
    assert pg.view in list(_walk(widget))
    assert [p["title"] for p in pg.view.panels] == [
        "loss (mse)",
        "prediction (solid), target (dashed)",
        "parameters",
    ]


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_other_data_and_sizes():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 2))
    pg = Playground(x, x[:, 0] - x[:, 1], sizes=(2, 4, 1), activation="tanh")
    values = [v for _, v in pg.controls["init"].options]
    assert "article" not in values and pg.controls["init"].value == "xavier_uniform"
    assert pg.predictions.shape == (51, 6)
    assert [s["label"] for s in _series(pg, 1)][:5] == [f"ŷ sample {i}" for i in (1, 2, 3, 4)] + [
        "target 1"
    ]
    assert pg.trajectories.shape == (51, 4 * 2 + 4 + 4 + 1)
    assert pg.losses[-1] < pg.losses[0]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"x": [1.0, 2.0, 3.0], "y": 1.0}, ValueError, "x must have 2 inputs"),
        ({"x": [1.0, 2.0]}, ValueError, "x and y must be given together"),
        ({"x": [1.0, 2.0], "y": [1.0, 2.0]}, ValueError, "y must hold 1 target"),
        ({"activation": "gelu"}, ValueError, "activation must be one of"),
        ({"sizes": [2]}, ValueError, "sizes must list at least"),
        ({"loss": "l1"}, ValueError, "loss must be one of"),
        ({"x": [[np.nan, 1.0]], "y": [1.0]}, ValueError, "x must hold finite numbers"),
    ],
)
def test_playground_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        training_playground(**kwargs)


# --- the backward-pass stepper ----------------------------------------------------------------


@pytest.fixture(scope="module")
def stepper():
    return Stepper()


def test_stepper_walks_every_node_after_its_consumers(stepper):
    order = stepper.order
    assert len(order) == 28 and len(stepper.view.lines) == 29 and order[0] is stepper.root
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(node)] < position[id(parent)]


def test_stepper_products_equal_the_gradients(stepper):
    # dL/dy_hat = -2 (2 - 1.326) = -1.348 and dL/dz1_1 = -1.348 * 0.5 (ReLU' = 1), by hand
    hand = {"y_hat": -1.348, "z1_1": -0.674, "w2_11": -1.348 * 0.58, "w1_12": -0.674 * 1.0}
    for k in range(2, len(stepper.order) + 1):
        node = stepper.order[k - 1]
        total = math.fsum(g * d for _, g, d in stepper.terms(k))
        assert total == pytest.approx(node.grad, abs=1e-12)
        if node.label in hand:
            assert total == pytest.approx(hand[node.label], abs=1e-12)


def test_stepper_step_shows_known_gradients_and_highlights_one_node(stepper):
    view = stepper.view
    view.step = 0
    assert view.step == 0 and stepper.known() == [] and view.lines[0].startswith("step 0 of 28")
    k = [n.label for n in stepper.order].index("z1_1") + 1
    view.step = k  # as from the browser, which has drawn the step already
    assert stepper.step == k
    assert stepper.chain_text == (
        f"step {k} of 28: dL/dz1_1 = dL/da1_1 · da1_1/dz1_1 = -0.674 × 1 = -0.674"
    )
    assert view.lines[k] == stepper.chain_text
    # the browser shows the gradients of view.order[:k] and highlights view.order[k - 1]
    assert stepper.known() == [n.label for n in stepper.order[:k]]
    assert view.nodes[view.order[k - 1]]["label"] == "z1_1"
    stepper.show(3)  # from Python: the view follows
    assert (view.step, stepper.step) == (3, 3)
    assert stepper.known() == [n.label for n in stepper.order[:3]]


def test_stepper_sends_the_graph_once_with_its_numbers(stepper):
    view = stepper.view
    nodes = stepper.root.topological_order()
    assert [n["label"] for n in view.nodes] == [n.label for n in nodes]
    for sent, node in zip(view.nodes, nodes, strict=True):
        assert sent["grad"] == f"{node.grad:.4g}" and sent["data"] == f"{node.data:.4g}"
        assert [view.nodes[i]["label"] for i in sent["parents"]] == [p.label for p in node.parents]
    assert sorted(view.order) == list(range(28)) and len(view.lines) == 29
    by = {n["label"]: n for n in view.nodes}
    assert by["L"]["kind"] == "root" and by["x1"]["kind"] == "leaf" and by["y_hat"]["op"] == "+"
    # every node is done after all of its consumers (the order the browser steps through)
    position = {i: k for k, i in enumerate(view.order)}
    for i, n in enumerate(view.nodes):
        assert all(position[p] > position[i] for p in n["parents"])


def test_stepper_first_and_last_steps(stepper):
    stepper.show(1)
    assert stepper.chain_text.endswith("dL/dL = 1 (the backward pass starts at the output)")
    stepper.show(28)
    last = stepper.order[-1]
    assert last.label.startswith(("x", "w1_")) and not last.parents


def test_stepper_on_the_small_graph_and_a_value_used_twice():
    widget = backward_stepper(graph_example())
    st = widget.stepper
    labels = [n.label for n in st.order]
    assert (
        labels[0] == "f" and sorted(labels[1:3]) == ["p", "z"] and sorted(labels[3:]) == ["x", "y"]
    )
    k = [n.label for n in st.order].index("x") + 1
    st.show(k)
    assert st.chain_text.endswith("df/dx = df/dp · dp/dx = 3 × 1 = 3")
    a = Value(3.0, label="a")
    b = a * a
    b.label = "b"
    out = b + a
    out.label = "out"
    st = Stepper(out)
    k = [n.label for n in st.order].index("a") + 1
    # d out/da = d out/db · db/da + 1 · ∂(b + a)/∂a = 1 * 2a + 1 = 7
    assert st.chain(k) == "dout/da = dout/db · db/da + 1 · ∂(b + a)/∂a = 1 × 6 + 1 × 1 = 7"


def test_stepper_text_is_never_circular_at_the_loss():
    """The step for e in L = e² reads 1 · ∂(e²)/∂e (04's review): never dL/dL · dL/de."""
    st = Stepper(article_graph())
    k = [n.label for n in st.order].index("e") + 1
    e = st.order[k - 1].data  # y_hat - y
    assert st.chain(k) == f"dL/de = 1 · ∂(e²)/∂e = 1 × {2 * e:.4g} = {2 * e:.4g}"
    assert all("dL/dL ·" not in st.chain(i) for i in range(1, len(st.order) + 1))


@pytest.mark.parametrize(
    "make",
    [
        lambda v: v.tanh(),
        lambda v: v.sigmoid(),
        lambda v: v.exp(),
        lambda v: v.log(),
        lambda v: v**3,
        lambda v: v.relu(),
        lambda v: 2.0 / v,
        lambda v: -v,
    ],
)
def test_local_derivative_matches_finite_differences(make):
    v, h = Value(0.7), 1e-6
    numeric = (make(Value(0.7 + h)).data - make(Value(0.7 - h)).data) / (2 * h)
    out = make(v)
    assert any(p is v for p in out.parents)
    assert W.local_derivative(out, v) == pytest.approx(numeric, rel=1e-7)


def test_stepper_bad_root():
    with pytest.raises(TypeError, match="root must be a Value"):
        Stepper(3.0)
    with pytest.raises(ValueError, match="node must be one of consumer's parents"):
        W.local_derivative(Value(1.0) * 2, Value(1.0))


def test_stepper_default_is_the_article_graph():
    st = Stepper()
    assert by_label(st.root)["y_hat"].data == pytest.approx(1.326, abs=1e-12)
    assert sorted(n.label for n in st.order) == sorted(
        n.label for n in article_graph().topological_order()
    )
