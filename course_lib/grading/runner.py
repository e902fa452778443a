"""Run a spliced program in a submission's sandbox: a fresh worker per part.

Each part gets its own worker, forked in the submission's sandbox: the setup cells run,
then (for a part with a ``Rule`` that hides names or blocks modules) those disappear, then
the answer cells run, each with its own time limit. So a part is judged on its own code:
another part's rule, exception or time does not reach it, and re-running the cells does not
count against the part's time. A cell that hangs, or ends the worker (``os._exit``, a
crash, the memory limit), is left out and the worker restarted without it.
``RemoteCaller`` is the ``call`` a hidden test uses: it sends inputs, receives plain JSON,
checks a part's ``require`` rule on the evidence, and turns every worker failure into a
clear reason.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass

from course_lib.grading.hidden import Fail, LearnerError
from course_lib.grading.language import N_, translator
from course_lib.grading.rules import EXERCISE_WHY, Rule, is_blocked, verify
from course_lib.grading.sandbox import Sandbox, WorkerDied, WorkerTimeout
from course_lib.grading.wire import decode, encode

__all__ = ["Program", "Runner", "RemoteCaller", "PartFault"]

_ = translator("grading")
DIED = N_("the worker process ended while running {what} (os._exit, a crash or the memory limit)")


class PartFault(Exception):
    """The part cannot be graded (time limit, output cap, worker ended); the reason is shown."""


@dataclass
class Program:
    cell_id: str
    source: str
    grade_id: str | None  # None for the instructor's setup cells


def printable(text, limit: int) -> str:
    """``text`` cut to ``limit`` characters, control characters (escape sequences, newlines)
    shown as ``\\xNN`` so that nothing a learner wrote can drive a terminal or break a table."""
    text = str(text)[:limit]
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}"[:6] for c in text)


# The worker's own words (it speaks English: the sandbox holds no catalogs), said again here
# in the submission's language; Python's own messages and the learner's are left as they are.
_BLOCKED = re.compile(
    r"importing (?P<module>'[\w.]+') is not allowed "
    r"(?:(?P<exercise>in this exercise: the grader checks your own code)|in this part: (?P<why>.+))"
)
_WORKER = {
    "NameError": (re.compile(r"(?P<name>[\w.]+) is not defined"), N_("{name} is not defined")),
    "TypeError": (re.compile(r"(?P<name>[\w.]+) is not callable"), N_("{name} is not callable")),
    "ValueTooLarge": (re.compile(r"the value is too large to send"),
                      N_("the value is too large to send")),
}  # fmt: skip


def worker_words(kind: str, message: str) -> str:
    """``message`` of a worker's error of type ``kind``, in this thread's language."""
    if message == "(the exception's message could not be shown)":
        return _("(the exception's message could not be shown)")
    if kind == "ModuleNotFoundError" and (m := _BLOCKED.fullmatch(message)):
        why = m["why"]
        why = _(EXERCISE_WHY) if m["exercise"] else _("in this part: {why}", why=_(why))
        return _("importing {module} is not allowed {why}", module=m["module"], why=why)
    pattern, said = _WORKER.get(kind, (None, None))
    if pattern is not None and (m := pattern.fullmatch(message)):
        return _(said, **m.groupdict())
    return message


def error_text(error) -> str:
    """A learner's exception from the worker, as one line (the reply is untrusted JSON)."""
    if not isinstance(error, dict):
        return _("an error the worker could not describe")
    kind = printable(error.get("type", "Error"), 80)
    message = worker_words(kind, printable(error.get("message", ""), 300))
    text = f"{kind}: {message}" if message else kind
    line = error.get("line")
    if type(line) is int and error.get("cell"):
        return _("{error} (line {line} of your answer cell)", error=text, line=line)
    return text


