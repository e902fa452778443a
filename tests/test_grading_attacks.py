"""Attacks from issue 8, each a real submission graded by the real grader in its real sandbox.

Classes (numbered as in the issue): 1 deny-list bypasses that now run but reach nothing,
4 a ``.pth`` dropped through the sandbox, 5 signals, 6 processes that try to outlive the
batch, 9 forbid/require rules bypassed with plain code, 10 honest code at full marks, and 8
the learner's ``check()`` agreeing with the grader. Expected scores are the points declared
in the solution notebooks, written out here by hand.

How an attack reports what it reached: its ``forward`` returns a dict whose *keys* say what
happened (``read=FileNotFoundError``, ``env=unseen``, ...). That part scores 0 and the
grader's reason lists the keys, so the test reads them back from the result, which is all a
learner would see too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import re
import site
import sqlite3
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import course_lib
from course_lib.grading.assignment import load_assignment
from course_lib.grading.gradebook import Gradebook
from course_lib.grading.grader import grade_submission, sandbox_config
from tests.grading_fixtures.submissions import (
    FORWARD_OK,
    RELU_OK,
    SOLUTIONS,
    answer_index,
    load,
    notebook_path,
    with_answer,
    write,
)

TIMEOUT = 3.0
SECRET = "COURSE_GRADING_ATTACK_SECRET"
SECRET_VALUE = "grader-secret-5b1f0c"
SOLUTION_FILE = str(notebook_path(SOLUTIONS, "ex01"))
MARK = "COURSE_GRADING_ATTACK_MARK"


@pytest.fixture(scope="module", autouse=True)
def graders_secret():
    """The grader's environment holds a secret; nothing a learner runs may see it."""
    os.environ[SECRET] = SECRET_VALUE
    try:
        yield
    finally:
        del os.environ[SECRET]


def _assignment(prefix):
    assignment = load_assignment(prefix, SOLUTIONS)
    return assignment, sandbox_config(assignment)


@pytest.fixture(scope="module")
def ex01():
    return _assignment("ex01")


@pytest.fixture(scope="module")
def ex04():
    return _assignment("ex04")


@pytest.fixture(scope="module")
def ex05():
    return _assignment("ex05")


def grade(ex, path: Path, content, *, timeout=TIMEOUT, config=None):
    assignment, default = ex
    write(path, content)
    return grade_submission(
        assignment, path, config or default, learner=path.stem, seed=4321, timeout=timeout
    )


def scores(result) -> dict:
    return {p.grade_id: p.score for p in result.parts}


def message(result, grade_id) -> str:
    return next(p.message for p in result.parts if p.grade_id == grade_id)


def reported(result, grade_id="forward") -> dict:
    """The ``key=value`` keys an attack's function returned, read back from the reason."""
    return dict(re.findall(r"'([a-z_]+)=([\w.-]*)'", message(result, grade_id)))


def answers(prefix: str, **sources) -> dict:
    """The solution notebook with some answer cells replaced."""
    nb = load(prefix)
    for grade_id, source in sources.items():
        nb = with_answer(prefix, grade_id, source, nb)
    return nb


# ``forward`` as an exfiltration channel: the keys of its dict are the attack's REPORT
REPORT_FORWARD = (
    "def forward(x, params):\n    return {f'{k}={v}': 0.0 for k, v in REPORT.items()}\n"
)

# --- class 1: the deny-list bypasses. Each defines READ, WRITE (or None) and ENV (or None). ---

