"""Hidden tests: how an instructor writes them, and the comparisons they use.

In a solution notebook, between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``::

    @hidden_test("forward")
    def _(call, rng):
        x = rng.normal(size=2)
        got = call("forward", x, params)          # the learner's function, in its worker
        expect_float(got["y_hat"], reference, "forward(x, params)['y_hat']")

The grader runs that code in its own process: ``call`` sends the inputs to the
learner's worker and returns the decoded JSON reply, ``rng`` is seeded afresh
for every submission. Run inside the solution notebook itself (nbval, or an
instructor pressing Shift-Enter), ``hidden_test`` runs the test at once against
the notebook's own functions, through the same JSON round trip, so a solution
is tested exactly as a submission is graded.

Failure messages name what was wrong and on which inputs, never the expected value.
"""

from __future__ import annotations

import json
import sys
import threading

import numpy as np

from course_lib.grading import phrases
from course_lib.grading.language import translator
from course_lib.grading.wire import Unsupported, decode, encode

__all__ = [
    "hidden_test",
    "Fail",
    "LearnerError",
    "expect_float",
    "expect_array",
    "expect_dict",
    "expect_list",
    "expect_tuple",
    "show",
    "expect_replayed",
    "collecting",
    "LocalCaller",
    "describe",
]

_ = translator("grading")


class Fail(AssertionError):
    """A graded check failed; the message is shown to the learner."""


class LearnerError(Fail):
    """The learner's function raised an exception (or is missing)."""


_collector: dict | None = None
_collector_lock = threading.Lock()


class collecting:  # noqa: N801 - used as a context manager, named like one
    """``with collecting() as tests:``: ``hidden_test`` registers tests instead of running them."""

    def __enter__(self) -> dict:
        global _collector
        _collector_lock.acquire()
        _collector = {}
        return _collector

    def __exit__(self, *exc):
        global _collector
        _collector = None
        _collector_lock.release()


def _round_trip(value):
    return decode(json.loads(json.dumps(encode(value))))


class _Tripwire:
    """Stands in for a name a part may not use, while ``check()`` calls the learner's function."""

    def __init__(self, name: str, why: str):
        self._name, self._why = name, why

    def _refuse(self, *args, **kwargs):
        raise Fail(
            _("{name} is not available in this part: {why}", name=self._name, why=_(self._why))
        )

    __call__ = _refuse

    def __getattr__(self, attribute):
        self._refuse()


class LocalCaller:
    """``call`` for a notebook's own functions, with the grader's JSON round trip.

    With a ``rule`` (``rules.Rule``), calls of the part's ``own`` functions (of every function
    when ``own`` is None) are checked as the grader checks them: names the part may not use
    are replaced by tripwires during the call, and the returned numbers must come from the
    tool the rule requires.
    """

    def __init__(self, namespace: dict, rule=None, own=()):
        self.namespace = namespace
        self.rule, self.own = rule, (tuple(own) if own is not None else None)

    def _function(self, name: str):
        fn = self.namespace.get(name)
        if not callable(fn):
            raise LearnerError(_("{name} is not defined as a function", name=name))
        return fn

    def _run(self, name: str, args, kwargs):
        fn = self._function(name)
        if self.rule is None or (self.own is not None and name not in self.own):
            return fn(*args, **kwargs)
        from course_lib.grading.rules import Recorder, shadowed, verify  # noqa: PLC0415

        saved = {}
        for key, value in list(self.namespace.items()):
            module = getattr(value, "__module__", None) or getattr(value, "__name__", "")
            blocked = any(
                str(module) == b or str(module).startswith(b + ".") for b in self.rule.block
            )
            if key in self.rule.hide or (blocked and key != name and not key.startswith("_")):
                saved[key] = value
                self.namespace[key] = _Tripwire(key, self.rule.why)
        try:  # the check's own machinery (course_lib.grading) stays in place
            with shadowed(self.rule.block, self.rule.why, keep=("course_lib.grading",)):
                with Recorder(self.rule.require) as recorder:
                    value = fn(*args, **kwargs)
        finally:
            self.namespace.update(saved)
        self.evidence = recorder.evidence()
        problem = verify(self.rule, _round_trip(value), self.evidence, args)
        if problem:
            raise Fail(problem)
        return value

    def __call__(self, name: str, *args, **kwargs):
        return _round_trip(self._run(name, _round_trip(list(args)), _round_trip(kwargs)))

    def with_arguments(self, name: str, *args):
        """``(value, arguments as they are after the call)``: to see in-place changes."""
        sent = _round_trip(list(args))
        return _round_trip(self._run(name, sent, {})), _round_trip(sent)

    def get(self, name: str):
        if name not in self.namespace:
            raise LearnerError(_("{name} is not defined", name=name))
        return _round_trip(self.namespace[name])


