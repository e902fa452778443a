"""The grader's side of isolation: one bubblewrap sandbox per submission, and its workers.

A ``Sandbox`` starts ``python -I -m course_lib.grading.worker`` (the zygote) inside
bubblewrap with new user, pid, network, IPC and UTS namespaces, a new session, and
die-with-parent; it sees read-only only the interpreter, the virtual environment and
course_lib (never solutions/, the gradebook, results or the grader's /proc), with a
private tmpfs for /tmp and home. The grader talks to it over an inherited socket, never a
path in a shared filesystem, and ``spawn()`` gives a fresh ``Worker`` (a forked process
with its own socket) for each part. ``close()`` kills the sandbox, and with it every
process the submission started, whatever state they are in.

``isolation="none"`` runs the same zygote without bubblewrap: for trusted self-grading only
(``--no-sandbox``).

>>> with Sandbox(SandboxConfig(preload=("numpy",))) as box:
...     worker = box.spawn()
...     worker.request({"op": "exec", "id": "a", "source": "def f(x):\\n    return 2 * x"}, 5)["ok"]
...     call = {"op": "call", "name": "f", "args": [21], "kwargs": {"__dict__": {}}}
...     reply = worker.request(call, 5)
True
>>> reply["ok"], reply["value"]
(True, 42)
"""

from __future__ import annotations

import array
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.grading import bwrap
from course_lib.grading.tempdirs import make_temp_dir, remove_temp_dir
from course_lib.grading.wire import MAX_MESSAGE, dumps, loads

__all__ = ["Sandbox", "SandboxConfig", "Worker", "WorkerTimeout", "WorkerDied", "SandboxError"]

_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# the zygote imports the course_lib this grader runs, whatever the interpreter's own paths say
_PARENT = Path(__file__).resolve().parents[2]
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); import runpy; "
    "runpy.run_module('course_lib.grading.worker', run_name='__main__')"
)


class WorkerTimeout(Exception):
    """The worker did not answer within the time limit (it has been killed)."""


class WorkerDied(Exception):
    """The worker's process ended, or sent something that is not a valid message."""


class SandboxError(Exception):
    """The sandbox could not be started or stopped answering; the submission gets status error."""


@dataclass(frozen=True)
class SandboxConfig:
    preload: tuple[str, ...] = ("numpy",)
    blocked: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    memory_mb: int = 512
    output_cap: int = 100_000
    cpu_seconds: int = 120
    file_mb: int = 16
    tmp_mb: int = 64
    start_timeout: float = 60.0
    isolation: str = "bwrap"  # or "none": trusted self-grading only
    extra_env: dict = field(default_factory=dict)


def worker_env(home: str) -> dict[str, str]:
    """The whole environment of the zygote and its workers: nothing inherited but the locale."""
    env = {k: os.environ[k] for k in ("LANG", "LC_ALL") if k in os.environ}
    env.update({k: "1" for k in _THREADS})
    env.update(
        {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "PYTHONDONTWRITEBYTECODE": "1"}
    )
    return env


def _read_line(sock: socket.socket, buffer: bytearray, deadline: float) -> bytes:
    while b"\n" not in buffer:
        left = deadline - time.monotonic()
        if left <= 0:
            raise WorkerTimeout
        readable, _, _ = select.select([sock], [], [], left)
        if not readable:
            raise WorkerTimeout
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise WorkerDied("the worker process ended")
        buffer += chunk
        if len(buffer) > MAX_MESSAGE + 1:
            raise WorkerDied("the worker sent a message over the size limit")
    index = buffer.index(b"\n")
    line = bytes(buffer[:index])
    del buffer[: index + 1]
    return line


class Worker:
    """One forked process in a submission's sandbox, reached through its own socket."""

    def __init__(self, conn: socket.socket, sandbox: Sandbox, pid: int):
        self.conn, self.sandbox, self.pid = conn, sandbox, pid
        self.buffer = bytearray()
        self.alive = True

    def receive(self, timeout: float) -> dict:
        """The next message, or WorkerTimeout/WorkerDied (the worker is then killed)."""
        try:
            message = loads(_read_line(self.conn, self.buffer, time.monotonic() + timeout))
        except WorkerTimeout:
            self.kill()
            raise
        except (WorkerDied, ValueError, OSError) as exc:
            self.kill()
            raise WorkerDied(str(exc)) from None
        return message

    def request(self, message: dict, timeout: float) -> dict:
        """Send one request and wait up to ``timeout`` seconds for the reply."""
        if not self.alive:
            raise WorkerDied("the worker was already stopped")
        try:
            self.conn.settimeout(timeout)
            self.conn.sendall(dumps(message))
            self.conn.settimeout(None)
        except OSError:  # includes socket.timeout: a worker that stopped reading
            self.kill()
            raise WorkerDied("the worker process ended") from None
        return self.receive(timeout)

    def kill(self) -> None:
        """Stop the worker (through the zygote; if that fails, the whole sandbox)."""
        if self.alive:
            self.alive = False
            self.conn.close()
            self.sandbox.kill_worker(self.pid)

    close = kill


