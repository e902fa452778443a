"""The gradebook: SQLite, one row per learner, assignment, part and attempt.

Each submission is written in one transaction (its ``submissions`` row and all
its ``grades`` rows, or nothing), so a batch killed midway loses only the
submissions it had not finished, and never leaves half of one. A rerun skips
what is already there (same learner, assignment and file content) unless
asked to regrade, which adds a new attempt and keeps the old ones.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from course_lib.grading.grader import PartResult, Result

__all__ = ["Gradebook"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    learner TEXT NOT NULL, assignment TEXT NOT NULL, attempt INTEGER NOT NULL,
    path TEXT NOT NULL, sha256 TEXT NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL,
    score REAL NOT NULL, max_score REAL NOT NULL, notes TEXT NOT NULL,
    duration REAL NOT NULL, graded_at TEXT NOT NULL,
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


class Gradebook:
    """``Gradebook(path)``; use from one thread (the batch writes from its main thread)."""

    def __init__(self, path):
        self.path = str(path)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise ValueError(f"--db {self.path!r} is not a usable SQLite file: {exc}") from None

    def close(self) -> None:
        self.db.close()

    def already_graded(self, learner: str, assignment: str, sha256: str) -> int | None:
        """The attempt that graded this exact file for this learner, if any."""
        row = self.db.execute(
            "SELECT MAX(attempt) FROM submissions WHERE learner=? AND assignment=? AND sha256=?"
            " AND status='graded'",
            (learner, assignment, sha256),
        ).fetchone()
        return row[0]

    def record(self, result: Result) -> int:
        """Store ``result`` as the learner's next attempt, atomically; returns the attempt."""
        stamp = now()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            (last,) = self.db.execute(
                "SELECT COALESCE(MAX(attempt), 0) FROM submissions"
                " WHERE learner=? AND assignment=?",
                (result.learner, result.assignment),
            ).fetchone()
            attempt = last + 1
            self.db.execute(
                "INSERT INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    result.learner, result.assignment, attempt, result.path, result.sha256,
                    result.seed, result.status, result.score, result.max_score,
                    "\n".join(result.notes), result.duration, stamp,
                ),
            )  # fmt: skip
            self.db.executemany(
                "INSERT INTO grades VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        result.learner, result.assignment, p.grade_id, attempt,
                        p.score, p.max_score, p.status, p.message, stamp,
                    )
                    for p in result.parts
                ],
            )  # fmt: skip
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        result.attempt, result.graded_at = attempt, stamp
        return attempt

    def load(self, learner: str, assignment: str, attempt: int) -> Result:
        """A stored attempt as a Result (for reports on submissions a rerun skipped)."""
        row = self.db.execute(
            "SELECT path, sha256, seed, status, notes, duration, graded_at FROM submissions"
            " WHERE learner=? AND assignment=? AND attempt=?",
            (learner, assignment, attempt),
        ).fetchone()
        path, sha, seed, status, notes, duration, graded_at = row
        result = Result(path, learner, assignment, seed, sha, status=status, duration=duration)
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
        return self.db.execute(
            f"""SELECT s.learner, s.assignment, s.attempt, s.score, s.max_score, s.status,
                       s.graded_at
                FROM submissions s
                JOIN (SELECT learner, assignment, MAX(attempt) AS attempt FROM submissions
                      GROUP BY learner, assignment) m
                  USING (learner, assignment, attempt)
                {where} ORDER BY s.learner, s.assignment""",
            (assignment,) if assignment else (),
        ).fetchall()

    def count(self, table: str) -> int:
        if table not in ("submissions", "grades"):
            raise ValueError(f"table must be 'submissions' or 'grades', got {table!r}")
        return self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
