"""The self-checks in Simplified Chinese: every question of every notebook and every step of
notebook 03's engine checks answers in Chinese, with the same verdict as in English.

For each question: the blank, None, a text, a wrong number (or word), each common mistake, the
right answer (from tests/test_checks.py, computed there by hand), the hint and the solution.
A Chinese message must contain Chinese characters and no run of English prose (four or more
English words in a row, one of them a function word such as "the" or "you", outside `code`);
the few solutions that are only code or a formula stay as they are in English.
"""

import math
import re
import string

import polib
import pytest

from course_lib.checks import NOTEBOOKS, Feedback, Question, ____, questions
from course_lib.engine_checks import engine_steps
from course_lib.i18n import catalog_path, language, set_language
from course_lib.translations import catalog_problems, extract_messages, glossary
from tests.test_checks import RIGHT

HAN = re.compile(r"[\u4e00-\u9fff]")
_CODE = re.compile(r"`[^`]*`")
_WORD = re.compile(r"[A-Za-z]+[,.;:!?]?")
_PYTHON_ERROR = re.compile(r"\b[A-Z]\w*(Error|Exception): [^。]*")
_CJK = re.compile(r"([\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u201c\u201d])")
_FUNCTION_WORDS = set(
    """the an of to you your it its that this with by has have does do what which how one two
    three four every each only than then so but into at on should must can be are was there
    their them they all any no more too also here where when why after before first get gets
    up same other own still""".split()
)


def english_runs(text: str, n: int = 4) -> list[str]:
    """Runs of ``n`` or more English words in a row (outside `code` and a quoted Python error)
    that read as prose: at least one of them is a function word. ``for node in order:`` or
    ``x, y, z, p, f`` are not prose."""
    found, run = [], []
    text = _PYTHON_ERROR.sub(" ", _CODE.sub(" ", text))  # Python's own error text, quoted as is
    text = _CJK.sub(r" \1 ", text)  # a Chinese character ends a run
    for token in text.split() + [""]:
        if _WORD.fullmatch(token):
            run.append(token)
            continue
        words = {w.rstrip(",.;:!?").lower() for w in run}
        if len(run) >= n and words & _FUNCTION_WORDS:
            found.append(" ".join(run))
        run = []
    return found


def test_the_prose_detector():
    assert english_runs("还不对：you counted the weights; the biases are learned too.") == [
        "you counted the weights; the biases are learned too."
    ]
    assert english_runs("你的代码抛出了 ZeroDivisionError: division by zero。") == []
    assert english_runs("def backward(root):\n    for node in order:\n        x, y, z, p, f") == []
    assert english_runs("这个函数有没有用 `return the value of it` 返回？") == []
    assert english_runs("Symmetry: equal neurons get equal gradients.")  # "get"


@pytest.fixture
def both():
    """``both(f)`` -> (f() in English, f() in Chinese); the language before (English) is
    restored afterwards: ``set_language`` holds for the whole process."""
    before = language()

    def run(make):
        set_language("en")
        english = make()
        set_language("zh-CN")
        chinese = make()
        return english, chinese

    yield run
    set_language(before)  # English, unless the whole run chose another language


# solutions that are only code or a formula: nothing in them to translate
CODE_ONLY = {
    *((nb, q, "solution") for nb, q in [("00", "q1"), ("01", "q1"), ("01", "q2"), ("01", "q3")]),
    *((nb, q, "solution") for nb, q in [("02", "q1"), ("03", "q2"), ("03", "q3"), ("03", "q4")]),
    *((nb, q, "solution") for nb, q in [("04", "q1"), ("05", "q1"), ("05", "q2"), ("05", "q3")]),
    *((nb, q, "solution") for nb, q in [("05", "q4"), ("08", "q2")]),
    ("step2", "solution"),
    ("step4", "solution"),
}