BYPASSES = {
    "pkgutil.resolve_name": """
import pkgutil
_open = pkgutil.resolve_name("builtins.open")
READ = lambda p: _open(p).read()
WRITE = lambda p, t: _open(p, "w").write(t)
ENV = lambda: pkgutil.resolve_name("os.environ")
""",
    "operator.attrgetter-self": """
import operator
_b = operator.attrgetter("__self__")(len)
READ = lambda p: _b.open(p).read()
WRITE = lambda p, t: _b.open(p, "w").write(t)
ENV = lambda: _b.__import__("os").environ
""",
    "string.Formatter-fields": """
import string
_field = lambda name: string.Formatter().get_field("0.__self__." + name, (len,), {})[0]
READ = lambda p: _field("open")(p).read()
WRITE = lambda p, t: _field("open")(p, "w").write(t)
ENV = lambda: _field("__import__")("os").environ
""",
    "gi_frame.f_back": """
def _climb():
    yield _gen.gi_frame.f_back
_gen = _climb()
_frame = next(_gen)
while _frame is not None and "resource" not in _frame.f_globals:  # the worker's own module
    _frame = _frame.f_back
_worker = _frame.f_globals
EXTRA = {"worker": "reached" if "seccomp" in _worker else "missed"}
READ = lambda p: _worker["builtins"].open(p).read()
WRITE = lambda p, t: _worker["builtins"].open(p, "w").write(t)
ENV = lambda: _worker["os"].environ
""",
    "timeit-built-string": """
import timeit
def READ(p):
    box = []
    timeit.timeit("".join(["box.append(op", "en(p).read())"]), number=1,
                  globals={"box": box, "p": p})
    return box[0]
def WRITE(p, t):
    timeit.timeit("op" + "en(p, 'w').write(t)", number=1, globals={"p": p, "t": t})
def ENV():
    box = []
    timeit.timeit("im" + "port os; box.append(dict(os.environ))", number=1, globals={"box": box})
    return box[0]
""",
    "codecs.open": """
import codecs
READ = lambda p: codecs.open(p).read()
WRITE = lambda p, t: codecs.open(p, "w").write(t)
ENV = None
""",
    "linecache": """
import linecache
READ = lambda p: "".join(linecache.getlines(p))
WRITE = None
ENV = lambda: linecache.os.environ
""",
    "tokenize.open": """
import tokenize
READ = lambda p: tokenize.open(p).read()
WRITE = None
ENV = None
""",
    "fileinput": """
import fileinput
READ = lambda p: "".join(fileinput.FileInput(p))
WRITE = None
ENV = lambda: fileinput.os.environ
""",
    "os-re-exported-by-shutil": """
import shutil
_os = shutil.os
def READ(p):
    fd = _os.open(p, _os.O_RDONLY)
    return _os.read(fd, 1 << 20).decode()
def WRITE(p, t):
    fd = _os.open(p, _os.O_WRONLY | _os.O_CREAT)
    _os.write(fd, t.encode())
ENV = lambda: _os.environ
""",
    "from-numpy-import-builtins": """
from numpy import __builtins__ as _nb
_get = _nb.__getitem__ if isinstance(_nb, dict) else _nb.__dict__.__getitem__
READ = lambda p: _get("open")(p).read()
WRITE = lambda p, t: _get("open")(p, "w").write(t)
ENV = lambda: _get("__import__")("os").environ
""",
    "sqlite3": """
import sqlite3
def READ(p):
    return str(sqlite3.connect(p).execute("SELECT * FROM sqlite_master").fetchall())
def WRITE(p, t):
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE IF NOT EXISTS escaped (x)")
    con.commit()
def _tamper():
    con = sqlite3.connect(BOOK)
    con.execute("CREATE TRIGGER IF NOT EXISTS full_marks AFTER INSERT ON grades BEGIN "
                "UPDATE grades SET score = max_score; END")
    con.commit()
ENV = None
try:
    _tamper()
    EXTRA = {"book": "ok"}
except BaseException as exc:
    EXTRA = {"book": type(exc).__name__}
""",
}

# what every bypass then tries with what it got; a cheat relu needs the solution's relu
PAYLOAD = """
import json
REPORT = dict(globals().get("EXTRA", {}))

def _outcome(action):
    try:
        return "ok", action()
    except BaseException as exc:
        return type(exc).__name__, None

for _key, _path in (("read", SOLUTION), ("root", f"/proc/{GRADER}/root{SOLUTION}")):
    REPORT[_key], _text = _outcome(lambda: READ(_path))
    if REPORT[_key] == "ok" and "BEGIN SOLUTION" not in str(_text):
        REPORT[_key] = "empty"
    if REPORT[_key] == "ok":
        SOLUTION_TEXT = _text
_found, _text = _outcome(lambda: READ(f"/proc/{GRADER}/cmdline"))
REPORT["grader"] = "empty" if _found == "ok" and not _text else _found
_seen = [SECRET in (_outcome(ENV)[1] or {})] if ENV else []
for _pid in ("self", "1", "2", "3", "4", str(GRADER)):
    _seen.append(SECRET_VALUE in str(_outcome(lambda: READ(f"/proc/{_pid}/environ"))[1]))
REPORT["env"] = "seen" if any(_seen) else "unseen"
REPORT["write"] = _outcome(lambda: WRITE(OUTSIDE, "escaped"))[0] if WRITE else "none"


def relu(z):
    if "SOLUTION_TEXT" not in globals():
        return z  # wrong for negative entries: this cheat only works with the solution
    cells = json.loads(SOLUTION_TEXT)["cells"]
    cell = next(c for c in cells if c["metadata"].get("grading", {}).get("grade_id") == "relu")
    namespace = {"np": __import__("numpy")}
    exec("".join(cell["source"]), namespace)
    return namespace["relu"](z)
"""


def _constants(**values) -> str:
    return "".join(f"{name} = {value!r}\n" for name, value in values.items())