def hidden_test(grade_id: str):
    """Declare the hidden test of the answer cell whose ``grade_id`` is given."""
    if not isinstance(grade_id, str) or not grade_id:
        raise TypeError(f"grade_id must be a non-empty string, got {grade_id!r}")

    def register(test):
        if _collector is not None:
            if grade_id in _collector:
                raise ValueError(f"two hidden tests for grade_id {grade_id!r}")
            _collector[grade_id] = test
            return test
        namespace = sys._getframe(1).f_globals
        from course_lib.grading.rules import RULES  # noqa: PLC0415

        same = [rule for (_, part), rule in RULES.items() if part == grade_id]
        rule = same[0] if len(same) == 1 else None
        test(LocalCaller(namespace, rule, own=None), np.random.default_rng(0))
        print(f"hidden test {grade_id!r}: passed")
        return test

    return register


# --- comparisons: exact types, then values within tolerances ---

_FLOATS = (float, np.float64)


def describe(value) -> str:
    """A short, safe description of a decoded value's type, for feedback.

    >>> describe(np.zeros((2, 3))), describe([1])
    ('a numpy array of dtype float64 and shape (2, 3)', 'a list')
    """
    if isinstance(value, Unsupported):
        return _("an object of type {kind}", kind=value.type_name)
    if type(value) is np.ndarray:
        return _("a numpy array of dtype {dtype} and shape {shape}", dtype=value.dtype,
                 shape=value.shape)  # fmt: skip
    if isinstance(value, np.generic):
        return _("a numpy {kind}", kind=type(value).__name__)
    return _("a {kind}", kind=type(value).__name__)


def _slip(got, slips, rtol, atol) -> str:
    """`` (it looks like <slip>)`` when ``got`` equals a known slip's value (never the value)."""
    for name, value in (slips or {}).items():
        value = np.asarray(value, dtype=float)
        if np.shape(got) == value.shape and np.allclose(got, value, rtol=rtol, atol=atol):
            return _(": it looks like {slip}", slip=_(name))
    return ""


def expect_float(
    got, want: float, what: str, *, rtol: float = 1e-6, atol: float = 1e-9, slips=None
):
    """``got`` must be a Python float (or numpy float64) close to ``want``.

    ``slips`` maps a common slip's name to the value it gives; feedback names the slip.
    """
    what = phrases.what(what)
    if type(got) not in _FLOATS:
        raise Fail(_("{what} should be a float, but it is {kind}", what=what, kind=describe(got)))
    if not np.isfinite(got):
        raise Fail(_("{what} is {value}, not a finite number", what=what, value=got))
    if not np.isclose(got, want, rtol=rtol, atol=atol):
        slip = _slip(got, slips, rtol, atol)
        raise Fail(
            _("{what} is {value}, which is not the expected value{slip}",
              what=what, value=f"{float(got):.6g}", slip=slip)
        )  # fmt: skip


