"""Regenerate exercises/ from solutions/: the student copies never hold an answer or a hidden test.

In each solution notebook: every ``### BEGIN SOLUTION`` ... ``### END SOLUTION``
block becomes ``# YOUR CODE HERE`` / ``raise NotImplementedError()``; every
hidden-test block is removed (a cell left empty is dropped); outputs are
cleared; cells that may raise in a student copy (answers and examples) get
nbval's ``raises-exception`` tag. Cell ids and grading metadata are kept, so
the grader can match the learner's cells. The hidden tests' fingerprints are
recorded in ``<source>/hidden-tests.sha256.json`` (``manifest.py``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from course_lib.grading import manifest
from course_lib.grading.notebook import (
    HIDDEN,
    SOLUTION,
    blocks,
    read_cells,
    strip_hidden,
    strip_solution,
)

__all__ = ["student_copy", "release", "ReleaseError"]

RAISES = "raises-exception"


class ReleaseError(Exception):
    """A solution notebook is malformed (unbalanced markers, an answer cell without a solution)."""


def student_copy(nb, name: str = "notebook"):
    """The student version of a solution notebook (an nbformat NotebookNode)."""
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    out.nbformat, out.nbformat_minor = 4, max(nb.nbformat_minor, 5)
    for cell in nb.cells:
        cell = nbformat.from_dict(dict(cell))
        where = f"{name} cell {cell.get('id')!r}"
        role = cell.get("metadata", {}).get("grading", {}).get("role")
        try:
            solutions, hidden = blocks(cell.source, SOLUTION), blocks(cell.source, HIDDEN)
        except ValueError as exc:
            raise ReleaseError(f"{where}: {exc}") from None
        if role == "answer" and not solutions:
            raise ReleaseError(f"{where}: an answer cell needs a ### BEGIN SOLUTION block")
        source = strip_hidden(strip_solution(cell.source))
        if hidden and not source.strip():
            continue
        cell.source = source
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            tags = list(cell.metadata.get("tags", []))
            if role in ("answer", "example") and RAISES not in tags:
                cell.metadata["tags"] = tags + [RAISES]
        out.cells.append(cell)
    return out


def release(source="solutions", dest="exercises", check: bool = False) -> list[str]:
    """Write (or with ``check``, only compare) every student copy; returns what differs."""
    source, dest = Path(source), Path(dest)
    if not source.is_dir():
        raise ReleaseError(f"--source must be a folder of solution notebooks; {source} is not")
    changed = []
    wanted = set()
    prints = {}
    for path in sorted(source.glob("ex*.ipynb")):
        cells, metadata, _ = read_cells(path)
        prints[path.name] = manifest.fingerprint(cells, metadata)
        nb = nbformat.read(path, as_version=4)
        text = nbformat.writes(student_copy(nb, path.name)) + "\n"
        target = dest / path.name
        wanted.add(target.name)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            changed.append(str(target))
            if not check:
                dest.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    if dest.is_dir():
        extra = [str(p) for p in sorted(dest.glob("ex*.ipynb")) if p.name not in wanted]
        changed.extend(f"{p} (no solution notebook for it)" for p in extra)
    try:
        recorded = manifest._read(source)
    except manifest.ManifestError:
        recorded = None
    if recorded != prints:
        changed.append(f"{source / manifest.MANIFEST} (hidden tests changed since release)")
        if not check:
            manifest.write_manifest(source, prints)
    return changed
