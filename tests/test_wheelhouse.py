"""The offline install: build the wheelhouse, install from it into a fresh venv with no index
and no pip configuration, then import the course and run the PyTorch notebook in that venv."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

pytestmark = pytest.mark.slow

RUN_NOTEBOOK = """
import sys
import nbclient, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
probe = "import sys, torch; print(sys.executable, torch.__version__)"
nb.cells.append(nbformat.v4.new_code_cell(probe))
where = {"metadata": {"path": sys.argv[2]}}
nbclient.NotebookClient(nb, kernel_name="python3", timeout=300, resources=where).execute()
errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
print("errors:", len(errors))
print(nb.cells[-1].outputs[0]["text"].strip())
"""


def offline_env() -> dict:
    """No pip configuration file, no PIP_* variable: only what the command line says."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def test_the_wheelhouse_installs_offline_and_runs_the_course(tmp_path):
    from wheelhouse import build

    house = tmp_path / "wheelhouse"
    got = build(house)
    assert got["cuda"] == [] and len(got["torch"]) == 1
    assert any(w.name.startswith("course_lib-") for w in house.glob("*.whl"))

    target = tmp_path / "laptop"
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-index", "--find-links", str(house),
         "-r", str(house / "requirements.txt")],
        env=offline_env(), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]

    imported = subprocess.run(
        [str(python), "-c", "import course_lib, course_lib.mlp, sys; print(course_lib.__file__)"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith(str(target))  # the installed wheel, not this checkout

    (notebook,) = sorted((ROOT / "notebooks").glob("*_pytorch.ipynb"))
    ran = subprocess.run(
        [str(python), "-c", RUN_NOTEBOOK, str(notebook), str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "errors: 0" in ran.stdout
    executable, version = ran.stdout.strip().splitlines()[-1].split()
    assert Path(executable).parent == target / "bin"  # the kernel ran in the offline venv
    assert version.startswith("2.13.0")
