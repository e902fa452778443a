"""Text that came from a submission, made safe to store and to show.

A learner chooses their file name, their class names and what their code raises, so
every such text is clipped before it is stored, has its control characters escaped
before it reaches a terminal or a Markdown file, and cannot start a spreadsheet formula
in a CSV (OWASP's advice on CSV injection: a leading ``= + - @``, tab or carriage return
gets an apostrophe).

>>> for_terminal("bob\\n\\x1b[2J")
'bob\\\\n\\\\x1b[2J'
>>> for_csv("=HYPERLINK(1)"), for_csv("alice"), for_csv(-1.5)
("'=HYPERLINK(1)", 'alice', -1.5)
>>> clip("x" * 50, 20)
'xxxxxxxx… (50 chars)'
>>> file_stem("../../etc/passwd")
'etc_passwd'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from course_lib.grading.language import translator

__all__ = [
    "MAX_MESSAGE",
    "MAX_NAME",
    "MAX_FILE_STEM",
    "clip",
    "clip_name",
    "for_terminal",
    "for_csv",
    "file_stem",
]

MAX_MESSAGE = 2000  # characters of one stored message or note
MAX_NAME = 200  # characters of a learner's name
MAX_FILE_STEM = 100  # characters of a generated output file name, before its suffix

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ = translator("grading")
_UNSAFE_STEM = re.compile(r"[^\w.-]+")


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cut to at most ``limit`` characters, saying how long it was."""
    text = str(text)
    if len(text) <= limit:
        return text
    tail = _("… ({count} chars)", count=len(text))
    return text[: max(limit - len(tail), 0)] + tail


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def clip_name(name: str, limit: int = MAX_NAME) -> str:
    """A name cut to ``limit`` characters; a cut name ends with a hash of the whole, so two
    long names that start alike stay two names."""
    name = str(name)
    if len(name) <= limit:
        return name
    return name[: limit - 11] + "~" + _digest(name)


def _shown(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    # Cc: C0/C1 controls and DEL; Cf: bidi overrides and other invisible format characters;
    # Zl/Zp: line and paragraph separators.
    if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


def for_terminal(text) -> str:
    """``text`` on one line with every control or invisible format character escaped."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(_shown(ch) for ch in text)


def for_csv(value):
    """A CSV cell that a spreadsheet will not run as a formula (numbers are left alone)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def file_stem(name: str, limit: int = MAX_FILE_STEM) -> str:
    """A file name stem from any text: letters, digits, ``. _ -`` only, no leading dot, at most
    ``limit`` characters (a long name keeps a hash of the whole, so two stay different)."""
    stem = _UNSAFE_STEM.sub("_", str(name)).strip("._-") or "submission"
    if len(stem) > limit:
        stem = stem[: limit - 11] + "-" + _digest(str(name))
    return stem
