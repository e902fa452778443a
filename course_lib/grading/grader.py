"""Grade one submitted notebook: read, splice, check, run in a worker, test in the grader.

Every outcome is a ``Result`` with a score and a reason per part; nothing a
submission contains makes ``grade_submission`` raise. The reasons and notes speak the
submission's language (``language.submission_language``: the instructor's ``lang``, else the
notebook's metadata, else the course's); the scores never depend on it.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course_lib.grading import phrases
from course_lib.grading.assignment import Assignment
from course_lib.grading.hidden import Fail, LearnerError
from course_lib.grading.integrity import strip_magics
from course_lib.grading.language import speaking, submission_language, translator
from course_lib.grading.notebook import NotebookError, read_cells
from course_lib.grading.runner import PartFault, Program, RemoteCaller, Runner
from course_lib.grading.sandbox import Sandbox, SandboxConfig, SandboxError, WorkerDied
from course_lib.grading.splice import splice

__all__ = ["PartResult", "Result", "grade_submission", "sandbox_config", "OUTPUT_CAP"]

_ = translator("grading")

OUTPUT_CAP = 100_000  # characters a learner's code may print per part
MAX_ANSWER_CHARS = 256 * 1024  # an answer cell longer than this is not run


@dataclass
class PartResult:
    grade_id: str
    score: float
    max_score: float
    status: str  # passed | failed | error (the grader itself failed: tell the instructor)
    message: str = ""


@dataclass
class Result:
    path: str
    learner: str
    assignment: str
    seed: int
    sha256: str
    parts: list[PartResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    status: str = "graded"  # graded | error
    duration: float = 0.0
    attempt: int | None = None
    graded_at: str | None = None
    sandbox: str = "bwrap"  # or "none" (--no-sandbox: trusted self-grading)
    language: str = "en"  # of the messages and notes: "en" or "zh-CN"

    @property
    def score(self) -> float:
        return float(sum(p.score for p in self.parts))

    @property
    def max_score(self) -> float:
        return float(sum(p.max_score for p in self.parts))


def file_sha256(path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def _zero(assignment: Assignment, reason: str, status: str = "failed") -> list[PartResult]:
    return [PartResult(p.grade_id, 0.0, p.points, status, reason) for p in assignment.parts]


def sandbox_config(assignment: Assignment, isolation: str = "bwrap") -> SandboxConfig:
    """The sandbox settings for ``assignment``: its preloads, blocked imports and memory."""
    blocked = tuple(assignment.blocked) + ("course_lib.grading",)
    return SandboxConfig(
        preload=assignment.preload,
        blocked=blocked,
        allowed=assignment.allowed,
        memory_mb=assignment.memory_mb,
        output_cap=OUTPUT_CAP,
        isolation=isolation,
    )


def _program(assignment: Assignment, answers: dict, problems: dict, notes: list) -> list[Program]:
    program = []
    for cell in assignment.cells:
        if cell.cell_type != "code":
            continue
        if cell.role == "setup":
            program.append(Program(f"setup-{cell.index}", cell.source, None))
        elif cell.role == "answer" and answers.get(cell.grade_id) is not None:
            part = assignment.part(cell.grade_id)
            if len(answers[part.grade_id]) > MAX_ANSWER_CHARS:
                problems[part.grade_id] = _(
                    "not graded: the answer cell has {count} characters, over the {limit} limit",
                    count=len(answers[part.grade_id]),
                    limit=MAX_ANSWER_CHARS,
                )
                continue
            source, magics = strip_magics(answers[part.grade_id])
            if magics:
                notes.append(
                    _("part {part}: {count} IPython magic line(s) ignored",
                      part=repr(part.grade_id), count=magics)
                )  # fmt: skip
            program.append(Program(f"answer-{part.grade_id}", source, part.grade_id))
    return program


def grade_submission(
    assignment: Assignment,
    path,
    config: SandboxConfig,
    *,
    learner: str,
    seed: int,
    timeout: float | None = None,
    lang: str | None = None,
) -> Result:
    """Grade the notebook at ``path`` in a sandbox of its own; never raises.

    Its feedback speaks ``lang`` ('en' or 'zh-CN') if given, else the language the notebook's
    metadata names, else the course's (``COURSE_LANG``)."""
    start = time.monotonic()
    timeout = assignment.timeout if timeout is None else timeout
    result = Result(str(path), learner, assignment.name, seed, file_sha256(path))
    result.sandbox = "none" if config.isolation == "none" else "bwrap"
    result.language = submission_language(None, lang)  # until the notebook says its own
    try:
        cells = _read(assignment, path, result, lang)
        if cells is not None:
            with speaking(result.language):
                _grade(assignment, cells, config, result, timeout)
    except (SandboxError, WorkerDied) as exc:  # not the learner's doing: grade it again later
        result.status = "error"
        with speaking(result.language):
            reason = _(
                "the grading sandbox failed ({error}); this submission will be graded again",
                error=exc,
            )
        result.parts = _zero(assignment, reason, "error")
    except Exception as exc:  # a grader bug must not stop the batch: record it
        result.status = "error"
        with speaking(result.language):
            reason = _("internal grader error ({kind}: {error}); tell your instructor",
                       kind=type(exc).__name__, error=exc)  # fmt: skip
        result.parts = _zero(assignment, reason, "error")
    result.duration = time.monotonic() - start
    return result