class Runner:
    """One submission's cells, run in a fresh worker of its sandbox for each part."""

    def __init__(self, sandbox: Sandbox, program: list[Program], timeout: float, output_cap: int):
        self.sandbox, self.program = sandbox, program
        self.timeout, self.output_cap = timeout, output_cap
        self.worker = None
        self.rule = Rule()
        self.excluded: dict[str, str] = {}  # cell id -> why it was left out (for every part)
        self.errors: dict[str, str] = {}  # cell id -> the exception it raised, in this worker
        self.spawns = 0
        self.extra: dict[tuple, Sandbox] = {}  # rule.block -> a sandbox without those modules

    def _sandbox_for(self, rule: Rule) -> Sandbox:
        """The submission's sandbox; for a part that blocks modules, a second one whose
        files of those modules do not exist (so no route, not even reading the source, works)."""
        if not rule.block:
            return self.sandbox
        if rule.block not in self.extra:
            config = self.sandbox.config
            allowed = tuple(a for a in config.allowed if not is_blocked(a, rule.block))
            self.extra[rule.block] = Sandbox(
                dataclasses.replace(config, blocked=config.blocked + rule.block, allowed=allowed)
            )
        return self.extra[rule.block]

    def _exec(self, cell: Program) -> bool:
        """Run one cell; False when the worker is gone (the cell is then left out)."""
        what = _("your answer cell") if cell.grade_id else _("the notebook's setup")
        try:
            reply = self.worker.request(
                {"op": "exec", "id": cell.cell_id, "source": cell.source}, self.timeout
            )
        except WorkerTimeout:
            self.excluded[cell.cell_id] = _(
                "{what} did not finish in {seconds} s", what=what, seconds=f"{self.timeout:g}"
            )
            return False
        except WorkerDied:
            self.excluded[cell.cell_id] = _(DIED, what=what)
            return False
        if type(reply.get("output_chars")) is int and reply["output_chars"] > self.output_cap:
            self.excluded[cell.cell_id] = _(
                "{what} printed more than {limit} characters", what=what, limit=self.output_cap
            )
            self.worker.kill()
            return False
        quiet = cell.grade_id is None and self.rule.block  # setup may import what is blocked
        if reply.get("ok") is not True and not quiet:
            self.errors.setdefault(cell.cell_id, error_text(reply.get("error")))
        return True

    def _start(self) -> None:
        while True:
            self.spawns += 1
            if self.spawns > 3 * len(self.program) + 8:
                raise PartFault(_("the worker had to be restarted too many times"))
            self.errors = {}
            self.worker = self._sandbox_for(self.rule).spawn()
            ok = True
            for cell in [c for c in self.program if c.grade_id is None]:
                if cell.cell_id not in self.excluded and not (ok := self._exec(cell)):
                    break
            if ok and self.rule.isolated:  # in English: worker_words translates what it says
                why = f"in this part: {self.rule.why}"
                message = {"op": "hide", "names": list(self.rule.hide),
                           "modules": list(self.rule.block), "why": why}  # fmt: skip
                try:
                    self.worker.request(message, self.timeout)
                except (WorkerTimeout, WorkerDied):
                    ok = False
            for cell in [c for c in self.program if c.grade_id is not None] if ok else []:
                if cell.cell_id not in self.excluded and not (ok := self._exec(cell)):
                    break
            if ok:
                return

    def start_part(self, rule: Rule) -> None:
        """A fresh worker for the next part, with its rule applied."""
        self.close()
        self.rule = rule
        self._start()

    def ensure(self) -> None:
        """A live worker with every cell that has not been left out already run."""
        if self.worker is None or not self.worker.alive:
            self._start()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def shutdown(self) -> None:
        """Close the worker and the extra sandboxes (the submission's own is the caller's)."""
        self.close()
        for sandbox in self.extra.values():
            sandbox.close()
        self.extra.clear()


class RemoteCaller:
    """``call(name, *args)`` for hidden tests: the learner's function, in the part's worker.

    The time limit starts when the worker is ready: running the cells does not count.
    """

    def __init__(self, runner: Runner, timeout: float, rule: Rule | None = None, own=()):
        self.runner = runner
        self.timeout = timeout
        self.rule, self.own = rule or Rule(), tuple(own)
        self.spent = 0.0
        self.output = 0

    def _request(self, message: dict, what: str):
        self.runner.ensure()
        left = self.timeout - self.spent
        start = time.monotonic()
        try:
            if left <= 0:
                raise WorkerTimeout
            reply = self.runner.worker.request(message, left)
        except WorkerTimeout:
            raise PartFault(
                _("{what} did not finish within the {seconds} s limit",
                  what=what, seconds=f"{self.timeout:g}")
            ) from None  # fmt: skip
        except WorkerDied:
            raise PartFault(_(DIED, what=what)) from None
        finally:
            self.spent += time.monotonic() - start
        self.output += reply.get("output_chars", 0) if type(reply.get("output_chars")) is int else 0
        if self.output > self.runner.output_cap:
            self.runner.worker.kill()
            raise PartFault(
                _("{what} printed more than {limit} characters",
                  what=what, limit=self.runner.output_cap)
            )  # fmt: skip
        if reply.get("ok") is not True:
            error = reply.get("error")
            if isinstance(error, dict) and error.get("type") == "NotImplementedError":
                raise LearnerError(
                    _("{what} is not written yet (it raises NotImplementedError)", what=what)
                )
            raise LearnerError(_("{what} raised {error}", what=what, error=error_text(error)))
        try:
            self.args_after = decode(reply.get("args_after", []))
            value = decode(reply.get("value"))
        except ValueError as exc:
            said = _("{what} returned a value that could not be read ({reason})", what=what,
                     reason=exc)  # fmt: skip
            raise Fail(said) from None
        if message.get("require"):
            self.evidence = reply.get("evidence")
            problem = verify(self.rule, value, self.evidence, self.sent)
            if problem:
                raise Fail(problem)
        return value

    def __call__(self, name: str, *args, **kwargs):
        message = {"op": "call", "name": name, "args": encode(list(args)), "kwargs": encode(kwargs)}
        self.sent = args
        if name in self.own and self.rule.require:
            message["require"] = list(self.rule.require)
        return self._request(message, f"{name}()")

    def with_arguments(self, name: str, *args):
        """``(value, arguments as they are after the call)``: to see in-place changes."""
        value = self(name, *args)
        return value, self.args_after

    def get(self, name: str):
        return self._request({"op": "get", "name": name}, name)
