"""Input features computed from a point (x1, x2), as in a 2-D playground: x1, x2, squares, ...

A network that gets x1² and x2² can draw a circle with a single neuron; one
that gets only x1 and x2 needs a hidden layer for it.

>>> import numpy as np
>>> feature_matrix(np.array([[2.0, 3.0]]), ["x1", "x2", "x1^2", "x1*x2"])
array([[2., 3., 4., 6.]])
"""

from __future__ import annotations

import numpy as np

from course_lib._validate import finite_array
from course_lib.i18n import translator

__all__ = ["FEATURES", "feature_matrix", "check_features"]

_ = translator("course")

# name: the column it computes from X of shape (n, 2)
FEATURES = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}


def check_features(names) -> tuple[str, ...]:
    """``names`` as a tuple, in FEATURES' order; at least one, each known, none twice."""
    if isinstance(names, str):
        names = (names,)
    names = tuple(names)
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(
            _(
                "features must be some of {known}, got {name!r}",
                known=list(FEATURES),
                name=unknown[0],
            )
        )
    if not names:
        raise ValueError(_("features must name at least one of {known}", known=list(FEATURES)))
    return tuple(n for n in FEATURES if n in names)


def feature_matrix(X, names) -> np.ndarray:
    """The columns ``names`` (see FEATURES) for points ``X`` of shape (n, 2)."""
    X = finite_array("X", X, ndim=(2,))
    if X.shape[1] != 2:
        raise ValueError(_("X must have shape (n, 2), got {shape}", shape=X.shape))
    return np.column_stack([FEATURES[n](X) for n in check_features(names)])
