"""The data playground's model and its controller, without a browser.

References are written out here with numpy (independent of course_lib.mlp):
the forward pass, the objective (mean squared error + L2), one SGD epoch in
mini-batches, and central differences for the gradients.
"""

import itertools

import numpy as np
import pytest

from course_lib.classify2d import Classifier2D, Settings
from course_lib.data_playground import BOARD, MAP, OPTIONS, DataPlayground, data_playground
from course_lib.datasets import gaussians, train_test_split
from course_lib.experiments2d import runs
from course_lib.features import FEATURES, feature_matrix
from course_lib.init import initialise

ACT = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "linear": lambda z: z,
       "sigmoid": lambda z: 1 / (1 + np.exp(-z))}  # fmt: skip


def forward(params, F, activation):
    a = F
    layers = len(params) // 2
    for k in range(1, layers + 1):
        z = a @ params[f"W{k}"].T + params[f"b{k}"]
        a = ACT[activation](z) if k < layers else z
    return a[:, 0]


def objective(params, F, y, activation, l2):
    diff = forward(params, F, activation) - y
    weights = sum(np.sum(w * w) for k, w in params.items() if k.startswith("W"))
    return np.mean(diff**2) + 0.5 * l2 * weights


def test_features_by_hand():
    X = np.array([[0.5, -2.0], [3.0, 1.0]])
    F = feature_matrix(X, list(FEATURES))
    want = [[0.5, -2.0, 0.25, 4.0, -1.0, np.sin(0.5), np.sin(-2.0)],
            [3.0, 1.0, 9.0, 1.0, 3.0, np.sin(3.0), np.sin(1.0)]]  # fmt: skip
    np.testing.assert_allclose(F, want, rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match="features must be some of"):
        feature_matrix(X, ["x3"])
    with pytest.raises(ValueError, match="features must name at least one"):
        feature_matrix(X, [])


def test_gaussians_and_the_split():
    X, y = gaussians(n=9, noise=0.0)
    assert X[y == 0].tolist() == [[-1.0, -1.0]] * 5 and X[y == 1].tolist() == [[1.0, 1.0]] * 4
    X, y = gaussians(n=200, noise=0.3, seed=1)
    Xtr, ytr, Xte, yte = train_test_split(X, y, test_ratio=0.25, seed=2)
    assert (len(Xtr), len(Xte)) == (150, 50)
    rows = {tuple(r) for r in np.vstack([Xtr, Xte])}
    assert rows == {tuple(r) for r in X}  # every point once, in one part
    again = train_test_split(X, y, test_ratio=0.25, seed=2)
    assert np.array_equal(again[0], Xtr) and np.array_equal(again[3], yte)
    with pytest.raises(ValueError, match="test_ratio must be in"):
        train_test_split(X, y, test_ratio=1.0)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_gradients_with_l2_match_central_differences(activation):
    clf = Classifier2D("moons", n=40, hidden=(3, 2), activation=activation, l2=0.05, seed=3,
                       features=("x1", "x2", "x1*x2"))  # fmt: skip
    for k in clf.net.params:  # biases away from 0, so ReLU kinks are far from every sample
        if k.startswith("b"):
            clf.net.params[k] += 0.1
    F, y = clf.F_train[:7], clf.y_train[:7]
    grads = clf.gradients(F, y)
    h = 1e-6
    for k, p in clf.net.params.items():
        numeric = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + h
            up = objective(clf.net.params, F, y, activation, 0.05)
            p[i] = old - h
            down = objective(clf.net.params, F, y, activation, 0.05)
            p[i] = old
            numeric[i] = (up - down) / (2 * h)
        err = np.abs(grads[k] - numeric).max() / max(np.abs(numeric).max(), 1e-8)
        assert err < 1e-6, (k, err)  # central differences: relative error ~1e-8 expected


