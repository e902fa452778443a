"""Argument checks shared by course_lib: every error names the argument and what was expected."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np


def finite_array(name: str, value, *, ndim: tuple[int, ...] | None = None) -> np.ndarray:
    """``value`` as a float64 array, or a ValueError/TypeError naming ``name``."""
    if isinstance(value, str):
        raise TypeError(f"{name} must be numbers (a list or numpy array), got a string: {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be numbers (a list or numpy array), got {type(value).__name__}"
        ) from exc
    if ndim is not None and arr.ndim not in ndim:
        shapes = " or ".join(f"{d}-D" for d in ndim)
        raise ValueError(f"{name} must be {shapes}, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must hold finite numbers, got NaN or inf in {arr.tolist()}")
    return arr


def positive_number(name: str, value) -> float:
    """``value`` as a float that is finite and > 0."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a positive number, got {type(value).__name__}: {value!r}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


def count(name: str, value, *, minimum: int = 0) -> int:
    """``value`` as an int >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}: {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def choice(name: str, value, options) -> str:
    """``value`` if it is one of ``options``."""
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value
