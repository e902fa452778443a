"""Run a spliced program in a learner's worker, surviving whatever the learner's code does.

A cell that hangs, or ends the worker (``os._exit``, a crash, the memory
limit), is left out and the worker restarted without it, so the other parts
can still be graded. ``RemoteCaller`` is the ``call`` a hidden test uses: it
sends inputs, receives plain JSON, and turns every worker failure into a
clear reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from course_lib.grading.hidden import Fail, LearnerError
from course_lib.grading.sandbox import ForkServer, WorkerDied, WorkerTimeout
from course_lib.grading.wire import decode, encode

__all__ = ["Program", "Runner", "RemoteCaller", "PartFault"]

DIED = "the worker process ended while running {what} (os._exit, a crash or the memory limit)"


class PartFault(Exception):
    """The part cannot be graded (time limit, output cap, worker ended); the reason is shown."""


@dataclass
class Program:
    cell_id: str
    source: str
    grade_id: str | None  # None for the instructor's setup cells


def error_text(error) -> str:
    """A learner's exception from the worker, as one line (the reply is untrusted JSON)."""
    if not isinstance(error, dict):
        return "an error the worker could not describe"
    kind = str(error.get("type", "Error"))[:80]
    message = str(error.get("message", ""))[:300]
    line = error.get("line")
    where = f" (line {line} of your answer cell)" if type(line) is int and error.get("cell") else ""
    return f"{kind}: {message}{where}" if message else f"{kind}{where}"


class Runner:
    """One submission's cells in a worker; restarts the worker without a cell that broke it."""

    def __init__(self, server: ForkServer, program: list[Program], timeout: float, output_cap: int):
        self.server, self.program = server, program
        self.timeout, self.output_cap = timeout, output_cap
        self.worker = None
        self.excluded: dict[str, str] = {}  # cell id -> why it was left out
        self.errors: dict[str, str] = {}  # cell id -> the exception it raised
        self.spawns = 0

    def _start(self) -> None:
        while True:
            self.spawns += 1
            if self.spawns > len(self.program) + 8:
                raise PartFault("the worker had to be restarted too many times")
            self.worker = self.server.spawn()
            for cell in self.program:
                if cell.cell_id in self.excluded:
                    continue
                what = "your answer cell" if cell.grade_id else "the notebook's setup"
                try:
                    reply = self.worker.request(
                        {"op": "exec", "id": cell.cell_id, "source": cell.source}, self.timeout
                    )
                except WorkerTimeout:
                    self.excluded[cell.cell_id] = f"{what} did not finish in {self.timeout:g} s"
                    break
                except WorkerDied:
                    self.excluded[cell.cell_id] = DIED.format(what=what)
                    break
                if reply.get("output_chars", 0) > self.output_cap:
                    self.excluded[cell.cell_id] = (
                        f"{what} printed more than {self.output_cap} characters"
                    )
                    self.worker.kill()
                    break
                if reply.get("ok") is not True:
                    self.errors.setdefault(cell.cell_id, error_text(reply.get("error")))
            else:
                return

    def ensure(self) -> None:
        """A live worker with every cell that has not been left out already run."""
        if self.worker is None or not self.worker.alive:
            self._start()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()


class RemoteCaller:
    """``call(name, *args)`` for hidden tests: the learner's function, in the worker."""

    def __init__(self, runner: Runner, timeout: float):
        self.runner = runner
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.output = 0

    def _request(self, message: dict, what: str):
        self.runner.ensure()
        left = self.deadline - time.monotonic()
        try:
            if left <= 0:
                raise WorkerTimeout
            reply = self.runner.worker.request(message, left)
        except WorkerTimeout:
            self.runner.worker.kill()
            raise PartFault(f"{what} did not finish within the {self.timeout:g} s limit") from None
        except WorkerDied:
            raise PartFault(DIED.format(what=what)) from None
        self.output += reply.get("output_chars", 0) if type(reply.get("output_chars")) is int else 0
        if self.output > self.runner.output_cap:
            self.runner.worker.kill()
            raise PartFault(f"{what} printed more than {self.runner.output_cap} characters")
        if reply.get("ok") is not True:
            error = reply.get("error")
            if isinstance(error, dict) and error.get("type") == "NotImplementedError":
                raise LearnerError(f"{what} is not written yet (it raises NotImplementedError)")
            raise LearnerError(f"{what} raised {error_text(error)}")
        try:
            self.args_after = decode(reply.get("args_after", []))
            return decode(reply.get("value"))
        except ValueError as exc:
            raise Fail(f"{what} returned a value that could not be read ({exc})") from None

    def __call__(self, name: str, *args, **kwargs):
        message = {"op": "call", "name": name, "args": encode(list(args)), "kwargs": encode(kwargs)}
        return self._request(message, f"{name}()")

    def with_arguments(self, name: str, *args):
        """``(value, arguments as they are after the call)``: to see in-place changes."""
        value = self(name, *args)
        return value, self.args_after

    def get(self, name: str):
        return self._request({"op": "get", "name": name}, name)