def assert_chinese(english: Feedback, chinese: Feedback, where) -> None:
    assert isinstance(chinese, Feedback), where
    assert chinese.status == english.status, (where, str(english), str(chinese))
    assert HAN.search(str(chinese)) and HAN.search(chinese._repr_html_()), where  # the label
    assert not english_runs(chinese.message), (where, english_runs(chinese.message))
    if where in CODE_ONLY:
        assert chinese.message == english.message, where
        assert not english_runs(english.message), where
    else:
        assert HAN.search(chinese.message), (where, chinese.message)
        assert chinese.message != english.message, where


def wrong_answer(q: Question, right):
    """A wrong answer of the right kind: another word, another name, or a number far off."""
    if q.choices is not None:
        return next(c for c in q.choices if c != str(right).casefold())
    if isinstance(right, str):
        return "SumBackward0"
    if isinstance(right, list):
        return [x * 3 + 7 for x in right]
    return right * 3 + 7 if right else 11


ALL = [(nb, i) for nb, answers in RIGHT.items() for i in range(len(answers))]


def test_every_question_is_covered():
    assert sorted(RIGHT) == sorted(NOTEBOOKS)
    assert all(len(questions(nb)) == len(RIGHT[nb]) for nb in NOTEBOOKS)


@pytest.mark.parametrize(("nb", "i"), ALL)
def test_every_answer_hint_and_solution_speaks_chinese(both, nb, i):
    right = RIGHT[nb][i]
    q = questions(nb)[i]
    answers = {
        "blank": ____,
        "nothing": Ellipsis,
        "None": None,
        "text": "text",
        "wrong": wrong_answer(q, right),
        "right": right,
        "close": right * (1 + 3e-3) if isinstance(right, float) else right,
        "function": lambda: right,
        **{f"mistake {k}": m.value() for k, m in enumerate(q.mistakes)},
    }
    if q.choices is not None:
        answers["not a choice"] = "maybe"
    if type(q.expected()) is int:
        answers["one too many"] = right + 1
        answers["half"] = right + 0.5
    for label, answer in answers.items():
        english, chinese = both(lambda answer=answer: q.check(answer))
        assert_chinese(english, chinese, (nb, q.name, label))
    for label, call in (("hint", q.hint), ("solution", q.solution)):
        english, chinese = both(call)
        assert english.status == label
        assert_chinese(english, chinese, (nb, q.name, label))
    english, chinese = both(lambda: repr(q))
    assert chinese.startswith(f"{q.name}: ") and HAN.search(chinese), chinese
    assert not english_runs(chinese), chinese


def test_verdicts_are_the_same_in_both_languages(both):
    """The right answers pass, the mistakes fail, in either language."""
    for nb, answers in RIGHT.items():
        for q, right in zip(questions(nb), answers, strict=True):
            english, chinese = both(lambda q=q, right=right: q.check(right))
            assert english.correct and chinese.correct, (nb, q.name)
            for m in q.mistakes:
                english, chinese = both(lambda q=q, m=m: q.check(m.value()))
                assert not english.correct and not chinese.correct, (nb, q.name)


# --- notebook 03's engine steps -------------------------------------------------------------


class Engine:
    def __init__(self, data, parents=(), local=()):
        self.data, self.grad, self.parents, self.local = float(data), 0.0, parents, local

    def __add__(self, other):
        return type(self)(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        return type(self)(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, n):
        return type(self)(self.data**n, (self,), (n * self.data ** (n - 1),))

    def tanh(self):
        t = math.tanh(self.data)
        return type(self)(t, (self,), (1 - t * t,))

    def relu(self):
        return type(self)(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,))

    def backward(self):
        order = depth_first(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local, strict=True):
                self.hand_on(parent, local * node.grad)

    @staticmethod
    def hand_on(parent, amount):
        parent.grad += amount


def depth_first(root):
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order


class Overwrites(Engine):
    @staticmethod
    def hand_on(parent, amount):
        parent.grad = amount


class KeepsOwnValue(Engine):
    def __mul__(self, other):
        return type(self)(self.data * other.data, (self, other), (self.data, other.data))


