"""The sandbox holds when learner code attacks it: real bubblewrap, real escape attempts.

Each test runs code an attacker wrote in a real submission sandbox and checks from outside
that it reached nothing: the repository and solutions/ are not there, the grader's process
and environment are out of sight, the network is gone, nothing can be forked, signalled or
written outside, and everything dies with the sandbox.
"""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from course_lib.grading.runner import PartFault, Program, RemoteCaller, Runner
from course_lib.grading.sandbox import Sandbox, SandboxConfig
from tests.grading_fixtures.submissions import ROOT, SOLUTIONS

SECRET = "COURSE_GRADING_TEST_SECRET_TOKEN"


@pytest.fixture(scope="module")
def box():
    os.environ[SECRET] = "hunter2"  # the grader has a secret; its workers must not
    try:
        config = SandboxConfig(("numpy",), ("course_lib.mlp", "course_lib.grading"), memory_mb=256)
        with Sandbox(config) as sandbox:
            yield sandbox
    finally:
        del os.environ[SECRET]


def call(box, source: str, name: str, *args, timeout=5.0):
    """Run ``source`` as an answer cell in a fresh worker, then call ``name``."""
    runner = Runner(box, [Program("c0", source, "part0")], timeout, output_cap=100_000)
    try:
        runner.ensure()
        return RemoteCaller(runner, timeout)(name, *args)
    finally:
        runner.close()


def test_environment_is_scrubbed_and_home_is_a_private_tmp(box):
    env = call(box, "import os\ndef env():\n    return dict(os.environ)", "env")
    assert SECRET not in env and "hunter2" not in env.values()
    assert env["HOME"] == "/tmp" and env["OMP_NUM_THREADS"] == "1"
    allowed = {"PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PYTHONDONTWRITEBYTECODE", "PWD"}
    assert set(env) <= allowed | {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}


def test_solutions_and_the_rest_of_the_repository_do_not_exist_inside(box):
    probe = (
        "import os\n"
        "def look(root, solution):\n"
        "    try:\n        text = open(solution).read()\n"
        "    except OSError as e:\n        text = type(e).__name__\n"
        "    return [sorted(os.listdir(root)), text, os.path.exists('/home'),\n"
        "            os.path.exists(os.path.expanduser('~/.ssh'))]"
    )
    solution = str(next(SOLUTIONS.glob("ex01_*.ipynb")))
    listing, text, home, ssh = call(box, probe, "look", str(ROOT), solution)
    assert "solutions" not in listing and "tests" not in listing and ".git" not in listing
    assert set(listing) <= {"course_lib", ".venv"}  # course_lib and (when inside) the venv
    assert text == "FileNotFoundError"
    assert home is False and ssh is False


def test_nothing_outside_tmp_can_be_written(box, tmp_path):
    import course_lib

    package = os.path.dirname(course_lib.__file__)
    site = os.path.join(os.path.dirname(os.__file__), "site-packages")
    attack = (
        "import os\n"
        "def write(paths):\n"
        "    out = []\n"
        "    for p in paths:\n"
        "        try:\n"
        "            open(p, 'w').write('import os; os.system(\"touch /tmp/pwned\")')\n"
        "            out.append('written')\n"
        "        except OSError as e:\n            out.append(type(e).__name__)\n"
        "    return out"
    )
    targets = [
        os.path.join(package, "__init__.py"),
        os.path.join(site, "zz_attack.pth"),
        str(tmp_path / "outside.txt"),
    ]
    results = call(box, attack, "write", targets)
    assert "written" not in results, results
    assert not (tmp_path / "outside.txt").exists()
    assert not os.path.exists(os.path.join(site, "zz_attack.pth"))


def test_the_graders_processes_are_invisible_and_cannot_be_signalled(box):
    probe = (
        "import os, signal\n"
        "def look(grader):\n"
        "    pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
        "    out = []\n"
        "    for target in (1, -1, grader):\n"
        "        try:\n            os.kill(target, signal.SIGSTOP)\n"
        "            out.append('sent')\n"
        "        except OSError as e:\n            out.append(type(e).__name__)\n"
        "    return [pids, os.path.exists(f'/proc/{grader}/cmdline'), out]"
    )
    pids, sees_grader, sent = call(box, probe, "look", os.getpid())
    assert len(pids) <= 4  # bubblewrap's init, the zygote, this worker (own pid namespace)
    assert sees_grader is False or os.getpid() in pids  # same number only by chance, not us
    assert sent == ["PermissionError", "PermissionError", "PermissionError"]
    # the zygote was not stopped: a new worker still starts and answers
    assert call(box, "def f():\n    return 'alive'", "f") == "alive"


def test_no_process_or_thread_can_be_started(box):
    attack = (
        "import os, subprocess, threading\n"
        "def spawn():\n"
        "    out = []\n"
        "    for how in (os.fork, lambda: subprocess.Popen(['true']),\n"
        "                lambda: threading.Thread(target=print).start()):\n"
        "        try:\n            how()\n            out.append('started')\n"
        "        except (OSError, RuntimeError) as e:\n            out.append(type(e).__name__)\n"
        "    return out"
    )
    assert call(box, attack, "spawn") == ["PermissionError", "PermissionError", "RuntimeError"]


