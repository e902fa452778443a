"""The zh-CN edition: catalogs complete and current, notebooks generated and current, code the
same as the English, every message in both languages, the glossary followed, fonts that draw
Chinese, and the language setting itself."""

from __future__ import annotations

import io
import json
import re
import shutil
import tokenize
import warnings
from pathlib import Path

import polib
import pytest

from course_lib import i18n, translations
from course_lib.translations import SOURCES, glossary_problems, problems

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def english_afterwards():
    i18n._chosen = None  # nothing chosen yet: the environment decides
    yield
    i18n._chosen = None


# --- the catalogs and the generated notebooks ----------------------------------------------------


def test_catalogs_hold_exactly_the_current_english():
    """Every markdown cell, comment and message has its entry, and no entry is left over."""
    stale = translations.update(check_only=True) + translations.update_messages(check_only=True)
    assert stale == [], f"run `make translations`: {stale}"


def test_every_entry_is_translated_current_and_keeps_the_rules():
    """None missing, none fuzzy, hashes those of the English, and each translation keeps the
    code, formulas, links, numbers, placeholders and glossary terms of its English."""
    found = problems()
    assert found == [], f"{len(found)} problems, first: {found[:5]}"


def test_the_generated_notebooks_are_current():
    assert translations.build(check_only=True) == []


def test_every_english_notebook_has_its_chinese_one():
    assert {s.english.name for s in SOURCES} == {s.target.name for s in SOURCES}
    names = {p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert {p.name for p in (ROOT / "notebooks" / "zh-CN").glob("*.ipynb")} == names
    exercises = {p.name for p in (ROOT / "exercises").glob("ex*.ipynb")}
    assert {p.name for p in (ROOT / "exercises" / "zh-CN").glob("*.ipynb")} == exercises


def _code_without_comments(text: str) -> list[tuple[int, str]]:
    return [
        (t.type, t.string)
        for t in tokenize.generate_tokens(io.StringIO(text).readline)
        if t.type not in (tokenize.COMMENT, tokenize.NL)
    ]


@pytest.mark.parametrize("src", SOURCES, ids=lambda s: s.target.name)
def test_code_is_the_english_code(src):
    """Cell for cell, the zh-CN notebook runs the English notebook's code (comments aside),
    plus the one cell that sets the language; markdown is Chinese wherever the English has
    prose."""
    english = translations.english(src)
    zh = json.loads((ROOT / src.target).read_text(encoding="utf-8"))
    cells = [c for c in zh["cells"] if c["id"] != translations.SETUP_ID]
    assert [c["id"] for c in cells] == [c.id for c in english.cells]
    assert zh["metadata"]["language"] == "zh-CN"
    for en_cell, zh_cell in zip(english.cells, cells, strict=True):
        text = "".join(zh_cell["source"])
        assert zh_cell["cell_type"] == en_cell.cell_type
        assert zh_cell["metadata"] == dict(en_cell.metadata)
        if en_cell.cell_type == "code":
            assert _code_without_comments(text) == _code_without_comments(en_cell.source)
        elif re.search(r"[A-Za-z]{3}", translations._outside_code(en_cell.source)):
            assert CJK.search(text), f"cell {en_cell.id} is not translated"


def test_links_to_exercises_point_at_the_chinese_exercises():
    text = (ROOT / "notebooks" / "zh-CN" / "04_forward_pass.ipynb").read_text(encoding="utf-8")
    assert "](../../exercises/zh-CN/ex01_forward_pass.ipynb)" in text
    assert "](../exercises/" not in text


def test_exercises_hold_no_answer_and_set_the_language():
    for src in (s for s in SOURCES if s.exercise):
        text = (ROOT / src.target).read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN" not in text
        assert 'set_language(\\"zh-CN\\")' in text
        assert "# 在这里写你的代码" in text and "raise NotImplementedError()" in text


def _copy_repo_part(tmp_path: Path, stem: str) -> Path:
    """A repository of one English notebook and its catalog, to change without harm."""
    root = tmp_path / "repo"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / f"{stem}.ipynb", root / "notebooks")
    catalogs = root / translations.CATALOGS
    catalogs.mkdir(parents=True)
    shutil.copy(ROOT / translations.CATALOGS / f"{stem}.po", catalogs)
    po = polib.pofile(str(catalogs / f"{stem}.po"), wrapwidth=0)
    for entry in po:  # every entry translated, whatever the real catalog's state
        entry.msgstr = entry.msgstr or "译：" + entry.msgid
    po.save(str(catalogs / f"{stem}.po"))
    (root / "solutions").mkdir()
    assert translations.update(root) == [] and translations.build(root)  # first build
    assert translations.update(root, check_only=True) == []
    assert translations.build(root, check_only=True) == []
    return root


