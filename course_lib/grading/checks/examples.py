"""``try_it``: run a worked example in an exercise without a traceback for an unwritten part.

>>> def forward(x):
...     raise NotImplementedError()
>>> try_it(forward, 1.0)
forward is not written yet: write it in its cell above, run that cell, then run this one again.
>>> try_it(abs, -2.5)
2.5
"""

from __future__ import annotations

from course_lib.grading.language import translator

__all__ = ["try_it"]

_ = translator("grading")


def try_it(function, *args):
    """``function(*args)``; if a part it needs is still ``raise NotImplementedError()``, a
    sentence saying so (and None) instead of a traceback. Other errors are shown as usual:
    they are the learner's to read."""
    try:
        return function(*args)
    except NotImplementedError as exc:
        name = _unwritten(exc) or getattr(function, "__name__", _("this part"))
        print(
            _(
                "{name} is not written yet: write it in its cell above, run that cell, "
                "then run this one again.",
                name=name,
            )
        )
        return None


def _unwritten(exc: BaseException) -> str | None:
    """The name of the function that raised NotImplementedError (the innermost frame)."""
    tb = exc.__traceback__
    name = None
    while tb is not None:
        code = tb.tb_frame.f_code
        name = getattr(code, "co_qualname", code.co_name)  # Scalar.__init__ (Python 3.11+)
        tb = tb.tb_next
    return name
