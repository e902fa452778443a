"""What the notebooks' own code shows (printed lines, computed prose, figure titles, labels,
legends, table headers) speaks Chinese in the zh-CN edition, with the same numbers.

The code is the same in both editions, so a notebook's text reaches the zh-CN learner in
Chinese only through ``tr`` (``course_lib.i18n``). Each notebook whose code calls ``tr`` runs
in-process twice: as the English notebook, and as the zh-CN notebook that
``translations.build`` makes from it in a temporary folder. (An exercise's zh-CN notebook has
no answers, so its solution notebook runs instead, with the language cell the build adds.)
The clock is a fake one, so timings print the same in both runs. What each cell prints,
shows with ``show_markdown``/``show_math`` and puts on a figure is compared cell by cell.
"""

from __future__ import annotations

import ast
import contextlib
import io
import itertools
import re
import shutil
import time
import warnings
from collections import Counter
from pathlib import Path

import matplotlib
import nbformat
import polib
import pytest

from course_lib import i18n, translations

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
# a number as printed: 0.454276, -1.3e-05, 98.0 (of 98.0%), 2 (not the 2 of W2), True, False
NUMBER = re.compile(r"(?<![A-Za-z_\d.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|\bTrue\b|\bFalse\b")
# three or more English words in a row: a sentence or a phrase left untranslated
ENGLISH = re.compile(
    r"(?<![A-Za-z])[a-z]+(?:'[a-z]+)?(?:[ ,;:]+[a-z]+(?:'[a-z]+)?){2,}(?![A-Za-z])"
)
# learner-visible literals that are names the code looks up, not text to translate
NAMES = {("09_playground_2d.ipynb", "learning rate")}  # experiments2d.table("learning rate")

CALLS_TR = re.compile(r"(?<![\w.])tr\(")
WITH_TR = [
    s
    for s in translations.SOURCES
    if any(
        c.cell_type == "code" and CALLS_TR.search(c.source) for c in translations.english(s).cells
    )
]
IDS = [s.english.stem[:4] for s in WITH_TR]


def prose(text: str) -> str:
    """``text`` without inline code, formulas and identifiers (``W1``, ``backward()``,
    ``course_lib.Value``, ``y_hat``), each replaced by a bar that no run of words crosses."""
    text = re.sub(r"`[^`]*`|\$[^$]*\$", " | ", text)
    return re.sub(r"\w*\(\)|[\w.]*[_\d.][\w.]*", " | ", text)


def english_runs(text: str) -> list[str]:
    """The runs of three or more English words in ``text`` outside code, formulas and names.

    >>> english_runs("损失：开始时 0.454276，10 步之后 `a + b is code` 与 course_lib.Value 一致")
    []
    >>> english_runs("更新后的 W1 went from 0.2 to the left")
    ['to the left']
    """
    return ENGLISH.findall(prose(text))


def numbers(items) -> Counter:
    return Counter(n for _kind, text in items for n in NUMBER.findall(text))


def _figure_texts(fig) -> list[str]:
    found = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    for ax in fig.axes:
        found += [ax.get_title(loc) for loc in ("left", "center", "right")]
        found += [ax.get_xlabel(), ax.get_ylabel()]
        if ax.get_legend() is not None:
            found += [t.get_text() for t in ax.get_legend().get_texts()]
    return [t for t in found if t]


def _widget_texts(widget) -> list[str]:
    import ipywidgets

    found = [widget.value] if isinstance(widget, ipywidgets.Label) else []
    found += [widget.description] if getattr(widget, "description", "") else []
    for child in getattr(widget, "children", ()):
        found += _widget_texts(child)
    return found


def _run_cell(code: str, name: str, namespace: dict):
    """Run ``code``; a last expression is displayed, as in Jupyter."""
    import IPython.display

    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, name, "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)
        if value is not None:
            IPython.display.display(value)


