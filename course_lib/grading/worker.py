"""The learner's side of grading: a zygote inside one submission's sandbox, and its workers.

Run only by the grader, as ``course_lib.grading.worker`` with a CONFIG_JSON argument, inside
that submission's bubblewrap sandbox (see ``sandbox.py``). The zygote imports the heavy
modules once (numpy, and torch for the PyTorch exercise) and then, for each request on
its control socket (an inherited file descriptor), forks a fresh worker that talks to
the grader over a socket of its own, passed in with the request. A worker never sees
hidden tests or reference answers: it runs cells and calls functions it is asked to,
and answers in plain JSON.

Inside a worker, before any learner code: its own session, stdin/stdout/stderr on
/dev/null (Python-level output goes to a capped buffer), a fresh working directory,
limits (address space, CPU time, file size, open files, no core dumps), an import
blocker for the modules the assignment or the part forbids, and a seccomp filter: no new
processes or threads, no signals to any other process, no ptrace (``seccomp.py``).
"""

from __future__ import annotations

import array
import builtins
import gc
import importlib
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

from course_lib.grading import rules, seccomp
from course_lib.grading.rules import block
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
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    try:  # one process: counted per user outside the sandbox, so only a backstop
        resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))
    except (ValueError, OSError):
        pass


def _error(exc: BaseException) -> dict:
    """Type, message and cell line of a learner's exception, without a traceback."""
    try:
        message = str(exc)[:500]
    except BaseException:  # a learner's __str__ may itself fail
        message = "(the exception's message could not be shown)"
    cell, line = None, None
    try:
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename.startswith("<cell"):
                cell, line = frame.filename, frame.lineno
    except BaseException:
        pass
    if isinstance(exc, SyntaxError) and str(exc.filename).startswith("<cell"):
        cell, line = exc.filename, exc.lineno
    name = type.__dict__["__name__"].__get__(type(exc))
    return {"type": str(name)[:80], "message": message, "line": line, "cell": cell}


def _failure(kind: str, message: str) -> dict:
    return {"ok": False, "error": {"type": kind, "message": message}}


class _Session:
    def __init__(self, conn: socket.socket, capture: _Capture, config: dict):
        self.conn = conn
        self.capture = capture
        self.config = config
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

    def hide(self, names, modules, why: str) -> dict:
        """Make ``names`` and ``modules`` unreachable for the code run after this."""
        for name in names:
            self.namespace.pop(name, None)
        block(modules, (), why)
        gc.collect()
        return {"ok": True}

    def call(self, name: str, args, kwargs, require) -> dict:
        fn = self.namespace.get(name)
        if fn is None:
            return _failure("NameError", f"{name} is not defined")
        if not callable(fn):
            return _failure("TypeError", f"{name} is not callable")
        positional = decode(args)
        recorder = rules.Recorder(require)
        try:
            with recorder:
                value = fn(*positional, **decode(kwargs))
        except BaseException as exc:
            return {"ok": False, "error": _error(exc)}
        # the arguments as they are after the call, so the grader can see in-place changes
        reply = {"ok": True, "value": encode(value), "args_after": encode(positional)}
        if require:
            reply["evidence"] = recorder.evidence()
        return reply

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
                require = [str(r) for r in message.get("require", [])]
                reply = self.call(str(message["name"]), message["args"], message["kwargs"], require)
            elif op == "get":
                reply = self.get(str(message["name"]))
            elif op == "hide":
                names = [str(n) for n in message.get("names", [])]
                modules = [str(m) for m in message.get("modules", [])]
                reply = self.hide(names, modules, str(message.get("why", "in this part")))
            elif op == "bye":
                return
            else:
                reply = {"ok": False, "error": {"type": "ProtocolError", "message": repr(op)}}
            self.send(reply)


def _child(conn: socket.socket, config: dict) -> None:
    seccomp.set_dumpable(True)
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        os.chdir(tempfile.mkdtemp(prefix="worker-", dir=config["tmp"]))
    except OSError:  # a part filled the sandbox's /tmp: that costs only its own parts
        os.chdir(config["tmp"])
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    capture = _Capture(int(config["output_cap"]))
    sys.stdin = open(os.devnull)  # noqa: SIM115
    sys.stdout = sys.stderr = capture
    block(config["blocked"], config.get("allowed", ()))
    _limit(config)
    if config.get("seccomp", True):
        seccomp.install(os.getpid())
    session = _Session(conn, capture, config)
    session.send({"ok": True, "pid": os.getpid()})
    session.serve()


def _receive_request(control: socket.socket):
    """One request from the grader, with the worker's socket, or None when the grader is gone."""
    fds = array.array("i")
    data, ancillary, _, _ = control.recvmsg(1 << 16, socket.CMSG_SPACE(fds.itemsize))
    if not data:
        return None, None
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return json.loads(data), list(fds)


def serve_forks(config: dict) -> None:
    """Preload modules, then fork a worker per request on the control socket."""
    control = socket.socket(fileno=int(config["control_fd"]))
    try:
        for name in config["preload"]:
            importlib.import_module(name)
        if "torch" in config["preload"]:
            sys.modules["torch"].set_num_threads(1)
            sys.modules["torch"].set_num_interop_threads(1)
    except BaseException as exc:
        control.sendall(dumps({"ready": False, "error": f"{type(exc).__name__}: {exc}"}))
        return
    rules.prepare(config["preload"])
    seccomp.set_dumpable(False)  # workers cannot open the zygote's /proc/<pid>/mem
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    control.sendall(dumps({"ready": True, "pid": os.getpid()}))
    while True:
        readable, _, _ = select.select([control], [], [])
        request, fds = _receive_request(control)
        if request is None:  # the grader closed the socket or died: stop
            return
        if request.get("op") == "kill":
            try:
                os.kill(int(request["pid"]), signal.SIGKILL)
            except (ProcessLookupError, ValueError, TypeError):
                pass
            control.sendall(dumps({"killed": request.get("pid")}))
            continue
        if request.get("op") != "spawn" or len(fds) != 1:
            for fd in fds:
                os.close(fd)
            control.sendall(dumps({"pid": None, "error": "bad request"}))
            continue
        pid = os.fork()
        if pid == 0:
            control.close()
            code = 0
            try:
                _child(socket.socket(fileno=fds[0]), config)
            except BaseException:
                code = 3
            finally:
                os._exit(code)
        os.close(fds[0])
        control.sendall(dumps({"pid": pid}))


if __name__ == "__main__":
    serve_forks(json.loads(sys.argv[-1]))
