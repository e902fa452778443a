"""The small worked examples the notebooks use beyond the article's own.

The article's numbers live in ``course_lib.article``; this module holds the
course's additions, so the notebooks and their self-checks (``checks``)
compute from one source:

- ``neuron()``: a tanh neuron built from Values (notebook 02);
- ``accumulation_example()``, ``cube_example()``: a value used twice, three times (02);
- ``NEW_INPUT``: an input that switches both ReLUs off (notebook 04);
- ``activation_scales``: activations layer by layer under each initialisation (03);
- ``symmetric_training()``: the 2-2-1 trained from a constant start (03, 06);
- ``LR_GRID``, ``training_fails``, ``first_failing_lr``, ``hidden_sums_during_training``:
  learning-rate experiments (06);
- ``erratum_variants()``: the article's second prediction under each loss and slip (04);
- ``DEAD_B1``, ``dead_relu_grads()``: hidden biases that silence every ReLU (06);
- ``MOONS``, ``MOONS_TRAINING``, ``moons_network()``: the data set and training set-up (07);
- ``linear_model_accuracy()``: a network without a hidden layer on the moons (07).

>>> n = neuron()
>>> round(n["n"].data, 6), round(n["w1"].grad, 6)
(0.462117, 0.393224)
"""

from __future__ import annotations

import numpy as np

from course_lib.article import ARTICLE, article_mlp
from course_lib.i18n import translator
from course_lib.mlp import MLP
from course_lib.value import Value

__all__ = [
    "NEURON",
    "neuron",
    "ACCUMULATION_A",
    "accumulation_example",
    "cube_example",
    "NEW_INPUT",
    "activation_scales",
    "symmetric_training",
    "LR_GRID",
    "training_fails",
    "first_failing_lr",
    "hidden_sums_during_training",
    "erratum_variants",
    "DEAD_B1",
    "dead_relu_grads",
    "MOONS",
    "MOONS_TRAINING",
    "moons_network",
    "linear_model_accuracy",
]

_ = translator("course")

# notebook 02: one neuron, n = tanh(w1 x1 + w2 x2 + b)
NEURON = {"x1": 0.5, "x2": -1.0, "w1": 1.2, "w2": 0.4, "b": 0.3}


def neuron(values: dict | None = None) -> dict[str, Value]:
    """The tanh neuron as Values, after ``backward()``: keys x1, x2, w1, w2, b, s (the sum), n."""
    v = {k: Value(val, label=k) for k, val in (values or NEURON).items()}
    products = []
    for k in ("1", "2"):
        product = v["w" + k] * v["x" + k]
        product.label = f"w{k}·x{k}"
        products.append(product)
    total = products[0] + products[1]
    total.label = "w·x"
    s = total + v["b"]
    s.label = "s"
    n = s.tanh()
    n.label = "n"
    n.backward()
    return {**v, "s": s, "n": n}


# notebook 02: b = a * a uses a twice
ACCUMULATION_A = 3.0


def accumulation_example() -> tuple[Value, Value]:
    """``(a, b)`` with ``b = a * a`` after ``b.backward()``; a.grad is 2a."""
    a = Value(ACCUMULATION_A, label="a")
    b = a * a
    b.label = "b"
    b.backward()
    return a, b


def cube_example() -> tuple[Value, Value]:
    """``(a, c)`` with ``c = a * a * a`` after ``c.backward()``; a.grad is 3a^2 (three uses)."""
    a = Value(ACCUMULATION_A, label="a")
    c = a * a * a
    c.label = "c"
    c.backward()
    return a, c


# notebook 04: both hidden z's are negative for this input, so both ReLUs output 0
NEW_INPUT = (0.5, -2.0)


def symmetric_training(epochs: int = 100, value: float = 0.5) -> MLP:
    """The 2-2-1 started with every weight equal to ``value``, trained on the article's example."""
    net = MLP([2, 2, 1], "relu", init="constant")
    if value != 0.5:
        from course_lib.init import initialise

        net = MLP([2, 2, 1], "relu", params=initialise("constant", [2, 2, 1], value=value))
    net.train(ARTICLE.x, ARTICLE.y, lr=ARTICLE.lr, epochs=epochs)
    return net


# notebook 07: learning rates to try, ten-fold apart in half-decades
LR_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


def training_fails(lr: float, epochs: int = 100) -> bool:
    """True when training the article's network ends no better than it started (or diverges)."""
    history = article_mlp().train(ARTICLE.x, ARTICLE.y, lr=lr, epochs=epochs)
    return history.diverged or not history.losses[-1] < history.losses[0]


def first_failing_lr(grid=LR_GRID, epochs: int = 100) -> float | None:
    """The smallest learning rate in ``grid`` for which ``training_fails``; None if none does."""
    for lr in sorted(grid):
        if training_fails(lr, epochs):
            return lr
    return None


# notebook 07: hidden biases so negative that both ReLUs are off for the article's input
DEAD_B1 = (-2.0, -2.0)


def dead_relu_grads(loss: str = "mse") -> dict[str, np.ndarray]:
    """Gradients of the article's network with ``b1 = DEAD_B1``: W1 and b1 get zeros."""
    net = article_mlp()
    net.params["b1"][:] = DEAD_B1
    return net.gradients(ARTICLE.x, ARTICLE.y, loss)[1]