def test_the_network_is_gone(box):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    attack = (
        "import socket\n"
        "def connect(port):\n"
        "    try:\n        socket.create_connection(('127.0.0.1', port), timeout=1)\n"
        "        return 'connected'\n"
        "    except OSError as e:\n        return type(e).__name__"
    )
    try:
        assert call(box, attack, "connect", port) in ("ConnectionRefusedError", "OSError")
        with pytest.raises(socket.timeout):
            listener.accept()  # nothing arrived
    finally:
        listener.close()


def test_hidden_tests_are_nowhere_in_the_workers_memory(box):
    attack = (
        "import gc, sys\n"
        "def search():\n"
        "    frame, names = sys._getframe(), set()\n"
        "    while frame is not None:\n"
        "        names.update(frame.f_globals)\n        frame = frame.f_back\n"
        "    texts = [o for o in gc.get_objects() if isinstance(o, (str, bytes))]\n"
        "    for mod in list(sys.modules.values()):\n"
        "        names.update(getattr(mod, '__dict__', {}))\n"
        "    hits = [t for t in texts if 'BEGIN HIDDEN' in str(t) or '_ref_grads' in str(t)]\n"
        "    return [len(hits), 'hidden_test' in names, 'RULES' in names]"
    )
    hits, has_hidden, _ = call(box, attack, "search")
    assert hits == 0 and has_hidden is False


def test_a_hang_is_killed_and_a_memory_bomb_is_refused(box):
    with pytest.raises(PartFault, match="did not finish"):
        call(box, "def spin():\n    while True:\n        pass", "spin", timeout=0.5)
    with pytest.raises(Exception, match="MemoryError"):
        call(box, "def hog():\n    return len(bytearray(2 * 1024**3))", "hog")
    assert call(box, "def f():\n    return 1", "f") == 1


def test_sandbox_close_kills_everything_inside(tmp_path):
    with Sandbox(SandboxConfig(("numpy",))) as sandbox:
        runner = Runner(sandbox, [Program("c", "def spin():\n    while True:\n        pass",
                                          "p")], 5.0, 1000)  # fmt: skip
        runner.ensure()
        outer = sandbox.proc.pid
        children = _descendants(outer)
        assert children  # bwrap's init, the zygote, the worker
    time.sleep(0.5)
    assert not any(_alive(p) for p in [outer, *children])


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == parent:
                    out.append(int(entry))
                    todo.append(int(entry))
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_exec_nothing_from_a_path_the_grader_shares():
    """The zygote is reached through an inherited socket: no socket path exists to hijack."""
    with Sandbox(SandboxConfig(("numpy",))) as sandbox:
        listing = os.listdir(sandbox.tmp)
        assert all(not name.endswith(".sock") for name in listing)
        pid = sandbox.proc.pid
        fds = os.listdir(f"/proc/{pid}/fd")
        assert fds  # bwrap holds only its own descriptors; no path to connect to
    _ = signal  # noqa: F841 - imported for the signal tests above


def test_an_older_versions_grading_folders_are_removed_once_a_day_old(tmp_path):
    from course_lib.grading.tempdirs import clean_stale_temp_dirs

    old = tmp_path / "course-grading-k3g5wcv0"  # mkdtemp's name, without a pid
    recent = tmp_path / "course-grading-zzzzzzzz"
    for folder in (old, recent):
        (folder / "inner").mkdir(parents=True)
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    assert clean_stale_temp_dirs(tmp_path) == [old]
    assert recent.exists() and not old.exists()


def test_only_tmp_is_writable_and_every_writable_place_is_capped(box):
    attack = (
        "import os\n"
        "def fill(places):\n"
        "    out = {}\n"
        "    for place in places:\n"
        "        written = 0\n"
        "        try:\n"
        "            for i in range(12):\n"
        "                with open(os.path.join(place, f'fill{i}'), 'wb') as f:\n"
        "                    f.write(b'x' * 15_000_000)\n"
        "                written += 15\n"
        "        except OSError as e:\n"
        "            out[place] = [written, type(e).__name__]\n"
        "            continue\n"
        "        out[place] = [written, 'no limit']\n"
        "    return out"
    )
    places = ["/", "/etc", "/usr", "/dev/shm", "/dev", "/tmp"]
    got = call(box, attack, "fill", places, timeout=20)
    for place in ["/", "/etc", "/usr", "/dev"]:
        assert got[place] == [0, "OSError"], (place, got)  # read-only: not one file
    assert got["/dev/shm"][0] == 0  # 1 MB: not one 15 MB file
    assert 30 <= got["/tmp"][0] <= 64, got  # the 64 MB tmpfs, in 15 MB files
    call(
        box,
        "import os, glob\ndef clean():\n    [os.remove(f) for f in glob.glob('/tmp/fill*')]",
        "clean",
    )


def test_the_private_tmp_is_mounted_before_the_binds_that_may_lie_below_it():
    """A course cloned into /tmp (as CI may do) keeps its venv and course_lib in the sandbox."""
    from course_lib.grading import bwrap

    cmd = bwrap.command(["python3"], env={})
    tmp = next(i for i in range(len(cmd) - 1) if cmd[i : i + 2] == ["--tmpfs", "/tmp"])
    binds = [i for i, arg in enumerate(cmd) if arg in ("--ro-bind", "--ro-bind-try")]
    assert binds and tmp < min(binds)
