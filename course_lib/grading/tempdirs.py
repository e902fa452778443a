"""The grader's temporary folders: one per sandbox, removed at the end, and after a crash.

Each folder is ``<tmp>/course-grading-<pid>-<random>``. A grader killed by SIGKILL cannot
clean up, so every run first removes the folders whose process is gone (and folders of older
versions, named without a pid, once they are a day old).

>>> folder = make_temp_dir()
>>> folder.name.startswith(f"course-grading-{os.getpid()}-")
True
>>> remove_temp_dir(folder); folder.exists()
False
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

__all__ = ["make_temp_dir", "remove_temp_dir", "clean_stale_temp_dirs", "PREFIX"]

PREFIX = "course-grading-"
OLD_FORMAT_AGE = 24 * 3600  # seconds: a pid-less folder this old belongs to no running grader


def make_temp_dir() -> Path:
    """A new private folder (mode 700) owned by this process."""
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))


def remove_temp_dir(path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def clean_stale_temp_dirs(root=None) -> list[Path]:
    """Remove this user's grading folders whose grader process has ended; returns them."""
    root = Path(root) if root is not None else Path(tempfile.gettempdir())
    removed = []
    for path in root.glob(PREFIX + "*"):
        pid_text = path.name[len(PREFIX) :].split("-")[0]
        try:
            owned = path.lstat().st_uid == os.getuid() and path.is_dir() and not path.is_symlink()
        except OSError:
            continue
        stale = pid_text.isdigit() and not _alive(int(pid_text))
        if owned and not pid_text.isdigit():  # an older grader's folder, named without its pid
            stale = time.time() - path.lstat().st_mtime > OLD_FORMAT_AGE
        if owned and stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
