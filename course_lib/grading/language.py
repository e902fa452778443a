"""The language of what grading tells a learner: their notebook's, per submission.

``check()`` runs in the learner's kernel and speaks the course's language there
(``set_language("zh-CN")`` in a zh-CN notebook's first cell, or ``COURSE_LANG``). The grader
grades several submissions at once, one thread each, and each submission gets feedback in its
own language: ``with speaking("zh-CN"):`` sets it for the current thread only, so two
submissions graded side by side never change each other's language. Which language a
submission gets is ``submission_language``: the instructor's ``--lang`` if given, else the
notebook's ``metadata.language`` (the zh-CN exercises carry ``"zh-CN"``), else the course's
(``COURSE_LANG``), else English. It is read from the notebook's JSON before anything runs:
learner code, which runs in the sandbox, never sees or sets it, and the score never depends
on it.

>>> with speaking("zh-CN"):
...     current()
'zh-CN'
>>> submission_language({"language": "zh-CN"}), submission_language({"language": "zh-CN"}, "en")
('zh-CN', 'en')
>>> submission_language({"language": ["not", "a", "language"]}, default="en")
'en'
"""

from __future__ import annotations

import contextlib
import threading

from course_lib import i18n
from course_lib.i18n import N_

__all__ = [
    "translator",
    "N_",
    "speaking",
    "current",
    "normalise",
    "submission_language",
    "lang_option",
    "LANG_HELP",
]

LANG_HELP = (
    "the feedback's language for every submission, en or zh-CN (default: each notebook's own, "
    "from its metadata; else $COURSE_LANG; else en)"
)

_here = threading.local()


def normalise(lang, what: str = "lang") -> str:
    """'en' or 'zh-CN' for any spelling ``set_language`` accepts; ValueError/TypeError else."""
    return i18n.normalise(lang, what)


def current() -> str:
    """This thread's language: the one ``speaking`` set, else the course's (``i18n.language``)."""
    return getattr(_here, "lang", None) or i18n.language()


@contextlib.contextmanager
def speaking(lang: str | None):
    """Within the block, this thread speaks ``lang`` (None: no change)."""
    before = getattr(_here, "lang", None)
    if lang is not None:
        _here.lang = normalise(lang)
    try:
        yield
    finally:
        _here.lang = before


def _lookup(domain: str, lang: str, message: str) -> str:
    try:
        return i18n.lookup(domain, lang, message)
    except (ImportError, OSError, ValueError):  # no polib or an unreadable catalog: English
        return message


def translator(domain: str):
    """``_ = translator("grading")``: like ``i18n.translator``, in this thread's language.

    A translation that cannot be filled in (a catalog with a wrong placeholder) gives the
    English message: a catalog never costs a learner their feedback, or their grade.
    """

    def _(message: str, **values) -> str:
        lang = current()
        text = message if lang == "en" else _lookup(domain, lang, message)
        if not values:
            return text
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError, AttributeError):
            return message.format(**values)

    _.domain = domain
    return _


def submission_language(metadata, override: str | None = None, default: str | None = None):
    """The language of one submission's feedback: ``override`` (the instructor's ``--lang``),
    else the notebook metadata's ``language`` when it names one the course speaks, else
    ``default`` (the course's language when None)."""
    if override is not None:
        return normalise(override, "--lang")
    said = metadata.get("language") if isinstance(metadata, dict) else None
    if isinstance(said, str) and len(said) < 40:
        try:
            return normalise(said)
        except ValueError:
            pass
    return normalise(default) if default is not None else current()


def lang_option(text: str) -> str:
    """The ``type`` of a command line's ``--lang``: 'en' or 'zh-CN' (also 'zh', '中文', ...)."""
    import argparse

    try:
        return normalise(text, "--lang")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
