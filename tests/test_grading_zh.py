"""A learner of the zh-CN edition gets the grader's feedback and the exercises' check() in
Chinese, with the same scores as in English.

Submissions are the committed exercise notebooks (exercises/ and the generated
exercises/zh-CN/) filled in with the solutions' code, graded by the real command line or by
``grade_submission`` in the real sandbox, as the other grading tests do. The Chinese is judged
against the English of the same case, graded with the same seed: the same score, the same
numbers and code, and none of the English sentence left.
"""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from contextlib import redirect_stdout

import nbformat
import pytest
from nbclient import NotebookClient

from course_lib.grading import phrases
from course_lib.grading.assignment import load_assignment
from course_lib.grading.checks.base import Check
from course_lib.grading.grader import grade_submission, sandbox_config
from course_lib.grading.language import speaking, submission_language
from tests.grading_fixtures.submissions import (
    EXERCISES,
    POINTS,
    ROOT,
    SOLUTIONS,
    ZH_EXERCISES,
    load,
    solved,
    write,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
# words of the English sentences around names, numbers and code: none may stay in the Chinese
PROSE = re.compile(  # as words, not parts of code such as layer.weight
    r"(?<![\w.])(for|should|has|have|entries|expected|raised|allowed|importing|looks|flipped|changed|"
    r"instead|leave|below|epochs|network|layer|sizes|transposed|twice|grader|checks|applies|"
    r"available|computed|called|while|which|but|the|of|is|are|not|on|with|your|it|passed|"
    r"Passed|Hint|refused|file|notebook's|part|cell)(?![\w.(=])"
)


def grade(*args, cwd, course_lang=None):
    """The grade command of this repository's course_lib, with ``COURSE_LANG`` set to
    ``course_lang`` (unset when None)."""
    cmd = [sys.executable, "-m", "course_lib.grading", "grade", *map(str, args), "--quiet"]
    env = {k: v for k, v in os.environ.items() if k != "COURSE_LANG"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if course_lang is not None:
        env["COURSE_LANG"] = course_lang
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc


def results(folder, name) -> dict:
    return json.loads((folder / f"{name}.results.json").read_text(encoding="utf-8"))


def latin(text: str) -> list[str]:
    return re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text)


def numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+(?:\.\d+)?", text))


def assert_said_in_chinese(zh: str, en: str, same_case: bool = True) -> None:
    """``zh`` says ``en`` in Chinese: it has Chinese, none of the English sentence's words, the
    same numbers (of the same random case), and only names and code the English has too."""
    assert CJK.search(zh), zh
    assert not PROSE.search(zh), (PROSE.search(zh), zh)
    assert numbers(zh) == numbers(en) or not same_case, (zh, en)
    english = set(latin(en)) | {word[:-1] for word in latin(en) if word.endswith("s")}
    assert set(latin(zh)) <= english, (set(latin(zh)) - english, zh)


def test_the_zh_cn_exercises_say_their_language_and_only_that():
    for path in sorted(ZH_EXERCISES.glob("ex*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert nb["metadata"]["language"] == "zh-CN"
        assert submission_language(nb["metadata"], default="en") == "zh-CN"
        english = json.loads((EXERCISES / path.name).read_text(encoding="utf-8"))
        assert "language" not in english["metadata"]
        assert submission_language(english["metadata"], default="en") == "en"
    assert submission_language({"language": "zh-CN"}, "en") == "en"  # --lang wins
    assert submission_language({"language": "klingon"}, default="zh-CN") == "zh-CN"
    assert submission_language({"language": {"no": 1}}, default="en") == "en"


@pytest.mark.parametrize("prefix", sorted(POINTS))
def test_a_zh_cn_exercise_filled_with_the_solution_scores_full_marks_in_chinese(prefix, tmp_path):
    en = write(tmp_path / "en_learner" / f"{prefix}.ipynb", solved(EXERCISES, prefix))
    zh = write(tmp_path / "zh_learner" / f"{prefix}.ipynb", solved(ZH_EXERCISES, prefix))
    db, res, fb = tmp_path / "g.sqlite", tmp_path / "res", tmp_path / "fb"
    grade(prefix, en, zh, "--source", SOLUTIONS, "--db", db, "--results", res, "--feedback", fb,
          cwd=tmp_path)  # fmt: skip
    with sqlite3.connect(db) as conn:
        got = conn.execute("SELECT learner, assignment, score, language FROM submissions")
        rows = sorted(got.fetchall())
    name = load(prefix)["metadata"]["grading"]["assignment"]
    assert rows == [("en_learner", name, POINTS[prefix], "en"),
                    ("zh_learner", name, POINTS[prefix], "zh-CN")]  # fmt: skip
    english, chinese = results(res, f"en_learner__{prefix}"), results(res, f"zh_learner__{prefix}")
    assert [t["output"] for t in english["tests"]] == ["passed"] * len(english["tests"])
    assert [t["output"] for t in chinese["tests"]] == ["通过"] * len(english["tests"])
    assert (chinese["extra_data"]["language"], english["extra_data"]["language"]) == ("zh-CN", "en")
    en_md = (fb / f"en_learner__{prefix}.feedback.md").read_text(encoding="utf-8")
    zh_md = (fb / f"zh_learner__{prefix}.feedback.md").read_text(encoding="utf-8")
    assert en_md.startswith(f"# Feedback: {name}\n")
    assert zh_md.startswith(f"# 反馈：{name}\n")
    score = f"{POINTS[prefix]:g} / {POINTS[prefix]:g}"
    assert f"- Score: **{score}**" in en_md and f"- 得分：**{score}**" in zh_md
    assert "`check()`" in zh_md and not PROSE.search(zh_md.replace(name, "").split("\n", 1)[1])


# one typical slip per exercise (and a forbidden import), each in one answer cell
WRONG = [
    ("ex01", "relu", "def relu(z):\n    return z\n"),
    ("ex01", "forward", "import torch\n\n\ndef forward(x, params):\n    return 1\n"),
    ("ex02", "backward",
     "def backward(x, y, params):\n    c = forward(x, params)\n"
     "    d = np.array([2.0 * (y - c['y_hat'])])\n"
     "    d_z1 = (params['W2'].T @ d) * (c['z1'] > 0)\n"
     "    return {'W1': np.outer(d_z1, x), 'b1': d_z1, 'W2': np.outer(d, c['a1']), 'b2': d}\n"),
    ("ex02", "mse_loss", "def mse_loss(y_hat, y):\n    return 0.5 * (y_hat - y) ** 2, 1.0\n"),
    ("ex03", "sgd_step", "def sgd_step(p, g, lr):\n    for k in p:\n        p[k] -= lr * g[k]\n"
     "    return p\n"),
    ("ex03", "learning_rate", "LEARNING_RATE = 1e-5\n"),
    ("ex04", "by_hand", "def grads_by_hand(a, b, c, d):\n    import torch\n\n    return {}\n"),
    ("ex04", "with_value", "def grads_with_value(a, b, c, d):\n"
     "    return {'f': 1.0, 'a': 1.0, 'b': 1.0, 'c': 1.0, 'd': 1.0}\n"),
    ("ex05", "max_abs_difference", "def max_abs_difference(a, b):\n    return [0.0]\n"),
    ("ex06", "order", "def topological_order(root):\n    order = []\n"
     "    for parent in root.parents:\n        order.extend(topological_order(parent))\n"
     "    return order + [root]\n"),
    ("ex07", "backward", "def backward_batch(params, cache, d_y_hat):\n"
     "    return {k: v.T for k, v in params.items()}\n"),
    ("ex07", "mse", "def mse_batch(y_hat, y):\n    return 1.0\n"),
    ("ex07", "forward", "def forward_batch(X, params):\n    while True:\n        pass\n"),
]  # fmt: skip


@pytest.mark.parametrize("prefix, grade_id, source", WRONG, ids=[f"{p}-{g}" for p, g, _ in WRONG])
def test_a_wrong_answer_gets_chinese_feedback_and_the_english_score(
    prefix, grade_id, source, tmp_path
):
    assignment = load_assignment(prefix, SOLUTIONS)
    config = sandbox_config(assignment)
    graded = {}
    for lang, folder in (("en", EXERCISES), ("zh", ZH_EXERCISES)):
        path = write(
            tmp_path / lang / f"{prefix}.ipynb", solved(folder, prefix, {grade_id: source})
        )
        result = grade_submission(assignment, path, config, learner=lang, seed=7, timeout=3)
        graded[lang] = result
        assert result.language == {"en": "en", "zh": "zh-CN"}[lang]
    en, zh = graded["en"], graded["zh"]
    assert [(p.grade_id, p.score, p.status) for p in zh.parts] == [
        (p.grade_id, p.score, p.status) for p in en.parts
    ]
    assert en.score < en.max_score
    for en_part, zh_part in zip(en.parts, zh.parts, strict=True):
        if en_part.score == 0:
            assert_said_in_chinese(zh_part.message, en_part.message)
    assert len(zh.notes) == len(en.notes)
    for en_note, zh_note in zip(en.notes, zh.notes, strict=True):
        assert_said_in_chinese(zh_note, en_note)


def test_learner_code_cannot_choose_the_language_and_each_submission_keeps_its_own(tmp_path):
    """Two submissions graded side by side (-j 2), one zh-CN, one English; the zh-CN one's code
    tries to switch the grader to English. Then the instructor's --lang, and COURSE_LANG."""
    meddling = (
        "import os\n\nos.environ['COURSE_LANG'] = 'en'\n"
        "try:\n    from course_lib.i18n import set_language\n\n    set_language('en')\n"
        "except ImportError:\n    pass\n\n\ndef relu(z):\n    return z\n"
    )
    zh = write(tmp_path / "zh" / "ex01.ipynb", solved(ZH_EXERCISES, "ex01", {"relu": meddling}))
    en = write(tmp_path / "en" / "ex01.ipynb", solved(EXERCISES, "ex01", {"relu": meddling}))
    db, res = tmp_path / "g.sqlite", tmp_path / "res"
    common = ["--source", SOLUTIONS, "--db", db, "--results", res, "--seed", "7"]
    grade("ex01", zh, en, *common, "-j", "2", cwd=tmp_path)
    zh_out, en_out = results(res, "zh__ex01"), results(res, "en__ex01")
    assert [t["score"] for t in zh_out["tests"]] == [t["score"] for t in en_out["tests"]] == [0, 0]
    relu_zh, relu_en = zh_out["tests"][0]["output"], en_out["tests"][0]["output"]
    assert relu_en.startswith("relu(z) for z = ")
    assert relu_zh.startswith("relu(z)，输入为 z = ")
    for zh_test, en_test in zip(zh_out["tests"], en_out["tests"], strict=True):
        assert_said_in_chinese(zh_test["output"], en_test["output"], same_case=False)

    # the instructor's --lang overrides the notebook (a new attempt, for --regrade)
    grade("ex01", zh, *common, "--regrade", "--lang", "en", cwd=tmp_path)
    assert results(res, "ex01")["tests"][0]["output"] == relu_en
    grade("ex01", en, *common, "--regrade", "--lang", "zh-CN", cwd=tmp_path)
    assert results(res, "ex01")["tests"][0]["output"] == relu_zh
    # COURSE_LANG is the default of a notebook that does not say its language
    grade("ex01", en, *common, "--regrade", cwd=tmp_path, course_lang="zh-CN")
    assert results(res, "ex01")["tests"][0]["output"] == relu_zh
    grade("ex01", zh, *common, "--regrade", cwd=tmp_path, course_lang="en")
    assert results(res, "ex01")["tests"][0]["output"] == relu_zh
    # a rerun of a file already graded writes its stored result out in its stored language
    grade("ex01", zh, *common, "--lang", "en", cwd=tmp_path)
    assert results(res, "ex01")["tests"][0]["output"] == relu_zh
    assert results(res, "ex01")["output"] == "（已在第 3 次提交时评过分，这次没有重新评分）"
    with sqlite3.connect(db) as conn:
        languages = conn.execute(
            "SELECT learner, attempt, language FROM submissions ORDER BY learner, attempt"
        ).fetchall()
    assert languages == [("en", 1, "en"), ("en", 2, "zh-CN"), ("en", 3, "zh-CN"),
                         ("zh", 1, "zh-CN"), ("zh", 2, "en"), ("zh", 3, "zh-CN")]  # fmt: skip


def test_a_wrong_lang_is_refused_with_the_option_named(tmp_path):
    cmd = [sys.executable, "-m", "course_lib.grading", "grade", "ex01", str(tmp_path),
           "--lang", "fr"]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2
    assert "--lang must be one of en, zh-CN; got 'fr'" in proc.stderr


def test_a_refused_file_speaks_the_batchs_language(tmp_path):
    (tmp_path / "in").mkdir()
    os.symlink(tmp_path / "nowhere.ipynb", tmp_path / "in" / "ghost.ipynb")
    res = tmp_path / "res"
    grade("ex01", tmp_path / "in", "--source", SOLUTIONS, "--db", tmp_path / "g.sqlite",
          "--results", res, "--lang", "zh-CN", cwd=tmp_path)  # fmt: skip
    out = results(res, "ghost")
    assert out["score"] == 0 and out["extra_data"]["language"] == "zh-CN"
    assert_said_in_chinese(
        out["tests"][0]["output"],
        "refused: a symbolic link to nothing (dangling), not a notebook file",
    )


# --- the exercises' check(), in the learner's kernel ---


def _solution_namespace(prefix: str) -> dict:
    """The solution notebook's setup and answer cells, run as a learner's kernel runs them."""
    namespace: dict = {"__name__": "__main__"}
    for cell in load(prefix)["cells"]:
        if cell.get("metadata", {}).get("grading", {}).get("role") in ("setup", "answer"):
            exec(compile("".join(cell["source"]), f"<{prefix}>", "exec"), namespace)
    return namespace


def _checks(prefix: str) -> dict[str, Check]:
    import importlib

    module = importlib.import_module(f"course_lib.grading.checks.{prefix}")
    return {name: value for name, value in vars(module).items() if isinstance(value, Check)}


def _printed(action) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        action()
    return out.getvalue()


@pytest.mark.parametrize("prefix", sorted(POINTS))
def test_every_check_passes_the_solution_and_every_hint_is_said_in_chinese(prefix):
    namespace = _solution_namespace(prefix)
    for name, check in _checks(prefix).items():
        english = _printed(lambda c=check: c.check(namespace))
        assert english == (
            "✓ Passed the visible checks. The grader will also try fresh random cases.\n"
        ), (name, english)
        before, check._next_hint = check._next_hint, 0  # from the first hint, and back after
        try:
            with speaking("zh-CN"):
                chinese = _printed(lambda c=check: c.check(namespace))
                hints = [_printed(check.hint) for _ in check.hints]
                shown = repr(check)
        finally:
            check._next_hint = before
        assert chinese == "✓ 通过了可见的检查。评分器还会用新的随机用例再测一遍。\n", name
        assert check.passed
        for i, (hint, said) in enumerate(zip(check.hints, hints, strict=True)):
            assert said.startswith(f"提示 {i + 1}/{len(check.hints)}：") and said.endswith("\n")
            assert_said_in_chinese(said, f"Hint {i + 1} of {len(check.hints)}: {hint}")
        names = ", ".join(check.names)
        assert shown == f"<{names} 的自查：调用 .check() 检查，或调用 .hint() 看提示>"


def test_a_check_explains_a_slip_in_chinese_what_it_says_in_english():
    cases = [
        ("ex01", "relu", {"relu": lambda z: z}),
        ("ex01", "forward", {"forward": lambda x, p: {"z1": 1}}),
        ("ex03", "learning_rate", {"LEARNING_RATE": -1}),
        ("ex02", "backward", {"backward": lambda x, y, p: 1 / 0}),
        ("ex04", "by_hand", {}),
    ]
    for prefix, name, broken in cases:
        namespace = _solution_namespace(prefix)
        namespace.update(broken)  # in place: the solution's functions read their names there
        if not broken:  # by_hand may not use Value: the solution of with_value does
            namespace["grads_by_hand"] = namespace["grads_with_value"]
        check = _checks(prefix)[name]
        english = _printed(lambda c=check, n=namespace: c.check(n))
        with speaking("zh-CN"):
            chinese = _printed(lambda c=check, n=namespace: c.check(n))
        assert english.startswith("✗") and chinese.startswith("✗"), (english, chinese)
        for en_line, zh_line in zip(english.splitlines(), chinese.splitlines(), strict=True):
            assert_said_in_chinese(zh_line, en_line)


@pytest.mark.slow
def test_the_zh_cn_exercise_in_a_kernel_speaks_chinese_after_its_first_cell():
    """The generated notebook as a learner runs it (its first cell calls set_language), with
    the solutions in, then relu broken at the end."""
    nb = nbformat.reads(json.dumps(solved(ZH_EXERCISES, "ex01")), as_version=4)
    for source in ("def relu(z):\n    return z", "ex01.relu.check()", "ex01.relu.hint()"):
        nb.cells.append(nbformat.v4.new_code_cell(source))
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        allow_errors=True,
        resources={"metadata": {"path": str(ROOT)}},
    )  # this course_lib
    client.execute()
    said = ["".join(o.get("text", "") for o in c.get("outputs", [])) for c in nb.cells]
    passed = "✓ 通过了可见的检查。评分器还会用新的随机用例再测一遍。\n"
    checks = [i for i, c in enumerate(nb.cells) if c.source.endswith(".check()")]
    assert [said[i] for i in checks[:-1]] == [passed, passed]
    assert said[-2] == (
        "✗ relu(np.array([-2.0, 0.0, 3.5]))，3 个元素中有 1 个不是期望的值\n"
        "  如果卡住了，试试用 .hint() 看提示。\n"
    )
    assert said[-1].startswith("提示 1/3：ReLU 保留正数")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []


# --- the hidden tests' own phrases ---

# each message as the released hidden tests build it (solutions/exNN, hidden cells)
HIDDEN_SAID = [
    "relu(z) for z = [-2. ,  0. ,  3.5]",
    "forward(x, params) for x = [0.9, 1. ], params = {'W1': [[0.2, 0.3]]}: 'y_hat'",
    "mse_loss(1.326, 2)[0], the loss",
    "mse_loss(1.326, 2)[1], the derivative",
    "train(x, y, params, lr=0.1, epochs=5) for x = [0.9, 1. ]: losses[3]",
    "the program [['*', 0, 1], ['**', 0, 3]] on inputs [2.0, -3.0]",
    "topological_order on a graph of 4 nodes",
    "mse_batch on a batch of N = 3: the loss",
    "mse_batch on a batch of N = 3: d_y_hat",
    "forward_batch for a network of layer sizes [2, 3, 1] on a batch of N = 5: cache['z1'] "
    "(one row per example)",
    "backward_batch for a network of layer sizes [2, 3, 1] on a batch of N = 5: dL/dW1",
]
HIDDEN_FAILED = [
    "sgd_step(params, grads, lr=0.5) for params = {'W1': [[1.0]]} changed its arguments in "
    "place; return a new dict instead",
    "LEARNING_RATE should be a positive number, not 'fast'",
    "with LEARNING_RATE = 1e-05, 50 epochs leave the loss at 0.45, not below 0.001",
    "the program [['+', 0, 1]] on inputs [0.5, 1.5]: node 2 (the result of ['+', 0, 1]) has "
    "data 3.0, not the right value",
    "the program [['+', 0, 1]] on inputs [0.5, 1.5]: node 0 (an input) should have 0 local "
    "derivative(s), one per parent; it has 1",
    "the program [['+', 0, 1]] on inputs [0.5, 1.5]: node 2 (the result of ['+', 0, 1]) has "
    "the wrong local derivative(s)",
    "topological_order on a graph of 4 nodes should return a list",
    "topological_order on a graph of 4 nodes returned something that is not a node of the graph",
    "topological_order on a graph of 4 nodes lists a node more than once (a node used twice is "
    "one node)",
    "topological_order on a graph of 4 nodes should list every node the output depends on, and "
    "no other",
    "topological_order on a graph of 4 nodes puts a node before one of its parents",
    "topological_order on a graph of 4 nodes should end with the output node",
    "backward on a graph of 9 nodes: a node used twice keeps only one of its contributions",
    "backward on a graph of 9 nodes: some gradients are wrong",
    "train_neuron(([0.5, -1.0], -0.5, [1.2, 0.4], 0.3, 0.02, 3)): the loss at step 2 is not "
    "right (a float expected)",
    "mse_batch on a batch of N = 2 should return a pair (loss, d_y_hat)",
    "backward_batch for a network of layer sizes [2, 3, 1] on a batch of N = 5: dL/dW1 should "
    "have W1's shape (3, 2), but it has shape (2, 3) (transposed?)",
    "backward_batch for a network of layer sizes [2, 3, 1] on a batch of N = 5: dL/db1 should "
    "have b1's shape (3,), but it has shape (5, 3) (one row per example: sum over the batch)",
]


def test_every_phrase_of_the_hidden_tests_is_said_in_chinese():
    for english in HIDDEN_SAID:
        assert phrases.what(english) == english
        with speaking("zh-CN"):
            assert_said_in_chinese(phrases.what(english), english)
    for english in HIDDEN_FAILED:
        assert phrases.message(english) == english
        with speaking("zh-CN"):
            assert_said_in_chinese(phrases.message(english), english)
    with speaking("zh-CN"):  # a value the learner made huge is left alone, quickly
        huge = "LEARNING_RATE should be a positive number, not '" + "x" * 100_000 + "'"
        assert phrases.message(huge) == huge


def test_a_broken_translation_falls_back_to_english_never_to_an_error(monkeypatch):
    from course_lib import i18n
    from course_lib.grading.language import translator

    _ = translator("grading")
    broken = dict(i18n._catalog("grading", "zh-CN"), **{"{what} holds NaN or inf": "{wat} 坏了"})
    monkeypatch.setitem(i18n._catalogs, ("grading", "zh-CN"), broken)
    with speaking("zh-CN"):
        assert _("{what} holds NaN or inf", what="z1") == "z1 holds NaN or inf"
        assert _("passed") == "通过"