def test_training_equals_a_reference_sgd_loop():
    s = dict(dataset="xor", n=30, hidden=(4,), activation="tanh", lr=0.1, batch_size=4,
             l2=0.01, seed=5, test_ratio=0.2)  # fmt: skip
    clf = Classifier2D(**s)
    params = {k: v.copy() for k, v in clf.net.params.items()}
    # the classifier drew its weights from the same generator first: replay that draw
    rng = np.random.default_rng(5)
    initialise("xavier_uniform", [2, 4, 1], rng)
    F, y = clf.F_train, clf.y_train
    for _ in range(3):
        order = rng.permutation(len(F))
        for start in range(0, len(F), 4):
            b = order[start : start + 4]
            z1 = F[b] @ params["W1"].T + params["b1"]
            a1 = np.tanh(z1)
            out = a1 @ params["W2"].T + params["b2"]
            d = 2 * (out[:, 0] - y[b])[:, None] / len(b)
            dz1 = (d @ params["W2"]) * (1 - a1**2)
            grads = {"W2": d.T @ a1 + 0.01 * params["W2"], "b2": d.sum(0),
                     "W1": dz1.T @ F[b] + 0.01 * params["W1"], "b1": dz1.sum(0)}  # fmt: skip
            for k in params:
                params[k] = params[k] - 0.1 * grads[k]
    clf.fit(3)
    for k in params:
        np.testing.assert_allclose(clf.net.params[k], params[k], rtol=1e-12, atol=1e-14)
    want = np.mean((forward(params, clf.F_test, "tanh") - clf.y_test) ** 2)
    assert clf.curves.test[-1] == pytest.approx(want, rel=1e-12) and clf.epoch == 3
    assert len(clf.curves.train) == 4


def test_the_boundary_and_neuron_pictures_are_the_network_on_the_grid():
    clf = Classifier2D("circles", hidden=(3, 2), features=("x1", "x2", "x1^2")).fit(2)
    G = clf.grid(6)
    x0, x1, y0, y1 = clf.extent
    assert G[0].tolist() == [x0, y1] and G[-1].tolist() == [x1, y0]  # top left to bottom right
    layers = clf.layer_outputs(6)
    F = np.column_stack([G[:, 0], G[:, 1], G[:, 0] ** 2])
    p = clf.net.params
    a1 = np.tanh(F @ p["W1"].T + p["b1"])
    np.testing.assert_allclose(layers[0][2].ravel(), a1[:, 2], rtol=1e-12)
    np.testing.assert_allclose(clf.boundary(6).ravel(), forward(p, F, "tanh"), rtol=1e-12)
    assert [layer.shape for layer in layers] == [(3, 6, 6), (2, 6, 6), (1, 6, 6)]


def test_same_settings_same_numbers_and_the_seed_redraws_only_the_weights():
    a, b = Classifier2D("spirals", seed=4).fit(3), Classifier2D("spirals", seed=4).fit(3)
    assert a.curves.train == b.curves.train
    c = Classifier2D("spirals", seed=5)
    assert np.array_equal(a.X_train, c.X_train)
    assert not np.array_equal(Classifier2D("spirals", seed=4).net.params["W1"],
                              c.net.params["W1"])  # fmt: skip


@pytest.mark.filterwarnings("error")  # a warning would reach the learner's notebook
def test_sweep_every_setting_for_warnings_and_non_finite_values():
    feature_sets = [("x1",), ("x1", "x2"), tuple(FEATURES)]
    hidden_sets = [(), (1,), (8, 8, 8, 8)]
    for dataset, activation, features, hidden, lr in itertools.product(
        [v for _, v in OPTIONS["datasets"]], OPTIONS["activations"], feature_sets, hidden_sets,
        (OPTIONS["rates"][0], OPTIONS["rates"][-1]),
    ):  # fmt: skip
        pg = DataPlayground(dataset=dataset, activation=activation, features=features,
                            hidden=hidden, lr=lr, n=20, batch_size=30, l2=0.3)  # fmt: skip
        pg.advance(3)
        clf, setting = pg.clf, (dataset, activation, features, hidden, lr)
        pictures, curves, info = pg.frame()
        assert info["epoch"] == 3 or clf.diverged, setting
        if clf.diverged:
            assert info["summary"].startswith("diverged at epoch"), setting
        else:
            assert np.isfinite(pictures).all() and np.isfinite(curves).all(), setting
            assert info["summary"].startswith("epoch 3: train loss"), setting


