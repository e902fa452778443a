"""``python -m course_lib.grading release|grade|export``: see docs/INSTRUCTORS.md."""

from __future__ import annotations

import argparse
import signal
import sys

from course_lib._cli import OneLineParser
from course_lib.grading import exports, gradescope
from course_lib.grading.assignment import AssignmentError, load_assignment
from course_lib.grading.batch import Options, SandboxMissing, UsageError, grade_batch
from course_lib.grading.gradebook import Gradebook, GradebookLocked
from course_lib.grading.language import LANG_HELP, lang_option
from course_lib.grading.reports import write_csv


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="python -m course_lib.grading", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("release", help="regenerate exercises/ from solutions/")
    r.add_argument("--source", default="solutions", help="solution notebooks (default: solutions)")
    r.add_argument("--dest", default="exercises", help="student copies (default: exercises)")
    r.add_argument("--check", action="store_true", help="only report stale copies; exit 1 if any")

    g = sub.add_parser("grade", help="grade submitted notebooks of one assignment")
    g.add_argument("assignment", metavar="ASSIGNMENT", help="e.g. ex01 or ex01_forward_pass")
    g.add_argument("submissions", metavar="SUBMISSION", nargs="+", help="notebooks or folders")
    g.add_argument("-j", "--jobs", type=_jobs, default=2, help="parallel workers (default 2)")
    g.add_argument("--db", default="gradebook.sqlite", help="SQLite gradebook (created if needed)")
    g.add_argument("--results", metavar="DIR", help="write Gradescope <stem>.results.json here")
    g.add_argument("--feedback", metavar="DIR", help="write Markdown feedback per learner here")
    g.add_argument("--csv", metavar="FILE", help="export the assignment's latest grades as CSV")
    g.add_argument("--source", default=None, help="solution notebooks (default: solutions)")
    g.add_argument("--timeout", type=_positive, help="seconds per part (default: the notebook's)")
    g.add_argument("--seed", type=int, help="base seed for the random cases (default: fresh)")
    g.add_argument("--regrade", action="store_true", help="grade again files already graded")
    g.add_argument("--learner", help="the learner's name, for a single SUBMISSION")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument("--lang", type=lang_option, help=LANG_HELP)
    g.add_argument(
        "--roster", metavar="FILE", help="CSV of 'learner,file' rows: who submitted which file"
    )
    g.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run learner code without the OS sandbox: ONLY for notebooks you trust",
    )

    e = sub.add_parser("export", help="write the latest grades from a gradebook as CSV")
    e.add_argument("--db", default="gradebook.sqlite")
    e.add_argument("--csv", required=True, metavar="FILE")
    e.add_argument("--assignment", help="only this assignment (full name, e.g. ex01_forward_pass)")
    exports.register(sub)  # subcommands that set `run`: lms, gradescope
    gradescope.register(sub)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        if hasattr(args, "run"):
            return args.run(args)
        if args.command == "release":
            from course_lib.grading.release import ReleaseError, release  # nbformat: slow import

            try:
                changed = release(args.source, args.dest, check=args.check)
            except ReleaseError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            verb = "stale" if args.check else "written"
            for path in changed:
                print(f"{verb}: {path}")
            print(f"{len(changed)} exercise notebook(s) {verb}")
            return 1 if args.check and changed else 0
        if args.command == "export":
            book = Gradebook(args.db)
            write_csv(book.latest(args.assignment), args.csv)
            book.close()
            return 0
        # SIGTERM stops a batch as Ctrl-C does: running submissions end, temp folders go
        signal.signal(signal.SIGTERM, _interrupt)
        assignment = load_assignment(args.assignment, args.source)
        options = Options(
            jobs=args.jobs, db=args.db, results=args.results, feedback=args.feedback,
            csv=args.csv, timeout=args.timeout, seed=args.seed, regrade=args.regrade,
            learner=args.learner, quiet=args.quiet, roster=args.roster,
            sandbox=not args.no_sandbox, lang=args.lang,
        )  # fmt: skip
        return grade_batch(assignment, args.submissions, options)
    except GradebookLocked as exc:  # nothing could be read or stored
        print(f"error: {exc}; nothing was done, run the command again later", file=sys.stderr)
        return 1
    except (AssignmentError, UsageError, SandboxMissing, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "\ninterrupted: finished submissions are in the gradebook; "
            "run the same command again to grade the rest",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
