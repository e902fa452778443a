"""Grade many submissions of one assignment: workers in parallel, stored in input order.

Every submission found gets a row in the gradebook, a line in the summary, and its
outputs: graded, or refused with the reason (a symbolic link, a FIFO, a file over the
size limit). Results are stored in the order the files were given, whatever order the
workers finish in, so a learner's attempts are numbered in input order. A gradebook
locked by another process costs the submission that could not be stored, not the batch.
Exit status: 0 when every submission got its row (whatever its score or status) and the
output files asked for; 1 when some did not (each is reported, and the batch goes on); 2
for a usage error (raised as ``UsageError`` or ``ValueError``).

Each submission's feedback speaks its own language (``Options.lang``, the instructor's
``--lang``, else the notebook's metadata, else ``COURSE_LANG``); what the batch prints for the
instructor is English.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from course_lib.grading import bwrap
from course_lib.grading.assignment import Assignment
from course_lib.grading.display import MAX_MESSAGE, clip, for_terminal
from course_lib.grading.gradebook import Gradebook, GradebookLocked
from course_lib.grading.grader import (
    PartResult,
    Result,
    file_sha256,
    grade_submission,
    sandbox_config,
)
from course_lib.grading.identity import (
    Found,
    Submission,
    UsageError,
    assign_learners,
    find_submissions,
    learner_of,
    name_outputs,
    read_roster,
)
from course_lib.grading.language import current, speaking, translator
from course_lib.grading.progress import Progress
from course_lib.grading.reports import feedback_markdown, results_json, write_csv, write_json
from course_lib.grading.tempdirs import clean_stale_temp_dirs

__all__ = [
    "Options",
    "UsageError",
    "grade_batch",
    "learner_of",
    "SandboxMissing",
    "NO_SANDBOX_WARNING",
]

NO_SANDBOX_WARNING = (
    "warning: --no-sandbox: learner code runs with your rights, your files and your network. "
    "Use it only for notebooks you trust (your own); results are marked 'sandbox: none'"
)


class SandboxMissing(Exception):
    """The grading sandbox cannot start on this machine; the message says how to fix it."""


MAX_NOTES = 20  # notes kept per submission
_ = translator("grading")


@dataclass
class Options:
    jobs: int = 2
    db: str = "gradebook.sqlite"
    results: str | None = None
    feedback: str | None = None
    csv: str | None = None
    timeout: float | None = None
    seed: int | None = None
    regrade: bool = False
    learner: str | None = None
    quiet: bool = False
    roster: str | None = None
    lock_wait: float = 10.0  # seconds to wait for a gradebook another process holds locked
    sandbox: bool = True  # False only for trusted self-grading (--no-sandbox)
    lang: str | None = None  # the feedback's language for every submission (--lang)


def bound(result: Result) -> Result:
    """Clip what a submission could make huge (messages, notes), in place."""
    with speaking(result.language):
        for part in result.parts:
            part.message = clip(part.message, MAX_MESSAGE)
        notes = [clip(n, MAX_MESSAGE) for n in result.notes[:MAX_NOTES]]
        if len(result.notes) > MAX_NOTES:
            notes.append(_("... and {count} more notes", count=len(result.notes) - MAX_NOTES))
    result.notes = notes
    return result


def refused(assignment: Assignment, sub: Submission) -> Result:
    """The row of a file that is not graded: every part 0, the reason on each."""
    fingerprint = hashlib.sha256(f"{sub.path}\0{sub.refused}".encode(errors="replace"))
    result = Result(
        str(sub.path), sub.learner, assignment.name, 0, "refused:" + fingerprint.hexdigest(),
        status="refused", notes=[sub.refused], language=current(),
    )  # fmt: skip
    result.parts = [
        PartResult(p.grade_id, 0.0, p.points, "failed", sub.refused) for p in assignment.parts
    ]
    return result


def _write_outputs(result: Result, name: str, options: Options) -> str | None:
    """Write the submission's results and feedback files; why not, if they could not be."""
    try:
        if options.results:
            write_json(results_json(result), Path(options.results) / f"{name}.results.json")
        if options.feedback:
            Path(options.feedback, f"{name}.feedback.md").write_text(
                feedback_markdown(result), encoding="utf-8"
            )
    except OSError as exc:
        return f"{exc.strerror or exc}: {exc.filename}"
    return None


