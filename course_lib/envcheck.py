"""Notebook 00's environment check: is everything the course needs installed?

``check_environment()`` looks up each package (without importing the heavy
ones) and compares it with the version pinned in the course's
requirements.txt; ``report()`` says in plain words what is missing and the
command that fixes it.

>>> rows = check_environment()
>>> [r.name for r in rows][:3]
['python', 'numpy', 'matplotlib']
>>> all(r.status in ("ok", "different version", "missing", "too old") for r in rows)
True
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["Requirement", "check_environment", "report", "marker_applies", "PACKAGES"]

# what each package is for, in the learner's words
PACKAGES = {
    "numpy": "arrays: the manual forward and backward passes",
    "matplotlib": "every figure",
    "torch": "notebooks 06 and 08 (PyTorch)",
    "ipywidgets": "the sliders in notebooks 05 and 07",
    "jupyterlab_widgets": "lets JupyterLab draw those sliders",
    "anywidget": "draws the playgrounds and stepper in the browser",
    "jupyterlab": "the notebook interface itself",
    "ipykernel": "the Python kernel the notebooks run in",
}
MIN_PYTHON = (3, 10)
REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"


@dataclass(frozen=True)
class Requirement:
    name: str
    purpose: str
    wanted: str | None  # the pinned version, if requirements.txt is there
    found: str | None  # the installed version, None if missing
    status: str  # 'ok', 'different version', 'missing' or 'too old'
    advice: str


def _marker_environment() -> dict[str, str]:
    """The values environment markers (PEP 508) compare against, for this Python."""
    import os
    import platform

    return {
        "python_version": ".".join(map(str, sys.version_info[:2])),
        "python_full_version": platform.python_version(),
        "sys_platform": sys.platform,
        "platform_system": platform.system(),
        "os_name": os.name,
        "implementation_name": sys.implementation.name,
    }


_OPS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_CLAUSE = re.compile(r"""^\s*(\w+)\s*(==|!=|<=|>=|<|>)\s*["']([^"']*)["']\s*$""")


def marker_applies(marker: str, env: dict[str, str] | None = None) -> bool:
    """Whether a requirement's marker (after its ``;``) holds here.

    Handles comparisons joined by ``and`` / ``or`` (no parentheses), which is
    all requirements.txt uses; versions compare as numbers, so "3.9" < "3.11".

    >>> marker_applies('python_version < "3.11"', {"python_version": "3.10"})
    True
    >>> marker_applies('python_version >= "3.11"', {"python_version": "3.10"})
    False
    """
    env = _marker_environment() if env is None else env

    def clause(text: str) -> bool:
        match = _CLAUSE.match(text)
        if not match or match[1] not in env:
            raise ValueError(f"requirements.txt: marker not understood: {text.strip()!r}")
        have, op, want = env[match[1]], match[2], match[3]
        if match[1].endswith("_version"):
            have, want = _version_tuple(have), _version_tuple(want)
        return _OPS[op](have, want)

    return any(
        all(clause(part) for part in alternative.split(" and "))
        for alternative in marker.split(" or ")
    )


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text))


def pinned_versions(path: Path = REQUIREMENTS, env: dict[str, str] | None = None) -> dict[str, str]:
    """``{package: version}`` from the ``name==version`` lines of requirements.txt that apply
    to this Python: a line whose environment marker (``; python_version < "3.11"``) does not
    hold here is skipped, as pip skips it."""
    pins = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return pins
    for line in lines:
        line = line.split("#", 1)[0].strip()
        line, _, marker = line.partition(";")
        try:
            applies = not marker.strip() or marker_applies(marker, env)
        except ValueError:  # a marker this check cannot read: no pin to compare with
            applies = False
        if "==" not in line or not applies:
            continue
        name, version = line.split("==", 1)
        pins[name.strip().lower()] = version.strip()
    return pins


def _install_command(name: str, version: str | None) -> str:
    spec = f"{name}=={version}" if version else name
    if name == "torch":
        return f"pip install {spec} --index-url https://download.pytorch.org/whl/cpu"
    return f"pip install {spec}"


def check_environment(pins: dict[str, str] | None = None) -> list[Requirement]:
    """One Requirement for Python and one for each package in PACKAGES."""
    pins = pinned_versions() if pins is None else pins
    rows = []
    py = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] >= MIN_PYTHON:
        rows.append(Requirement("python", "the language", None, py, "ok", ""))
    else:
        wanted = ".".join(map(str, MIN_PYTHON))
        rows.append(
            Requirement(
                "python",
                "the language",
                f">= {wanted}",
                py,
                "too old",
                f"install Python {wanted} or newer, then recreate the environment (make install)",
            )
        )
    for name, purpose in PACKAGES.items():
        wanted = pins.get(name)
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            found = None
        if found is None:
            status = "missing"
            advice = f"install it: {_install_command(name, wanted)}  (or: make install)"
        elif wanted and found.split("+", 1)[0] != wanted:  # 2.13.0+cpu is 2.13.0
            status = "different version"
            advice = (
                f"works in most cases; the course was tested with {wanted}. To match it: "
                f"{_install_command(name, wanted)}"
            )
        else:
            status, advice = "ok", ""
        rows.append(Requirement(name, purpose, wanted, found, status, advice))
    return rows


WIDTH = 88  # the report's lines fit a notebook output cell without wrapping mid-word


def _wrapped(text: str) -> list[str]:
    """``text`` broken between words into lines of at most WIDTH characters; a command
    (``pip install ...``) is kept whole on a line of its own."""
    head, sep, command = text.partition("pip install ")
    lines = textwrap.wrap(head, WIDTH, subsequent_indent="  ", break_long_words=False)
    if sep:
        lines.append("    " + sep + command)
    return lines


def report(rows: list[Requirement] | None = None) -> str:
    """A plain-text report: one line per requirement, then what to do (if anything)."""
    rows = check_environment() if rows is None else rows
    width = max(len(r.name) for r in rows)
    lines = []
    for r in rows:
        mark = "ok " if r.status == "ok" else "!! "
        found = r.found or "not installed"
        lines.append(f"{mark}{r.name:<{width}}  {found:<14} {r.purpose}")
    problems = [r for r in rows if r.status != "ok"]
    lines.append("")
    if not problems:
        lines.append("Everything the course needs is installed. You are ready to start.")
    else:
        blocking = [r for r in problems if r.status in ("missing", "too old")]
        if blocking:
            lines.append("Missing pieces (the notebooks named above will not run without them):")
        for r in problems:
            lines.extend(_wrapped(f"- {r.name} ({r.status}): {r.advice}"))
        lines.append("After installing, restart the kernel (Kernel > Restart Kernel) and rerun.")
    return "\n".join(lines)