class Sandbox:
    """One submission's sandbox: a zygote in bubblewrap that forks a ``Worker`` per ``spawn()``."""

    def __init__(self, config: SandboxConfig):
        self.config = config
        self.tmp = make_temp_dir()
        self.proc = None
        self.control = None
        self.buffer = bytearray()
        self.starts = 0
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _command(self, child_fd: int) -> list[str]:
        c = self.config
        inner_tmp = "/tmp" if c.isolation == "bwrap" else str(self.tmp)
        settings = {
            "control_fd": child_fd,
            "tmp": inner_tmp,
            "preload": list(c.preload),
            "blocked": list(c.blocked),
            "allowed": list(c.allowed),
            "memory_mb": c.memory_mb,
            "output_cap": c.output_cap,
            "cpu_seconds": c.cpu_seconds,
            "file_mb": c.file_mb,
        }
        python = [sys.executable, "-I", "-c", _BOOT, str(_PARENT), json.dumps(settings)]
        if c.isolation == "none":
            return python
        env = worker_env("/tmp")
        env.update(c.extra_env)
        return bwrap.command(python, env=env, tmp_mb=c.tmp_mb, blocked=c.blocked, allowed=c.allowed)

    def _start(self) -> None:
        self._stop()
        self.starts += 1
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with open(self.tmp / "sandbox.log", "wb") as log:
                self.proc = subprocess.Popen(
                    self._command(theirs.fileno()),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    env=worker_env(str(self.tmp)),
                    cwd=self.tmp,
                    pass_fds=(theirs.fileno(),),
                    start_new_session=True,
                )
        finally:
            theirs.close()
        self.control = ours
        self.buffer = bytearray()
        try:
            hello = loads(
                _read_line(ours, self.buffer, time.monotonic() + self.config.start_timeout)
            )
        except (WorkerTimeout, WorkerDied, ValueError, OSError) as exc:
            raise SandboxError(f"the sandbox did not start: {exc or type(exc).__name__}"
                               + self._log()) from None  # fmt: skip
        if hello.get("ready") is not True:
            raise SandboxError(f"the sandbox did not start: {hello.get('error')}" + self._log())

    def _log(self) -> str:
        try:
            with open(self.tmp / "sandbox.log", "rb") as f:
                text = f.read(4000).decode(errors="replace").strip()
        except OSError:
            return ""
        return f" ({text[-1000:]})" if text else ""

    def _control(self, message: dict, fds=(), timeout: float = 10.0) -> dict:
        data = dumps(message)
        try:
            self.control.settimeout(timeout)
            rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())]
            self.control.sendmsg([data], rights if fds else [])
            self.control.settimeout(None)
            return loads(_read_line(self.control, self.buffer, time.monotonic() + timeout))
        except (WorkerTimeout, WorkerDied, ValueError, OSError) as exc:
            raise SandboxError(
                f"the sandbox stopped answering ({exc or type(exc).__name__})"
            ) from None

    def spawn(self, timeout: float = 20.0) -> Worker:
        """A fresh worker process for one part of this submission."""
        for attempt in (1, 2):
            if self.proc is None or self.proc.poll() is not None:
                self._start()
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                reply = self._control({"op": "spawn"}, [theirs.fileno()], timeout)
            except SandboxError:
                ours.close()
                if attempt == 2:
                    raise
                self._stop()  # a zygote that was stopped or hijacked: a new sandbox
                continue
            finally:
                theirs.close()
            pid = reply.get("pid")
            if type(pid) is not int:
                ours.close()
                raise SandboxError("the sandbox could not start a worker")
            worker = Worker(ours, self, pid)
            try:
                hello = worker.receive(timeout)
            except (WorkerTimeout, WorkerDied) as exc:
                raise SandboxError(f"a new worker did not start ({type(exc).__name__})") from None
            if hello.get("pid") is None:
                worker.kill()
                raise SandboxError("a new worker did not say hello")
            return worker
        raise SandboxError("the sandbox could not start a worker")

    def kill_worker(self, pid: int) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self._control({"op": "kill", "pid": pid}, timeout=5.0)
        except SandboxError:
            self._stop()  # the zygote does not answer: end the whole sandbox

    def _stop(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.proc is None:
            return
        try:  # the whole session: bwrap, and through die-with-parent all inside
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None

    def close(self) -> None:
        self._stop()
        remove_temp_dir(self.tmp)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
