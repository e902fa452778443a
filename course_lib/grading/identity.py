"""Which files are submissions, whose each one is, and what each one's outputs are called.

The layout rule (``--roster FILE`` overrides it file by file):

- In a folder given on the command line, a file directly inside it is named after its
  learner (``in/alice.ipynb``), and a file in a sub-folder belongs to the first sub-folder
  that is not named like the assignment (``in/alice/ex01_forward_pass.ipynb``,
  ``submitted/alice/ex01/any_name.ipynb``): the folder wins over the file's name, so
  ``submitted/mallory/ex01/bob.ipynb`` is mallory's, never bob's.
- nbgrader's ``submitted/`` (or ``autograded/``) folder counts as the given folder wherever
  it appears in the path, also for a file named on the command line.
- A file named on the command line outside such a layout is named after its learner.
- A name that holds the assignment's name and more (``ex01_forward_pass_alice``,
  ``ex01-alice``, ``alice_ex01``) names the rest (alice); a name that is only the
  assignment's (``ex01``, ``ex01_forward_pass``, ``ex01_forward_pass-Copy1``) names nobody,
  and the nearest folder above that names someone is the learner.

>>> learner_of(Path("submitted/mallory/ex01/bob.ipynb"), "ex01_forward_pass")
'mallory'
>>> learner_of(Path("in/ex01_forward_pass_alice.ipynb"), "ex01_forward_pass")
'alice'

Files that are not regular files (symbolic links, dangling or not, FIFOs, devices) are
never opened: they become *refused* submissions, with the reason, so the gradebook and
the summary show them. Everything else seen but not graded is listed as *skipped*.
"""

from __future__ import annotations

import csv
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.grading.display import MAX_NAME, clip, clip_name, file_stem, for_terminal
from course_lib.grading.language import translator
from course_lib.grading.notebook import MAX_NOTEBOOK_BYTES

__all__ = [
    "Submission",
    "Found",
    "UsageError",
    "find_submissions",
    "learner_of",
    "read_roster",
    "name_outputs",
]

NBGRADER_ROOTS = ("submitted", "autograded")
_COPY = re.compile(r"(-Copy\d*| \(\d+\))$", re.IGNORECASE)
_SEPARATORS = "_-. "
_ = translator("grading")  # the refusals, which the learner reads in their feedback


class UsageError(Exception):
    """A command-line argument is wrong; the message names it."""


@dataclass
class Submission:
    path: Path
    root: Path | None = None  # the folder argument it was found in
    learner: str = ""
    refused: str | None = None  # why it is not graded (it still gets a row)
    name: str = ""  # stem of its output files, unique in the batch


@dataclass
class Found:
    submissions: list[Submission] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why), no row
    notes: list[str] = field(default_factory=list)


def _named(name: str, assignment: str) -> str | None:
    """The learner that a file stem or folder name names; None if it names only the assignment."""
    base = _COPY.sub("", name).strip(_SEPARATORS)
    low = base.casefold()
    full = assignment.casefold()
    short = full.split("_")[0]
    if low in (full, short) or not low:
        return None
    for pre in (full, short):
        if len(low) > len(pre) and low.startswith(pre) and low[len(pre)] in _SEPARATORS:
            rest = base[len(pre) + 1 :].strip(_SEPARATORS)
            tail = full[len(short) + 1 :]
            is_title = pre == short and tail.startswith(rest.casefold())
            if is_title and tail[len(rest) : len(rest) + 1] in ("", "_"):
                return None  # ex01_forward: a shortened title, not a learner
            return rest or None
        if len(low) > len(pre) and low.endswith(pre) and low[-len(pre) - 1] in _SEPARATORS:
            return base[: -len(pre) - 1].strip(_SEPARATORS) or None
    return name


def _effective_root(path: Path, root: Path | None) -> Path:
    """The folder the layout rule starts from: the given folder, or nbgrader's ``submitted/``
    when it appears deeper, or the file's own folder."""
    for folder in path.parents:  # deepest first
        if folder.name in NBGRADER_ROOTS and (root is None or folder.is_relative_to(root)):
            return folder
    return root if root is not None else path.parent


