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

from course_lib import i18n
from course_lib.i18n import N_, speaking, translator

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

# ``speaking`` (one thread's language) and ``translator`` are course_lib.i18n's own
current = i18n.language
normalise = i18n.normalise


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
