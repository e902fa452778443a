"""A classifier for 2-D points, trained by ``MLP``'s manual backprop: the data playground's model.

Labels are -1 and +1 and the network's linear output is read by its sign;
the loss is the mean squared error, plus ``l2 / 2 * (sum of squared
weights)`` when L2 regularisation is on (biases are not penalised).
Training is mini-batch SGD over a seeded shuffle of the training points.

>>> clf = Classifier2D("xor", n=200, hidden=(4,), activation="tanh", lr=0.1, seed=0)
>>> _ = clf.fit(epochs=200)
>>> clf.accuracy("test") > 0.9
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from course_lib._validate import choice, count
from course_lib.datasets import DATASETS, make_dataset, train_test_split
from course_lib.features import check_features, feature_matrix
from course_lib.i18n import translator
from course_lib.init import SCHEMES
from course_lib.mlp import ACTIVATIONS, MLP

__all__ = ["Settings", "Classifier2D", "MAX_LAYERS", "MAX_NEURONS"]

MAX_LAYERS, MAX_NEURONS = 4, 8
_ = translator("widgets")


@dataclass(frozen=True)
class Settings:
    """Everything that decides a run. ``Settings(**d).checked()`` names a bad field."""

    dataset: str = "circles"
    n: int = 500
    noise: float = 0.1
    test_ratio: float = 0.5
    features: tuple = ("x1", "x2")
    hidden: tuple = (4, 2)
    activation: str = "tanh"
    lr: float = 0.03
    batch_size: int = 10
    l2: float = 0.0
    init: str = "xavier_uniform"
    seed: int = 0

    def checked(self) -> Settings:
        hidden = tuple(self.hidden)
        if len(hidden) > MAX_LAYERS:
            raise ValueError(f"hidden must list at most {MAX_LAYERS} layers, got {hidden!r}")
        for i, width in enumerate(hidden):
            if count(f"hidden[{i}]", width, minimum=1) > MAX_NEURONS:
                raise ValueError(f"hidden[{i}] must be 1 to {MAX_NEURONS} neurons, got {width}")
        lr, l2, noise = float(self.lr), float(self.l2), float(self.noise)
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a number > 0, got {self.lr!r}")
        if not (math.isfinite(l2) and l2 >= 0):
            raise ValueError(f"l2 must be a number >= 0, got {self.l2!r}")
        if not (math.isfinite(noise) and noise >= 0):
            raise ValueError(f"noise must be a number >= 0, got {self.noise!r}")
        return replace(
            self,
            dataset=choice("dataset", self.dataset, tuple(DATASETS)),
            n=count("n", self.n, minimum=4),
            noise=noise,
            features=check_features(self.features),
            hidden=tuple(int(h) for h in hidden),
            activation=choice("activation", self.activation, tuple(ACTIVATIONS)),
            lr=lr,
            batch_size=count("batch_size", self.batch_size, minimum=1),
            l2=l2,
            init=choice("init", self.init, tuple(SCHEMES)),
            seed=count("seed", self.seed),
        )


@dataclass
class _Curves:
    train: list = field(default_factory=list)
    test: list = field(default_factory=list)


class Classifier2D:
    """Data, features, network and training state for one ``Settings``.

    ``Classifier2D("spirals", hidden=(8, 8))`` or ``Classifier2D(settings)``.
    ``fit(epochs)`` trains; ``epoch``, ``curves.train`` / ``curves.test``
    (loss after 0, 1, ... epochs), ``accuracy(part)``, ``boundary(grid)``
    and ``neuron_maps(grid)`` describe where it is. A loss that overflows
    stops training: ``diverged`` is then True.
    """

    def __init__(self, settings: Settings | str | None = None, **changes):
        if isinstance(settings, str):
            changes["dataset"] = settings
            settings = None
        self.settings = replace(settings or Settings(), **changes).checked()
        s = self.settings
        # the data's seed is fixed apart from the network's, so a new seed redraws the weights
        # on the same points
        X, y = make_dataset(s.dataset, n=s.n, noise=s.noise, seed=0)
        self.X_train, y_train, self.X_test, y_test = train_test_split(X, y, s.test_ratio, seed=0)
        self.y_train, self.y_test = 2.0 * y_train - 1.0, 2.0 * y_test - 1.0  # classes -1, +1
        low, high = X.min(axis=0), X.max(axis=0)
        centre, half = (low + high) / 2, max(float((high - low).max()) / 2 * 1.15, 0.5)
        self.extent = (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)
        self.F_train = feature_matrix(self.X_train, s.features)
        self.F_test = feature_matrix(self.X_test, s.features) if len(self.X_test) else None
        self.rng = np.random.default_rng(s.seed)
        sizes = [len(s.features), *s.hidden, 1]
        self.net = MLP(sizes, s.activation, init=s.init, rng=self.rng)
        self.epoch, self.diverged, self.curves = 0, False, _Curves()
        self._record()

    # training

    def _loss(self, F, y) -> float:
        y_hat = self.net._forward(F)[0][:, 0]
        diff = y_hat - y
        data = float(np.vdot(diff, diff)) / len(diff)
        return data

    def penalty(self) -> float:
        """The L2 term added to the training objective: l2 / 2 * (sum of squared weights)."""
        weights = [w for k, w in self.net.params.items() if k.startswith("W")]
        return 0.5 * self.settings.l2 * math.fsum(float(np.vdot(w, w)) for w in weights)

    def gradients(self, F, y) -> dict[str, np.ndarray]:
        """Gradients of mse(F, y) + penalty() for every parameter (one forward, one backward)."""
        y_hat, cache = self.net._forward(F)
        dy_hat = (2.0 / len(y)) * (y_hat - y[:, None])
        grads = self.net._backward(cache, dy_hat)
        if self.settings.l2:
            for k, w in self.net.params.items():
                if k.startswith("W"):
                    grads[k] = grads[k] + self.settings.l2 * w
        return grads

    def fit(self, epochs: int = 1) -> Classifier2D:
        """Train ``epochs`` more epochs (each one pass over the shuffled training points)."""
        epochs, size = count("epochs", epochs), self.settings.batch_size
        lr, n = self.settings.lr, len(self.F_train)
        with np.errstate(all="ignore"):
            for _epoch in range(epochs):
                if self.diverged:
                    break
                order = self.rng.permutation(n)
                for start in range(0, n, size):
                    batch = order[start : start + size]
                    self.net._sgd(self.gradients(self.F_train[batch], self.y_train[batch]), lr)
                self.epoch += 1
                self._record()
        return self

    def _record(self) -> None:
        with np.errstate(all="ignore"):
            train = self._loss(self.F_train, self.y_train)
            test = self._loss(self.F_test, self.y_test) if self.F_test is not None else math.nan
        self.curves.train.append(train)
        self.curves.test.append(test)
        if not math.isfinite(train):
            self.diverged = True

    # what it computes

    def accuracy(self, part: str = "test") -> float:
        """Share of points of ``part`` ('train' or 'test') on the right side of the boundary."""
        F, y = {"train": (self.F_train, self.y_train), "test": (self.F_test, self.y_test)}[
            choice("part", part, ("train", "test"))
        ]
        if F is None:
            return math.nan
        with np.errstate(all="ignore"):
            return float(np.mean(np.sign(self.net._forward(F)[0][:, 0]) == y))

    def grid(self, size: int = 50) -> np.ndarray:
        """``size`` x ``size`` points covering ``extent``, row by row from the top (y high)."""
        x0, x1, y0, y1 = self.extent
        xs = np.linspace(x0, x1, count("size", size, minimum=2))
        ys = np.linspace(y1, y0, size)
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()])

    def layer_outputs(self, size: int = 50) -> list[np.ndarray]:
        """Every layer's activations on the grid: one (neurons, size, size) array per hidden
        layer, then the output (1, size, size)."""
        F = feature_matrix(self.grid(size), self.settings.features)
        with np.errstate(all="ignore"):
            _y_hat, cache = self.net._forward(F)
        layers = len(self.settings.hidden) + 1
        return [cache[f"a{k}"].T.reshape(-1, size, size) for k in range(1, layers + 1)]

    def boundary(self, size: int = 50) -> np.ndarray:
        """The network's output on ``grid(size)``: positive is class 1, negative class 0."""
        return self.layer_outputs(size)[-1][0]

    def summary(self) -> str:
        """One line: epoch, train and test loss, test accuracy (or where it diverged)."""
        if self.diverged:
            return _(
                "diverged at epoch {epoch}: the loss overflowed (learning rate too large)",
                epoch=self.epoch,
            )
        test = self.curves.test[-1]
        train = f"{self.curves.train[-1]:.3f}"
        if not math.isfinite(test):
            return _("epoch {epoch}: train loss {train}", epoch=self.epoch, train=train)
        return _(
            "epoch {epoch}: train loss {train}, test loss {test}, test accuracy {accuracy}",
            epoch=self.epoch,
            train=train,
            test=f"{test:.3f}",
            accuracy=f"{self.accuracy('test'):.0%}",
        )
