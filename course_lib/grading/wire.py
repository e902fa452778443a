"""Plain-JSON values between the grader and a learner's worker process (never pickle).

The worker encodes what a learner's function returned with exact type checks
(a float subclass is not a float); the grader decodes strictly, so nothing the
learner wrote runs in the grader: a value is only ever numbers, strings, lists
and dicts.

>>> import numpy as np
>>> decode(json.loads(json.dumps(encode({"w": np.array([1.5, 2.0]), "n": 3}))))
{'w': array([1.5, 2. ]), 'n': 3}
>>> decode(json.loads(json.dumps(encode(object()))))
Unsupported('object')
"""

from __future__ import annotations

import json

import numpy as np

__all__ = ["encode", "decode", "dumps", "loads", "Unsupported", "MAX_MESSAGE"]

MAX_MESSAGE = 4_000_000  # bytes in one message, either way
MAX_NAME = 120  # characters of a type name that cross (a class may be named with megabytes)
_ARRAY_KINDS = "fiub"  # float, int, unsigned, bool
_NUMPY_SCALARS = (np.float64, np.float32, np.float16, np.int64, np.int32, np.bool_)


class Unsupported:
    """A value the worker could not send as plain JSON; only its type name crosses."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str):
        self.type_name = str(type_name)[:MAX_NAME]

    def __repr__(self) -> str:
        return f"Unsupported({self.type_name!r})"


def _type_name(value) -> str:
    t = type(value)
    module = type.__dict__["__module__"].__get__(t)
    name = type.__dict__["__qualname__"].__get__(t)
    text = name if module == "builtins" else f"{module}.{name}"
    return str(text)[:MAX_NAME]


def encode(value, _depth: int = 0):
    """``value`` as JSON-ready data; anything unexpected becomes a type-name marker."""
    if _depth > 20:
        return {"__unsupported__": "nesting deeper than 20"}
    t = type(value)
    if value is None or t in (bool, int, float, str):
        return value
    if t in _NUMPY_SCALARS:
        return {"__np__": np.dtype(t).name, "value": value.item()}
    if t is np.ndarray and value.dtype.kind in _ARRAY_KINDS:
        return {"__nd__": value.tolist(), "dtype": value.dtype.name, "shape": list(value.shape)}
    if t in (list, tuple):
        items = [encode(v, _depth + 1) for v in value]
        return items if t is list else {"__tuple__": items}
    if t is dict and all(type(k) is str for k in value):
        return {"__dict__": {k: encode(v, _depth + 1) for k, v in value.items()}}
    return {"__unsupported__": _type_name(value)}


def _fail(what: str):
    raise ValueError(f"malformed value from the worker: {what}")


def decode(data, _depth: int = 0):
    """The inverse of ``encode``, checking every marker; raises ValueError on malformed data."""
    if _depth > 25:
        _fail("nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v, _depth + 1) for v in data]
    if type(data) is not dict or len(data) == 0:
        _fail(f"unexpected {type(data).__name__}")
    if "__dict__" in data and type(data["__dict__"]) is dict:
        return {k: decode(v, _depth + 1) for k, v in data["__dict__"].items()}
    if "__tuple__" in data and type(data["__tuple__"]) is list:
        return tuple(decode(v, _depth + 1) for v in data["__tuple__"])
    if "__unsupported__" in data:
        return Unsupported(data["__unsupported__"])
    if "__np__" in data:
        name = data["__np__"]
        if name not in {np.dtype(t).name for t in _NUMPY_SCALARS}:
            _fail(f"numpy scalar type {name!r}")
        value = data.get("value")
        if type(value) not in (bool, int, float):
            _fail("numpy scalar without a number")
        return np.dtype(name).type(value)
    if "__nd__" in data:
        dtype, shape = data.get("dtype"), data.get("shape")
        if dtype not in ("float64", "float32", "float16", "int64", "int32", "bool", "uint8"):
            _fail(f"array dtype {dtype!r}")
        if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
            _fail("array shape")
        try:
            arr = np.array(data["__nd__"], dtype=dtype)
        except (TypeError, ValueError):
            _fail("array data")
        if list(arr.shape) != shape:
            _fail(f"array of shape {arr.shape} claims shape {tuple(shape)}")
        return arr
    _fail(f"unknown marker {sorted(data)[:3]}")


def dumps(message: dict) -> bytes:
    """One message as a line of JSON (NaN and inf allowed, as Python's json writes them)."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def loads(line: bytes) -> dict:
    """Parse one message; ValueError when it is not a JSON object or is too big."""
    if len(line) > MAX_MESSAGE:
        raise ValueError(f"message of {len(line)} bytes is over the {MAX_MESSAGE} byte limit")
    try:
        message = json.loads(line)
    except RecursionError:
        raise ValueError("message is nested too deeply") from None
    if type(message) is not dict:
        raise ValueError("message is not a JSON object")
    return message
