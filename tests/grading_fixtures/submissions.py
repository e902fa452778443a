"""Build submissions for the grading tests from the committed solution and exercise notebooks.

Adversarial submissions are made here in code rather than committed, so they always match the
current solutions: take a solution notebook, replace one answer cell's source, write it out.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
ZH_EXERCISES = EXERCISES / "zh-CN"

# each assignment's total, as stated in its notebook (written out by hand, not read from it)
POINTS = {"ex01": 4, "ex02": 6, "ex03": 6, "ex04": 6, "ex05": 6, "ex06": 6, "ex07": 6}


def notebook_path(folder: Path, prefix: str) -> Path:
    (path,) = sorted(folder.glob(f"{prefix}_*.ipynb"))
    return path


def load(prefix: str, folder: Path = SOLUTIONS) -> dict:
    return json.loads(notebook_path(folder, prefix).read_text(encoding="utf-8"))


def answer_index(nb: dict, grade_id: str) -> int:
    for i, cell in enumerate(nb["cells"]):
        grading = cell.get("metadata", {}).get("grading", {})
        if grading.get("role") == "answer" and grading.get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def with_answer(prefix: str, grade_id: str, source: str, nb: dict | None = None) -> dict:
    """A copy of the solution notebook whose answer for ``grade_id`` is ``source``."""
    nb = copy.deepcopy(nb if nb is not None else load(prefix))
    nb["cells"][answer_index(nb, grade_id)]["source"] = source
    return nb


def write(path: Path, content) -> Path:
    """Write a notebook dict as JSON, or bytes/str as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, dict):
        path.write_text(json.dumps(content, indent=1), encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# Honest answers for ex01 that do not depend on each other (so one broken part breaks only itself).
RELU_OK = "def relu(z):\n    return np.where(z > 0, z, 0.0).astype(np.float64)\n"
FORWARD_OK = (
    "def forward(x, params):\n"
    "    z1 = params['W1'] @ x + params['b1']\n"
    "    a1 = np.maximum(z1, 0.0)\n"
    "    z2 = params['W2'] @ a1 + params['b2']\n"
    "    return {'z1': z1, 'a1': a1, 'z2': z2, 'y_hat': float(z2[0])}\n"
)


def solved(folder, prefix: str, wrong: dict | None = None) -> dict:
    """The learner's copy of exercise ``prefix`` in ``folder``, every answer cell holding the
    solution's code, or the source ``wrong`` gives for its grade_id."""
    nb, solution = load(prefix, folder), load(prefix)
    for cell in nb["cells"]:
        grading = cell.get("metadata", {}).get("grading", {})
        if grading.get("role") == "answer":
            grade_id = grading["grade_id"]
            source = solution["cells"][answer_index(solution, grade_id)]["source"]
            cell["source"] = (wrong or {}).get(grade_id, source)
    return nb
