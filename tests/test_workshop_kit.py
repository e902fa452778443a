"""The workshop kit stays true: its day plans are the model's, the model counts what it says,
the plans keep their own rules, and the Kubernetes files say what the hub test checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from course_lib import workshop_plan as plan
from course_lib.course_map import COURSE

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "WORKSHOP.md").read_text(encoding="utf-8")


def test_the_docs_day_plans_are_the_generated_ones():
    body = DOC.split("<!-- day plans:")[1].split("-->", 1)[1]
    body = body.split("<!-- end of day plans -->")[0].strip()
    assert body == plan.markdown()


def test_a_notebooks_minutes_follow_the_stated_model():
    """Counted here with a regex, not with the module's own split."""
    path = ROOT / "notebooks" / COURSE[0].file
    nb = json.loads(path.read_text(encoding="utf-8"))
    text = lambda c: "".join(c["source"])  # noqa: E731
    words = sum(
        len(re.findall(r"\S+", text(c))) for c in nb["cells"] if c["cell_type"] == "markdown"
    )
    code = [text(c) for c in nb["cells"] if c["cell_type"] == "code"]
    checks = sum("check(" in s for s in code)
    sliders = sum("Slider(" in s for s in code)  # 00 makes an ipywidgets slider
    assert checks > 0 and sliders > 0  # so the count below covers every term of the model
    expected = -(-(words / 150 + len(code) + 3 * checks + 5 * sliders) // 1)  # ceil
    assert plan.notebook_minutes(path) == expected


def test_an_exercise_takes_five_minutes_per_point():
    # ex01: relu (1) + forward (3) points, as docs/INSTRUCTORS.md lists them
    assert plan.exercise_minutes(ROOT / "solutions" / "ex01_forward_pass.ipynb") == 20


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def test_plans_are_contiguous_keep_breaks_and_end_in_time():
    for budget, exercises in ((plan.HALF_DAY_MINUTES, False), (plan.FULL_DAY_MINUTES, True)):
        rows = plan.day_plan(budget, exercises=exercises)
        for (start, _, _, length), (following, _, _, _) in zip(rows, rows[1:], strict=False):
            assert minutes(start) + length == minutes(following)
        last_start, _, _, last_length = rows[-1]
        assert minutes(last_start) + last_length <= 9 * 60 + budget
        run = 0
        for _, what, _, length in rows:
            run = 0 if what in ("break", "lunch") else run + length
            assert run <= plan.BREAK_EVERY or length > plan.BREAK_EVERY
        names = [r[1] for r in rows]
        assert ("ex01_forward_pass" in names) == exercises
        assert names[:3] == ["00", "01", "02"]


def test_the_kubernetes_values_have_limits_nbgitpuller_image_and_culler():
    values = yaml.safe_load((ROOT / "workshop" / "z2jh" / "config.yaml").read_text())
    assert values["cull"] == {"enabled": True, "timeout": 3600, "every": 300}
    assert values["singleuser"]["memory"]["limit"] == "1G"
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == "shared-password"
    dockerfile = (ROOT / "workshop" / "z2jh" / "Dockerfile").read_text()
    assert "-r workshop/requirements.txt" in dockerfile  # jupyterhub and nbgitpuller, pinned
    pins = (ROOT / "workshop" / "requirements.txt").read_text()
    assert re.search(r"^nbgitpuller==", pins, re.M) and re.search(r"^jupyterhub==", pins, re.M)