def learner_of(path: Path, assignment: str, root: Path | None = None) -> str:
    """The learner of ``path`` by the layout rule above; ``root`` is the folder argument the
    file was found in (None for a file named on the command line). Names are in Unicode NFC,
    so a name saved decomposed (as macOS does) is the same learner."""
    return unicodedata.normalize("NFC", _learner_of(path, assignment, root))


def _learner_of(path: Path, assignment: str, root: Path | None) -> str:
    base = _effective_root(path, root)
    for folder in path.parent.relative_to(base).parts:
        who = _named(folder, assignment)
        if who:
            return clip_name(who)
    who = _named(path.stem, assignment)
    if who:
        return clip_name(who)
    for folder in path.absolute().parents:
        who = _named(folder.name, assignment) if folder.name else None
        if who:
            return clip_name(who)
    return clip_name(path.stem)


def _refusal(info: os.stat_result, path: Path) -> str | None:
    """Why a file is not opened, in the batch's language (it is never read, so it has no
    language of its own), or None."""
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        if not os.path.exists(path):
            return _("refused: a symbolic link to nothing (dangling), not a notebook file")
        return _("refused: a symbolic link, not a notebook file (submit the notebook itself)")
    if stat.S_ISFIFO(mode):
        return _("refused: a FIFO (named pipe), not a notebook file")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("refused: a device, not a notebook file")
    if stat.S_ISSOCK(mode):
        return _("refused: a socket, not a notebook file")
    if not stat.S_ISREG(mode):
        return _("refused: not a regular file")
    if info.st_size > MAX_NOTEBOOK_BYTES:
        return _(
            "refused: the file is {size} bytes, over the {limit} byte limit (clear the outputs "
            "and resubmit)",
            size=info.st_size,
            limit=MAX_NOTEBOOK_BYTES,
        )
    return None


def _walk(root: Path, found: Found) -> list[tuple[Path, os.stat_result]]:
    """Every ``*.ipynb`` entry under ``root`` with its lstat, never following a symbolic link;
    whatever else is there is listed in ``found.skipped``."""
    entries = []

    def failed(exc: OSError) -> None:
        found.skipped.append((exc.filename or str(root), f"cannot be listed: {exc.strerror}"))

    for top, dirs, files in os.walk(root, onerror=failed):
        kept = []
        for d in sorted(dirs):
            full = Path(top, d)
            if os.path.islink(full):
                found.skipped.append((str(full), "a symbolic link to a folder, not followed"))
            elif d == ".ipynb_checkpoints":
                n = sum(len(f) for _root, _dirs, f in os.walk(full))
                found.skipped.append((str(full), f"Jupyter's autosave copies ({n} files)"))
            else:
                kept.append(d)
        dirs[:] = kept
        for name in sorted(files):
            full = Path(top, name)
            if not name.endswith(".ipynb"):
                found.skipped.append((str(full), "not a .ipynb file"))
                continue
            try:
                entries.append((full, os.lstat(full)))
            except OSError as exc:
                found.skipped.append((str(full), f"cannot be read: {exc.strerror}"))
    return entries


def find_submissions(arguments) -> Found:
    """The submissions among ``arguments`` (files and folders), in input order: each argument
    in turn, a folder's notebooks sorted by path. Learners are not yet set."""
    found = Found()
    seen: dict[str, str] = {}
    for arg in arguments:
        path = Path(arg)
        try:
            info = os.lstat(path)
        except OSError:
            raise UsageError(f"SUBMISSION {str(arg)!r} is neither a file nor a folder") from None
        if stat.S_ISDIR(info.st_mode) or (stat.S_ISLNK(info.st_mode) and path.is_dir()):
            # a folder the instructor named is followed even through a link; nothing inside is
            entries = sorted(_walk(path, found), key=lambda e: e[0].parts)
            root = path
        else:
            entries, root = [(path, info)], None
        for full, info in entries:
            key = _identity(full)
            if key in seen:
                found.skipped.append((str(full), f"the same file as {seen[key]}; graded once"))
                continue
            seen[key] = str(full)
            found.submissions.append(Submission(full, root, refused=_refusal(info, full)))
    if not found.submissions:
        seen_else = ""
        if found.skipped:
            path, why = found.skipped[0]
            seen_else = f" ({len(found.skipped)} other entries skipped, e.g. {path}: {why})"
        raise UsageError(
            for_terminal(f"SUBMISSION: no notebooks found in the given folders{seen_else}")
        )
    return found


