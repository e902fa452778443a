"""The worker process really is separate and limited: real fork server, real worker processes.

These go below the static checks of answer cells (which would refuse ``import os`` before it
ran) to show that the run-time defences hold on their own.
"""

from __future__ import annotations

import os

import pytest

from course_lib.grading.assignment import load_assignment
from course_lib.grading.batch import fork_server
from course_lib.grading.grader import grade_submission
from course_lib.grading.runner import PartFault, Program, RemoteCaller, Runner
from course_lib.grading.sandbox import ForkServer
from tests.grading_fixtures.submissions import SOLUTIONS, with_answer, write

SECRET = "COURSE_GRADING_TEST_SECRET_TOKEN"


@pytest.fixture(scope="module")
def server():
    os.environ[SECRET] = "hunter2"  # the grader has a secret; its workers must not
    try:
        with ForkServer(["numpy"], ["course_lib.mlp", "course_lib.grading"], memory_mb=256) as s:
            yield s
    finally:
        del os.environ[SECRET]


def run(server, *sources, timeout=2.0):
    program = [Program(f"c{i}", src, f"part{i}") for i, src in enumerate(sources)]
    return Runner(server, program, timeout, output_cap=10_000)


def test_environment_is_scrubbed_and_cwd_is_fresh(server):
    runner = run(server, "import os\ndef env():\n    return dict(os.environ)\n"
                 "def cwd():\n    return os.getcwd()")  # fmt: skip
    caller = RemoteCaller(runner, 5)
    env = caller("env")
    assert SECRET not in env and "hunter2" not in env.values()
    assert env["OMP_NUM_THREADS"] == "1"
    assert set(env) <= {"PATH", "LANG", "LC_ALL", "TZ", "HOME", "TMPDIR", "PYTHONDONTWRITEBYTECODE",
                        "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}  # fmt: skip
    assert caller("cwd") != os.getcwd() and "worker-" in caller("cwd")
    assert caller.get("__name__") == "__main__"
    runner.close()


def test_worker_is_another_process(server):
    runner = run(server, "import os\ndef pid():\n    return os.getpid()")
    pid = RemoteCaller(runner, 5)("pid")
    assert type(pid) is int and pid != os.getpid()
    runner.close()


def test_blocked_modules_cannot_be_imported_even_if_loaded_before(server):
    runner = run(server, "import sys\ndef probe():\n    import course_lib.mlp\n",
                 "def loaded():\n    import sys\n    return sorted(m for m in sys.modules "
                 "if m.startswith('course_lib.grading'))")  # fmt: skip
    caller = RemoteCaller(runner, 5)
    with pytest.raises(Exception, match="ModuleNotFoundError: importing 'course_lib.mlp'"):
        caller("probe")
    assert caller("loaded") == []  # the worker's own modules were dropped from sys.modules
    runner.close()


def test_os_exit_in_a_cell_leaves_that_cell_out_and_the_rest_runs(server):
    runner = run(
        server, "def a():\n    return 1", "import os\nos._exit(3)", "def b():\n    return 2"
    )
    caller = RemoteCaller(runner, 5)
    assert caller("a") == 1 and caller("b") == 2
    assert "worker process ended" in runner.excluded["c1"]
    runner.close()


def test_worker_killing_itself_during_a_call_is_a_part_fault_then_a_fresh_worker(server):
    runner = run(server, "import os, signal\ndef die():\n    os.kill(os.getpid(), signal.SIGKILL)\n"
                 "def ok():\n    return 'fresh'")  # fmt: skip
    with pytest.raises(PartFault, match="worker process ended"):
        RemoteCaller(runner, 5)("die")
    assert RemoteCaller(runner, 5)("ok") == "fresh"
    assert runner.spawns == 2
    runner.close()


def test_a_hang_is_killed_at_the_time_limit(server):
    runner = run(server, "def spin():\n    while True:\n        pass", timeout=0.5)
    with pytest.raises(PartFault, match="did not finish within the 0.5 s limit"):
        RemoteCaller(runner, 0.5)("spin")
    runner.close()


def test_memory_limit_applies(server):
    runner = run(server, "def hog():\n    return len(bytearray(2 * 1024**3))")
    with pytest.raises(Exception, match="MemoryError"):
        RemoteCaller(runner, 5)("hog")
    runner.close()


def test_children_of_the_worker_die_with_it(server, tmp_path):
    marker = tmp_path / "child-alive"
    runner = run(
        server,
        "import subprocess, sys\n"
        "def spawn():\n"
        f"    subprocess.Popen(['sh', '-c', 'sleep 1.5; touch {marker}'])\n"
        "    while True:\n        pass",
        timeout=0.5,
    )
    with pytest.raises(PartFault):
        RemoteCaller(runner, 0.5)("spawn")
    import time

    time.sleep(2.0)
    assert not marker.exists()  # the whole process group was killed at the time limit
    runner.close()


def test_value_is_refused_where_the_chain_rule_is_graded_by_hand(tmp_path):
    assignment = load_assignment("ex04", SOLUTIONS)
    cheat = (
        "def grads_by_hand(a, b, c, d):\n"
        "    va, vb, vc, vd = Value(a), Value(b), Value(c), Value(d)\n"
        "    f = (va * vb + vc) * vd.tanh()\n    f.backward()\n"
        "    return {'f': f.data, 'a': va.grad, 'b': vb.grad, 'c': vc.grad, 'd': vd.grad}\n"
    )
    path = write(tmp_path / "cheat.ipynb", with_answer("ex04", "by_hand", cheat))
    with fork_server(assignment) as server:
        result = grade_submission(assignment, path, server, learner="x", seed=5)
    scores = {p.grade_id: p.score for p in result.parts}
    # gradient_step calls grads_by_hand, which was refused: it fails too, and says why
    assert scores == {"by_hand": 0, "with_value": 2, "gradient_step": 0}
    assert "'Value'" in result.parts[0].message
    assert "defined in the answer to part 'by_hand'" in result.parts[2].message


def test_torch_bridge_is_refused_in_the_pytorch_exercise(tmp_path):
    assignment = load_assignment("ex05", SOLUTIONS)
    cheat = (
        "from course_lib.torch_bridge import torch_step\n"
        "from course_lib.mlp import MLP\n"
        "def torch_gradients(x, y, params):\n"
        "    torch.no_grad  # mentions torch and backward to pass the 'must use' check\n"
        "    out = torch_step(MLP([2, 2, 1], params=params), x, y)\n"
        "    return out['grads'] if out else backward\n"
    )
    path = write(tmp_path / "cheat.ipynb", with_answer("ex05", "torch_gradients", cheat))
    with fork_server(assignment) as server:
        result = grade_submission(assignment, path, server, learner="x", seed=5)
    scores = {p.grade_id: p.score for p in result.parts}
    assert scores == {"torch_gradients": 0, "torch_sgd_step": 2, "max_abs_difference": 1}
    assert "course_lib.torch_bridge" in result.parts[0].message


def test_a_killed_fork_server_is_restarted(server):
    import signal

    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait()
    runner = run(server, "def f():\n    return 'still grading'")
    assert RemoteCaller(runner, 5)("f") == "still grading"
    assert server.starts == 2
    runner.close()
