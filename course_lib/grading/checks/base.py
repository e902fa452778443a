"""The machinery behind ``check()`` and ``hint()``: find the learner's names, run, explain."""

from __future__ import annotations

import inspect
import re
import sys
import textwrap
import traceback

import numpy as np

from course_lib.gradcheck import numerical_gradients
from course_lib.grading.hidden import Fail, LearnerError, LocalCaller
from course_lib.grading.integrity import imports_of
from course_lib.grading.language import translator
from course_lib.grading.rules import rule_for

__all__ = ["Check", "numeric_gradient"]

_ = translator("grading")


class Check:
    """One graded part, as the learner sees it.

    ``tests`` are functions of ``call`` (the same JSON round trip as the
    grader), each raising ``Fail`` with a helpful message. ``hints`` are English, marked
    ``N_``, and shown in the learner's language. ``part`` is ``(assignment, grade_id)``: its
    rule in ``rules.py`` is applied as the grader applies it.
    """

    def __init__(self, names, tests, hints, *, points=None, blocked=(), allowed=(), part=None):
        self.names = tuple(names)
        self.tests = tuple(tests)
        self.hints = tuple(hints)
        self.points = points
        self.blocked, self.allowed = tuple(blocked), tuple(allowed)
        self.rule = rule_for(*part) if part else None
        self._next_hint = 0
        self.passed = False

    def __repr__(self) -> str:
        return _("<check for {names}: call .check() or .hint()>", names=", ".join(self.names))

    def hint(self) -> None:
        """Print the next hint (they get more specific; the last one repeats)."""
        if not self.hints:
            print(_("No hints for this part."))
            return
        i = min(self._next_hint, len(self.hints) - 1)
        print(_("Hint {i} of {n}: {hint}", i=i + 1, n=len(self.hints), hint=_(self.hints[i])))
        self._next_hint += 1

    def check(self, namespace: dict | None = None) -> None:
        """Run the checks against the names defined in your notebook and print the verdict."""
        ns = namespace if namespace is not None else sys._getframe(1).f_globals
        self.passed = False
        for name in self.names:
            broken = _broken_definition(name, ns)
            if broken:  # the check would test the last version that ran, not the one on screen
                print(_("✗ The cell that defines {name} does not run: {error}.", name=name,
                        error=broken))  # fmt: skip
                print(_("  Fix it and run that cell again, then check."))
                return
        for name in self.names:
            if name not in ns:
                print(_("✗ {name} is not defined yet: run the cell where you define it.",
                        name=name))  # fmt: skip
                return
        warnings = self._integrity(ns)
        for test in self.tests:
            try:
                test(LocalCaller(ns, self.rule, self.names))
            except NotImplementedError:
                print(_("✗ Not written yet: replace `raise NotImplementedError()` with your code."))
                return
            except (Fail, LearnerError) as exc:
                print(f"✗ {exc}")
                print(_("  Try .hint() if you are stuck."))
                return
            except (Exception, SystemExit) as exc:  # the learner's code raised: explain it
                print(_("✗ Your code raised {kind}: {error}{where}", kind=type(exc).__name__,
                        error=exc, where=_where(exc)))  # fmt: skip
                return
        for warning in warnings:
            print(_("⚠ The grader will not accept this: {warning}", warning=warning))
        if warnings:
            return
        self.passed = True
        print(_("✓ Passed the visible checks. The grader will also try fresh random cases."))

    def _integrity(self, ns) -> list[str]:
        found = []
        for name in self.names:
            obj = ns.get(name)
            if inspect.isfunction(obj):
                try:
                    source = inspect.getsource(obj)
                except (OSError, TypeError):
                    continue
                for module in imports_of(textwrap.dedent(source), self.blocked, self.allowed):
                    found.append(
                        _("{name} imports {module}, which this exercise does not allow",
                          name=name, module=repr(module))
                    )  # fmt: skip
        return found


def _broken_definition(name: str, ns: dict) -> str | None:
    """The syntax error in the latest cell (IPython's input history) that defines ``name``,
    if it has one; None when it compiles, or outside IPython."""
    history = ns.get("_ih")
    if not isinstance(history, list):
        return None
    defines = re.compile(rf"^(def\s+{re.escape(name)}\s*\(|{re.escape(name)}\s*=)", re.M)
    for source in reversed(history):
        if isinstance(source, str) and defines.search(source):
            try:
                compile(source, "<cell>", "exec")
            except SyntaxError as exc:  # IndentationError is one
                return _("{kind}: {error} (line {line} of the cell)", kind=type(exc).__name__,
                         error=exc.msg, line=exc.lineno)  # fmt: skip
            return None
    return None


def _where(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "course_lib" not in f.filename]
    if not frames:
        return ""
    return _(" (in {function}, line {line})", function=frames[-1].name, line=frames[-1].lineno)


def numeric_gradient(f, value: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of ``f()`` with respect to the array ``value`` (nudged in place)."""
    return numerical_gradients(f, {"value": value}, eps)["value"]