def _prepare(assignment: Assignment, arguments, options: Options) -> Found:
    if type(options.jobs) is not int or options.jobs < 1:
        raise UsageError(f"-j must be a positive integer, got {options.jobs!r}")
    if options.learner is not None and options.roster is not None:
        raise UsageError("--learner and --roster both name learners; use one of them")
    found = find_submissions(arguments)
    if options.learner is not None and len(found.submissions) != 1:
        raise UsageError("--learner names the learner of one SUBMISSION; several were given")
    roster = read_roster(options.roster) if options.roster is not None else None
    assign_learners(found, assignment.name, roster, options.learner)
    name_outputs(found.submissions)
    for option, folder in (("--results", options.results), ("--feedback", options.feedback)):
        if folder:
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"{option} must be a folder; {folder!r}: {exc.strerror}") from None
    if options.csv and not Path(options.csv).resolve().parent.is_dir():
        raise UsageError(f"--csv {options.csv!r}: its folder does not exist")
    return found


class _InOrder:
    """Stores finished results in input order: each as soon as every earlier one is stored."""

    def __init__(self, order: list[int], store):
        self.order, self.store, self.next, self.waiting = order, store, 0, {}

    def finished(self, i: int, result: Result) -> None:
        self.waiting[i] = result
        while self.next < len(self.order) and self.order[self.next] in self.waiting:
            j = self.order[self.next]
            self.store(j, self.waiting.pop(j))
            self.next += 1


def grade_batch(assignment: Assignment, arguments, options: Options, out=sys.stdout) -> int:
    """Grade every submission; exit status 0 when each one got its row, whatever its score."""
    with speaking(options.lang):  # what no notebook decides: refusals (never opened) speak it
        return _grade_batch(assignment, arguments, options, out)


