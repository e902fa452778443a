"""The release manifest: a hash of everything the grader trusts in each solution notebook.

``release`` writes ``<source>/hidden-tests.sha256.json``; ``grade`` and ``release --check``
refuse a solution notebook whose hidden tests, setup cells or grading metadata changed since
then. A changed test is then a decision the instructor took (and released), never a file that
something else rewrote between two batches.

>>> from course_lib.grading.notebook import Cell
>>> cells = [Cell(0, "code", "x = 1", "a", {"grading": {"role": "setup"}})]
>>> len(fingerprint(cells, {"grading": {"timeout": 10}}))
64
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from course_lib.grading.notebook import Cell, hidden_code

__all__ = ["MANIFEST", "fingerprint", "write_manifest", "verify", "ManifestError"]

MANIFEST = "hidden-tests.sha256.json"
_TRUSTED = ("setup", "hidden", "answer")


class ManifestError(Exception):
    """The hidden tests differ from what was released; the message says which and what to do."""


def fingerprint(cells: list[Cell], metadata: dict) -> str:
    """sha256 of the notebook's grading settings, setup code, hidden tests and answer metadata."""
    trusted = []
    for cell in cells:
        role = cell.role
        if role not in _TRUSTED:
            continue
        source = hidden_code(cell.source) if role == "hidden" else cell.source
        trusted.append([role, cell.id, cell.grading, source if role != "answer" else ""])
    text = json.dumps([metadata.get("grading"), trusted], sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def write_manifest(source, prints: dict[str, str]) -> Path:
    path = Path(source) / MANIFEST
    path.write_text(json.dumps(prints, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _read(source) -> dict:
    path = Path(source) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(
            f"{path} is missing: run `python -m course_lib.grading release --source {source}` "
            "to record the hidden tests you release"
        ) from None
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path} cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path} is not a manifest")
    return data


def verify(source, name: str, cells: list[Cell], metadata: dict) -> None:
    """ManifestError unless ``name``'s trusted cells are the ones released."""
    recorded = _read(source).get(name)
    if recorded != fingerprint(cells, metadata):
        raise ManifestError(
            f"the hidden tests or setup of {name} in {source} changed since release; if you "
            f"changed them, run `python -m course_lib.grading release --source {source}` again"
        )
