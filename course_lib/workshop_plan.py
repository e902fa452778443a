"""Workshop timings from a stated model, not a measurement: reading, cells, checks, exercises.

The model, per notebook: its Markdown words at ``WORDS_PER_MINUTE`` (a careful reading
speed for technical text), ``CELL_MINUTES`` per code cell (run it, read its output),
``CHECK_MINUTES`` per self-check, ``WIDGET_MINUTES`` per slider or stepper to explore; per
exercise, ``MINUTES_PER_POINT`` per point. A half day and a full day are then filled in course
order, with breaks, until the time runs out: the half day with the notebooks only (exercises
as homework), the full day with each exercise right after the notebook it practises, and
lunch. docs/WORKSHOP.md shows ``markdown()``; a test keeps the two in step.

>>> MODEL["words_per_minute"], MODEL["minutes_per_point"]
(150, 5)
>>> day_plan(HALF_DAY_MINUTES)[0]
('09:00', '00', 'Start here', 26)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from course_lib.course_map import COURSE

__all__ = ["MODEL", "Item", "notebook_minutes", "exercise_minutes", "day_plan", "markdown"]

ROOT = Path(__file__).resolve().parents[1]
WORDS_PER_MINUTE = 150
CELL_MINUTES = 1
CHECK_MINUTES = 3
WIDGET_MINUTES = 5
MINUTES_PER_POINT = 5
MODEL = {
    "words_per_minute": WORDS_PER_MINUTE,
    "cell_minutes": CELL_MINUTES,
    "check_minutes": CHECK_MINUTES,
    "widget_minutes": WIDGET_MINUTES,
    "minutes_per_point": MINUTES_PER_POINT,
}
HALF_DAY_MINUTES = 3 * 60 + 30  # 09:00-12:30
FULL_DAY_MINUTES = 7 * 60 + 30  # 09:00-16:30, lunch included
BREAK_EVERY, BREAK_MINUTES, LUNCH_MINUTES = 90, 15, 60
WIDGETS = ("training_playground(", "backward_stepper(", "Playground(", "Slider(")
# each exercise right after the notebook it practises (its number in the course map)
# each graded exercise right after the notebook that teaches it, as the course map says
EXERCISE_AFTER = {
    exercise.removesuffix(".ipynb"): notebook.number
    for notebook in COURSE
    for exercise in notebook.exercises
}


@dataclass(frozen=True)
class Item:
    number: str  # the notebook's number, or the exercise's name
    title: str
    minutes: int


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def notebook_minutes(path) -> int:
    """The model's minutes for one notebook."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    words = sum(len(_source(c).split()) for c in cells if c["cell_type"] == "markdown")
    code = [_source(c) for c in cells if c["cell_type"] == "code"]
    checks = sum(".check(" in s for s in code)
    widgets = sum(any(w in s for w in WIDGETS) for s in code)
    minutes = words / WORDS_PER_MINUTE + CELL_MINUTES * len(code)
    return math.ceil(minutes + CHECK_MINUTES * checks + WIDGET_MINUTES * widgets)


def exercise_minutes(path) -> int:
    """The model's minutes for one graded exercise: its points times MINUTES_PER_POINT."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    points = sum(
        c.get("metadata", {}).get("grading", {}).get("points", 0)
        for c in cells
        if c.get("metadata", {}).get("grading", {}).get("role") == "answer"
    )
    return math.ceil(points * MINUTES_PER_POINT)


def items(root=ROOT, exercises: bool = True) -> list[Item]:
    """The course in order, each exercise (if wanted) after its notebook."""
    root = Path(root)
    out = []
    for nb in COURSE:
        out.append(Item(nb.number, nb.title, notebook_minutes(root / "notebooks" / nb.file)))
        for name, after in EXERCISE_AFTER.items():
            path = root / "solutions" / f"{name}.ipynb"
            if exercises and after == nb.number and path.exists():
                out.append(Item(name, "graded exercise", exercise_minutes(path)))
    return out


def _at(clock: int) -> str:
    return f"{clock // 60:02d}:{clock % 60:02d}"


def day_plan(budget: int, root=ROOT, exercises: bool = False) -> list[tuple[str, str, str, int]]:
    """(start, what, title, minutes) rows filling ``budget`` minutes from 09:00.

    A break comes before an item that would run past BREAK_EVERY minutes without one; the
    first break from 12:00 on is lunch when the day runs into the afternoon.
    """
    rows, clock, since_break, lunch = [], 9 * 60, 0, False
    end = clock + budget
    for item in items(root, exercises):
        if since_break + item.minutes > BREAK_EVERY and since_break > 0:
            is_lunch = not lunch and clock >= 12 * 60 and end > 13 * 60 + 30
            pause = LUNCH_MINUTES if is_lunch else BREAK_MINUTES
            if clock + pause + item.minutes > end:
                break
            rows.append((_at(clock), "lunch" if is_lunch else "break", "", pause))
            clock, since_break, lunch = clock + pause, 0, lunch or is_lunch
        if clock + item.minutes > end:
            break
        rows.append((_at(clock), item.number, item.title, item.minutes))
        clock, since_break = clock + item.minutes, since_break + item.minutes
    return rows


def markdown(root=ROOT) -> str:
    """The half-day and full-day plans as Markdown tables."""
    parts = []
    days = (("Half day", HALF_DAY_MINUTES, False), ("Full day", FULL_DAY_MINUTES, True))
    for name, budget, exercises in days:
        rows = day_plan(budget, root, exercises)
        used = sum(r[3] for r in rows)
        parts += [f"**{name}** ({budget // 60} h {budget % 60:02d} min; planned {used} min)", ""]
        parts += ["| Start | Notebook or exercise | | Minutes |", "|---|---|---|---|"]
        parts += [f"| {start} | {what} | {title} | {m} |" for start, what, title, m in rows]
        parts.append("")
    return "\n".join(parts).rstrip()


if __name__ == "__main__":
    print(markdown())