def _read(assignment, path, result: Result, lang: str | None):
    """The submission's cells, and its language from its metadata; None (every part 0, with
    the reason) when it cannot be read."""
    with speaking(result.language):
        try:
            cells, metadata, _raw = read_cells(path)
        except NotebookError as exc:
            result.parts = _zero(assignment, str(exc))
            result.notes.append(str(exc))
            return None
    result.language = submission_language(metadata, lang)
    return cells


def _grade(assignment, cells, config: SandboxConfig, result: Result, timeout: float) -> None:
    spliced = splice(assignment, cells)
    result.notes.extend(spliced.notes)
    problems = dict(spliced.missing)
    program = _program(assignment, spliced.answers, problems, result.notes)
    rng = np.random.default_rng(result.seed)
    with Sandbox(config) as sandbox:
        runner = Runner(sandbox, program, timeout, OUTPUT_CAP)
        try:
            for part in assignment.parts:
                graded = _grade_part(part, runner, problems, rng, timeout)
                graded.message += _depends_on_broken(assignment, graded.message, problems, runner)
                result.parts.append(graded)
        finally:
            runner.shutdown()
    for cell_id, why in runner.excluded.items():
        if cell_id.startswith("setup"):
            result.notes.append(_("setup cell left out: {why}", why=why))
    for cell_id, error in runner.errors.items():
        if cell_id.startswith("setup"):  # an instructor's cell failed in this worker
            result.notes.append(_("setup cell raised {error}", error=error))


def _depends_on_broken(assignment, message: str, problems: dict, runner: Runner) -> str:
    """Say so when a part failed only because another part's answer could not run."""
    for other in assignment.parts:
        broken = other.grade_id in problems or f"answer-{other.grade_id}" in runner.excluded
        for name in other.defines:
            if broken and f"name '{name}' is not defined" in message:
                part = repr(other.grade_id)
                return _(" ({name} is defined in the answer to part {part}, which failed)",
                         name=name, part=part)  # fmt: skip
    return ""


def _grade_part(part, runner: Runner, problems: dict, rng, timeout: float) -> PartResult:
    def failed(message: str, status: str = "failed") -> PartResult:
        return PartResult(part.grade_id, 0.0, part.points, status, message)

    if part.grade_id in problems:
        return failed(problems[part.grade_id])
    cell_id = f"answer-{part.grade_id}"
    part_rng = np.random.default_rng(rng.integers(2**63))
    try:
        runner.start_part(part.rule)
    except PartFault as exc:
        return failed(str(exc))
    if cell_id in runner.excluded:
        return failed(runner.excluded[cell_id])
    caller = RemoteCaller(runner, timeout, part.rule, part.defines)
    try:
        part.test(caller, part_rng)
    except PartFault as exc:
        return failed(str(exc))
    except Fail as exc:  # a hidden test's own words are said again; the rest are said already
        message = str(exc) if isinstance(exc, LearnerError) else phrases.message(str(exc))
        if cell_id in runner.errors:
            message += _(" (your answer cell itself raised {error})", error=runner.errors[cell_id])
        return failed(message)
    except Exception as exc:  # the returned value broke an assumption of the test
        return failed(
            _(
                "your answer could not be checked ({kind}: {error}); "
                "if you believe it is right, show this message to your instructor",
                kind=type(exc).__name__,
                error=exc,
            )
        )
    message = _("passed")
    if cell_id in runner.errors:
        message += _(" (note: your answer cell also raised {error})", error=runner.errors[cell_id])
    return PartResult(part.grade_id, part.points, part.points, "passed", message)
