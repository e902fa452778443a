"""One language setting for everything a learner reads: English (the default) or 简体中文.

The language comes from ``set_language`` (the zh-CN notebooks call it in their first cell) or,
before that, from the ``COURSE_LANG`` environment variable (``make lab-zh`` sets it).

Messages are written in English in the code, wrapped in a *translator* named for a catalog
(a domain); the Chinese lives in ``course_lib/locale/zh_CN/LC_MESSAGES/<domain>.po``.
Placeholders are ``str.format`` names, filled after the lookup, so both languages share them:

>>> from course_lib.i18n import language, set_language, translator
>>> _ = translator("checks")
>>> set_language("en")
>>> _("Correct")
'Correct'
>>> _ = translator("doctest")            # a catalog without the message: English is kept
>>> _("{n} numbers", n=3)
'3 numbers'

``N_("...")`` only marks a constant for the catalogs; translate it where it is shown.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "ENV_VAR",
    "set_language",
    "language",
    "translator",
    "N_",
    "tr",
    "normalise",
    "lookup",
    "speaking",
    "catalog_path",
]

#: the languages the course speaks, as ``set_language`` accepts them
LANGUAGES = ("en", "zh-CN")
ENV_VAR = "COURSE_LANG"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_ALIASES = {
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "english": "en",
    "zh": "zh-CN",
    "zh-cn": "zh-CN",
    "zh_cn": "zh-CN",
    "zh-hans": "zh-CN",
    "chinese": "zh-CN",
    "中文": "zh-CN",
    "简体中文": "zh-CN",
}
_chosen: str | None = None
_thread = threading.local()  # ``speaking``: one thread's language (the grader's, per submission)
_catalogs: dict[tuple[str, str], dict[str, str]] = {}


def _normalise(lang, what: str) -> str:
    if not isinstance(lang, str):
        raise TypeError(f"{what} must be a language name such as 'zh-CN' or 'en'; got {lang!r}")
    key = lang.strip().split(".")[0].replace("_", "-").casefold()
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"{what} must be one of {', '.join(LANGUAGES)}; got {lang!r}")


def normalise(lang, what: str = "lang") -> str:
    """'en' or 'zh-CN' for any spelling ``set_language`` accepts; an error naming ``what`` else.

    >>> normalise("zh_CN.UTF-8"), normalise("English")
    ('zh-CN', 'en')
    """
    return _normalise(lang, what)


def lookup(domain: str, lang: str, message: str) -> str:
    """``message`` in ``lang`` (not necessarily the current language), unfilled."""
    return message if lang == "en" else _catalog(domain, lang).get(message, message)


@contextlib.contextmanager
def speaking(lang: str | None):
    """Within the block, this thread (only) speaks ``lang``; None changes nothing. The grader
    grades submissions side by side, each in its own language.

    >>> with speaking("zh-CN"):
    ...     language()
    'zh-CN'
    """
    before = getattr(_thread, "lang", None)
    if lang is not None:
        _thread.lang = _normalise(lang, "speaking(lang)")
    try:
        yield
    finally:
        _thread.lang = before


def set_language(lang: str) -> None:
    """Speak ``lang`` ('en' or 'zh-CN', also 'zh' or '中文') from now on, in this process.

    >>> set_language("zh-CN"); language()
    'zh-CN'
    >>> set_language("English"); language()
    'en'
    """
    global _chosen
    _chosen = _normalise(lang, "set_language(lang)")
    if _chosen != "en":  # figures need a font with Chinese glyphs (course_lib/fonts.py)
        from course_lib.fonts import configure

        configure()


def language() -> str:
    """The language in use: this thread's ``speaking``, else the last ``set_language``, else
    ``$COURSE_LANG``, else 'en'."""
    here = getattr(_thread, "lang", None)
    if here is not None:
        return here
    if _chosen is not None:
        return _chosen
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return "en"
    try:
        return _normalise(raw, ENV_VAR)
    except ValueError as exc:
        warnings.warn(f"{exc}; using English", stacklevel=2)
        return "en"


def catalog_path(domain: str, lang: str = "zh-CN") -> Path:
    """Where the ``.po`` catalog of ``domain`` in ``lang`` lives."""
    return LOCALE_DIR / lang.replace("-", "_") / "LC_MESSAGES" / f"{domain}.po"


def _catalog(domain: str, lang: str) -> dict[str, str]:
    key = (domain, lang)
    if key not in _catalogs:
        path = catalog_path(domain, lang)
        table: dict[str, str] = {}
        try:  # no polib, or an unreadable catalog: the English messages, never an error
            import polib  # only when a language other than English is in use

            entries = polib.pofile(str(path)) if path.is_file() else []
        except (ImportError, OSError, ValueError, UnicodeDecodeError):
            entries = []
        for entry in entries:
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags:
                table[entry.msgid] = entry.msgstr
        _catalogs[key] = table
    return _catalogs[key]


def gettext(domain: str, message: str, /, **values) -> str:
    """``message`` in the current language, with ``values`` filled in.

    A translation that cannot be filled in (a catalog with a wrong placeholder) gives the
    English message: a catalog never costs a learner their feedback, or their grade.
    """
    text = lookup(domain, language(), message)
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return message.format(**values)


def translator(domain: str):
    """The ``_`` of a module: ``_("text {n}", n=3)`` looks ``text {n}`` up in ``domain``."""

    def _(message: str, /, **values) -> str:
        return gettext(domain, message, **values)

    _.domain = domain
    return _


def tr(message: str, /, **values) -> str:
    """Text a notebook's code shows (printed lines, computed prose, figure titles), in the
    course's language: the English is the notebook's own, the Chinese is in ``notebooks.po``.

    >>> print(tr("loss after {n} epochs: {loss:.4f}", n=3, loss=0.123456))
    loss after 3 epochs: 0.1235
    """
    return gettext("notebooks", message, **values)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for the catalogs without translating it (translate where it is shown)."""
    return message