def _identity(path: Path) -> str:
    """One key per file however it was reached: its folder resolved, its own name not."""
    return os.path.join(os.path.realpath(path.parent), path.name)


def read_roster(path) -> dict[str, str]:
    """``--roster FILE``: a CSV of ``learner,file`` rows (a header row ``learner,file`` and
    lines starting with ``#`` are allowed); files are relative to the roster's folder.
    Returns {file identity: learner}."""
    where = f"--roster {str(path)!r}"
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"{where} cannot be read: {exc}") from None
    folder = Path(path).parent
    mapping: dict[str, str] = {}
    for number, row in enumerate(rows, 1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and [c.casefold() for c in cells] == ["learner", "file"]:
            continue
        if len(cells) != 2 or not all(cells):
            shown = for_terminal(clip(",".join(row), 80))
            raise UsageError(f"{where}: line {number} should be 'learner,file', got {shown!r}")
        learner, file = cells
        if len(learner) > MAX_NAME:
            raise UsageError(f"{where}: line {number}: the learner id is over {MAX_NAME} chars")
        key = _identity(folder / file)
        if mapping.get(key, learner) != learner:
            raise UsageError(
                f"{where}: line {number}: {file!r} is already {mapping[key]!r}'s, not {learner!r}"
            )
        mapping[key] = learner
    return mapping


def assign_learners(found: Found, assignment: str, roster=None, learner=None) -> None:
    """Set each submission's learner (``learner`` for all, the roster, then the layout rule)
    and note the learners that several files merge into."""
    roster = roster or {}
    used = set()
    for sub in found.submissions:
        key = _identity(sub.path)
        if learner is not None:
            sub.learner = unicodedata.normalize("NFC", clip_name(learner))
        elif key in roster:
            sub.learner = unicodedata.normalize("NFC", roster[key])
            used.add(key)
        else:
            sub.learner = learner_of(sub.path, assignment, sub.root)
    if roster and len(used) < len(roster):
        found.notes.append(
            f"--roster: {len(roster) - len(used)} of its {len(roster)} files are not in this batch"
        )
    by_learner: dict[str, list[Submission]] = {}
    for sub in found.submissions:
        by_learner.setdefault(sub.learner, []).append(sub)
    for who, subs in sorted(by_learner.items()):
        if len(subs) > 1:
            files = ", ".join(str(s.path) for s in subs[:5]) + (", ..." if len(subs) > 5 else "")
            found.notes.append(
                f"learner {who!r} has {len(subs)} files in this batch ({files}); they are "
                "graded as successive attempts in this order (give each learner one file, "
                "a folder of their own, or a --roster line)"
            )


def name_outputs(submissions: list[Submission]) -> None:
    """Give each submission an output file stem: the file's stem, or ``learner__stem`` when
    stems repeat in the batch; safe characters only, bounded, unique (ignoring case)."""
    count: dict[str, int] = {}
    for sub in submissions:
        count[sub.path.stem] = count.get(sub.path.stem, 0) + 1
    taken: set[str] = set()
    for sub in submissions:
        stem = sub.path.stem
        wanted = stem if count[stem] == 1 else f"{sub.learner}__{stem}"
        name, k = file_stem(wanted), 1
        while name.casefold() in taken:
            k += 1
            name = f"{file_stem(wanted, limit=90)}__{k}"
        taken.add(name.casefold())
        sub.name = name