def run(nb) -> tuple[dict[str, list[tuple[str, str]]], list[tuple[str, dict, str]]]:
    """Run ``nb``'s code in one namespace: ``({cell id: [(kind, text), ...]}, tr calls)``,
    kinds 'stdout', 'markdown', 'math', 'figure', 'widget'; a tr call as (English, values, result).
    """
    import IPython.display
    import matplotlib.pyplot as plt

    shown: dict[str, list[tuple[str, str]]] = {}
    calls: list[tuple[str, dict, str]] = []
    cell_id = ""

    def display(*objects, **_kwargs):
        for obj in objects:
            kind = type(obj).__name__.lower()
            if kind in ("markdown", "math"):
                shown.setdefault(cell_id, []).append((kind, obj.data))
            else:  # a widget: its labels and descriptions
                shown.setdefault(cell_id, []).extend(("widget", t) for t in _widget_texts(obj))

    def show(*_args, **_kwargs):
        for number in plt.get_fignums():
            texts = _figure_texts(plt.figure(number))
            shown.setdefault(cell_id, []).extend(("figure", t) for t in texts)

    def recording_tr(message, **values):
        result = real_tr(message, **values)
        calls.append((message, values, result))
        return result

    real_tr, clock = i18n.tr, itertools.count()
    saved = (IPython.display.display, plt.show, time.perf_counter, i18n._chosen)
    backend, threads = matplotlib.get_backend(), None
    with contextlib.suppress(ImportError):
        import torch

        threads = torch.get_num_threads()
    matplotlib.use("Agg")
    IPython.display.display, plt.show, i18n.tr = display, show, recording_tr
    time.perf_counter = lambda: 0.25 * next(clock)  # the same "timings" in both editions
    namespace: dict = {"__name__": "__notebook__"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                cell_id, buffer = cell.id, io.StringIO()
                with contextlib.redirect_stdout(buffer):
                    _run_cell(cell.source, f"<cell {cell.id}>", namespace)
                if buffer.getvalue():
                    shown.setdefault(cell_id, []).append(("stdout", buffer.getvalue()))
    finally:
        IPython.display.display, plt.show, time.perf_counter, i18n._chosen = saved
        i18n.tr = real_tr
        plt.close("all")
        matplotlib.use(backend)
        if threads is not None:
            torch.set_num_threads(threads)
    return shown, calls


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A copy of the English notebooks, solutions and notebook catalogs, with the zh-CN
    edition built from them by ``translations.build``."""
    root = tmp_path_factory.mktemp("zh")
    for folder in ("notebooks", "solutions"):
        (root / folder).mkdir()
        for path in (ROOT / folder).glob("*.ipynb"):
            shutil.copy(path, root / folder / path.name)
    shutil.copytree(ROOT / translations.CATALOGS, root / translations.CATALOGS)
    before = i18n._chosen
    try:
        translations.build(root)
    finally:
        i18n._chosen = before
    return root


_RUNS: dict[tuple[str, str], tuple] = {}


def runs(src, built_root: Path):
    """The English and the zh-CN run of ``src`` (each made once per test session)."""
    for edition in ("en", "zh-CN"):
        if (src.english.name, edition) not in _RUNS:
            english = nbformat.read(ROOT / src.english, as_version=4)
            if edition == "en":
                nb = english
            elif src.exercise:  # the solutions, with the zh-CN language cell
                nb = translations.translated(english, {})
            else:
                nb = nbformat.read(built_root / src.target, as_version=4)
            _RUNS[src.english.name, edition] = run(nb)
    return _RUNS[src.english.name, "en"], _RUNS[src.english.name, "zh-CN"]


def course_english() -> str:
    """The English of course_lib's own messages (``course.po``), which reach a notebook's text
    as values: a status line, the name of an erratum variant."""
    return " | ".join(e.msgid for e in polib.pofile(str(i18n.catalog_path("course")))).lower()


def cells_with_tr(src) -> dict[str, str]:
    """``{cell id: code}`` of the English notebook's cells that call tr()."""
    nb = nbformat.read(ROOT / src.english, as_version=4)
    return {c.id: c.source for c in nb.cells if c.cell_type == "code" and CALLS_TR.search(c.source)}


@pytest.mark.parametrize("src", WITH_TR, ids=IDS)
def test_the_same_numbers_in_both_editions(src, built):
    """Each cell that calls tr() shows the same kinds of output, with the same numbers, in
    both editions. (Other cells show what other modules write, checked with those modules.)"""
    (english, _), (chinese, _) = runs(src, built)
    assert set(chinese) - {translations.SETUP_ID} == set(english)
    shown = [cell_id for cell_id in cells_with_tr(src) if cell_id in english]
    assert shown, "no cell that calls tr() showed anything"
    for cell_id in shown:
        assert numbers(chinese[cell_id]) == numbers(english[cell_id]), f"cell {cell_id}"
        kinds = [k for k, _ in english[cell_id]]
        assert [k for k, _ in chinese[cell_id]] == kinds, f"cell {cell_id}"
    assert sum(numbers(english[cell_id]).total() for cell_id in shown) > 0


@pytest.mark.parametrize("src", WITH_TR, ids=IDS)
def test_every_tr_text_comes_back_in_chinese(src, built):
    """Each tr() the zh-CN run makes returns Chinese; the same calls in English return the
    English, filled in exactly as an f-string would have."""
    (_, english_calls), (_, chinese_calls) = runs(src, built)
    assert chinese_calls, "no tr() call ran"
    assert [m for m, _, _ in chinese_calls] == [m for m, _, _ in english_calls]
    for message, values, shown in english_calls:
        assert shown == message.format(**values)
    for message, values, shown in chinese_calls:
        if re.search(r"[a-z]{2,}", prose(re.sub(r"\{[^}]*\}", " | ", message))):
            english = message.format(**values)  # the values may be Chinese themselves
            assert shown != english and CJK.search(shown), f"English shown in zh-CN: {shown!r}"


@pytest.mark.parametrize("src", WITH_TR, ids=IDS)
def test_no_english_sentence_is_left_in_the_cells_that_use_tr(src, built):
    """In every cell that calls tr(), what the zh-CN run shows has no run of three English
    words that the cell's own code or course_lib's messages (``course.po``) wrote. (Text from
    modules translated elsewhere, such as a table from the walkthrough, is theirs to check.)"""
    (_, _), (chinese, _) = runs(src, built)
    ours = course_english()
    checked = 0
    for cell_id, code in cells_with_tr(src).items():
        for kind, text in chinese.get(cell_id, []):
            checked += 1
            for run_ in english_runs(text):
                assert run_ not in code.lower() and run_ not in ours, (
                    f"cell {cell_id} shows English in zh-CN ({kind}): {run_!r} in {text[:200]!r}"
                )
    assert checked > 0


# --- every learner-visible English literal in the notebooks' code goes through tr() -----------


def _untranslated_literals(code: str):
    """String literals (also the text parts of f-strings) with two or more English words that
    are neither the English of a tr() call nor a docstring."""
    tree = ast.parse(code)
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and node.args:
            skip |= {id(n) for n in ast.walk(node.args[0])}
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skip.add(id(body[0].value))  # a docstring
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            words = re.findall(r"(?<![\\\w])[a-z]{2,}(?![\w(])", node.value)  # no \quad, f()
            if len(words) >= 2:
                yield node.value


@pytest.mark.parametrize(
    "src", translations.SOURCES, ids=[s.english.stem[:4] for s in translations.SOURCES]
)
def test_the_notebook_code_writes_no_english_text_outside_tr(src):
    nb = translations.english(src)  # for an exercise: the student copy, as the learner sees it
    for cell in nb.cells:
        if cell.cell_type == "code":
            for text in _untranslated_literals(cell.source):
                assert (src.english.name, text) in NAMES, f"{cell.id}: {text!r} not in tr()"


def test_the_literal_check_finds_text_and_spares_names():
    code = 'def f():\n    """Some words."""\nprint(f"the loss is {x}")\nplot(label="mse")\n'
    assert list(_untranslated_literals(code)) == ["the loss is "]
    assert list(_untranslated_literals('print(tr("the loss is {x}", x=1))')) == []
    assert list(_untranslated_literals(r'show_math(rf"\quad \text{{new}} = {a}")')) == []