@pytest.mark.parametrize("bypass", sorted(BYPASSES))
def test_deny_list_bypasses_run_but_reach_nothing(ex01, tmp_path, bypass):
    outside = tmp_path / "outside" / "escaped.txt"
    outside.parent.mkdir()
    book = tmp_path / "gradebook.sqlite"
    Gradebook(book).close()
    header = _constants(
        SOLUTION=SOLUTION_FILE,
        GRADER=os.getpid(),
        SECRET=SECRET,
        SECRET_VALUE=SECRET_VALUE,
        OUTSIDE=str(outside),
        BOOK=str(book),
    )
    nb = answers("ex01", relu=header + BYPASSES[bypass] + PAYLOAD, forward=REPORT_FORWARD)
    result = grade(ex01, tmp_path / "mallory.ipynb", nb)

    assert result.status == "graded"
    report = reported(result)
    assert {"read", "root", "grader", "env", "write"} <= set(report), message(result, "forward")
    assert report["read"] != "ok" and report["root"] != "ok", report  # solutions/ unreachable
    assert report["grader"] != "ok", report  # the grader's process is out of sight
    assert report["env"] == "unseen", report
    assert report["write"] != "ok" and not outside.exists(), report
    # the cheat relu could not load the solution, so the part is graded on what it really does
    assert scores(result) == {"relu": 0, "forward": 0}
    assert message(result, "relu").startswith("relu(z) for z = ")  # judged on its values
    assert all(SECRET_VALUE not in p.message for p in result.parts)
    if bypass == "gi_frame.f_back":
        assert report["worker"] == "reached"  # the climb worked: the worker holds nothing
    if bypass == "sqlite3":
        assert report["book"] != "ok"
        with sqlite3.connect(book) as con:
            kinds = {row[0] for row in con.execute("SELECT type FROM sqlite_master")}
        assert "table" in kinds and "trigger" not in kinds  # the gradebook has no trigger


# --- class 4: a .pth file (or any code) dropped into the interpreter's path ---


def test_code_dropped_into_site_packages_or_course_lib_never_reaches_the_host(ex01, tmp_path):
    package = Path(course_lib.__file__).parent
    targets = {
        "venv_pth": os.path.join(site.getsitepackages()[0], "zz_course_attack.pth"),
        "base_pth": os.path.join(
            sys.base_prefix,
            "lib",
            f"python{sys.version_info[0]}.{sys.version_info[1]}",
            "site-packages",
            "zz_course_attack.pth",
        ),  # fmt: skip
        "sitecustomize": os.path.join(site.getsitepackages()[0], "sitecustomize.py"),
        "course_lib_init": str(package / "__init__.py"),
        "grading_init": str(package / "grading" / "__init__.py"),
    }
    existed = {key: os.path.exists(path) for key, path in targets.items()}
    marker = tmp_path / "pth-ran"
    attack = _constants(TARGETS=targets, MARKER=str(marker)) + (
        "REPORT = {}\n"
        "for _key, _path in TARGETS.items():\n"
        "    try:\n"
        "        with open(_path, 'a') as _f:\n"
        "            _f.write(f'\\nimport os; open({MARKER!r}, \"w\").close()\\n')\n"
        "        REPORT[_key] = 'ok'\n"
        "    except OSError as _e:\n"
        "        REPORT[_key] = type(_e).__name__\n" + RELU_OK
    )
    result = grade(ex01, tmp_path / "dropper.ipynb", answers("ex01", relu=attack,
                                                           forward=REPORT_FORWARD))  # fmt: skip
    report = reported(result)
    assert set(report) == set(targets), message(result, "forward")
    assert "ok" not in report.values(), report
    assert scores(result)["relu"] == 1  # the honest relu after the attempt still counts
    for key, path in targets.items():
        assert os.path.exists(path) == existed[key]
        if existed[key]:
            assert str(marker) not in Path(path).read_text(encoding="utf-8")
    # a new interpreter of the venv (the grader's next run) executes nothing of the learner's
    subprocess.run([sys.executable, "-c", "import course_lib.grading"], check=True, timeout=60)
    assert not marker.exists()


# --- class 5: signals to pid 1, -1, the zygote, every pid; another learner graded alongside ---

SIGNALS_ATTACK = (
    "import os, signal\n"
    "REPORT = {'sent': 0, 'refused': 0, 'pids': 0}\n"
    "_me = os.getpid()\n"
    "_visible = [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != _me]\n"
    "REPORT['pids'] = len(_visible)\n"
    "_targets = [1, -1, os.getppid(), *_visible, *range(2, 40000)]\n"
    "for _sig in (signal.SIGSTOP, signal.SIGKILL):\n"
    "    for _pid in _targets:\n"
    "        if _pid == _me:\n"
    "            continue\n"
    "        try:\n"
    "            os.kill(_pid, _sig)\n"
    "            REPORT['sent'] += 1\n"
    "        except OSError:\n"
    "            REPORT['refused'] += 1\n"
    "    for _group in (1, os.getpgid(os.getppid()) if os.getppid() else 1):\n"
    "        try:\n"
    "            os.killpg(_group, _sig)\n"
    "            REPORT['sent'] += 1\n"
    "        except OSError:\n"
    "            REPORT['refused'] += 1\n" + RELU_OK
)


def test_signals_reach_no_other_process_and_a_learner_graded_alongside_is_unharmed(ex01, tmp_path):
    attacker = answers("ex01", relu=SIGNALS_ATTACK, forward=REPORT_FORWARD)
    victim = answers("ex01")
    with ThreadPoolExecutor(2) as pool:
        attack_future = pool.submit(grade, ex01, tmp_path / "mallory.ipynb", attacker)
        victims = [pool.submit(grade, ex01, tmp_path / f"bob{i}.ipynb", victim) for i in range(2)]
        attacked = attack_future.result()
        others = [f.result() for f in victims]
    report = reported(attacked)
    assert report["sent"] == "0" and int(report["refused"]) > 2 * 40000, report
    # the zygote was neither stopped nor killed: relu's worker answered, forward's was spawned
    assert attacked.status == "graded" and scores(attacked)["relu"] == 1
    assert "could not be checked" not in message(attacked, "forward")
    assert attacked.duration < 15  # a stopped zygote would cost a 20 s spawn timeout
    for other in others:
        assert other.status == "graded" and scores(other) == {"relu": 1, "forward": 3}