class AddsOne(Engine):
    def __add__(self, other):
        return type(self)(self.data + other.data + 1, (self, other), (1.0, 1.0))


class OneLocal(Engine):
    def __add__(self, other):
        return type(self)(self.data + other.data, (self, other), (1.0,))


class ReturnsFloat(Engine):
    def __add__(self, other):
        return self.data + other.data


class TextData(Engine):
    def __init__(self, data, parents=(), local=()):
        super().__init__(data, parents, local)
        self.data = str(data)


class NoGrad:
    def __init__(self, data, parents=(), local=()):
        self.data, self.parents, self.local = float(data), parents, local


class ForgetsParents(Engine):
    def __init__(self, data, parents=(), local=()):
        super().__init__(data)


class Fails:
    def __init__(self, *args):
        raise RuntimeError("boom")


class RootGradZero(Engine):
    def backward(self):
        super().backward()
        self.grad = 0.0


STEP_ANSWERS = {
    "blank": None,
    "text": "text",
    "number": 3,
    "instance": Engine(1.0),
    "int": int,
    "no grad": NoGrad,
    "text data": TextData,
    "forgets parents": ForgetsParents,
    "fails": Fails,
    "adds one": AddsOne,
    "returns float": ReturnsFloat,
    "one local": OneLocal,
    "keeps own value": KeepsOwnValue,
    "overwrites": Overwrites,
    "root grad zero": RootGradZero,
    "right engine": Engine,
    "right order": depth_first,
    "reversed": lambda root: depth_first(root)[::-1],
    "missing one": lambda root: depth_first(root)[1:],
    "tuple": lambda root: tuple(depth_first(root)),
    "twice": lambda root: depth_first(root) + depth_first(root)[:1],
    "root first": lambda root: [root] + depth_first(root)[:-1],
    "divides by zero": lambda root: 1 / 0,
}


@pytest.mark.parametrize("k", range(4))
def test_every_engine_step_speaks_chinese(both, k):
    step = engine_steps()[k]
    english, chinese = both(step.check)
    assert english.status == "unanswered"
    assert_chinese(english, chinese, (step.name, "no argument"))
    for label, answer in STEP_ANSWERS.items():
        english, chinese = both(lambda answer=answer: step.check(answer))
        assert_chinese(english, chinese, (step.name, label))
        assert f"{step.name}.hint()" in chinese.message or chinese.status != "incorrect"
    for label, call in (("hint", step.hint), ("solution", step.solution)):
        english, chinese = both(call)
        assert_chinese(english, chinese, (step.name, label))
    english, chinese = both(lambda: repr(step))
    assert chinese.startswith(f"{step.name}: ") and HAN.search(chinese)


def test_each_engine_slip_keeps_its_verdict_and_its_own_message(both):
    step1, step2, step3, step4 = engine_steps()
    cases = [
        (step1, Engine, "correct"),
        (step2, Engine, "correct"),
        (step3, depth_first, "correct"),
        (step4, Engine, "correct"),
        (step4, Overwrites, "incorrect"),
        (step2, KeepsOwnValue, "incorrect"),
        (step3, lambda root: depth_first(root)[::-1], "incorrect"),
    ]
    seen = set()
    for step, answer, status in cases:
        english, chinese = both(lambda step=step, answer=answer: step.check(answer))
        assert english.status == chinese.status == status
        seen.add(chinese.message)
    assert len(seen) == len(cases) - 3  # the four passes say the same; each slip its own


def test_the_chinese_quotes_the_same_numbers(both):
    q1 = questions("01")[0]
    english, chinese = both(lambda: q1.check(2.0))
    assert chinese.message.startswith("2 是 p = x - y")
    english, chinese = both(lambda: questions("03")[3].solution())
    assert chinese.message == english.message  # code: by_label(L)['x1'].grad = ... = -0.45832
    english, chinese = both(lambda: questions("08")[2].solution())
    accuracy = re.findall(r"\d+\.\d%", english.message)
    assert len(accuracy) == 1 and accuracy[0] in chinese.message
    step4 = engine_steps()[3]
    english, chinese = both(lambda: step4.check(Overwrites))
    numbers = re.compile(r"-?\d+\.\d+")
    assert numbers.findall(english.message) == numbers.findall(chinese.message) != []


