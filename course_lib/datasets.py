"""Small two-dimensional classification data sets, generated in code and seeded.

Each function returns ``(X, y)``: ``X`` of shape (n, 2) (float64) and ``y`` of
shape (n,) holding the class, 0.0 or 1.0, with the classes as equal in size as
``n`` allows (class 0 first). The same arguments give the same numbers on
every machine: every draw comes from ``np.random.default_rng(seed)``.

>>> X, y = two_moons(n=10, noise=0.0, seed=0)
>>> X.shape, y.shape, int(y.sum())
((10, 2), (10,), 5)
>>> bool(np.allclose(np.hypot(X[y == 0, 0], X[y == 0, 1]), 1.0))   # class 0: the unit upper arc
True
"""

from __future__ import annotations

import numpy as np

from course_lib._validate import choice, count
from course_lib.i18n import translator

__all__ = [
    "two_moons",
    "circles",
    "spirals",
    "xor",
    "gaussians",
    "DATASETS",
    "make_dataset",
    "train_test_split",
]

_ = translator("course")


def _check(n, noise, seed) -> tuple[int, float, np.random.Generator]:
    n = count("n", n, minimum=2)
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.floating, np.integer)):
        kind = type(noise).__name__
        raise TypeError(
            _("noise must be a number >= 0, got {kind}: {noise!r}", kind=kind, noise=noise)
        )
    noise = float(noise)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(_("noise must be a finite number >= 0, got {noise!r}", noise=noise))
    seed = count("seed", seed)
    return n, noise, np.random.default_rng(seed)


def _split(n: int) -> tuple[int, int]:
    return n - n // 2, n // 2


def _finish(parts, rng, noise):
    X = np.concatenate([p for p, _ in parts]).astype(np.float64)
    y = np.concatenate([np.full(len(p), float(label)) for p, label in parts])
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    return X, y


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interlocking half circles of radius 1: class 0 the upper arc, class 1 the lower.

    The lower arc is shifted by (1, 0.5), so no straight line separates the classes.
    ``noise`` is the standard deviation of Gaussian noise added to every coordinate.
    """
    n, noise, rng = _check(n, noise, seed)
    n0, n1 = _split(n)
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    return _finish([(upper, 0), (lower, 1)], rng, noise)


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0):
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor`` in (0, 1)."""
    n, noise, rng = _check(n, noise, seed)
    factor = float(factor)
    if not 0.0 < factor < 1.0:
        raise ValueError(
            _("factor must be between 0 and 1 (the inner radius), got {factor!r}", factor=factor)
        )
    n0, n1 = _split(n)
    t0 = np.linspace(0.0, 2.0 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2.0 * np.pi, n1, endpoint=False)
    outer = np.column_stack([np.cos(t0), np.sin(t0)])
    inner = factor * np.column_stack([np.cos(t1), np.sin(t1)])
    return _finish([(outer, 0), (inner, 1)], rng, noise)


def spirals(n: int = 200, noise: float = 0.05, turns: float = 1.5, seed: int = 0):
    """Two interleaved spirals, each winding ``turns`` times out to radius 1; class 1 is class 0
    turned by half a circle."""
    n, noise, rng = _check(n, noise, seed)
    turns = float(turns)
    if not 0.0 < turns <= 5.0:
        raise ValueError(_("turns must be in (0, 5], got {turns!r}", turns=turns))
    n0, n1 = _split(n)

    def arm(m, phase):
        r = np.linspace(0.05, 1.0, m)
        t = 2.0 * np.pi * turns * r + phase
        return np.column_stack([r * np.cos(t), r * np.sin(t)])

    return _finish([(arm(n0, 0.0), 0), (arm(n1, np.pi), 1)], rng, noise)


def xor(n: int = 200, noise: float = 0.0, seed: int = 0):
    """Points uniform in [-1, 1]^2, class 1 where x1 and x2 have different signs.

    Here the classes come from the quadrant, so their sizes vary with the seed; ``noise``
    jitters the points after labelling, blurring the boundary.
    """
    n, noise, rng = _check(n, noise, seed)
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(np.float64)
    order = np.argsort(y, kind="stable")  # class 0 first, as the other sets
    X, y = X[order], y[order]
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    return X, y


def gaussians(n: int = 200, noise: float = 0.3, seed: int = 0):
    """Two round clouds: class 0 around (-1, -1), class 1 around (1, 1); ``noise`` is their
    standard deviation (at 0 every point sits on its centre)."""
    n, noise, rng = _check(n, noise, seed)
    n0, n1 = _split(n)
    centres = [(np.full((n0, 2), -1.0), 0), (np.full((n1, 2), 1.0), 1)]
    return _finish(centres, rng, noise)


def train_test_split(X, y, test_ratio: float = 0.5, seed: int = 0):
    """``(X_train, y_train, X_test, y_test)``: a seeded shuffle, ``test_ratio`` of it held out.

    >>> X, y = xor(n=10, seed=0)
    >>> [len(part) for part in train_test_split(X, y, test_ratio=0.3)]
    [7, 7, 3, 3]
    """
    test_ratio = float(test_ratio)
    if not 0.0 <= test_ratio < 1.0:
        raise ValueError(
            _("test_ratio must be in [0, 1), the share held out, got {ratio!r}", ratio=test_ratio)
        )
    order = np.random.default_rng(count("seed", seed)).permutation(len(X))
    n_test = int(round(test_ratio * len(X)))
    if len(X) - n_test < 1:
        raise ValueError(
            _("test_ratio {ratio} leaves no training point of {n}", ratio=test_ratio, n=len(X))
        )
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


DATASETS = {
    "circles": circles,
    "xor": xor,
    "gaussians": gaussians,
    "spirals": spirals,
    "moons": two_moons,
}


def make_dataset(name: str, **kwargs):
    """``make_dataset('moons', n=200, seed=0)``: one of DATASETS by name."""
    return DATASETS[choice("name", name, tuple(DATASETS))](**kwargs)