def test_the_guided_experiments_say_what_the_notebook_says():
    xor = dict(runs("xor"))
    assert xor["no hidden layer"].accuracy("test") < 0.6
    assert xor["one hidden layer of 4"].accuracy("test") >= 0.9
    spiral = [clf.accuracy("test") for _, clf in runs("spiral")]
    assert spiral[0] < 0.6 and spiral[1] > 0.9 and spiral[2] > 0.9
    (_, few), (_, many) = runs("overfitting")
    assert few.curves.test[-1] - few.curves.train[-1] > 1.0  # fits the noise
    assert abs(many.curves.test[-1] - many.curves.train[-1]) < 0.2
    (_, plain), (_, l2) = runs("l2")
    assert (
        l2.curves.test[-1] < plain.curves.test[-1] and l2.curves.train[-1] > plain.curves.train[-1]
    )
    rates = dict(runs("learning rate"))
    assert [clf.diverged for clf in rates.values()] == [False, False, True, True]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"hidden": (9,)}, r"hidden\[0\] must be 1 to 8"),
        ({"hidden": (2,) * 5}, "hidden must list at most 4"),
        ({"dataset": "mnist"}, "dataset must be one of"),
        ({"lr": -1.0}, "lr must be a number > 0"),
        ({"l2": float("nan")}, "l2 must be a number >= 0"),
        ({"features": ()}, "features must name at least one"),
        ({"batch_size": 0}, "batch_size must be"),
        ({"activation": "gelu"}, "activation must be one of"),
    ],
)
def test_bad_settings_name_the_field(changes, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Classifier2D(**changes)


# --- the controller: what the browser is sent, what it may send -----------------------------


def _decode(pg):
    frame = np.frombuffer(pg.view.frame, dtype="<f4")
    sizes = pg.view.info["sizes"]
    hidden = sum(sizes[1:-1])
    epochs = pg.view.info["epoch"] + 1
    board = frame[: BOARD * BOARD].reshape(BOARD, BOARD)
    maps = frame[BOARD * BOARD : BOARD * BOARD + hidden * MAP * MAP].reshape(hidden, MAP, MAP)
    assert len(frame) == BOARD * BOARD + hidden * MAP * MAP
    curves = np.frombuffer(pg.view.curves, dtype="<f8")
    assert len(curves) == 2 * epochs
    return board, maps, curves[:epochs], curves[epochs:]


def test_the_frame_holds_the_model_state():
    pg = DataPlayground(dataset="xor", hidden=[3, 2]).advance(4)
    board, maps, train, test = _decode(pg)
    np.testing.assert_allclose(board, pg.clf.boundary(BOARD), rtol=1e-6, atol=1e-6)
    layers = pg.clf.layer_outputs(MAP)
    np.testing.assert_allclose(maps, np.concatenate(layers[:-1]), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(train, pg.clf.curves.train)
    np.testing.assert_array_equal(test, pg.clf.curves.test)
    info = pg.view.info
    assert info["epoch"] == 4 and info["sizes"] == [2, 3, 2, 1]
    np.testing.assert_allclose(info["weights"][1], pg.clf.net.params["W2"], atol=1e-4)
    points = np.frombuffer(pg.view.points, dtype="<f4").reshape(-1, 4)
    assert len(points) == 500 and points[:, 3].sum() == len(pg.clf.X_test)
    assert set(points[:, 2]) == {0.0, 1.0}


def test_settings_from_the_browser_rebuild_the_run():
    widget = data_playground(hidden=[4, 2])
    pg = widget.playground
    pg.advance(3)
    settings = dict(widget.settings)
    settings["hidden"] = [5, 2]  # the + button above hidden layer 1
    widget.settings = settings
    assert pg.clf.net.sizes == [2, 5, 2, 1] and widget.info["epoch"] == 0
    widget.settings = {**widget.settings, "hidden": [5]}  # remove a layer
    assert widget.info["sizes"] == [2, 5, 1]
    widget.settings = {**widget.settings, "features": ["x1", "x2", "x1^2"], "dataset": "moons"}
    assert pg.clf.net.sizes == [3, 5, 1] and pg.clf.settings.dataset == "moons"


def test_play_step_and_reset_messages():
    pg = DataPlayground(dataset="circles")
    start = {k: v.copy() for k, v in pg.clf.net.params.items()}
    pg._message(pg.view, {"action": "advance", "epochs": 1, "request": 7}, [])
    pg._message(pg.view, {"action": "advance", "epochs": 2, "request": 8}, [])
    assert pg.clf.epoch == 3 and pg.view.info["request"] == 8
    pg._message(pg.view, {"action": "reset"}, [])
    assert pg.clf.epoch == 0 and pg.view.info["reset"]
    for k, v in start.items():
        np.testing.assert_array_equal(pg.clf.net.params[k], v)
    pg._message(pg.view, {"action": "advance", "epochs": 10**9}, [])  # capped
    assert pg.clf.epoch == 100
    pg._message(pg.view, "nonsense", [])
    assert pg.clf.epoch == 100


def test_settings_defaults_are_the_issue_s_benchmark_size():
    s = Settings()
    assert s.n == 500 and s.test_ratio == 0.5
