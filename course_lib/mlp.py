"""A dense network with the backward pass written out by hand.

Layer ``l`` computes ``z_l = a_{l-1} W_l^T + b_l`` and ``a_l = act(z_l)``;
the last layer is linear (``a_L = z_L = y_hat``). Names follow the article:
``W1`` has one row per hidden neuron, the cache holds ``a0`` (the input),
``z1``, ``a1``, ``z2``, ``a2``, ...

>>> from course_lib.article import article_mlp, ARTICLE
>>> net = article_mlp()
>>> y_hat, cache = net.forward(ARTICLE.x)
>>> [round(float(v), 6) for v in cache["z1"]], round(float(y_hat[0]), 6)
([0.58, 1.06], 1.326)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from course_lib._validate import choice, count, finite_array, positive_number
from course_lib.i18n import translator
from course_lib.init import initialise, layer_sizes
from course_lib.losses import UNCHECKED

__all__ = ["MLP", "History", "ACTIVATIONS"]

_ = translator("course")


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|


# name: (activation, derivative given z and a = activation(z))
ACTIVATIONS = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: z > 0),
    "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
    "sigmoid": (_sigmoid, lambda z, a: a * (1.0 - a)),
    "linear": (lambda z: z, lambda z, a: np.ones_like(z)),  # no non-linearity: a straight line
}


@dataclass
class History:
    """What ``MLP.train`` did: the loss before each update, and why it stopped."""

    losses: list[float] = field(default_factory=list)
    snapshots: list[dict[str, np.ndarray]] = field(default_factory=list)
    diverged: bool = False
    diverged_epoch: int | None = None  # 1-based epoch whose loss was inf or NaN

    @property
    def epochs_run(self) -> int:
        """Number of completed updates."""
        return len(self.losses) - (1 if self.diverged else 0)

    def status(self) -> str:
        """One line for a learner: final loss, or where and why training diverged."""
        if self.diverged:
            epoch = self.diverged_epoch
            return _("diverged at epoch {epoch}: the loss became inf or NaN", epoch=epoch)
        if not self.losses:
            return _("no epochs run")
        return _(
            "final loss {loss:.6g} after {epochs} epochs",
            loss=self.losses[-1],
            epochs=self.epochs_run,
        )


class MLP:
    """A multilayer perceptron with manual backprop.

    ``MLP([2, 2, 1])`` is the article's shape. ``activation`` is the hidden
    layers' ('relu', 'tanh', 'sigmoid' or 'linear'); the output is linear. Pass
    ``params`` (``{"W1": ..., "b1": ..., ...}``) or let ``init`` and
    ``rng`` draw them (default: Xavier uniform, seed 0).
    """

    def __init__(
        self,
        sizes,
        activation: str = "relu",
        *,
        params: dict | None = None,
        init: str = "xavier_uniform",
        rng: np.random.Generator | None = None,
    ):
        self.sizes = layer_sizes(sizes)
        self.activation = choice("activation", activation, tuple(ACTIVATIONS))
        self._act, self._dact = ACTIVATIONS[activation]
        if params is None:
            params = initialise(
                init, self.sizes, rng if rng is not None else np.random.default_rng(0)
            )
        self.params = self._check_params(params)
        # per layer i: the names of W_i, b_i, z_i, a_i and a_{i-1}
        self._names = [
            (f"W{i}", f"b{i}", f"z{i}", f"a{i}", f"a{i - 1}") for i in range(1, len(self.sizes))
        ]

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def _check_params(self, params) -> dict[str, np.ndarray]:
        if not isinstance(params, dict):
            raise TypeError(
                _(
                    "params must be a dict like {{'W1': ..., 'b1': ...}}, got {params!r}",
                    params=params,
                )
            )
        expected = {}
        for i, (n_in, n_out) in enumerate(
            zip(self.sizes[:-1], self.sizes[1:], strict=True), start=1
        ):
            expected[f"W{i}"] = (n_out, n_in)
            expected[f"b{i}"] = (n_out,)
        if set(params) != set(expected):
            raise ValueError(
                _(
                    "params must have exactly the keys {keys} for sizes {sizes}, got {got}",
                    keys=sorted(expected),
                    sizes=self.sizes,
                    got=sorted(params),
                )
            )
        checked = {}
        for name, shape in expected.items():
            arr = finite_array(f"params[{name!r}]", params[name]).copy()
            if arr.shape != shape and arr.size == int(np.prod(shape)) and arr.ndim <= 2:
                arr = arr.reshape(shape)  # accept W2 = [0.5, 0.6] for a (1, 2) matrix, b2 = 0.4
            if arr.shape != shape:
                raise ValueError(
                    _(
                        "params[{name!r}] must have shape {shape}, got {got}",
                        name=name,
                        shape=shape,
                        got=arr.shape,
                    )
                )
            checked[name] = arr
        return checked

    def copy(self) -> MLP:
        """An independent network with the same parameters."""
        return MLP(self.sizes, self.activation, params=self.params)

    def _check_x(self, x) -> np.ndarray:
        x = finite_array("x", x, ndim=(1, 2))
        if x.shape[-1] != self.sizes[0]:
            raise ValueError(
                _(
                    "x must have {n} inputs per sample (shape ({n},) or (n, {n})), "
                    "got shape {shape}",
                    n=self.sizes[0],
                    shape=x.shape,
                )
            )
        return x

    def _targets(self, y, x):
        y = finite_array("y", y)
        want = x.shape[:-1] + (self.sizes[-1],)
        if y.shape != want and y.size == math.prod(want):
            y = y.reshape(want)  # y = 2.0 for one sample, or shape (n,) for one output
        if y.shape != want:
            raise ValueError(
                _(
                    "y must have shape {want} to match x {x}, got {got}",
                    want=want,
                    x=x.shape,
                    got=y.shape,
                )
            )
        return y

    # --- forward ---

    def forward(self, x):
        """Return ``(y_hat, cache)`` for one sample (shape (n_in,)) or a batch (n, n_in).

        ``cache`` maps 'a0' (the input), 'z1', 'a1', ..., 'zL', 'aL' to arrays
        with the same leading shape as ``x``.
        """
        x = self._check_x(x)
        if x.ndim == 2:
            return self._forward(x)
        y_hat, cache = self._forward(x[None, :])
        return y_hat[0], {name: value[0] for name, value in cache.items()}

    def _forward(self, x):
        """Forward pass on a checked batch of shape (n, n_in)."""
        cache = {"a0": x}
        a = x
        params, last = self.params, self.n_layers
        for i, (w, b, z_name, a_name, _) in enumerate(self._names, start=1):
            z = a @ params[w].T + params[b]
            a = self._act(z) if i < last else z
            cache[z_name] = z
            cache[a_name] = a
        return a, cache

    def predict(self, x):
        """Just the output of ``forward``."""
        return self.forward(x)[0]

    # --- backward: the chain rule, layer by layer ---

    def backward(self, cache, dy_hat) -> dict[str, np.ndarray]:
        """Gradients ``{W1, b1, ...}`` (same shapes as ``params``) from a cache and dL/dy_hat."""
        if not isinstance(cache, dict) or f"a{self.n_layers}" not in cache:
            raise TypeError(_("cache must be the dict returned by forward()"))
        out_shape = np.shape(cache[f"a{self.n_layers}"])
        dy_hat = finite_array("dy_hat", dy_hat)
        if dy_hat.shape != out_shape:
            raise ValueError(
                _(
                    "dy_hat must have the output's shape {shape}, got {got}",
                    shape=out_shape,
                    got=dy_hat.shape,
                )
            )
        batch = {name: np.atleast_2d(value) for name, value in cache.items()}
        return self._backward(batch, np.array(dy_hat, ndmin=2))  # a copy: grads may view it

    def _backward(self, cache, dz):
        """Backward pass on a batch cache; ``dz`` is dL/dy_hat, shape (n, n_out)."""
        grads = dict.fromkeys(self.params)  # keys in the order of params: W1, b1, W2, ...
        # the output is linear, so dL/dz_L = dL/dy_hat
        for i in range(self.n_layers - 1, -1, -1):
            w, b, _, _, a_prev = self._names[i]
            grads[w] = dz.T @ cache[a_prev]  # dz_i/dW_i = a_{i-1}
            grads[b] = dz.sum(axis=0) if len(dz) > 1 else dz[0]  # dz_i/db_i = 1
            if i > 0:
                z_prev = self._names[i - 1][2]
                da = dz @ self.params[w]  # dz_i/da_{i-1} = W_i
                dz = da * self._dact(cache[z_prev], cache[a_prev])  # times act'(z_{i-1})
        return grads

    # --- gradient descent ---

    def step(self, grads, lr: float) -> None:
        """One SGD update in place: ``p <- p - lr * dL/dp`` for every parameter."""
        lr = positive_number("lr", lr)
        if not isinstance(grads, dict) or set(grads) != set(self.params):
            raise ValueError(_("grads must have the keys {keys}", keys=sorted(self.params)))
        checked = {}
        for name, p in self.params.items():
            checked[name] = finite_array(f"grads[{name!r}]", grads[name])
            if checked[name].shape != p.shape:
                raise ValueError(
                    _(
                        "grads[{name!r}] must have shape {shape}, got {got}",
                        name=name,
                        shape=p.shape,
                        got=checked[name].shape,
                    )
                )
        self._sgd(checked, lr)

    def _sgd(self, grads, lr):
        for name, p in self.params.items():
            p -= lr * grads[name]

    def _batch(self, x, y):
        x = self._check_x(x)
        y = self._targets(y, x)
        return (x, y) if x.ndim == 2 else (x[None, :], y[None, :])

    def loss(self, x, y, loss: str = "mse") -> float:
        """The loss of the current parameters on ``(x, y)``."""
        x, y = self._batch(x, y)
        return UNCHECKED[choice("loss", loss, tuple(UNCHECKED))](self._forward(x)[0], y)[0]

    def gradients(self, x, y, loss: str = "mse"):
        """``(loss, grads)`` for ``(x, y)``: one forward and one backward pass."""
        x, y = self._batch(x, y)
        y_hat, cache = self._forward(x)
        value, dy_hat = UNCHECKED[choice("loss", loss, tuple(UNCHECKED))](y_hat, y)
        return value, self._backward(cache, dy_hat)

    def train_step(self, x, y, lr: float = 0.1, loss: str = "mse") -> float:
        """One epoch on ``(x, y)``: forward, loss, backward, SGD update; returns the loss before."""
        value, grads = self.gradients(x, y, loss)
        self._sgd(grads, positive_number("lr", lr))
        return value

    def train(
        self, x, y, *, lr: float = 0.1, epochs: int = 1, loss: str = "mse", snapshots=False
    ) -> History:
        """Full-batch gradient descent for ``epochs`` epochs; returns a History.

        ``losses[k]`` is the loss before update k+1. Training stops early, with
        ``diverged=True`` and ``diverged_epoch`` set, when the loss becomes
        inf or NaN. ``snapshots=True`` stores a copy of the parameters before
        every epoch and after the last.
        """
        x, y = self._batch(x, y)
        lr = positive_number("lr", lr)
        epochs = count("epochs", epochs)
        loss_fn = UNCHECKED[choice("loss", loss, tuple(UNCHECKED))]
        history = History()
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(1, epochs + 1):
                if snapshots:
                    history.snapshots.append({k: v.copy() for k, v in self.params.items()})
                y_hat, cache = self._forward(x)
                value, dy_hat = loss_fn(y_hat, y)
                history.losses.append(value)
                if not math.isfinite(value):  # a finite sum of squares means a finite dy_hat
                    history.diverged, history.diverged_epoch = True, epoch
                    break
                self._sgd(self._backward(cache, dy_hat), lr)
            if snapshots and not history.diverged:
                history.snapshots.append({k: v.copy() for k, v in self.params.items()})
        return history

    def __repr__(self) -> str:
        return f"MLP({self.sizes}, activation={self.activation!r})"
