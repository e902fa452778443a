"""What course_lib's command lines and plain-text reports share: an argument parser whose
errors are one line in the learner's language, and text measured in terminal columns (a
Chinese character takes two), so tables stay aligned and lines fit in any language.

>>> width("loss"), width("损失")
(4, 4)
>>> pad("损失", 6) + "|"
'损失  |'
"""

from __future__ import annotations

import argparse
import re
import textwrap
import unicodedata

from course_lib.i18n import N_, translator

__all__ = ["OneLineParser", "width", "pad", "wrap"]

_ = translator("cli")

# argparse's own error messages (Python 3.10 to 3.13), so a learner reads them in one language
_ARGPARSE = [
    (
        re.compile(r"argument (?P<name>\S+): (?P<reason>.*)", re.S),
        N_("argument {name}: {reason}"),
    ),
    (
        re.compile(r"unrecognized arguments: (?P<args>.*)", re.S),
        N_("unrecognized arguments: {args}"),
    ),
    (
        re.compile(r"invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)", re.S),
        N_("invalid choice: {value} (choose from {choices})"),
    ),
    (
        re.compile(r"the following arguments are required: (?P<args>.*)", re.S),
        N_("the following arguments are required: {args}"),
    ),
    (
        re.compile(r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)", re.S),
        N_("ambiguous option: {option} could match {matches}"),
    ),
    (re.compile(r"expected one argument"), N_("expected one argument")),
    (re.compile(r"expected at least one argument"), N_("expected at least one argument")),
]


def _argparse_message(message: str) -> str:
    """argparse's English ``message`` in the current language (unknown ones stay as they are);
    our own messages arrive translated already and pass through."""
    for pattern, template in _ARGPARSE:
        match = pattern.fullmatch(message)
        if match:
            parts = match.groupdict()
            if "reason" in parts:
                parts["reason"] = _argparse_message(parts["reason"])
            return _(template, **parts) if parts else _(template)
    return message


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, with Chinese help texts wrapped by terminal columns."""

    def _split_lines(self, text, columns):
        if width(text) == len(text):
            return super()._split_lines(text, columns)
        return wrap(" ".join(text.split()), columns)

    def _fill_text(self, text, columns, indent):
        if width(text) == len(text):
            return super()._fill_text(text, columns, indent)
        return "\n".join(indent + line for line in wrap(" ".join(text.split()), columns))


class OneLineParser(argparse.ArgumentParser):
    """Reports a bad option as ``prog: error: message`` on one line (no usage block), exit 2;
    its help wraps Chinese text by terminal columns."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        line = _("{prog}: error: {reason}", prog=self.prog, reason=_argparse_message(message))
        self.exit(2, line + "\n")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def width(text: str) -> int:
    """The columns ``text`` takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if _wide(c) else 1 for c in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    """``text`` and spaces up to ``columns`` terminal columns (``str.ljust`` by width;
    ``right``: the spaces first, as ``str.rjust``)."""
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill


_NO_LINE_START = set("，。、：；！？）》」』】,.:;!?)")
_NO_LINE_END = set("（《「『【")


def _pieces(text: str) -> list[str]:
    """``text`` cut where a line may break: runs of spaces, Latin words, single CJK
    characters; punctuation stays with its neighbour (no line starts with '，')."""
    pieces: list[str] = []
    for char in text:
        kind = "space" if char.isspace() else "wide" if _wide(char) else "word"
        last = pieces[-1] if pieces else ""
        glue = last and (
            char in _NO_LINE_START
            or last[-1] in _NO_LINE_END
            or (kind != "wide" and not _wide(last[-1]) and last[-1].isspace() == char.isspace())
        )
        if glue:
            pieces[-1] = last + char
        else:
            pieces.append(char)
    return pieces


def wrap(text: str, columns: int, subsequent_indent: str = "") -> list[str]:
    """``text`` broken into lines of at most ``columns`` terminal columns, between words or
    between Chinese characters; a word longer than a line is kept whole.

    Text without wide characters is wrapped by ``textwrap`` exactly as before.

    >>> wrap("下一次预测是 1.935951，不是 1.618296。", 16)
    ['下一次预测是', '1.935951，不是', '1.618296。']
    """
    if width(text) == len(text):
        return textwrap.wrap(
            text, columns, subsequent_indent=subsequent_indent, break_long_words=False
        )
    lines: list[str] = []
    current = ""
    for piece in _pieces(text):
        if piece.isspace():
            current += piece if current else ""
            continue
        indent = subsequent_indent if lines else ""
        if current and width(indent + current + piece) > columns:
            lines.append(indent + current.rstrip())
            current = ""
        current += piece
    if current.strip():
        lines.append((subsequent_indent if lines else "") + current.rstrip())
    return lines
