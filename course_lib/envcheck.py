"""Notebook 00's environment check: is everything the course needs installed?

``check_environment()`` looks up each package (without importing the heavy
ones) and compares it with the version pinned in the course's
requirements.txt; ``report()`` says in plain words what is missing and the
command that fixes it, in the course's language (``course_lib.i18n``).

>>> rows = check_environment()
>>> [r.name for r in rows][:3]
['python', 'numpy', 'matplotlib']
>>> all(r.status in ("ok", "different version", "missing", "too old") for r in rows)
True
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from course_lib import i18n
from course_lib._cli import pad, width, wrap
from course_lib.i18n import N_, translator

__all__ = ["Requirement", "check_environment", "report", "marker_applies", "PACKAGES"]

_ = translator("cli")

# what each package is for, in the learner's words
PACKAGES = {
    "numpy": N_("arrays: the manual forward and backward passes"),
    "matplotlib": N_("every figure"),
    "torch": N_("notebooks 06 and 08 (PyTorch)"),
    "ipywidgets": N_("the sliders in notebooks 05 and 07"),
    "jupyterlab_widgets": N_("lets JupyterLab draw those sliders"),
    "anywidget": N_("draws the playgrounds and stepper in the browser"),
    "jupyterlab": N_("the notebook interface itself"),
    "ipykernel": N_("the Python kernel the notebooks run in"),
}
# the status words as the report shows them (Requirement.status keeps the English word)
STATUS = {
    "ok": N_("ok"),
    "different version": N_("different version"),
    "missing": N_("missing"),
    "too old": N_("too old"),
}
MIN_PYTHON = (3, 10)
REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"


@dataclass(frozen=True)
class Requirement:
    name: str
    purpose: str  # in the course's language, as are the words of advice
    wanted: str | None  # the pinned version, if requirements.txt is there
    found: str | None  # the installed version, None if missing
    status: str  # 'ok', 'different version', 'missing' or 'too old' (in English: a key)
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
    language = _("the language")
    if sys.version_info[:2] >= MIN_PYTHON:
        rows.append(Requirement("python", language, None, py, "ok", ""))
    else:
        wanted = ".".join(map(str, MIN_PYTHON))
        rows.append(
            Requirement(
                "python",
                language,
                f">= {wanted}",
                py,
                "too old",
                _(
                    "install Python {version} or newer, then recreate the environment "
                    "(make install)",
                    version=wanted,
                ),
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
            advice = _(
                "install it: {command}  (or: make install)",
                command=_install_command(name, wanted),
            )
        elif wanted and found.split("+", 1)[0] != wanted:  # 2.13.0+cpu is 2.13.0
            status = "different version"
            advice = _(
                "works in most cases; the course was tested with {version}. To match it: {command}",
                version=wanted,
                command=_install_command(name, wanted),
            )
        else:
            status, advice = "ok", ""
        rows.append(Requirement(name, _(purpose), wanted, found, status, advice))
    if i18n.language() != "en":  # the zh-CN edition's figures need a font with Chinese glyphs
        from course_lib import fonts

        font = fonts.cjk_font()
        status, advice = ("ok", "") if font else ("missing", fonts.install_hint())
        rows.append(Requirement("CJK font", _("Chinese text in figures"), fonts.CJK_FONTS[0],
                                font, status, advice))  # fmt: skip
    return rows


WIDTH = 88  # the report's lines fit a notebook output cell without wrapping mid-word


def _wrapped(text: str) -> list[str]:
    """``text`` broken between words (or Chinese characters) into lines of at most WIDTH
    columns; a command (``pip install ...``) is kept whole on a line of its own."""
    head, sep, command = text.partition("pip install ")
    lines = wrap(head, WIDTH, subsequent_indent="  ")
    if sep:
        lines.append("    " + sep + command)
    return lines


def report(rows: list[Requirement] | None = None) -> str:
    """A plain-text report: one line per requirement, then what to do (if anything)."""
    rows = check_environment() if rows is None else rows
    names = max(width(r.name) for r in rows)
    found = [r.found or _("not installed") for r in rows]
    versions = max([14] + [width(f) for f in found])
    lines = []
    for r, shown in zip(rows, found, strict=True):
        mark = "ok " if r.status == "ok" else "!! "
        lines.append(f"{mark}{pad(r.name, names)}  {pad(shown, versions)} {r.purpose}")
    problems = [r for r in rows if r.status != "ok"]
    lines.append("")
    if not problems:
        lines.append(_("Everything the course needs is installed. You are ready to start."))
    else:
        blocking = [r for r in problems if r.status in ("missing", "too old")]
        if blocking:
            lines.append(_("Missing pieces (the notebooks named above will not run without them):"))
        for r in problems:
            status = _(STATUS.get(r.status, r.status))
            line = _("- {name} ({status}): {advice}", name=r.name, status=status, advice=r.advice)
            lines.extend(_wrapped(line))
        lines.append(_("After installing, restart the kernel (Kernel > Restart Kernel) and rerun."))
    return "\n".join(lines)