def test_an_english_edit_makes_the_translation_fuzzy_and_the_notebook_stale(tmp_path):
    root = _copy_repo_part(tmp_path, "01_computational_graphs")
    path = root / "notebooks" / "01_computational_graphs.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown" and c["id"] != "nb01-00")
    cell["source"] = "".join(cell["source"]) + "\n\nOne more sentence."
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    found = translations.check(root)
    assert any("01_computational_graphs.po: out of date" in line for line in found)
    assert any("01_computational_graphs.ipynb: stale" in line for line in found)
    translations.update(root)
    po = polib.pofile(str(root / translations.CATALOGS / "01_computational_graphs.po"))
    entry = next(e for e in po if e.msgctxt == cell["id"])
    assert "fuzzy" in entry.flags and entry.msgstr and entry.previous_msgid
    assert entry.comment == translations.HASH + translations.sha(cell["source"])
    assert [p for p in translations.problems(root) if cell["id"] in p] == [
        f"01_computational_graphs.po: {cell['id']!r}: the English changed; revise the translation"
    ]
    # until revised, the notebook keeps the English of that cell, never an outdated Chinese
    translations.build(root)
    zh = json.loads((root / "notebooks" / "zh-CN" / "01_computational_graphs.ipynb").read_text())
    shown = next(c for c in zh["cells"] if c["id"] == cell["id"])
    assert "".join(shown["source"]).endswith("One more sentence.")


def test_a_hand_edited_hash_or_english_is_caught(tmp_path):
    root = _copy_repo_part(tmp_path, "02_chain_rule")
    path = root / translations.CATALOGS / "02_chain_rule.po"
    po = polib.pofile(str(path), wrapwidth=0)
    po[0].comment = translations.HASH + "0" * 64
    po.save(str(path))
    assert any("en-sha256 does not match" in p for p in translations.problems(root))


def test_a_new_cell_without_translation_is_caught(tmp_path):
    root = _copy_repo_part(tmp_path, "02_chain_rule")
    path = root / "notebooks" / "02_chain_rule.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"].insert(2, {"cell_type": "markdown", "id": "new-cell", "metadata": {},
                           "source": "A brand new paragraph."})  # fmt: skip
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")
    translations.update(root)
    assert "02_chain_rule.po: 'new-cell': not translated" in translations.problems(root)


# --- the rules a translation keeps ---------------------------------------------------------------


def test_structure_rules_catch_a_changed_number_code_or_link():
    rule = translations.structure_problems
    assert rule("W1 is `W1`", "W1 是 `W1`") == []
    assert rule("loss 0.454276", "损失 0.454") != []
    assert rule("run `q1.check(6)`", "运行 `q1.check(5)`") != []
    assert rule("see [04](04_forward_pass.ipynb)", "见 [04](05_backpropagation.ipynb)") != []
    assert rule("$f = p z$", "$f = pz$") != []


def test_glossary_has_the_seed_terms_from_the_seed():
    rows = {(term, source) for _pattern, term, source in translations.glossary()}
    seed_terms = "前向传播 反向传播 计算图 链式法则 权重 偏置 激活函数 梯度下降 学习率 损失函数"
    seed_terms += " 均方误差"
    for term in seed_terms.split():
        assert (term, "seed") in rows, term
    seed = ROOT.parent / "shared" / "seed"
    if seed.is_dir():  # the article itself, where this repository sits beside it
        text = "".join(p.read_text(encoding="utf-8") for p in seed.glob("*.txt"))
        assert all(term in text for term in seed_terms.split())


def test_glossary_catches_an_inconsistent_term():
    assert glossary_problems("the learning rate", "步长") == ['"learning rate" should be 学习率']
    assert glossary_problems("forward pass", "正向传播") == ['"forward pass" should be 前向传播']
    assert glossary_problems("use `weights` here", "在这里用 `weights`") == []  # code is code


def test_every_glossary_term_is_used_consistently_across_the_catalogs():
    """Per term: every catalog entry whose English uses it has its Chinese (counted, so that a
    term the catalogs never use is visible)."""
    used = {}
    terms = translations.glossary()
    for path in sorted((ROOT / "course_lib" / "locale" / "zh_CN").rglob("*.po")):
        for e in polib.pofile(str(path)):
            for pattern, term, _source in terms:
                if pattern.search(translations._outside_code(e.msgid)):
                    assert term in e.msgstr, f"{path.name} {e.msgctxt or e.msgid[:40]}: {term}"
                    used[term] = used.get(term, 0) + 1
    for term in "前向传播 反向传播 计算图 链式法则 权重 偏置 梯度下降 学习率".split():
        assert used.get(term, 0) >= 2, term


