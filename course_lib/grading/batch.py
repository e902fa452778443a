"""Grade many submissions of one assignment: workers in parallel, results written as they finish."""

from __future__ import annotations

import os
import secrets
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from course_lib.grading import bwrap
from course_lib.grading.assignment import Assignment
from course_lib.grading.gradebook import Gradebook
from course_lib.grading.grader import Result, file_sha256, grade_submission, sandbox_config
from course_lib.grading.progress import Progress
from course_lib.grading.reports import feedback_markdown, results_json, write_csv, write_json
from course_lib.grading.tempdirs import clean_stale_temp_dirs

__all__ = ["Options", "grade_batch", "expand", "learner_of", "SandboxMissing", "NO_SANDBOX_WARNING"]

NO_SANDBOX_WARNING = (
    "warning: --no-sandbox: learner code runs with your rights, your files and your network. "
    "Use it only for notebooks you trust (your own); results are marked 'sandbox: none'"
)


class SandboxMissing(Exception):
    """The grading sandbox cannot start on this machine; the message says how to fix it."""


class UsageError(Exception):
    """A command-line argument is wrong; the message names it."""


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
    sandbox: bool = True


def expand(arguments) -> list[Path]:
    """Files as given; folders become every ``*.ipynb`` under them (checkpoints skipped)."""
    paths = []
    for arg in arguments:
        path = Path(arg)
        if path.is_dir():
            paths.extend(
                p
                for p in sorted(path.rglob("*.ipynb"))
                if ".ipynb_checkpoints" not in p.parts and p.is_file()
            )
        elif path.is_file():
            paths.append(path)
        else:
            raise UsageError(f"SUBMISSION {arg!r} is neither a file nor a folder")
    if not paths:
        raise UsageError("SUBMISSION: no notebooks found in the given folders")
    return paths


def learner_of(path: Path, assignment: str) -> str:
    """``alice.ipynb`` is alice's; so are ``alice/ex01_forward_pass.ipynb`` and nbgrader's
    ``submitted/alice/ex01/ex01_forward_pass.ipynb``: names that are the assignment's are skipped.
    """
    prefix = assignment.split("_")[0]

    def is_assignment(name: str) -> bool:
        return name == prefix or name.startswith(prefix + "_")

    if not is_assignment(path.stem):
        return path.stem
    for folder in path.resolve().parents:
        if folder.name and not is_assignment(folder.name):
            return folder.name
    return path.stem


def _out_names(paths, learners) -> list[str]:
    """Output file names: the stem, or ``<learner>__<stem>`` when stems repeat, then numbered."""
    stems = [p.stem for p in paths]
    pairs = zip(stems, learners, strict=True)
    names = [s if stems.count(s) == 1 else f"{who}__{s}" for s, who in pairs]
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if names.count(name) == 1 else f"{name}__{seen[name]}")
    return unique


def _write_outputs(result: Result, name: str, options: Options) -> None:
    if options.results:
        write_json(results_json(result), Path(options.results) / f"{name}.results.json")
    if options.feedback:
        Path(options.feedback, f"{name}.feedback.md").write_text(
            feedback_markdown(result), encoding="utf-8"
        )


def grade_batch(assignment: Assignment, arguments, options: Options, out=sys.stdout) -> int:
    """Grade every submission; exit status 0 when each one was graded, whatever its score."""
    if type(options.jobs) is not int or options.jobs < 1:
        raise UsageError(f"-j must be a positive integer, got {options.jobs!r}")
    if options.sandbox:
        problem = bwrap.problem()
        if problem:
            raise SandboxMissing(problem)
    else:
        print(NO_SANDBOX_WARNING, file=sys.stderr)
    clean_stale_temp_dirs()
    config = sandbox_config(assignment, "bwrap" if options.sandbox else "none")
    paths = expand(arguments)
    if options.learner and len(paths) != 1:
        raise UsageError("--learner names the learner of one SUBMISSION; several were given")
    learners = [options.learner or learner_of(p, assignment.name) for p in paths]
    names = _out_names(paths, learners)
    for who in sorted({w for w in learners if learners.count(w) > 1}):
        print(
            f"note: learner {who!r} has {learners.count(who)} files in this batch; they are "
            "graded as successive attempts (use one file per learner, or rename them)",
            file=sys.stderr,
        )
    for option, folder in (("--results", options.results), ("--feedback", options.feedback)):
        if folder:
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"{option} must be a folder; {folder!r}: {exc.strerror}") from None
    if options.csv and not Path(options.csv).resolve().parent.is_dir():
        raise UsageError(f"--csv {options.csv!r}: its folder does not exist")
    book = Gradebook(options.db)
    todo, results = [], {}
    for i, (path, learner) in enumerate(zip(paths, learners, strict=True)):
        attempt = book.already_graded(learner, assignment.name, file_sha256(path))
        if attempt is not None and not options.regrade:
            results[i] = book.load(learner, assignment.name, attempt)
            results[i].notes.append(f"(already graded as attempt {attempt}; not regraded)")
            _write_outputs(results[i], names[i], options)
        else:
            todo.append(i)
    quiet = open(os.devnull, "w") if options.quiet else None  # noqa: SIM115
    progress = Progress(len(paths), assignment.name, stream=quiet)
    for _ in results:
        progress.update("(already graded)")
    base_seed = options.seed if options.seed is not None else secrets.randbits(31)
    try:
        if todo:
            if True:
                pool = ThreadPoolExecutor(options.jobs)
                try:
                    futures = {
                        pool.submit(
                            grade_submission, assignment, paths[i], config,
                            learner=learners[i], seed=base_seed + i, timeout=options.timeout,
                        ): i
                        for i in todo
                    }  # fmt: skip
                    for future in as_completed(futures):
                        i = futures[future]
                        results[i] = result = future.result()
                        book.record(result)  # one transaction per submission
                        _write_outputs(result, names[i], options)
                        progress.update(f"{learners[i]}: {result.score:g}/{result.max_score:g}")
                finally:  # on Ctrl-C: drop what has not started, let running ones end
                    pool.shutdown(wait=True, cancel_futures=True)
        if options.csv:
            write_csv(book.latest(assignment.name), options.csv)
    finally:
        book.close()
    for i in range(len(paths)):
        r = results[i]
        print(f"{r.score:6g} / {r.max_score:g}  {r.learner:20s} {paths[i]}", file=out)
    errors = [results[i] for i in results if results[i].status != "graded"]
    for r in errors:
        print(f"grader error on {r.path}: {r.parts[0].message}", file=sys.stderr)
    return 0 if not errors else 1
