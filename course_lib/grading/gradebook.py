"""The gradebook: SQLite, one row per learner, assignment, part and attempt.

Each submission is written in one transaction (its ``submissions`` row and all
its ``grades`` rows, or nothing), so a batch killed midway loses only the
submissions it had not finished, and never leaves half of one. A rerun skips
what is already there (same learner, assignment and file content) unless
asked to regrade, which adds a new attempt and keeps the old ones. Attempts
that ended in a grader error are not "already there": a rerun grades them again.
Each submission's row records the language its messages and notes speak (``en``,
``zh-CN``), so the feedback a rerun writes out again speaks it too.

The file is checked when opened: a table, column, view, trigger or index the
grader did not create is refused (a trigger could rewrite grades). A database
locked by another process is waited for with backoff, up to ``lock_wait``
seconds, then ``GradebookLocked`` says so.
"""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import datetime, timezone

from course_lib.grading.display import clip, clip_name
from course_lib.grading.grader import PartResult, Result
from course_lib.i18n import LANGUAGES

__all__ = ["Gradebook", "GradebookError", "GradebookLocked"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    learner TEXT NOT NULL, assignment TEXT NOT NULL, attempt INTEGER NOT NULL,
    path TEXT NOT NULL, sha256 TEXT NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL,
    score REAL NOT NULL, max_score REAL NOT NULL, notes TEXT NOT NULL,
    duration REAL NOT NULL, graded_at TEXT NOT NULL, sandbox TEXT NOT NULL DEFAULT 'bwrap',
    language TEXT NOT NULL DEFAULT 'en',
    PRIMARY KEY (learner, assignment, attempt)
);
CREATE TABLE IF NOT EXISTS grades (
    learner TEXT NOT NULL, assignment TEXT NOT NULL, part TEXT NOT NULL, attempt INTEGER NOT NULL,
    score REAL NOT NULL, max_score REAL NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    PRIMARY KEY (learner, assignment, part, attempt),
    FOREIGN KEY (learner, assignment, attempt) REFERENCES submissions (learner, assignment, attempt)
);
"""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class GradebookError(ValueError):
    """The gradebook file cannot be used as it is; the message names it and says why."""


class GradebookLocked(GradebookError):
    """Another process held the gradebook locked for longer than we waited."""


def _reference() -> tuple[set, dict, dict]:
    """What SCHEMA creates: its (type, name, table) entries, each table's columns, and the
    words of each table's CREATE statement."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(SCHEMA)
        return _layout(db)
    finally:
        db.close()


def _layout(db) -> tuple[set, dict, dict]:
    entries = set(db.execute("SELECT type, name, tbl_name FROM sqlite_master"))
    tables = [name for kind, name, _ in entries if kind == "table" and '"' not in name]
    columns = {name: db.execute(f'PRAGMA table_xinfo("{name}")').fetchall() for name in tables}
    words = {
        name: set(re.findall(r"[A-Z_]+", (sql or "").upper()))
        for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    }
    return entries, columns, words


