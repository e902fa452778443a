"""Collect every pinned wheel, the course's own included, into one folder for offline installs.

    python tools/wheelhouse.py --out wheelhouse        (or: make wheelhouse)

Then, on a laptop with no network (the folder copied from a USB stick):

    python3 -m venv .venv
    .venv/bin/pip install --no-index --find-links wheelhouse -r wheelhouse/requirements.txt

The wheels are for this machine's platform and Python (``pip wheel`` resolves the markers in
requirements.txt for the running interpreter): build one wheelhouse per kind of laptop.

PyTorch: on Linux, PyPI's torch wheel needs the CUDA libraries (several GB of nvidia-* wheels).
The CPU-only build (``torch==2.13.0+cpu``) satisfies the pin ``torch==2.13.0`` too, and pip
prefers it when it can see it: give its location with ``--torch-from`` (a folder of wheels or
an index such as PyTorch's CPU index, https://download.pytorch.org/whl/cpu). On this project's
machines pip's own configuration already lists such a folder (``pip config list``: find-links).
The script says which torch wheel it took and fails if CUDA wheels came along, unless told
``--allow-cuda``. macOS and Windows wheels of torch on PyPI are CPU-only already.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def requirement_lines(path: Path) -> list[str]:
    """requirements.txt without comments and without the editable course (added as a wheel)."""
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #")[0].strip()
        if line and not line.startswith("#") and not line.startswith("-e"):
            lines.append(line)
    return lines


def course_version() -> str:
    for line in (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines():
        if line.startswith("version = "):
            return line.split('"')[1]
    raise ValueError("pyproject.toml has no version line")


def build(out: Path, torch_from: str = "", allow_cuda: bool = False) -> dict:
    """Fill ``out`` with wheels and a requirements.txt for them; returns what it holds."""
    out.mkdir(parents=True, exist_ok=True)
    pins = requirement_lines(ROOT / "requirements.txt") + [f"course_lib=={course_version()}"]
    (out / "requirements.txt").write_text(
        "# Install offline: pip install --no-index --find-links <this folder> -r <this file>\n"
        + "\n".join(pins)
        + "\n",
        encoding="utf-8",
    )
    extra = []
    if torch_from:
        option = "--extra-index-url" if "://" in torch_from else "--find-links"
        extra = [option, torch_from]
    cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(out), *extra]
    subprocess.run(cmd + pins[:-1] + [str(ROOT)], check=True)  # the pins, and the course
    wheels = sorted(out.glob("*.whl"))
    torch = [w.name for w in wheels if w.name.startswith("torch-")]
    cuda = [w.name for w in wheels if w.name.startswith(("nvidia_", "nvidia-", "triton-"))]
    if cuda and not allow_cuda:
        raise SystemExit(
            f"the wheelhouse took the CUDA build of torch ({', '.join(torch)}) and "
            f"{len(cuda)} CUDA wheels; give --torch-from with the CPU build's location "
            "(or --allow-cuda to keep them)"
        )
    return {
        "wheels": len(wheels),
        "bytes": sum(w.stat().st_size for w in wheels),
        "torch": torch,
        "cuda": cuda,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python tools/wheelhouse.py", description=__doc__.split("\n")[0]
    )
    p.add_argument("--out", default="wheelhouse", help="folder to fill (default wheelhouse)")
    p.add_argument("--torch-from", default="", help="folder or index URL holding torch's CPU build")
    p.add_argument("--allow-cuda", action="store_true", help="keep CUDA wheels if pip takes them")
    args = p.parse_args(argv)
    got = build(Path(args.out), args.torch_from, args.allow_cuda)
    print(
        f"{args.out}: {got['wheels']} wheels, {got['bytes'] / 2**20:.0f} MiB; "
        f"torch: {', '.join(got['torch']) or 'none'}; CUDA wheels: {len(got['cuda'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
