"""Reading notebooks that may be anything, and the nbgrader-style markers inside cells.

``read_cells`` never trusts a file: whatever is wrong with it (empty, not JSON,
not a notebook, nbformat 3, too big, a FIFO) becomes a NotebookError with a reason a
learner can act on.

>>> strip_solution("def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION")
'def f(x):\\n    # YOUR CODE HERE\\n    raise NotImplementedError()'
>>> strip_hidden("a = 1\\n### BEGIN HIDDEN TESTS\\nassert a == 1\\n### END HIDDEN TESTS")
'a = 1'
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass, field

from course_lib.grading.language import N_, translator

__all__ = [
    "Cell",
    "NotebookError",
    "read_cells",
    "blocks",
    "strip_solution",
    "strip_hidden",
    "hidden_code",
    "MAX_NOTEBOOK_BYTES",
    "MAX_CELL_CHARS",
    "MAX_CELLS",
]

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_CELL_CHARS = 256 * 1024  # one code cell; a learner's answer is a few hundred characters
MAX_CELLS = 5000
SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
_ = translator("grading")


class NotebookError(Exception):
    """The file cannot be read as an nbformat-4 notebook; the message says why."""


@dataclass
class Cell:
    index: int
    cell_type: str
    source: str
    id: str | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def grading(self) -> dict:
        value = self.metadata.get("grading")
        return value if isinstance(value, dict) else {}

    @property
    def role(self) -> str | None:
        return self.grading.get("role")

    @property
    def grade_id(self) -> str | None:
        value = self.grading.get("grade_id")
        return value if isinstance(value, str) else None


def _source(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return "".join(value)
    return None


def parse_cells(data) -> tuple[list[Cell], dict]:
    """Cells and notebook metadata from parsed JSON; NotebookError if it is not nbformat 4."""
    not_a_notebook = N_("this is JSON but not a Jupyter notebook (no 'cells' or 'nbformat')")
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotebookError(_(not_a_notebook))
    major = data.get("nbformat")
    if type(major) is not int:
        raise NotebookError(
            _("the notebook's nbformat is {value}, not a version number", value=repr(major))
        )
    if major < 4:
        raise NotebookError(
            _(
                "this notebook is in the old nbformat {major}; open it in Jupyter and save it "
                "again (that converts it to nbformat 4), then resubmit",
                major=major,
            )
        )
    if major > 4:
        raise NotebookError(_("nbformat {major} is newer than this grader knows (4)", major=major))
    if "cells" not in data:
        raise NotebookError(_(not_a_notebook))
    if not isinstance(data["cells"], list):
        raise NotebookError(_("the notebook's 'cells' is not a list"))
    cells = []
    for i, raw in enumerate(data["cells"]):
        if not isinstance(raw, dict):
            continue
        source = _source(raw.get("source", ""))
        cell_type = raw.get("cell_type")
        if source is None or not isinstance(cell_type, str):
            continue  # an unreadable cell: matching reports its answer as missing
        metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
        cell_id = raw.get("id") if isinstance(raw.get("id"), str) else None
        cells.append(Cell(i, cell_type, source, cell_id, metadata))
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    return cells, metadata


def _read_regular(path, follow_symlinks: bool) -> bytes:
    """The bytes of ``path`` if it is a regular file within the size limit. Opened without
    blocking, so a FIFO or a device is refused rather than waited on."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_symlinks:
            raise NotebookError(_("the file is a symbolic link, not a notebook")) from None
        raise NotebookError(
            _("the file cannot be read: {reason}", reason=exc.strerror or exc)
        ) from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotebookError(_("this is not a regular file (a FIFO, a device or a socket)"))
        if info.st_size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(
                _(
                    "the file is {size} bytes, over the {limit} byte limit "
                    "(clear the outputs and resubmit)",
                    size=info.st_size,
                    limit=MAX_NOTEBOOK_BYTES,
                )
            )
        try:
            raw = f.read(MAX_NOTEBOOK_BYTES + 1)
        except OSError as exc:
            raise NotebookError(
                _("the file cannot be read: {reason}", reason=exc.strerror or exc)
            ) from None
    if len(raw) > MAX_NOTEBOOK_BYTES:  # it grew after fstat
        raise NotebookError(_("the file is over the {limit} byte limit", limit=MAX_NOTEBOOK_BYTES))
    return raw


