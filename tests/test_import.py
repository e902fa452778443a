"""`import course_lib` stays light: no torch, no matplotlib, no ipywidgets."""

import json
import subprocess
import sys


def test_import_course_lib_does_not_import_heavy_packages():
    code = (
        "import sys, json, course_lib, course_lib.mlp, course_lib.walkthrough, "
        "course_lib.gradcheck, course_lib.torch_bridge; "
        "print(json.dumps([m for m in ('torch', 'matplotlib', 'ipywidgets') if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