def _grade_batch(assignment: Assignment, arguments, options: Options, out) -> int:
    found = _prepare(assignment, arguments, options)
    subs = found.submissions
    if options.sandbox:
        problem = bwrap.problem()
        if problem:
            raise SandboxMissing(problem)
    else:
        print(NO_SANDBOX_WARNING, file=sys.stderr)
    config = sandbox_config(assignment, "bwrap" if options.sandbox else "none")
    for path in clean_stale_temp_dirs():
        print(f"note: removed {path}, left by a grader that was killed", file=sys.stderr)
    book = Gradebook(options.db, lock_wait=options.lock_wait)
    results: dict[int, Result] = {}
    unstored: dict[int, str] = {}  # submissions that got no row, and why
    unwritten: dict[int, str | None] = {}  # submissions whose output files failed, and why
    csv_failed = ""
    quiet = open(os.devnull, "w") if options.quiet else None  # noqa: SIM115
    progress = Progress(len(subs), assignment.name, stream=quiet)
    base_seed = options.seed if options.seed is not None else secrets.randbits(31)

    def store(i: int, result: Result) -> None:
        results[i] = result
        try:
            book.record(result)  # one transaction per submission
        except (GradebookLocked, sqlite3.Error) as exc:  # reported; the batch goes on
            unstored[i] = str(exc)
        unwritten[i] = _write_outputs(result, subs[i].name, options)

    try:
        todo, ready = [], {}
        for i, sub in enumerate(subs):
            if sub.refused:
                ready[i] = refused(assignment, sub)
            earlier = None if options.regrade else _stored(book, assignment, sub, ready.get(i))
            if earlier is None:
                todo.append(i)
                continue
            results[i] = earlier
            unwritten[i] = _write_outputs(earlier, sub.name, options)
            progress.update("(already graded)")
            ready.pop(i, None)
        in_order = _InOrder(todo, store)
        for i, result in ready.items():
            in_order.finished(i, result)
            progress.update(f"{for_terminal(subs[i].learner)}: refused")
        grading = [i for i in todo if i not in ready]
        if grading:
            pool = ThreadPoolExecutor(options.jobs)
            futures = {
                pool.submit(
                    grade_submission, assignment, subs[i].path, config,
                    learner=subs[i].learner, seed=base_seed + i, timeout=options.timeout,
                    lang=options.lang,
                ): i
                for i in grading
            }  # fmt: skip
            handled = set()
            try:
                for future in as_completed(futures):
                    handled.add(future)
                    i = futures[future]
                    result = bound(future.result())
                    in_order.finished(i, result)
                    who = for_terminal(subs[i].learner)
                    progress.update(f"{who}: {result.score:g}/{result.max_score:g}")
            finally:  # on Ctrl-C: drop what has not started, let running ones end
                pool.shutdown(wait=True, cancel_futures=True)
                for future, i in futures.items():  # and store, in order, what ended
                    if future not in handled and future.done() and not future.cancelled():
                        in_order.finished(i, bound(future.result()))
        if options.csv:
            try:
                write_csv(book.latest(assignment.name), options.csv)
            except GradebookLocked as exc:
                csv_failed = f"error: --csv {options.csv!r} was not written: {exc}"
    finally:
        book.close()
        if quiet is not None:
            quiet.close()
    status = _summary(subs, results, unstored, found, out)
    failed = [(i, why) for i, why in sorted(unwritten.items()) if why]
    for i, why in failed:
        path = for_terminal(subs[i].path)
        print(f"error: the output files of {path} were not written: {for_terminal(why)}",
              file=sys.stderr)  # fmt: skip
    if csv_failed:
        print(for_terminal(csv_failed), file=sys.stderr)
    return 1 if failed or csv_failed else status


def _stored(book: Gradebook, assignment: Assignment, sub: Submission, refusal) -> Result | None:
    """The stored result of this very file (graded, or refused for the same reason), if any."""
    sha = refusal.sha256 if refusal is not None else file_sha256(sub.path)
    try:
        attempt = book.already_graded(sub.learner, assignment.name, sha)
        if attempt is None:
            return None
        result = book.load(sub.learner, assignment.name, attempt)
    except GradebookLocked:
        return None  # grade it; storing it will say whether the lock is gone
    with speaking(result.language):
        result.notes.append(
            _("(already graded as attempt {attempt}; not regraded)", attempt=attempt)
        )
    return result


def _summary(subs, results, unstored, found: Found, out) -> int:
    for i, sub in enumerate(subs):
        r = results[i]
        who, path = for_terminal(sub.learner), for_terminal(sub.path)
        line = f"{r.score:6g} / {r.max_score:g}  {who:20s} {path}"
        if r.status == "refused":
            line += f"  ({for_terminal(sub.refused)})"
        elif r.status != "graded":
            line += f"  (status {r.status}: a rerun grades it again)"
        if i in unstored:
            line += "  (NOT STORED in the gradebook)"
        print(line, file=out)
    for path, why in found.skipped:
        print(f"skipped: {for_terminal(path)}: {for_terminal(why)}", file=out)
    for note in found.notes:
        print(f"note: {for_terminal(note)}", file=out)
    for _, r in sorted(results.items()):
        if r.status == "error":
            message = r.parts[0].message if r.parts else "no reason recorded"
            print(
                f"grader error on {for_terminal(r.path)}: {for_terminal(message)}", file=sys.stderr
            )
    for i, why in sorted(unstored.items()):
        path = for_terminal(subs[i].path)
        print(f"error: {path} has no row in the gradebook: {for_terminal(why)}", file=sys.stderr)
    return 1 if unstored else 0
