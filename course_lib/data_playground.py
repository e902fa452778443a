"""The data playground: a 2-D classification playground in the browser, trained in the kernel.

The controls, the network's pictures and the decision boundary are drawn by
``static/playground2d.js``; every number comes from
``course_lib.classify2d.Classifier2D`` (``MLP``'s manual backprop). The
browser sends the learner's settings and "advance" requests (Play keeps three
on their way); the kernel answers each with one frame of float32 numbers.

>>> pg = DataPlayground(dataset="xor", hidden=[4])
>>> pg.advance(5).clf.epoch, pg.view.info["sizes"]
(5, [2, 4, 1])
"""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np

from course_lib.classify2d import MAX_LAYERS, MAX_NEURONS, Classifier2D, Settings
from course_lib.datasets import DATASETS
from course_lib.features import FEATURES, feature_matrix
from course_lib.i18n import N_, translator
from course_lib.init import SCHEMES
from course_lib.mlp import ACTIVATIONS
from course_lib.views import Playground2DView

__all__ = ["DataPlayground", "data_playground"]

_ = translator("widgets")
BOARD, MAP = 50, 20  # grid sizes: the decision boundary, each neuron's picture
# the choices' shown labels (English; ``options()`` translates them) and their values
OPTIONS = {
    "datasets": [
        [N_("circle"), "circles"], ["XOR", "xor"], [N_("two Gaussians"), "gaussians"],
        [N_("spiral"), "spirals"], [N_("two moons"), "moons"],
    ],
    "features": list(FEATURES),
    "activations": ["tanh", "relu", "sigmoid", "linear"],
    "inits": [[name.replace("_", " "), name] for name in SCHEMES if name != "article"],
    "rates": [0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0],
    "l2s": [0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3],
    "sizes": [20, 50, 100, 200, 500],
    "max_layers": MAX_LAYERS,
    "max_neurons": MAX_NEURONS,
}  # fmt: skip
assert set(OPTIONS["activations"]) == set(ACTIVATIONS)
assert {v for _label, v in OPTIONS["datasets"]} == set(DATASETS)
# the words among the choices' labels, for the catalog (the rest are names: XOR, tanh, ...)
_WORDS = (
    N_("linear"), N_("zeros"), N_("constant"), N_("uniform"), N_("normal"),
    N_("xavier uniform"), N_("xavier normal"), N_("he uniform"), N_("he normal"),
)  # fmt: skip


def options() -> dict:
    """What the browser's controls offer: ``OPTIONS`` with every choice a ``[label, value]``
    pair, the labels in the language in use (the values never change)."""
    pairs = {
        key: [[_(label), value] for label, value in OPTIONS[key]] for key in ("datasets", "inits")
    }
    pairs["activations"] = [[_(name), name] for name in OPTIONS["activations"]]
    return {**OPTIONS, **pairs}


def _settings_dict(s: Settings) -> dict:
    d = asdict(s)
    d["features"], d["hidden"] = list(s.features), list(s.hidden)
    return d


