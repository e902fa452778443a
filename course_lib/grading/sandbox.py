"""The grader's side of isolation: start the fork server, open workers, talk to them with limits.

>>> with ForkServer(preload=["numpy"], blocked=["course_lib.mlp"]) as server:
...     worker = server.spawn()
...     worker.request({"op": "exec", "id": "a", "source": "def f(x):\\n    return 2 * x"}, 5)["ok"]
...     call = {"op": "call", "name": "f", "args": [21], "kwargs": {"__dict__": {}}}
...     reply = worker.request(call, 5)
...     worker.close()
True
>>> reply["ok"], reply["value"]
(True, 42)
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from course_lib.grading.wire import MAX_MESSAGE, dumps, loads

__all__ = ["ForkServer", "Worker", "WorkerTimeout", "WorkerDied", "scrubbed_env"]

# Variables a worker may see; everything else (tokens, keys, proxies, ...) is dropped.
_SAFE_ENV = ("PATH", "LANG", "LC_ALL", "TZ")
_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class WorkerTimeout(Exception):
    """The worker did not answer within the time limit (it has been killed)."""


class WorkerDied(Exception):
    """The worker's process ended, or sent something that is not a valid message."""


def scrubbed_env(home: str) -> dict[str, str]:
    """The whole environment of a worker: no inherited secrets, one thread per library."""
    env = {k: os.environ[k] for k in _SAFE_ENV if k in os.environ}
    env.setdefault("PATH", "/usr/bin:/bin")
    env.update({k: "1" for k in _THREADS})
    env.update({"HOME": home, "TMPDIR": home, "PYTHONDONTWRITEBYTECODE": "1"})
    return env


class Worker:
    """One learner's fresh process, reached through a Unix socket."""

    def __init__(self, conn: socket.socket):
        self.conn = conn
        self.buffer = b""
        self.pid = None
        self.alive = True

    def _read_line(self, deadline: float) -> bytes:
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerTimeout
            readable, _, _ = select.select([self.conn], [], [], left)
            if not readable:
                raise WorkerTimeout
            chunk = self.conn.recv(1 << 16)
            if not chunk:
                raise WorkerDied("the worker process ended")
            self.buffer += chunk
            if len(self.buffer) > MAX_MESSAGE + 1:
                raise WorkerDied("the worker sent a message over the size limit")
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def receive(self, timeout: float) -> dict:
        """The next message, or WorkerTimeout/WorkerDied (the worker is then killed)."""
        try:
            message = loads(self._read_line(time.monotonic() + timeout))
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
            self.conn.sendall(dumps(message))
        except OSError:
            self.kill()
            raise WorkerDied("the worker process ended") from None
        return self.receive(timeout)

    def kill(self) -> None:
        """Stop the worker and everything it started (its own process group)."""
        if self.alive and self.pid:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.alive = False
        self.conn.close()

    def close(self) -> None:
        """Ask the worker to exit; kill it if it is still there."""
        if self.alive:
            try:
                self.conn.sendall(dumps({"op": "bye"}))
            except OSError:
                pass
        self.kill()


class ForkServer:
    """A clean process (scrubbed env, ``python -I``) that forks one Worker per ``spawn()``.

    If the fork server itself dies (a learner's process could signal it), the next ``spawn``
    starts a new one.
    """

    def __init__(
        self,
        preload=("numpy",),
        blocked=(),
        allowed=(),
        *,
        memory_mb: int = 512,
        output_cap: int = 100_000,
        cpu_seconds: int = 120,
        file_mb: int = 16,
        start_timeout: float = 60.0,
    ):
        self.tmp = tempfile.mkdtemp(prefix="course-grading-")
        os.chmod(self.tmp, 0o700)
        self.config = {
            "socket": os.path.join(self.tmp, "fork.sock"),
            "tmp": self.tmp,
            "preload": list(preload),
            "blocked": list(blocked),
            "allowed": list(allowed),
            "memory_mb": memory_mb,
            "output_cap": output_cap,
            "cpu_seconds": cpu_seconds,
            "file_mb": file_mb,
        }
        self.start_timeout = start_timeout
        self.lock = threading.Lock()
        self.proc = None
        self.starts = 0
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        self._stop()
        self.starts += 1
        if os.path.exists(self.config["socket"]):
            os.unlink(self.config["socket"])
        log = open(os.path.join(self.tmp, "fork-server.log"), "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "course_lib.grading.worker", json.dumps(self.config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=scrubbed_env(self.tmp),
            cwd=self.tmp,
        )
        log.close()
        readable, _, _ = select.select([self.proc.stdout], [], [], self.start_timeout)
        line = self.proc.stdout.readline() if readable else b""
        if line.strip() != b"ready":
            with open(os.path.join(self.tmp, "fork-server.log"), "rb") as f:
                detail = f.read().decode(errors="replace")[-2000:]
            raise RuntimeError(
                f"the grading worker could not start (preloading {self.config['preload']}): "
                + detail
            )

    def spawn(self, timeout: float = 20.0) -> Worker:
        """A fresh worker process for one submission."""
        with self.lock:
            if self.proc.poll() is not None:
                self._start()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(self.config["socket"])
        except OSError:
            conn.close()
            with self.lock:
                self._start()
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.connect(self.config["socket"])
        worker = Worker(conn)
        hello = worker.receive(timeout)
        worker.pid = hello.get("pid")
        if type(worker.pid) is not int:
            worker.kill()
            raise WorkerDied("the worker did not say hello")
        return worker

    def _stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            stream.close()
        self.proc = None

    def close(self) -> None:
        self._stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
