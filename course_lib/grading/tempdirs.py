"""The grader's temporary folders: named after the process that owns them, swept when it is gone.

A folder is ``<tmp>/course-grading-<pid>-<start>-<ns>-<random>``: ``pid`` and ``start`` (the
process's start time from ``/proc``, so a reused pid does not look alive) name its owner,
and ``ns`` its pid namespace (a container sharing ``/tmp`` sees other pids: its folders are
never judged from here).
A grader killed by SIGKILL cannot clean up after itself; the next run does, with
``clean_stale_temp_dirs()``. Only folders of this shape, owned by this OS user, whose owner
process is gone, are removed (and an older version's ``course-grading-<random>`` folders once
they are a day old); nothing is followed through a symbolic link.

>>> folder = make_temp_dir()
>>> folder.name.startswith(f"course-grading-{os.getpid()}-")
True
>>> folder in clean_stale_temp_dirs()  # its owner (this process) is alive
False
>>> remove_temp_dir(folder); folder.exists()
False
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from pathlib import Path

__all__ = ["PREFIX", "make_temp_dir", "clean_stale_temp_dirs", "remove_temp_dir"]

PREFIX = "course-grading-"
_NAME = re.compile(r"course-grading-(\d+)-(\d+)-(\d+)-[0-9a-f]{8}")
# older versions named their folders by mkdtemp alone: removed once a day old
_OLD_NAME = re.compile(r"course-grading-[a-z0-9_]{8}")
OLD_NAME_AGE = 24 * 3600


def _pid_namespace() -> int:
    """The inode of this process's pid namespace (0 when unknown)."""
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


def _start_time(pid: int) -> int:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat); 0 when
    unknown (no /proc), -1 when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat_line = f.read()
    except FileNotFoundError:
        return -1
    except OSError:
        return 0
    fields = stat_line.rsplit(b")", 1)[-1].split()  # the command name may hold spaces and ')'
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return 0


def _alive(pid: int, start: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, though not ours
        pass
    now = _start_time(pid)
    if now == -1:
        return False
    return start == 0 or now == 0 or now == start  # a different start time: the pid was reused


def make_temp_dir(parent=None) -> Path:
    """A new private (0700) folder ``course-grading-<pid>-<start>-<random>`` in ``parent``
    (default: the system's temporary folder). Remove it with ``remove_temp_dir``."""
    parent = Path(parent if parent is not None else tempfile.gettempdir())
    pid = os.getpid()
    start = max(_start_time(pid), 0)
    owner = f"{pid}-{start}-{_pid_namespace()}"
    for _ in range(100):
        path = parent / f"{PREFIX}{owner}-{secrets.token_hex(4)}"
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"could not create a fresh temporary folder in {parent}")


def remove_temp_dir(path) -> None:
    """Remove a folder made by ``make_temp_dir``, with everything inside it."""
    shutil.rmtree(path, ignore_errors=True)


def clean_stale_temp_dirs(parent=None) -> list[Path]:
    """Remove the grader folders of this user and pid namespace whose owning process has
    ended; returns them."""
    parent = Path(parent if parent is not None else tempfile.gettempdir())
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    uid, namespace = os.getuid(), _pid_namespace()
    for entry in entries:
        match = _NAME.fullmatch(entry.name)
        old = _OLD_NAME.fullmatch(entry.name)
        if not old and (not match or int(match[3]) != namespace):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid:
            continue
        if old and time.time() - info.st_mtime < OLD_NAME_AGE:
            continue
        if match and _alive(int(match[1]), int(match[2])):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.lexists(entry.path):
            removed.append(Path(entry.path))
    return removed
