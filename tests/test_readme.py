"""README stays true: its course map is the generated one, its two commands exist."""

import re
from pathlib import Path

from course_lib.course_map import COURSE, markdown

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_course_map_is_the_generated_one():
    body = README.split("<!-- course map:")[1].split("-->", 1)[1]
    body = body.split("<!-- end of course map -->")[0].strip()
    assert body == markdown("notebooks/")


def test_every_linked_notebook_exists():
    for notebook in COURSE:
        assert (ROOT / "notebooks" / notebook.file).exists(), notebook.file
    for link in re.findall(r"\]\(([^)]+\.(?:ipynb|md))\)", README):
        assert (ROOT / link).exists(), link


def test_quick_start_has_exactly_two_commands_and_make_has_them():
    quick = README.split("## Quick start")[1].split("```")[1]
    commands = [line.split("#")[0].strip() for line in quick.strip().splitlines()]
    assert commands == ["make lab", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lab:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