# notebook 08: the data set and the training set-up shared by the notebook and its checks
MOONS = {"n": 200, "noise": 0.15, "seed": 0}


def linear_model_accuracy(epochs: int = 500, lr: float = 0.1) -> float:
    """Training accuracy of MLP([2, 1]) (no hidden layer) on the moons, trained with mse."""
    from course_lib.datasets import two_moons

    X, y = two_moons(**MOONS)
    net = MLP([2, 1], "relu", rng=np.random.default_rng(0))
    net.train(X, y, lr=lr, epochs=epochs)
    predicted = (net.predict(X)[:, 0] > 0.5).astype(float)
    return float(np.mean(predicted == y))


# notebook 04: what Xavier and He initialisation are for
def activation_scales(
    scheme: str, activation: str = "relu", depth: int = 10, width: int = 64, seed: int = 0
) -> np.ndarray:
    """Standard deviation of each hidden layer's activations in a deep net, right after init.

    ``depth`` hidden layers of ``width`` neurons, drawn with ``scheme``
    (e.g. 'normal' with std 1, 'xavier_normal', 'he_normal'), fed 256
    standard-normal inputs. Returns one number per hidden layer.
    """
    rng = np.random.default_rng(seed)
    net = MLP([width] * (depth + 1) + [1], activation, init=scheme, rng=rng)
    _, cache = net.forward(rng.normal(size=(256, width)))
    return np.array([cache[f"a{i}"].std() for i in range(1, depth + 1)])


# notebook 05: ways one might have computed the article's second prediction
def _article_step_variant(dloss_factor: float, *, w2_first: bool, decimals: int | None) -> float:
    """One SGD step of the 2-2-1 written out, with optional slips; returns the next prediction.

    ``dloss_factor`` is 2 for (y - y_hat)^2 and 1 for 1/2 (y - y_hat)^2;
    ``w2_first`` back-propagates through the *updated* W2; ``decimals``
    rounds every intermediate result, as a hand calculation might.
    """

    def r(v):
        return np.round(v, decimals) if decimals is not None else v

    p = {k: np.array(getattr(ARTICLE, k), dtype=np.float64) for k in ("W1", "b1", "W2", "b2")}
    x, y, lr = np.array(ARTICLE.x), ARTICLE.y, ARTICLE.lr
    z1 = r(p["W1"] @ x + p["b1"])
    a1 = np.maximum(z1, 0.0)
    y_hat = r(p["W2"] @ a1 + p["b2"])
    dy = r(dloss_factor * (y_hat - y))
    dW2 = r(np.outer(dy, a1))
    new_W2 = r(p["W2"] - lr * dW2)
    dz1 = r((new_W2 if w2_first else p["W2"]).T @ dy) * (z1 > 0)
    new = {
        "W1": r(p["W1"] - lr * np.outer(dz1, x)),
        "b1": r(p["b1"] - lr * dz1),
        "W2": new_W2,
        "b2": r(p["b2"] - lr * dy),
    }
    a1 = np.maximum(new["W1"] @ x + new["b1"], 0.0)
    return float((new["W2"] @ a1 + new["b2"])[0])


def erratum_variants() -> dict[str, float]:
    """The next prediction under each loss and each plausible slip in a hand calculation.

    Keys name the loss as course_lib does ('mse': (y - y_hat)^2 for one output,
    'half_sse': 1/2 (y - y_hat)^2) and the slip, if any, in the course's language.

    None of them is the article's 1.618296 (``article.STATED_NEXT_PREDICTION``).
    """
    out = {}
    for loss, factor in (("mse", 2.0), ("half_sse", 1.0)):
        out[f"{loss}"] = _article_step_variant(factor, w2_first=False, decimals=None)
        slip = _("{loss}, W2 updated before the hidden gradients", loss=loss)
        out[slip] = _article_step_variant(factor, w2_first=True, decimals=None)
        for decimals in (2, 3, 4):
            slip = _(
                "{loss}, every step rounded to {decimals} decimals", loss=loss, decimals=decimals
            )
            out[slip] = _article_step_variant(factor, w2_first=False, decimals=decimals)
    return out


def hidden_sums_during_training(lr: float, epochs: int = 10) -> np.ndarray:
    """The article's network trained at ``lr``: the hidden sums z1 before each epoch and after
    the last, shape (epochs + 1, 2) (fewer rows if training diverged)."""
    net = article_mlp()
    history = net.train(ARTICLE.x, ARTICLE.y, lr=lr, epochs=epochs, snapshots=True)
    x = np.array(ARTICLE.x)
    return np.array([s["W1"] @ x + s["b1"] for s in history.snapshots])


# notebook 08: the network and training set-up for the moons
MOONS_TRAINING = {
    "sizes": (2, 16, 16, 1),
    "activation": "relu",
    "init": "he_normal",
    "seed": 0,
    "lr": 0.2,
    "epochs": 2000,
}


def moons_network() -> MLP:
    """The untrained network of notebook 08 (MOONS_TRAINING's sizes, activation, init, seed)."""
    t = MOONS_TRAINING
    return MLP(
        list(t["sizes"]), t["activation"], init=t["init"], rng=np.random.default_rng(t["seed"])
    )