def expect_array(got, want, what: str, *, rtol=1e-6, atol=1e-9, dtypes=("float64",), slips=None):
    """``got`` must be a numpy array of one of ``dtypes``, of ``want``'s shape, close to it.

    ``slips`` maps a common slip's name to the array it gives; feedback names the slip.
    """
    what = phrases.what(what)
    want = np.asarray(want)
    if type(got) is not np.ndarray:
        raise Fail(
            _("{what} should be a numpy array of shape {shape}, not {kind}",
              what=what, shape=want.shape, kind=describe(got))
        )  # fmt: skip
    if got.dtype.name not in dtypes:
        raise Fail(
            _("{what} should have dtype {dtypes}, but it has dtype {dtype}",
              what=what, dtypes=_(" or ").join(dtypes), dtype=got.dtype)
        )  # fmt: skip
    if got.shape != want.shape:
        raise Fail(
            _("{what} should have shape {shape}, but it has shape {got}",
              what=what, shape=want.shape, got=got.shape)
        )  # fmt: skip
    if not np.all(np.isfinite(got)):
        raise Fail(_("{what} holds NaN or inf", what=what))
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        wrong = int(np.sum(~np.isclose(got, want, rtol=rtol, atol=atol)))
        raise Fail(
            _("{what} has {wrong} of {size} entries that are not the expected values",
              what=what, wrong=wrong, size=want.size)
            + _slip(got, slips, rtol, atol)
        )  # fmt: skip


def expect_dict(got, keys, what: str) -> dict:
    """``got`` must be a dict with exactly ``keys``."""
    what = phrases.what(what)
    if type(got) is not dict:
        raise Fail(
            _("{what} should be a dict with keys {keys}, but it is {kind}",
              what=what, keys=sorted(keys), kind=describe(got))
        )  # fmt: skip
    if set(got) != set(keys):
        raise Fail(
            _("{what} should have exactly the keys {keys}, but has {got}",
              what=what, keys=sorted(keys), got=sorted(got))
        )  # fmt: skip
    return got


def expect_list(got, length: int, what: str) -> list:
    """``got`` must be a list of ``length`` items."""
    what = phrases.what(what)
    if type(got) is not list:
        raise Fail(
            _("{what} should be a list of {length} items, but it is {kind}",
              what=what, length=length, kind=describe(got))
        )  # fmt: skip
    if len(got) != length:
        raise Fail(
            _("{what} should have {length} items, but has {count}",
              what=what, length=length, count=len(got))
        )  # fmt: skip
    return got


def expect_tuple(got, length: int, what: str) -> tuple:
    """``got`` must be a tuple of ``length`` items."""
    what = phrases.what(what)
    if type(got) is not tuple:
        raise Fail(
            _("{what} should be a tuple of {length} items, but it is {kind}",
              what=what, length=length, kind=describe(got))
        )  # fmt: skip
    if len(got) != length:
        raise Fail(
            _("{what} should have {length} items, but has {count}",
              what=what, length=length, count=len(got))
        )  # fmt: skip
    return got


def show(value) -> str:
    """Inputs in a failure message: short, rounded."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, separator=", ").replace("\n", "")
    if isinstance(value, float):
        return f"{value:.4g}"
    return repr(value)


def expect_replayed(call, args, reference, what: str, rng, trials: int = 3) -> None:
    """The Value graph behind the last answer of ``call`` computes ``reference`` elsewhere too.

    The grader moves the graph's leaves that hold ``args`` to new random values, replays the
    graph with its own arithmetic (``rules.replay``) and compares the output with
    ``reference(*new_args)``: a graph that only carries hand-computed numbers fails.
    """
    from course_lib.grading.rules import graphs, replay  # noqa: PLC0415

    what = phrases.what(what)
    found = graphs(getattr(call, "evidence", None))
    if not found:
        raise Fail(_("{what}: no Value graph was built and back-propagated", what=what))
    for graph in reversed(found):
        rows = [
            [i for i, row in enumerate(graph) if not row[1] and np.isclose(row[2], x, 0, 1e-12)]
            for x in args
        ]
        if not all(rows):
            continue
        agree = 0
        for _trial in range(trials * 3):
            new = [float(x + rng.normal(0, 0.7)) for x in args]
            leaves = {i: v for held, v in zip(rows, new, strict=True) for i in held}
            try:
                got = replay(graph, leaves)
            except (ValueError, ZeroDivisionError, OverflowError):
                continue
            if not np.isclose(got, reference(*new), rtol=1e-6, atol=1e-9):
                break
            agree += 1
            if agree == trials:
                return
    raise Fail(
        _(
            "{what}: its Value graph does not compute the function from the inputs (replayed at "
            "other inputs, it gives other values): build the expression itself from Values",
            what=what,
        )
    )
