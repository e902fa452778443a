"""The learner's side of grading: a fork server, and the fresh worker it forks per submission.

Run only by the grader (``python -I -m course_lib.grading.worker CONFIG_JSON``),
with a scrubbed environment. The fork server imports the heavy modules once
(numpy, and torch for the PyTorch exercise), then forks one worker per
connection, so each submission gets a new process without paying the imports
again. A worker never sees hidden tests or reference answers: it runs cells
and calls functions it is asked to, and answers in plain JSON.

Inside a worker, before any learner code: its own session and process group,
a memory limit (RLIMIT_AS), a CPU-time backstop, a file-size limit, no core
dumps, stdin/stdout/stderr on /dev/null (Python-level output goes to a capped
buffer), a fresh working directory, and an import blocker for the modules the
assignment forbids (they are also dropped from ``sys.modules``).
"""

from __future__ import annotations

import builtins
import importlib
import importlib.abc
import json
import os
import resource
import select
import signal
import socket
import sys
import tempfile
import traceback
import types

from course_lib.grading.wire import MAX_MESSAGE, decode, dumps, encode, loads

MB = 1024 * 1024


class _Capture:
    """A stand-in for stdout/stderr that keeps the first ``cap`` characters and counts the rest."""

    def __init__(self, cap: int):
        self.cap = cap
        self.reset()

    def reset(self):
        self.parts, self.stored, self.total = [], 0, 0

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.total += len(text)
        if self.stored < self.cap:
            piece = text[: self.cap - self.stored]
            self.parts.append(piece)
            self.stored += len(piece)
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    def take(self) -> tuple[str, int]:
        text, total = "".join(self.parts), self.total
        self.reset()
        return text, total


class _Blocker(importlib.abc.MetaPathFinder):
    """Refuses to import the assignment's blocked modules (and their submodules)."""

    def __init__(self, blocked, allowed):
        self.blocked, self.allowed = tuple(blocked), tuple(allowed)

    def is_blocked(self, name: str) -> bool:
        if name in self.allowed:
            return False
        return any(name == b or name.startswith(b + ".") for b in self.blocked)

    def find_spec(self, fullname, path=None, target=None):
        if self.is_blocked(fullname):  # ModuleNotFoundError: what optional-import code expects
            raise ModuleNotFoundError(
                f"importing {fullname!r} is not allowed in this exercise: "
                "the grader checks your own implementation"
            )
        return None


def _block(blocked, allowed) -> None:
    blocker = _Blocker(blocked, allowed)
    for name in sorted(sys.modules, reverse=True):
        if blocker.is_blocked(name):
            module = sys.modules.pop(name)
            parent, _, child = name.rpartition(".")
            if parent in sys.modules and getattr(sys.modules[parent], child, None) is module:
                delattr(sys.modules[parent], child)
    sys.meta_path.insert(0, blocker)


def _vm_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _limit(config: dict) -> None:
    memory = _vm_bytes() + int(config["memory_mb"]) * MB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(config["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    size = int(config["file_mb"]) * MB
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _error(exc: BaseException) -> dict:
    """Type, message and cell line of a learner's exception, without a traceback."""
    try:
        message = str(exc)[:500]
    except BaseException:  # a learner's __str__ may itself fail
        message = "(the exception's message could not be shown)"
    cell, line = None, None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith("<cell"):
            cell, line = frame.filename, frame.lineno
    if isinstance(exc, SyntaxError) and str(exc.filename).startswith("<cell"):
        cell, line = exc.filename, exc.lineno
    return {"type": type(exc).__name__, "message": message, "line": line, "cell": cell}


def _failure(kind: str, message: str) -> dict:
    return {"ok": False, "error": {"type": kind, "message": message}}


class _Session:
    def __init__(self, conn: socket.socket, capture: _Capture):
        self.conn = conn
        self.capture = capture
        self.reader = conn.makefile("rb")
        main = types.ModuleType("__main__")
        main.__dict__["__builtins__"] = builtins
        sys.modules["__main__"] = main
        self.namespace = main.__dict__

    def send(self, message: dict) -> None:
        text, total = self.capture.take()
        message["output"], message["output_chars"] = text, total
        data = dumps(message)
        if len(data) > MAX_MESSAGE:
            data = dumps(
                {
                    "ok": False,
                    "error": {"type": "ValueTooLarge", "message": "the value is too large to send"},
                    "output": text[:1000],
                    "output_chars": total,
                }
            )
        self.conn.sendall(data)

    def run_cell(self, cell_id: str, source: str) -> dict:
        filename = f"<cell {cell_id}>"
        try:
            code = compile(source, filename, "exec")
            exec(code, self.namespace)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included
            return {"ok": False, "error": _error(exc)}
        return {"ok": True}

    def call(self, name: str, args, kwargs) -> dict:
        fn = self.namespace.get(name)
        if fn is None:
            return _failure("NameError", f"{name} is not defined")
        if not callable(fn):
            return _failure("TypeError", f"{name} is not callable")
        positional = decode(args)
        try:
            value = fn(*positional, **decode(kwargs))
        except BaseException as exc:
            return {"ok": False, "error": _error(exc)}
        # the arguments as they are after the call, so the grader can see in-place changes
        return {"ok": True, "value": encode(value), "args_after": encode(positional)}

    def get(self, name: str) -> dict:
        if name not in self.namespace:
            return _failure("NameError", f"{name} is not defined")
        return {"ok": True, "value": encode(self.namespace[name])}

    def serve(self) -> None:
        for line in self.reader:
            message = loads(line)
            op = message.get("op")
            if op == "exec":
                reply = self.run_cell(str(message["id"]), str(message["source"]))
            elif op == "call":
                reply = self.call(str(message["name"]), message["args"], message["kwargs"])
            elif op == "get":
                reply = self.get(str(message["name"]))
            elif op == "bye":
                return
            else:
                reply = {"ok": False, "error": {"type": "ProtocolError", "message": repr(op)}}
            self.send(reply)


def _child(conn: socket.socket, config: dict) -> None:
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(tempfile.mkdtemp(prefix="worker-", dir=config["tmp"]))
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    capture = _Capture(int(config["output_cap"]))
    sys.stdin = open(os.devnull)
    sys.stdout = sys.stderr = capture
    _block(config["blocked"], config.get("allowed", ()))
    _limit(config)
    session = _Session(conn, capture)
    session.send({"ok": True, "pid": os.getpid()})
    session.serve()


def serve_forks(config: dict) -> None:
    """Preload modules, listen on ``config['socket']``, fork a worker per connection."""
    for name in config["preload"]:
        importlib.import_module(name)
    if "torch" in config["preload"]:
        sys.modules["torch"].set_num_threads(1)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(config["socket"])
    server.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        readable, _, _ = select.select([server, sys.stdin], [], [])
        if sys.stdin in readable:  # the grader closed our stdin or died: stop
            return
        conn, _ = server.accept()
        pid = os.fork()
        if pid == 0:
            server.close()
            code = 0
            try:
                _child(conn, config)
            except BaseException:
                code = 3
            finally:
                os._exit(code)
        conn.close()


if __name__ == "__main__":
    serve_forks(json.loads(sys.argv[1]))