def _is_lock(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(exc)


class Gradebook:
    """``Gradebook(path)``; use from one thread (the batch writes from its main thread)."""

    def __init__(self, path, lock_wait: float = 10.0):
        self.path = str(path)
        self.lock_wait = lock_wait
        try:
            self.db = sqlite3.connect(self.path, timeout=0.1, isolation_level=None)
        except sqlite3.Error as exc:
            raise GradebookError(f"--db {self.path!r} is not a usable SQLite file: {exc}") from None
        try:
            self._retry(self._open)
        except GradebookLocked:
            self.db.close()
            raise
        except sqlite3.Error as exc:
            self.db.close()
            raise GradebookError(f"--db {self.path!r} is not a usable SQLite file: {exc}") from None
        except GradebookError:
            self.db.close()
            raise

    def _retry(self, action):
        """``action()``, again with growing pauses while another process holds the lock."""
        deadline = time.monotonic() + self.lock_wait
        pause = 0.05
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                left = deadline - time.monotonic()
                if not _is_lock(exc):
                    raise
                if left <= 0:
                    raise GradebookLocked(
                        f"the gradebook {self.path!r} is locked by another process "
                        f"(waited {self.lock_wait:g} s)"
                    ) from None
                time.sleep(min(pause, left))
                pause = min(pause * 2, 1.0)

    def _open(self) -> None:
        entries, columns, words = _layout(self.db)
        want_entries, want_columns, want_words = _reference()
        extra = sorted(
            entries - want_entries - {e for e in entries if e[1].startswith("sqlite_stat")}
        )
        found = [f"{kind} {name!r}" + (f" on {table!r}" if table != name else "")
                 for kind, name, table in extra]  # fmt: skip
        for table, have in columns.items():
            want = want_columns.get(table)
            if want is None or have == want:
                continue
            if len(have) < len(want) and want[: len(have)] == have:
                continue  # an older gradebook: the new columns are added below
            found.append(f"table {table!r} has columns {[c[1] for c in have]}")
        for table, have in words.items():
            clauses = sorted(have - want_words.get(table, have))  # CHECK, COLLATE, GENERATED...
            if clauses:
                found.append(f"table {table!r} has clauses {', '.join(clauses)}")
        if found:
            raise GradebookError(
                f"--db {self.path!r} has an unexpected schema ({'; '.join(found)}); "
                "the grader created none of these, so it will not write there: restore a "
                "copy you trust or start a new gradebook"
            )
        self.db.executescript(SCHEMA)
        for table, want in want_columns.items():
            have = self.db.execute(f'PRAGMA table_xinfo("{table}")').fetchall()
            for _, name, kind, notnull, default, _, _ in want[len(have) :]:
                rule = (" NOT NULL" if notnull else "") + (
                    f" DEFAULT {default}" if default is not None else ""
                )
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}{rule}")

    def close(self) -> None:
        self.db.close()

    def already_graded(self, learner: str, assignment: str, sha256: str) -> int | None:
        """The attempt that graded (or refused) this exact file for this learner, if any;
        an attempt that ended in a grader error does not count."""
        row = self._retry(
            lambda: self.db.execute(
                "SELECT MAX(attempt) FROM submissions WHERE learner=? AND assignment=?"
                " AND sha256=? AND status IN ('graded', 'refused')",
                (learner, assignment, sha256),
            ).fetchone()
        )
        return row[0]

    def record(self, result: Result) -> int:
        """Store ``result`` as the learner's next attempt, atomically; returns the attempt.
        Messages, notes and the learner's name are clipped to bounded lengths."""
        stamp = now()
        attempt = self._retry(lambda: self._insert(result, stamp))
        result.attempt, result.graded_at = attempt, stamp
        return attempt

    def _insert(self, result: Result, stamp: str) -> int:
        learner = clip_name(result.learner)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            (last,) = self.db.execute(
                "SELECT COALESCE(MAX(attempt), 0) FROM submissions"
                " WHERE learner=? AND assignment=?",
                (learner, result.assignment),
            ).fetchone()
            attempt = last + 1
            self.db.execute(
                "INSERT INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    learner, result.assignment, attempt, clip(result.path), result.sha256,
                    result.seed, result.status, result.score, result.max_score,
                    clip("\n".join(clip(n) for n in result.notes), 10 * 2000),
                    result.duration, stamp, result.sandbox, result.language,
                ),
            )  # fmt: skip
            self.db.executemany(
                "INSERT INTO grades VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        learner, result.assignment, p.grade_id, attempt,
                        p.score, p.max_score, p.status, clip(p.message), stamp,
                    )
                    for p in result.parts
                ],
            )  # fmt: skip
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        return attempt

    def load(self, learner: str, assignment: str, attempt: int) -> Result:
        """A stored attempt as a Result (for reports on submissions a rerun skipped)."""
        return self._retry(lambda: self._load(learner, assignment, attempt))

    def _load(self, learner: str, assignment: str, attempt: int) -> Result:
        row = self.db.execute(
            "SELECT path, sha256, seed, status, notes, duration, graded_at, sandbox, language"
            " FROM submissions WHERE learner=? AND assignment=? AND attempt=?",
            (learner, assignment, attempt),
        ).fetchone()
        path, sha, seed, status, notes, duration, graded_at, sandbox, language = row
        result = Result(path, learner, assignment, seed, sha, status=status, duration=duration)
        result.sandbox = sandbox
        result.language = language if language in LANGUAGES else "en"
        result.notes = notes.split("\n") if notes else []
        result.attempt, result.graded_at = attempt, graded_at
        for part, score, max_score, pstatus, message in self.db.execute(
            "SELECT part, score, max_score, status, message FROM grades"
            " WHERE learner=? AND assignment=? AND attempt=? ORDER BY rowid",
            (learner, assignment, attempt),
        ):
            result.parts.append(PartResult(part, score, max_score, pstatus, message))
        return result

    def latest(self, assignment: str | None = None) -> list[tuple]:
        """Latest attempts: (learner, assignment, attempt, score, max_score, status, graded_at)"""
        where = "WHERE s.assignment = ?" if assignment else ""
        return self._retry(
            lambda: self.db.execute(
                f"""SELECT s.learner, s.assignment, s.attempt, s.score, s.max_score, s.status,
                       s.graded_at
                FROM submissions s
                JOIN (SELECT learner, assignment, MAX(attempt) AS attempt FROM submissions
                      GROUP BY learner, assignment) m
                  USING (learner, assignment, attempt)
                {where} ORDER BY s.learner, s.assignment""",
                (assignment,) if assignment else (),
            ).fetchall()
        )

    def count(self, table: str) -> int:
        if table not in ("submissions", "grades"):
            raise ValueError(f"table must be 'submissions' or 'grades', got {table!r}")
        return self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
