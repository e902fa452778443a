"""Weight initialisers. Each takes the layer sizes and a seeded numpy Generator.

Weights are stored as the article names them: ``W1`` has one row per hidden
neuron (shape ``(n_out, n_in)``), ``b1`` one entry per neuron.

>>> params = initialise("xavier_uniform", [2, 2, 1], np.random.default_rng(0))
>>> sorted(params), params["W1"].shape, params["W2"].shape
(['W1', 'W2', 'b1', 'b2'], (2, 2), (1, 2))
"""

from __future__ import annotations

import numpy as np

from course_lib._validate import choice, count, finite_array
from course_lib.i18n import translator

__all__ = ["SCHEMES", "initialise", "layer_sizes"]

_ = translator("course")


def layer_sizes(sizes) -> list[int]:
    """Check ``sizes`` (e.g. [2, 2, 1]): at least two layers, each at least one unit."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(
            _("sizes must be a list of layer widths such as [2, 2, 1], got {sizes!r}", sizes=sizes)
        )
    if len(sizes) < 2:
        raise ValueError(
            _("sizes must list at least an input and an output layer, got {sizes!r}", sizes=sizes)
        )
    return [count(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]


def _weights(draw, sizes):
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        params[f"W{i}"] = np.asarray(draw(n_in, n_out, (n_out, n_in)), dtype=np.float64)
        params[f"b{i}"] = np.zeros(n_out)
    return params


def _scheme_draws(rng, value, low, high, std):
    # fan_in, fan_out, shape -> weights
    return {
        "zeros": lambda i, o, s: np.zeros(s),
        "constant": lambda i, o, s: np.full(s, value),
        "uniform": lambda i, o, s: rng.uniform(low, high, s),
        "normal": lambda i, o, s: rng.normal(0.0, std, s),
        # Xavier/Glorot: keep the variance of activations and gradients ~ equal (tanh, sigmoid)
        "xavier_uniform": lambda i, o, s: rng.uniform(-1, 1, s) * np.sqrt(6.0 / (i + o)),
        "xavier_normal": lambda i, o, s: rng.normal(0.0, np.sqrt(2.0 / (i + o)), s),
        # He/Kaiming: ReLU zeroes half its inputs, so double the variance (2 / fan_in)
        "he_uniform": lambda i, o, s: rng.uniform(-1, 1, s) * np.sqrt(6.0 / i),
        "he_normal": lambda i, o, s: rng.normal(0.0, np.sqrt(2.0 / i), s),
    }


SCHEMES = (
    "article",
    "zeros",
    "constant",
    "uniform",
    "normal",
    "xavier_uniform",
    "xavier_normal",
    "he_uniform",
    "he_normal",
)


def initialise(
    scheme: str,
    sizes,
    rng: np.random.Generator | None = None,
    *,
    value: float = 0.5,
    low: float = -1.0,
    high: float = 1.0,
    std: float = 1.0,
) -> dict[str, np.ndarray]:
    """Fresh parameters ``{W1, b1, W2, b2, ...}`` for a network of ``sizes``.

    ``scheme`` is one of SCHEMES. 'article' gives the article's fixed values
    (sizes must be [2, 2, 1]); 'constant' fills weights with ``value``;
    'uniform' draws from [low, high); 'normal' from N(0, std^2). Biases start
    at zero except under 'article'. ``rng`` must be a numpy Generator
    (``np.random.default_rng(seed)``) for the random schemes.
    """
    choice("scheme", scheme, SCHEMES)
    sizes = layer_sizes(sizes)
    if scheme == "article":
        from course_lib.article import article_params

        if sizes != [2, 2, 1]:
            raise ValueError(_("scheme 'article' needs sizes [2, 2, 1], got {sizes}", sizes=sizes))
        return article_params()
    if scheme in ("uniform", "normal") or scheme.startswith(("xavier", "he")):
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                _(
                    "rng must be a numpy Generator (np.random.default_rng(seed)) for scheme "
                    "{scheme!r}, got {kind}",
                    scheme=scheme,
                    kind=type(rng).__name__,
                )
            )
    value = float(finite_array("value", value, ndim=(0,)))
    low = float(finite_array("low", low, ndim=(0,)))
    high = float(finite_array("high", high, ndim=(0,)))
    if not low < high:
        raise ValueError(
            _("low must be below high, got low={low}, high={high}", low=low, high=high)
        )
    std = float(finite_array("std", std, ndim=(0,)))
    if std < 0:
        raise ValueError(_("std must be >= 0, got {std}", std=std))
    return _weights(_scheme_draws(rng, value, low, high, std)[scheme], sizes)