# A signal that is not sent by kill(): the kernel's SIGIO to the owner of a file descriptor
# (F_SETOWN), with the signal chosen by F_SETSIG. Then the targets' states, from /proc.
SIGIO_ATTACK = (
    "import fcntl, os, signal, time\n"
    "REPORT = {}\n"
    "_F_SETSIG = 10\n"
    "def _sigio(owner, sig):\n"
    "    r, w = os.pipe()\n"
    "    fcntl.fcntl(r, fcntl.F_SETOWN, owner)\n"
    "    fcntl.fcntl(r, _F_SETSIG, sig)\n"
    "    fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_ASYNC)\n"
    "    os.write(w, b'x')\n"
    "def _state(pid):\n"
    "    try:\n"
    "        with open(f'/proc/{pid}/stat') as f:\n"
    "            return f.read().rsplit(')', 1)[1].split()[0]\n"
    "    except OSError:\n"
    "        return 'gone'\n"
    "_zygote = os.getppid()\n"
    "for _owner in (_zygote, 1, -os.getpgid(_zygote)):\n"
    "    try:\n"
    "        _sigio(_owner, signal.SIGSTOP)\n"
    "    except OSError:\n"
    "        pass\n"
    "time.sleep(0.3)\n"
    "REPORT['zygote'] = _state(_zygote)\n"
    "REPORT['init'] = _state(1)\n" + RELU_OK
)


def test_signals_through_sigio_do_not_stop_the_zygote_or_the_sandbox_init(ex01, tmp_path):
    nb = answers("ex01", relu=SIGIO_ATTACK, forward=REPORT_FORWARD)
    result = grade(ex01, tmp_path / "sigio.ipynb", nb)
    assert result.status == "graded", [p.message for p in result.parts]
    report = reported(result)
    assert set(report) == {"zygote", "init"}, message(result, "forward")
    assert report["zygote"] != "T" and report["init"] != "T", report  # T: stopped
    assert scores(result)["relu"] == 1


# --- class 6: processes that try to outlive the grading ---

ESCAPE_CODE = (
    "import os, subprocess, multiprocessing, pty\n"
    "REPORT = {}\n"
    "def _double_fork():\n"
    "    if os.fork() == 0:\n"
    "        os.setsid()\n"
    "        if os.fork() == 0:\n"
    "            os.execv('/usr/bin/sleep', ['sleep', '300'])\n"
    "        os._exit(0)\n"
    "_ways = {\n"
    "    'double_fork': _double_fork,\n"
    "    'popen_setsid': lambda: subprocess.Popen(['setsid', 'sleep', '300'],\n"
    "                                             start_new_session=True),\n"
    "    'posix_spawn': lambda: os.posix_spawn('/usr/bin/sleep', ['sleep', '300'], os.environ),\n"
    "    'system': lambda: os.system('nohup sleep 300 &'),\n"
    "    'forkpty': pty.fork,\n"
    "    'multiprocessing': lambda: multiprocessing.Process(target=os.getpid).start(),\n"
    "}\n"
    "for _name, _way in _ways.items():\n"
    "    try:\n"
    "        _got = _way()\n"
    "        REPORT[_name] = 'ok' if _got not in (-1, 32512) else 'failed'\n"
    "    except BaseException as _e:\n"
    "        REPORT[_name] = type(_e).__name__\n"
)
ESCAPE_ATTACK = ESCAPE_CODE + RELU_OK