def _check_sizes(cells: list[Cell]) -> None:
    if len(cells) > MAX_CELLS:
        raise NotebookError(
            _("the notebook has {count} cells, over the limit of {limit}", count=len(cells),
              limit=MAX_CELLS)
        )  # fmt: skip
    for cell in cells:
        if cell.cell_type == "code" and len(cell.source) > MAX_CELL_CHARS:
            raise NotebookError(
                _(
                    "code cell {number} holds {count} characters, over the {limit} character "
                    "limit for one cell (move data out of code cells and resubmit)",
                    number=cell.index + 1,
                    count=len(cell.source),
                    limit=MAX_CELL_CHARS,
                )
            )


def read_cells(path, *, follow_symlinks: bool = True) -> tuple[list[Cell], dict, bytes]:
    """``(cells, notebook metadata, raw bytes)`` of the notebook at ``path``.

    The file must be a regular file (``follow_symlinks=False``: not even through a symbolic
    link) of at most ``MAX_NOTEBOOK_BYTES``, with no code cell over ``MAX_CELL_CHARS``: the
    sizes are checked before any cell is parsed, and JSON nested too deeply to read is a
    NotebookError like any other.
    """
    raw = _read_regular(path, follow_symlinks)
    if not raw.strip():
        raise NotebookError(_("the file is empty"))
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotebookError(_("this is not a notebook: the file is not UTF-8 text")) from None
    except RecursionError:
        raise NotebookError(_("this is not a notebook: its JSON is nested too deeply")) from None
    except MemoryError:
        raise NotebookError(
            _("this notebook is too large to read in the grader's memory")
        ) from None
    except ValueError as exc:
        raise NotebookError(
            _("this is not a notebook: the file is not valid JSON ({reason})", reason=exc)
        ) from None
    cells, metadata = parse_cells(data)
    _check_sizes(cells)
    return cells, metadata, raw


def blocks(source: str, markers) -> list[tuple[int, int]]:
    """``(begin, end)`` line numbers (0-based) of each marked block; ValueError if unbalanced."""
    begin_mark, end_mark = markers
    found, start = [], None
    for i, line in enumerate(source.split("\n")):
        text = line.strip()
        if text == begin_mark:
            if start is not None:
                raise ValueError(f"{begin_mark!r} at line {i + 1} inside another block")
            start = i
        elif text == end_mark:
            if start is None:
                raise ValueError(f"{end_mark!r} at line {i + 1} without {begin_mark!r}")
            found.append((start, i))
            start = None
    if start is not None:
        raise ValueError(f"{begin_mark!r} at line {start + 1} is never closed")
    return found


def _replace_blocks(source: str, markers, stub) -> str:
    lines = source.split("\n")
    out, last = [], 0
    for begin, end in blocks(source, markers):
        out.extend(lines[last:begin])
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        out.extend(stub(indent))
        last = end + 1
    out.extend(lines[last:])
    return "\n".join(out).strip("\n")


def strip_solution(source: str) -> str:
    """Each solution block becomes ``# YOUR CODE HERE`` and ``raise NotImplementedError()``;
    a block at the top level of a cell, only the comment (a top-level raise would stop Run All:
    the cell's own first line, e.g. ``LEARNING_RATE = None``, leaves the name unanswered)."""
    stub = ("# YOUR CODE HERE", "raise NotImplementedError()")
    return _replace_blocks(
        source, SOLUTION, lambda ind: [ind + line for line in (stub if ind else stub[:1])]
    )


def strip_hidden(source: str) -> str:
    """Remove every hidden-test block."""
    return _replace_blocks(source, HIDDEN, lambda ind: [])


def hidden_code(source: str) -> str:
    """The code inside the hidden-test blocks only."""
    lines = source.split("\n")
    return "\n".join("\n".join(lines[b + 1 : e]) for b, e in blocks(source, HIDDEN))
