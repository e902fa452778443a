"""An assignment as the grader sees it: the instructor's notebook in solutions/, read once.

The notebook's metadata ``grading`` gives the worker's settings
(``preload``, ``blocked``, ``timeout``, ``memory_mb``); each cell's metadata
``grading`` gives its role:

- ``setup``: run in the worker, always the instructor's version;
- ``answer``: the learner's code for one part (``grade_id``, ``points``,
  ``defines``), spliced from the submission; what a part may not use or must use is its
  ``Rule`` in ``rules.py``;
- ``hidden``: hidden tests, run only in the grader's own process;
- ``check``, ``example`` (or none): shown to the learner, never run by the grader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from course_lib.grading import hidden, manifest
from course_lib.grading.notebook import Cell, NotebookError, hidden_code, read_cells
from course_lib.grading.rules import Rule, rule_for

__all__ = ["Part", "Assignment", "load_assignment", "find_notebook", "AssignmentError"]

DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "solutions"


class AssignmentError(Exception):
    """The instructor's notebook is missing or inconsistent."""


@dataclass
class Part:
    grade_id: str
    points: float
    cell: Cell
    defines: tuple[str, ...]
    rule: Rule = Rule()
    test: object = None


@dataclass
class Assignment:
    name: str
    path: Path
    cells: list[Cell]
    parts: list[Part]
    preload: tuple[str, ...] = ("numpy",)
    blocked: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    timeout: float = 10.0
    memory_mb: int = 512
    settings: dict = field(default_factory=dict)

    @property
    def max_score(self) -> float:
        return float(sum(p.points for p in self.parts))

    def part(self, grade_id: str) -> Part:
        return next(p for p in self.parts if p.grade_id == grade_id)


def find_notebook(name: str, source=None) -> Path:
    """The notebook in ``source`` whose name is ``name`` or starts with ``name`` + '_'."""
    folder = Path(source) if source is not None else _default_source()
    if not folder.is_dir():
        raise AssignmentError(f"--source must be a folder of solution notebooks; {folder} is not")
    stem = name[:-6] if name.endswith(".ipynb") else name
    found = sorted(
        p for p in folder.glob("*.ipynb") if p.stem == stem or p.stem.startswith(stem + "_")
    )
    if len(found) != 1:
        names = ", ".join(p.stem for p in sorted(folder.glob("*.ipynb"))) or "none"
        what = "no" if not found else "more than one"
        raise AssignmentError(f"ASSIGNMENT {name!r} matches {what} notebook in {folder} ({names})")
    return found[0]


def _default_source() -> Path:
    here = Path("solutions")
    return here if here.is_dir() else DEFAULT_SOURCE


def _strings(value, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AssignmentError(f"{what} must be a list of strings, got {value!r}")
    return tuple(value)


def load_assignment(name: str, source=None) -> Assignment:
    """Read the solution notebook and collect its hidden tests (without running them)."""
    path = find_notebook(name, source)
    try:
        cells, meta, _ = read_cells(path)
    except NotebookError as exc:
        raise AssignmentError(f"{path}: {exc}") from None
    try:
        manifest.verify(path.parent, path.name, cells, meta)
    except manifest.ManifestError as exc:
        raise AssignmentError(str(exc)) from None
    settings = meta.get("grading", {})
    parts, hidden_sources = [], []
    for cell in cells:
        g = cell.grading
        if cell.role == "answer":
            where = f"{path.name} cell {cell.id!r}"
            points = g.get("points")
            if not cell.grade_id or type(points) not in (int, float) or points <= 0:
                raise AssignmentError(f"{where}: an answer cell needs grade_id and points > 0")
            defines = _strings(g.get("defines"), f"{where} defines")
            if not defines:
                raise AssignmentError(f"{where}: 'defines' must name what the learner writes")
            if "forbid" in g or "require" in g:
                raise AssignmentError(
                    f"{where}: forbid/require are declared in course_lib/grading/rules.py "
                    "(one source for the grader and check()), not in the notebook"
                )
            rule = rule_for(path.stem, cell.grade_id)
            parts.append(Part(cell.grade_id, float(points), cell, defines, rule))
        elif cell.role == "hidden":
            hidden_sources.append(hidden_code(cell.source))
    ids = [p.grade_id for p in parts]
    if len(set(ids)) != len(ids) or not parts:
        raise AssignmentError(f"{path.name}: grade_ids must be unique and present, got {ids}")
    with hidden.collecting() as tests:
        namespace = {"__name__": f"hidden_tests_{path.stem}"}
        for code in hidden_sources:
            exec(compile(code, f"<hidden tests of {path.name}>", "exec"), namespace)
    if set(tests) != set(ids):
        raise AssignmentError(
            f"{path.name}: hidden tests cover {sorted(tests)}, answer cells are {sorted(ids)}"
        )
    for part in parts:
        part.test = tests[part.grade_id]
    return Assignment(
        name=path.stem,
        path=path,
        cells=cells,
        parts=parts,
        preload=_strings(settings.get("preload", ["numpy"]), "preload"),
        blocked=_strings(settings.get("blocked", []), "blocked"),
        allowed=_strings(settings.get("allowed", []), "allowed"),
        timeout=float(settings.get("timeout", 10.0)),
        memory_mb=int(settings.get("memory_mb", 512)),
        settings=settings,
    )