class DataPlayground:
    """The controller: ``view`` (display it), ``clf`` (the current run), ``advance``, ``reset``.

    Keyword arguments are ``Settings`` fields (``dataset``, ``hidden``, ``lr``, ...).
    ``timings`` holds the seconds each frame took in the kernel.
    """

    def __init__(self, **settings):
        start = Settings(**{k: tuple(v) if isinstance(v, list) else v for k, v in settings.items()})
        self.clf = Classifier2D(start)
        self.view = Playground2DView(options=options(), board_size=BOARD, map_size=MAP)
        self.view.add_class("course-data-playground")
        self.timings: list[float] = []
        self._set_settings(self.clf.settings)
        self.view.observe(self._settings_changed, names="settings")
        self.view.on_msg(self._message)
        self._send_data()
        self._send_frame(reset=True)

    def _set_settings(self, s: Settings) -> None:
        self._applying = True
        try:
            self.view.settings = _settings_dict(s)
        finally:
            self._applying = False

    def _settings_changed(self, change) -> None:
        if self._applying:
            return
        try:
            self.apply(**change["new"])
        except (TypeError, ValueError) as exc:  # the browser never sends these; keep the last run
            summary = _("could not use these settings: {error}", error=exc)
            self.view.info = {**self.view.info, "summary": summary}

    def apply(self, **changes) -> DataPlayground:
        """New settings: rebuild the data and the network from scratch (epoch 0)."""
        s = asdict(self.clf.settings)
        s.update({k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()})
        self.clf = Classifier2D(Settings(**s))
        self._set_settings(self.clf.settings)
        self._send_data()
        self._send_frame(reset=True)
        return self

    def reset(self) -> DataPlayground:
        """Same settings, fresh weights (same seed): back to epoch 0."""
        self.clf = Classifier2D(self.clf.settings)
        self._send_frame(reset=True)
        return self

    def advance(self, epochs: int = 1, request: int = 0) -> DataPlayground:
        """Train ``epochs`` more epochs and send the new frame."""
        self.clf.fit(epochs)
        self._send_frame(request=request)
        return self

    def _message(self, _widget, content, _buffers) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        if action == "advance":
            epochs = int(min(max(int(content.get("epochs", 1)), 1), 100))
            self.advance(epochs, request=int(content.get("request", 0)))
        elif action == "reset":
            self.reset()

    # what the browser gets

    def _send_data(self) -> None:
        clf = self.clf
        rows = [
            np.column_stack([X, (y > 0), np.full(len(X), float(test))])
            for X, y, test in ((clf.X_train, clf.y_train, 0), (clf.X_test, clf.y_test, 1))
            if len(X)
        ]
        grid = clf.grid(MAP)
        inputs = feature_matrix(grid, clf.settings.features).T  # one picture per feature
        scale = np.maximum(np.abs(inputs).max(axis=1, keepdims=True), 1e-12)
        with self.view.hold_sync():
            self.view.points = np.vstack(rows).astype("<f4").tobytes()
            self.view.extent = [float(v) for v in clf.extent]
            self.view.inputs = (inputs / scale).astype("<f4").tobytes()

    def frame(self) -> tuple[np.ndarray, np.ndarray, dict]:
        """One frame as sent to ``view``: the pictures (float32: the boundary, then each hidden
        neuron), the train and test loss curves (float64, non-finite where they overflowed)
        and its description."""
        import time

        start = time.perf_counter()
        clf = self.clf
        layers = clf.layer_outputs(BOARD)
        boundary = layers[-1][0]
        hidden = [layer for layer in clf.layer_outputs(MAP)[:-1]]
        parts = [boundary.ravel(), *(h.ravel() for h in hidden)]
        weights = [
            np.where(np.isfinite(w), w, 0.0).round(4).tolist()
            for k, w in clf.net.params.items()
            if k.startswith("W")
        ]
        info = {
            "epoch": clf.epoch,
            "sizes": list(clf.net.sizes),
            "weights": weights,
            "summary": clf.summary(),
            "train_loss": _json_number(clf.curves.train[-1]),
            "test_loss": _json_number(clf.curves.test[-1]),
            "diverged": clf.diverged,
        }
        # the pictures are drawn clamped to [-1, 1]: float32 is plenty, once clipped into range
        pictures = np.clip(np.nan_to_num(np.concatenate(parts)), -1e30, 1e30).astype("<f4")
        curves = np.concatenate([clf.curves.train, clf.curves.test]).astype("<f8")
        self.timings.append(time.perf_counter() - start)
        return pictures, curves, info

    def _send_frame(self, request: int = 0, reset: bool = False) -> None:
        pictures, curves, info = self.frame()
        info.update(request=request, reset=reset)
        with self.view.hold_sync():
            self.view.frame = pictures.tobytes()
            self.view.curves = curves.tobytes()
            self.view.info = info


def _json_number(v: float):
    return float(v) if math.isfinite(v) else None


def data_playground(**settings):
    """The data playground's widget (display it); its controller is ``.playground``.

    >>> w = data_playground(dataset="spirals", hidden=[8, 8], features=["x1", "x2", "sin(x1)"])
    >>> w.playground.clf.net.sizes
    [3, 8, 8, 1]
    """
    playground = DataPlayground(**settings)
    playground.view.playground = playground
    return playground.view