def test_the_language_is_looked_up_at_each_call():
    """Questions made in English speak Chinese once the language changes, and back."""
    before = language()
    try:
        set_language("en")
        q1 = questions("05")[0]
        assert q1.hint().message.startswith("L = (y - y_hat)^2 with one output.")
        set_language("zh-CN")
        assert q1.hint().message == "只有一个输出时，L = (y - y_hat)^2。对 y_hat 求导。"
        assert str(q1.check(____)).startswith("还没有作答：把 ____ 换成你的答案")
        set_language("en")
        assert str(q1.hint()).startswith("Hint: L = (y - y_hat)^2")
    finally:
        set_language(before)


def test_english_is_unchanged():
    before = language()
    try:
        set_language("en")
        q1, q2, q3 = questions("01")
        assert str(q1.check(2.0)) == (
            "Not quite: 2 is p = x - y, the intermediate node. f multiplies p by z."
        )
        assert str(q1.check(6)) == "Correct: 6."
        assert str(q1.check(____)) == (
            "Not answered yet: replace ____ with your answer, then run the cell again. "
            "(What is f = (x - y) * z at the starting values?)"
        )
        assert str(q2.hint()) == (
            "Hint: Chain rule: df/dy = df/dp * dp/dy. What is dp/dy when p = x - y?"
        )
        assert str(q1.check("6")) == (
            "Not quite: your answer is the text '6'. Write the number itself, without quotes."
        )
        p1 = questions("00")[0]
        assert str(p1.check(10)) == (
            "Not quite: 10 is 1 too many: a count must be exact. Count again, one part at a time."
        )
        assert str(questions("04")[2].solution()).startswith(
            "Solution: 'yes': both neurons start equal, get equal gradients,"
        )
        step1 = engine_steps()[0]
        assert str(step1.check(int)) == (
            "Not quite: Scalar(2.5) has no attribute 'data'. Store it in self.data. "
            "Try step1.hint()."
        )
        html = q1.check(0)._repr_html_()
        assert "<b style='color:#D55E00'>Not quite:</b>" in html
    finally:
        set_language(before)


def test_a_few_chinese_passages_read_as_written():
    before = language()
    try:
        set_language("zh-CN")
        p1 = questions("00")[0]
        assert str(p1.check(6)) == "还不对：你只数了权重；偏置也是要学习的。"
        assert str(p1.check(10)) == (
            "还不对：10 多了 1 个：计数必须分毫不差。再数一遍，一部分一部分地数。"
        )
        assert str(questions("01")[0].check(6)) == "正确：答案是 6。"
        html = questions("01")[0].hint()._repr_html_()
        assert "<b style='color:#0072B2'>提示：</b>" in html
    finally:
        set_language(before)


# --- the catalog ------------------------------------------------------------------------------


def _fields(text: str) -> list[tuple[str, str, str]]:
    return sorted(
        (name, spec, conversion or "")
        for _lit, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


def test_the_catalog_has_every_message_translated_with_the_same_fields():
    po = polib.pofile(str(catalog_path("checks")))
    wanted = {message for message, _where in extract_messages()["checks"]}
    entries = {e.msgid: e for e in po if not e.obsolete}
    assert set(entries) == wanted
    assert len(wanted) > 150
    for msgid, entry in entries.items():
        assert entry.msgstr and "fuzzy" not in entry.flags, msgid
        assert _fields(entry.msgstr) == _fields(msgid), msgid  # names, specs and !r
    assert catalog_problems(po, "checks.po", glossary(), messages=True) == []