def test_every_message_exists_in_both_languages_with_the_same_placeholders():
    domains = translations.extract_messages()
    assert {"checks", "widgets", "cli", "grading"} <= set(domains)
    for domain, messages in domains.items():
        po = polib.pofile(str(i18n.catalog_path(domain)))
        table = {e.msgid: e for e in po}
        for message, where in messages:
            entry = table.get(message)
            assert entry is not None and entry.msgstr, f"{where}: {message!r} has no Chinese"
            assert "fuzzy" not in entry.flags
            assert translations.placeholders(entry.msgstr) == translations.placeholders(message)
            i18n.set_language("zh-CN")
            try:
                shown = i18n.gettext(domain, message)
            finally:
                i18n._chosen = None
            assert shown == entry.msgstr
            assert i18n.gettext(domain, message) == message


# --- the language setting ------------------------------------------------------------------------


def test_language_comes_from_the_function_then_the_environment(monkeypatch, english_afterwards):
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    assert i18n.language() == "en"
    monkeypatch.setenv(i18n.ENV_VAR, "zh_CN.UTF-8")
    assert i18n.language() == "zh-CN"
    i18n.set_language("en")
    assert i18n.language() == "en"
    i18n.set_language("中文")
    assert i18n.language() == "zh-CN"


def test_a_bad_language_names_the_setting(monkeypatch, english_afterwards):
    expected = r"set_language\(lang\) must be one of en, zh-CN; got 'fr'"
    with pytest.raises(ValueError, match=expected):
        i18n.set_language("fr")
    with pytest.raises(TypeError, match="set_language"):
        i18n.set_language(None)
    monkeypatch.setenv(i18n.ENV_VAR, "klingon")
    with pytest.warns(UserWarning, match="COURSE_LANG must be one of"):
        assert i18n.language() == "en"


def test_a_message_missing_from_the_catalog_stays_english(english_afterwards):
    i18n.set_language("zh-CN")
    assert i18n.gettext("checks", "no such message {n}", n=2) == "no such message 2"


# --- fonts ---------------------------------------------------------------------------------------


def test_a_figure_with_chinese_labels_has_no_missing_glyphs(english_afterwards):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course_lib import fonts

    i18n.set_language("zh-CN")
    assert fonts.configure() in fonts.CJK_FONTS, fonts.INSTALL_HINT
    fig, ax = plt.subplots()
    try:
        ax.set_title("损失函数随迭代周期下降")
        ax.set_xlabel("迭代周期 (epoch)")
        ax.plot([0, 1], [1, 0], label="学习率 0.1")
        ax.legend()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a warning
            fig.canvas.draw()
    finally:
        plt.close(fig)


def test_without_chinese_glyphs_the_same_figure_would_warn():
    """The test above can fail: DejaVu Sans alone has no Chinese glyphs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        try:
            ax.set_title("损失函数")
            with pytest.warns(UserWarning, match="missing from font"):
                fig.canvas.draw()
        finally:
            plt.close(fig)


def test_a_font_installed_after_matplotlibs_cache_is_found(monkeypatch):
    from matplotlib import font_manager

    from course_lib import fonts

    manager = font_manager.fontManager
    hidden = [f for f in manager.ttflist if f.name in fonts.CJK_FONTS]
    if not hidden:
        pytest.fail(fonts.INSTALL_HINT)
    monkeypatch.setattr(manager, "ttflist", [f for f in manager.ttflist if f not in hidden])
    monkeypatch.setattr(fonts, "_found", [])
    assert fonts.cjk_font() in fonts.CJK_FONTS


def test_notebook_00s_report_has_a_font_row_in_chinese_only(english_afterwards):
    from course_lib import envcheck, fonts

    assert "CJK font" not in [r.name for r in envcheck.check_environment()]
    i18n.set_language("zh-CN")
    row = next(r for r in envcheck.check_environment() if r.name == "CJK font")
    assert (row.status, row.found in fonts.CJK_FONTS, row.purpose) == ("ok", True, "图中的中文")


def test_a_changed_message_keeps_its_old_chinese_as_fuzzy(tmp_path):
    """In course_lib's messages too: a reworded English message is not lost, nor trusted."""
    (tmp_path / "course_lib").mkdir()
    (tmp_path / "course_lib" / "demo.py").write_text(
        'from course_lib.i18n import translator\n_ = translator("demo")\n'
        'A = _("the loss went down after {n} steps")\nB = _("a brand new message")\n'
    )
    path = tmp_path / translations.MESSAGES / "demo.po"
    path.parent.mkdir(parents=True)
    po = polib.POFile()
    before = "the loss went down after {n} step"
    po.append(polib.POEntry(msgid=before, msgstr="{n} 步之后损失下降了"))
    po.save(str(path))
    assert translations.update_messages(tmp_path) == [str(path)]
    entries = {e.msgid: e for e in polib.pofile(str(path))}
    moved = entries["the loss went down after {n} steps"]
    assert (moved.msgstr, moved.flags) == ("{n} 步之后损失下降了", ["fuzzy"])
    assert moved.previous_msgid == "the loss went down after {n} step"
    assert entries["a brand new message"].msgstr == ""
    assert translations.update_messages(tmp_path, check_only=True) == []