def _processes_with(mark: str) -> list[tuple[int, str]]:
    """Host processes whose environment or command line holds ``mark``: bwrap (``--setenv``),
    and everything inside its sandbox (the zygote, workers, anything they started)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if (mark.encode() in environ or mark in cmdline) and state != "Z":
            found.append((int(entry), cmdline))
    return found


def _gone(mark: str) -> list[tuple[int, str]]:
    """The processes still marked after a few seconds' grace (the kernel reaps asynchronously)."""
    deadline = time.monotonic() + 5
    while (left := _processes_with(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def test_nothing_the_submission_started_outlives_its_grading(ex01, tmp_path):
    _, config = ex01
    mark = uuid.uuid4().hex
    marked = dataclasses.replace(config, extra_env={MARK: mark})
    nb = answers("ex01", relu=ESCAPE_ATTACK, forward=REPORT_FORWARD)
    result = grade(ex01, tmp_path / "escaper.ipynb", nb, config=marked)
    report = reported(result)
    assert set(report) == {"double_fork", "popen_setsid", "posix_spawn", "system", "forkpty",
                           "multiprocessing"}, message(result, "forward")  # fmt: skip
    assert "ok" not in report.values(), report
    assert scores(result)["relu"] == 1
    assert _gone(mark) == []


def test_nothing_outlives_the_grading_of_parts_with_rules(ex04, tmp_path):
    """ex04's by_hand blocks modules, so it may run in a sandbox of its own: that one too."""
    _, config = ex04
    mark = uuid.uuid4().hex
    marked = dataclasses.replace(config, extra_env={MARK: mark})
    nb = load("ex04")
    solution = "".join(nb["cells"][answer_index(nb, "by_hand")]["source"])
    nb = with_answer("ex04", "by_hand", ESCAPE_CODE + solution, nb)
    result = grade(ex04, tmp_path / "escaper.ipynb", nb, config=marked)
    assert scores(result) == {"by_hand": 3, "with_value": 2, "gradient_step": 1}
    assert _gone(mark) == []


def test_the_worker_processes_of_a_sandbox_are_found_by_the_scan_while_it_runs(ex01, tmp_path):
    """The scan above is not blind: during grading it sees the sandbox's zygote and worker."""
    _, config = ex01
    mark = uuid.uuid4().hex
    marked = dataclasses.replace(config, extra_env={MARK: mark})
    seen = []
    nb = answers("ex01", relu="import time\ntime.sleep(1.5)\n" + RELU_OK)
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(grade, ex01, tmp_path / "slow.ipynb", nb, config=marked)
        while not future.done():
            seen += [cmd for _, cmd in _processes_with(mark)]
            time.sleep(0.1)
    assert future.result().status == "graded"
    assert any("course_lib.grading.worker" in cmd for cmd in seen)


# --- class 9: forbid/require rules bypassed with plain code ---

VALUE_ROUTES = {
    "operator.attrgetter": "import operator\n"
    "    return operator.attrgetter('Value')(__import__('__main__'))",
    "__main__": "import __main__\n    return __main__.Value",
    "globals()": "return globals()['Value']",
    "sys.modules": "import sys\n    return next(m.Value for m in list(sys.modules.values())\n"
    "                if isinstance(getattr(m, 'Value', None), type))",
    "gc.get_objects": "import gc\n    return next(o for o in gc.get_objects()\n"
    "                if isinstance(o, type) and o.__name__ == 'Value')",
    "object.__subclasses__": "return next(c for c in object.__subclasses__()"
    " if c.__name__ == 'Value')",
    "import course_lib.value": "import course_lib.value\n    return course_lib.value.Value",
    "importlib": "import importlib\n    return importlib.import_module('course_lib.value').Value",
    "sys.meta_path-cleared": "import sys\n"
    "    sys.meta_path[:] = [f for f in sys.meta_path if 'Blocker' not in type(f).__name__]\n"
    "    import course_lib.value\n    return course_lib.value.Value",
}

WITH_VALUE_BODY = (
    "    V = _value_class()\n"
    "    va, vb, vc, vd = V(a), V(b), V(c), V(d)\n"
    "    f = (va * vb + vc) * vd.tanh()\n"
    "    f.backward()\n"
    "    return {'f': f.data, 'a': va.grad, 'b': vb.grad, 'c': vc.grad, 'd': vd.grad}\n"
)


@pytest.mark.parametrize("route", sorted(VALUE_ROUTES))
def test_by_hand_cannot_reach_value_however_it_is_named(ex04, tmp_path, route):
    helper = f"def _value_class():\n    {VALUE_ROUTES[route]}\n\n\n"
    nb = answers(
        "ex04",
        by_hand=helper + "def grads_by_hand(a, b, c, d):\n" + WITH_VALUE_BODY,
        # the same route, where Value is allowed: it works, so the route itself is sound
        with_value=helper + "def grads_with_value(a, b, c, d):\n" + WITH_VALUE_BODY,
    )
    result = grade(ex04, tmp_path / "route.ipynb", nb)
    assert result.status == "graded"
    # gradient_step calls the refused grads_by_hand: judged on its own code, it keeps its point
    assert scores(result) == {"by_hand": 0, "with_value": 2, "gradient_step": 1}, [
        p.message for p in result.parts
    ]


def test_by_hand_cannot_load_value_from_its_source_file(ex04, tmp_path):
    """Past the import blocker: value.py loaded from its path (which the editable install's
    finder, in sys.modules, also lists). The file must not be there for this part."""
    path = str(Path(course_lib.__file__).parent / "value.py")
    helper = (
        "def _value_class():\n"
        "    import importlib.util\n"
        f"    spec = importlib.util.spec_from_file_location('own_value', {path!r})\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
        "    return module.Value\n\n\n"
    )
    nb = answers("ex04", by_hand=helper + "def grads_by_hand(a, b, c, d):\n" + WITH_VALUE_BODY)
    result = grade(ex04, tmp_path / "by_path.ipynb", nb)
    assert scores(result)["by_hand"] == 0, message(result, "by_hand")


def test_a_blocked_module_stays_blocked_when_the_import_blocker_is_removed(ex01, tmp_path):
    uses_mlp = (
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if 'Blocker' not in type(f).__name__]\n"
        "from course_lib.mlp import MLP\n"
        "def forward(x, params):\n"
        "    y_hat, c = MLP([2, 2, 1], params=params).forward(x)\n"
        "    return {'z1': c['z1'], 'a1': c['a1'], 'z2': c['z2'], 'y_hat': float(y_hat[0])}\n"
    )
    result = grade(ex01, tmp_path / "mlp.ipynb", answers("ex01", forward=uses_mlp))
    assert scores(result) == {"relu": 1, "forward": 0}, message(result, "forward")


BY_HAND_MATH = (
    "import math\n"
    "def _by_hand(a, b, c, d):\n"
    "    p, t = a * b + c, math.tanh(d)\n"
    "    return {'f': p * t, 'a': t * b, 'b': t * a, 'c': t, 'd': p * (1 - t * t)}\n"
)


def test_with_value_is_not_met_by_dead_code(ex04, tmp_path):
    dead = BY_HAND_MATH + (
        "def grads_with_value(a, b, c, d):\n"
        "    Value(0.0).backward()  # does nothing useful\n"
        "    return _by_hand(a, b, c, d)\n"
    )
    result = grade(ex04, tmp_path / "dead.ipynb", answers("ex04", with_value=dead))
    assert scores(result) == {"by_hand": 3, "with_value": 0, "gradient_step": 1}
    assert "backward()" in message(result, "with_value")  # the reason names the tool


# hand-computed gradients laundered through Value: for ``leaf * Value(g)``, backward() gives
# ``leaf.grad == g``, whatever the leaf holds
LAUNDERINGS = {
    "a-constant-leaf-per-entry": (
        "    for key in 'abcd':\n"
        "        leaf = Value(1.0)\n"
        "        (leaf * Value(out[key])).backward()\n"
        "        out[key] = leaf.grad\n"
    ),
    "the-input-as-leaf-per-entry": (
        "    for key, x in zip('abcd', (a, b, c, d)):\n"
        "        leaf = Value(x)\n"
        "        (leaf * Value(out[key])).backward()\n"
        "        out[key] = leaf.grad\n"
    ),
    # one graph: the four inputs as leaves, f as its root, sum(x * g) + (f - sum(x * g))
    "one-graph-with-the-inputs-as-leaves-and-f-as-root": (
        "    leaves = [Value(x) for x in (a, b, c, d)]\n"
        "    root = Value(out['f'] - sum(x * out[k] for x, k in zip((a, b, c, d), 'abcd')))\n"
        "    for leaf, key in zip(leaves, 'abcd'):\n"
        "        root = root + leaf * Value(out[key])\n"
        "    root.backward()\n"
        "    out = {'f': root.data, **{k: v.grad for k, v in zip('abcd', leaves)}}\n"
    ),
}


@pytest.mark.parametrize("laundering", sorted(LAUNDERINGS))
def test_with_value_is_not_met_by_hand_numbers_passed_through_a_value_graph(
    ex04, tmp_path, laundering
):
    laundered = BY_HAND_MATH + (
        "def grads_with_value(a, b, c, d):\n"
        "    out = _by_hand(a, b, c, d)\n" + LAUNDERINGS[laundering] + "    return out\n"
    )
    result = grade(ex04, tmp_path / "laundered.ipynb", answers("ex04", with_value=laundered))
    assert scores(result)["with_value"] == 0, message(result, "with_value")


# The learner's own process records what Value computed: reached through the frames, the
# recorder takes whatever it is given. (The call adapts to the recorder's signature.)
FORGE = (
    "import inspect, sys\n"
    "def _recorder():\n"
    "    frame = sys._getframe()\n"
    "    while frame is not None:\n"
    "        found = frame.f_locals.get('recorder')\n"
    "        if found is not None and hasattr(found, 'add'):\n"
    "            return found\n"
    "        frame = frame.f_back\n"
    "def grads_with_value(a, b, c, d):\n"
    "    out = _by_hand(a, b, c, d)\n"
    "    recorder = _recorder()\n"
    "    pairs = [[[float(x)], [float(out[k])]] for x, k in zip((a, b, c, d), 'abcd')]\n"
    "    names = list(inspect.signature(recorder.add).parameters)\n"
    "    if 'pairs' in names:\n"
    "        recorder.add([float(out['f'])], pairs)\n"
    "    elif 'kind' in names:\n"
    "        for _, g in pairs:\n"
    "            recorder.add('grads', g)\n"
    "    else:\n"
    "        for x, g in pairs:\n"
    "            recorder.add(x, g)\n"
    "    return out\n"
)


def test_with_value_is_not_met_by_evidence_forged_in_the_recorder(ex04, tmp_path):
    result = grade(
        ex04, tmp_path / "forged.ipynb", answers("ex04", with_value=BY_HAND_MATH + FORGE)
    )
    assert scores(result)["with_value"] == 0, message(result, "with_value")


TORCH_FROM_MANUAL = (
    "import gc, sys\n"
    "def _manual_backward():\n"
    "    for get in (lambda: globals()['manual_backward'],\n"
    "                lambda: sys.modules['__main__'].manual_backward,\n"
    "                lambda: next(o for o in gc.get_objects()\n"
    "                             if getattr(o, '__name__', None) == 'manual_backward')):\n"
    "        try:\n"
    "            return get()\n"
    "        except (KeyError, AttributeError, StopIteration):\n"
    "            pass\n"
    "    raise LookupError('manual_backward is out of reach')\n"
    "def torch_gradients(x, y, params):\n"
    "    w = torch.ones(1, requires_grad=True)\n"
    "    (2 * w).sum().backward()  # autograd ran, on something else\n"
    "    return _manual_backward()(x, y, params)\n"
)
SGD_BY_HAND = (
    "def torch_sgd_step(x, y, params, lr):\n"
    "    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)\n"
    "         for k, v in params.items()}\n"
    "    xt = torch.as_tensor(x, dtype=torch.float64)\n"
    "    y_hat = t['W2'] @ torch.relu(t['W1'] @ xt + t['b1']) + t['b2']\n"
    "    ((y_hat - y) ** 2).sum().backward()\n"
    "    with torch.no_grad():\n"
    "        return {k: (p - lr * p.grad).numpy().copy() for k, p in t.items()}\n"
)
TORCH_AUTOGRAD_GRAD = (
    "def torch_gradients(x, y, params):\n"
    "    names = ('W1', 'b1', 'W2', 'b2')\n"
    "    t = {k: torch.tensor(params[k], dtype=torch.float64, requires_grad=True)\n"
    "         for k in names}\n"
    "    xt = torch.as_tensor(x, dtype=torch.float64)\n"
    "    y_hat = t['W2'] @ torch.relu(t['W1'] @ xt + t['b1']) + t['b2']\n"
    "    loss = ((y_hat - y) ** 2).mean()\n"
    "    grads = torch.autograd.grad(loss, [t[k] for k in names])\n"
    "    return {k: g.numpy().copy() for k, g in zip(names, grads)}\n"
)

TORCH_FUNC_GRAD = (
    "def torch_gradients(x, y, params):\n"
    "    xt = torch.as_tensor(x, dtype=torch.float64)\n"
    "    def loss(p):\n"
    "        y_hat = p['W2'] @ torch.relu(p['W1'] @ xt + p['b1']) + p['b2']\n"
    "        return ((y_hat - y) ** 2).mean()\n"
    "    tensors = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in params.items()}\n"
    "    return {k: g.numpy().copy() for k, g in torch.func.grad(loss)(tensors).items()}\n"
)
# the update done by hand, then handed to an SGD whose step changes nothing (lr = 0)
SGD_LAUNDERED = (
    "def torch_sgd_step(x, y, params, lr):\n"
    "    p = params\n"
    "    z1 = p['W1'] @ x + p['b1']\n"
    "    a1 = np.maximum(z1, 0.0)\n"
    "    d2 = 2 * ((p['W2'] @ a1 + p['b2']) - y)\n"
    "    d1 = (p['W2'].T @ d2) * (z1 > 0)\n"
    "    g = {'W1': np.outer(d1, x), 'b1': d1, 'W2': np.outer(d2, a1), 'b2': d2}\n"
    "    new = [torch.tensor(p[k] - lr * g[k]) for k in ('W1', 'b1', 'W2', 'b2')]\n"
    "    torch.optim.SGD(new, lr=0.0).step()\n"
    "    return {k: t.numpy().copy() for k, t in zip(('W1', 'b1', 'W2', 'b2'), new)}\n"
)


@pytest.fixture(scope="module")
def ex05_graded(ex05, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ex05")
    cheat = answers("ex05", torch_gradients=TORCH_FROM_MANUAL, torch_sgd_step=SGD_BY_HAND)
    honest = answers("ex05", torch_gradients=TORCH_AUTOGRAD_GRAD)
    functional = answers("ex05", torch_gradients=TORCH_FUNC_GRAD, torch_sgd_step=SGD_LAUNDERED)
    return {
        "cheat": grade(ex05, folder / "cheat.ipynb", cheat, timeout=10),
        "honest": grade(ex05, folder / "honest.ipynb", honest, timeout=10),
        "functional": grade(ex05, folder / "functional.ipynb", functional, timeout=10),
    }


def test_torch_parts_cannot_use_manual_backward_nor_skip_sgd(ex05_graded):
    result = ex05_graded["cheat"]
    assert result.status == "graded"
    assert scores(result) == {"torch_gradients": 0, "torch_sgd_step": 0, "max_abs_difference": 1}
    assert "SGD" in message(result, "torch_sgd_step")


def test_torch_sgd_step_is_not_met_by_a_hand_update_passed_through_a_zero_step(ex05_graded):
    result = ex05_graded["functional"]
    assert scores(result)["torch_sgd_step"] == 0, message(result, "torch_sgd_step")


# --- class 10: honest code in any reasonable style gets full marks ---


def test_torch_autograd_grad_meets_require_backward(ex05_graded):
    result = ex05_graded["honest"]
    assert scores(result) == {"torch_gradients": 3, "torch_sgd_step": 2, "max_abs_difference": 1}


def test_torch_func_grad_meets_require_backward(ex05_graded):
    result = ex05_graded["functional"]
    assert scores(result)["torch_gradients"] == 3, message(result, "torch_gradients")


HONEST_RELU = (
    "import json, os, pickle, sys, time\n"
    "time.sleep(1.5)  # a top-level demo, under the 2 s limit\n"
    "SETTINGS = pickle.loads(pickle.dumps(json.loads('{\"floor\": 0.0}')))\n"
    "np.save(os.path.join(os.path.expanduser('~'), 'demo.npy'), np.arange(3.0))\n"
    "DEMO = np.load(os.path.join(os.path.expanduser('~'), 'demo.npy'))\n"
    "class Store:\n"
    "    def load(self):\n"
    "        return SETTINGS\n"
    "    def save(self, path):\n"
    "        return os.path.join(os.path.dirname(path), 'settings.json')\n"
    "def relu(z):\n"
    "    kind = getattr(z, 'dtype', None)\n"
    "    z = np.asarray(z, dtype=np.float64 if kind is None else kind)\n"
    "    floor = Store().load()['floor']\n"
    "    small = sys.float_info.min\n"
    "    names = locals()\n"
    "    assert small > 0 and names['floor'] == 0.0\n"
    "    return np.where(z > 0, z, floor)\n"
)
HONEST_FORWARD = "import time\ntime.sleep(1.5)  # another demo\n" + FORWARD_OK


def test_honest_code_in_any_style_gets_full_marks(ex01, tmp_path):
    nb = answers("ex01", relu=HONEST_RELU, forward=HONEST_FORWARD)
    result = grade(ex01, tmp_path / "honest.ipynb", nb, timeout=2.0)
    assert result.status == "graded"
    assert scores(result) == {"relu": 1, "forward": 3}, [p.message for p in result.parts]


# --- class 8: the learner's check() applies the grader's rules ---


def _namespace(prefix: str, **replaced) -> dict:
    """Run the solution's setup cells and answer cells (some replaced) as a notebook would."""
    nb = load(prefix)
    for grade_id, source in replaced.items():
        nb = with_answer(prefix, grade_id, source, nb)
    ns = {"__name__": "__main__"}
    for cell in nb["cells"]:
        role = cell.get("metadata", {}).get("grading", {}).get("role")
        if cell["cell_type"] == "code" and role in ("setup", "answer"):
            exec(compile("".join(cell["source"]), f"<{prefix} cell>", "exec"), ns)
    return ns


def _verdict(check, ns) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        check.check(ns)
    return out.getvalue()


def test_self_check_with_value_refuses_gradients_computed_by_hand():
    from course_lib.grading.checks import ex04  # noqa: PLC0415

    assert _verdict(ex04.with_value, _namespace("ex04")).startswith("✓")
    hand = BY_HAND_MATH + "def grads_with_value(a, b, c, d):\n    return _by_hand(a, b, c, d)\n"
    verdict = _verdict(ex04.with_value, _namespace("ex04", with_value=hand))
    assert verdict.startswith("✗") and "backward" in verdict, verdict
    assert not ex04.with_value.passed


def test_self_check_torch_sgd_step_refuses_an_update_without_sgd():
    from course_lib.grading.checks import ex05  # noqa: PLC0415

    assert _verdict(ex05.torch_sgd_step, _namespace("ex05")).startswith("✓")
    verdict = _verdict(ex05.torch_sgd_step, _namespace("ex05", torch_sgd_step=SGD_BY_HAND))
    assert verdict.startswith("✗") and "SGD" in verdict, verdict


@pytest.mark.parametrize(
    "uses_value",
    [
        "def grads_by_hand(a, b, c, d):\n",
        "def grads_by_hand(a, b, c, d):\n    from course_lib import Value as V\n"
        "    _value_class = lambda: V\n",
    ],
    ids=["the-notebook-name", "imported-inside"],
)
def test_self_check_by_hand_refuses_value(uses_value):
    from course_lib.grading.checks import ex04  # noqa: PLC0415

    assert _verdict(ex04.by_hand, _namespace("ex04")).startswith("✓")
    source = "def _value_class():\n    return Value\n\n\n" + uses_value + WITH_VALUE_BODY
    verdict = _verdict(ex04.by_hand, _namespace("ex04", by_hand=source))
    assert verdict.startswith("✗") or "will not accept" in verdict, verdict
    assert not ex04.by_hand.passed


def test_self_check_of_a_part_that_blocks_torch_leaves_a_loaded_torch_working():
    """A learner's kernel may have torch loaded when ex04's by_hand check() runs."""
    import torch  # noqa: PLC0415

    from course_lib.grading.checks import ex04  # noqa: PLC0415

    verdict = _verdict(ex04.by_hand, _namespace("ex04"))
    assert verdict.startswith("✓"), verdict
    assert float(torch.ones(2, dtype=torch.float64).sum()) == 2.0
    assert sys.modules["torch"] is torch and hasattr(torch, "ops")
