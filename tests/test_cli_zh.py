"""The walkthrough CLI, notebook 00's environment report and the course map in Chinese:
the same numbers as in English, Chinese words, columns aligned in a terminal (where a
Chinese character takes two columns), and English unchanged."""

import json
import re
import unicodedata
from pathlib import Path

import pytest

from course_lib import envcheck, i18n
from course_lib.course_map import COURSE, markdown, total_minutes
from course_lib.translations import catalog_problems, glossary
from tests.test_article import by_hand
from tests.test_cli import run

ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
HAN = re.compile(r"[\u4e00-\u9fff]")


def columns(text: str) -> int:
    """Terminal columns, counted here independently of course_lib: W and F take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@pytest.fixture(scope="module")
def english():
    out = run("walkthrough")
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture(scope="module", params=["env", "option"])
def chinese(request):
    """The article's walkthrough in Chinese, asked for by COURSE_LANG or by --lang."""
    if request.param == "env":
        out = run("walkthrough", lang="zh-CN")
    else:
        out = run("walkthrough", "--lang", "zh-CN")
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture
def zh(monkeypatch):
    """Chinese in this process for one test; the language setting is restored afterwards."""
    monkeypatch.delenv("COURSE_LANG", raising=False)
    monkeypatch.setattr(i18n, "_chosen", None)
    i18n.set_language("zh-CN")


def split(text):
    """(table lines, the explanation's lines) of a walkthrough's output."""
    head, table, *rest = text.split("\n\n")
    return [head, *table.splitlines()], "\n".join(rest)


# --- the walkthrough CLI ----------------------------------------------------------------------


def test_chinese_headings_and_labels(chinese):
    lines = chinese.splitlines()
    assert lines[0] == "2-2-1 网络，x = [0.9, 1.0]，y = 2，损失 mse，lr 0.1"
    sections = [line for line in lines if line.startswith("-- ")]
    assert sections == [
        "-- 前向传播",
        "-- 损失（mse）",
        "-- 反向传播（梯度）",
        "-- 梯度下降，lr = 0.1",
        "-- 第二次前向传播",
    ]
    for label in ("x（输入 a0）", "预测 y_hat", "损失", "下一次预测", "更新后的 W1", "  文章给出"):
        assert any(line.startswith(label + " ") for line in lines), label
    for english_word in ("forward pass", "prediction", "article states", "next loss", " new "):
        assert english_word not in chinese
    assert "没有哪种标准约定能得到1.618296，所以这是文章的错误。" in "".join(chinese.split())


def test_same_numbers_as_english_row_by_row(english, chinese):
    en_rows, en_note = split(english)
    zh_rows, zh_note = split(chinese)
    assert len(en_rows) == len(zh_rows) == 29  # the heading and 28 rows
    for en, zh in zip(en_rows, zh_rows, strict=True):
        assert NUMBER.findall(en) == NUMBER.findall(zh), (en, zh)
    assert sorted(NUMBER.findall(en_note)) == sorted(NUMBER.findall(zh_note))
    # and they are the true numbers (by hand, tests/test_article.py)
    mse, half = by_hand(2.0), by_hand(1.0)
    for value in (mse["prediction"], mse["next_prediction"], half["next_prediction"]):
        assert f"{value:.6f}" in zh_note + "\n".join(zh_rows)


def test_columns_line_up_in_terminal_columns(english, chinese):
    """Every value starts at one column and every note at another, counted in terminal columns;
    padding by len() would put the Chinese rows' values too far right."""
    en_rows, _ = split(english)
    zh_rows, _ = split(chinese)
    value_at, note_at, len_value_at = set(), set(), set()
    for en, zh in zip(en_rows[1:], zh_rows[1:], strict=True):
        if en.startswith("--"):
            continue
        _label, value, *note = re.split(r" {2,}", en.strip())
        start = zh.index(value, len(zh) - len(zh.lstrip()) + 1)
        value_at.add(columns(zh[:start]))
        len_value_at.add(start)
        if note:
            rest = zh[start + len(value) :]
            note_start = start + len(value) + len(rest) - len(rest.lstrip())
            note_at.add(columns(zh[:note_start]))
    assert len(value_at) == 1 and len(note_at) == 1, (value_at, note_at)
    assert len(len_value_at) > 1  # the Chinese labels really are wider than their len()
    assert all(columns(line) <= 90 for line in chinese.splitlines())


def test_both_ways_of_asking_give_the_same_output():
    by_env = run("walkthrough", "--loss", "half_sse", lang="zh-CN")
    by_option = run("walkthrough", "--lang=zh-CN", "--loss", "half_sse")
    assert by_env.stdout == by_option.stdout
    assert "1/2 × (y - y_hat)^2 之和" in by_env.stdout
    top_level = run("--lang", "zh", "walkthrough", "--loss", "half_sse")
    assert top_level.stdout == by_env.stdout


def test_json_is_the_same_in_both_languages():
    en = run("walkthrough", "--json")
    zh = run("walkthrough", "--json", "--lang", "zh-CN")
    assert en.stdout == zh.stdout
    assert json.loads(zh.stdout)["prediction"] == pytest.approx(1.326, abs=1e-12)


def test_english_is_kept_when_asked_for(english):
    assert run("walkthrough", "--lang", "en", lang="zh-CN").stdout == english
    assert run("walkthrough", lang="").stdout == english
    assert english.splitlines()[2] == "-- forward pass"
    assert not HAN.search(english)


@pytest.mark.parametrize(
    "args,words",
    [
        (["--lr", "-0.1"], ["参数 --lr：", "必须是正数", "'-0.1'"]),
        (["--lr", "nan"], ["参数 --lr：", "需要一个有限的数"]),
        (["--x", "1", "2", "3"], ["参数 --x：", "需要 2 个输入", "实际给了 3 个"]),
        (["--y", "two"], ["参数 --y：", "需要一个数", "'two'"]),
        (["--W1", "1", "2"], ["参数 --W1：", "需要 4 个数，实际给了 2 个"]),
        (["--b2", "0.1", "0.2"], ["参数 --b2：", "需要 1 个数，实际给了 2 个"]),
        (["--loss", "mae"], ["参数 --loss：", "无效的取值：'mae'", "'mse'"]),
        (["--bogus"], ["无法识别的参数：--bogus"]),
        (["--x"], ["参数 --x：", "至少需要一个值"]),
        (["--lang", "fr"], ["参数 --lang：", "应为 en, zh-CN 之一", "'fr'"]),
    ],
)
def test_errors_in_chinese_on_one_line(args, words):
    out = run("walkthrough", *args, lang="zh-CN")
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "：错误：" in lines[0] and "Traceback" not in out.stderr
    for word in words:
        assert word in lines[0]
    assert "error" not in lines[0] and "argument" not in lines[0]


def test_a_bad_lang_is_named_with_the_choices_in_english_too():
    out = run("walkthrough", "--lang", "klingon")
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "python -m course_lib walkthrough: error: argument --lang: "
        "expected one of en, zh-CN, got 'klingon'"
    )


def test_help_in_chinese_fits_the_terminal():
    out = run("walkthrough", "--lang", "zh-CN", "--help")  # COLUMNS=80
    assert out.returncode == 0
    text = out.stdout
    assert "学习率（默认 0.1）" in text and "目标值（默认 2.0）" in text
    assert "2-2-1 网络的一个训练步骤" in text
    assert "4 个数，逐行给出" in text and "输出语言，可选 en, zh-CN" in text
    assert max(columns(line) for line in text.splitlines()) <= 80


# --- notebook 00's environment report ---------------------------------------------------------


def test_environment_report_in_chinese(zh, monkeypatch):
    monkeypatch.setattr(envcheck, "PACKAGES", {**envcheck.PACKAGES, "no_such_pkg": "for a test"})
    rows = envcheck.check_environment({"numpy": "0.0.1", "torch": "2.13.0"})
    text = envcheck.report(rows)
    lines = text.splitlines()
    table = lines[: len(rows)]
    assert "ok numpy" not in text and "!! numpy" in text
    assert [r.status for r in rows if r.name == "no_such_pkg"] == ["missing"]  # still a key
    assert "!! no_such_pkg  " in text and "未安装" in text
    assert "数组：手写的前向传播和反向传播" in text
    # the purpose column starts at one terminal column on every row, "未安装" included
    starts = set()
    for row, line in zip(rows, table, strict=True):
        starts.add(columns(line[: line.index(row.purpose)]))
    assert len(starts) == 1, table
    assert "- numpy（版本不同）：" in text and "- no_such_pkg（缺失）：安装方法：" in text
    assert "缺少以下组件" in text
    assert lines[-1] == "安装之后，请重启内核（Kernel > Restart Kernel），再重新运行。"
    assert "    pip install numpy==0.0.1" in lines  # the command whole, on a line of its own
    assert max(columns(line) for line in lines) <= envcheck.WIDTH


def test_long_chinese_advice_wraps_by_terminal_columns(zh):
    long_version = "9." * 30 + "9"
    rows = envcheck.check_environment({"numpy": long_version})
    lines = envcheck.report(rows).splitlines()
    advice = lines[lines.index("") + 1 : -1]
    assert advice[-1] == f"    pip install numpy=={long_version}"
    assert len(advice) >= 3 and max(columns(line) for line in lines) <= envcheck.WIDTH
    said = rows[1].advice.split("pip install")[0]

    def squeezed(text):
        return "".join(text.split())

    assert squeezed("".join(advice[:-1])) == squeezed(f"- numpy（版本不同）：{said}")


def test_wrap_breaks_chinese_between_characters_not_before_punctuation():
    from course_lib._cli import pad, width, wrap

    assert wrap("一二三四五六七八九十", 8) == ["一二三四", "五六七八", "九十"]
    assert wrap("一二三，四五六", 6) == ["一二", "三，四", "五六"]  # no line starts with ，
    assert wrap("损失是 0.454276，梯度是 -1.348000。", 14) == [
        "损失是",
        "0.454276，梯度",
        "是 -1.348000。",
    ]
    assert wrap("（括号）里", 4) == ["（括", "号）", "里"]  # no line ends with （
    english = "the article states 1.618296 after one step, but its own loss gives 1.935951"
    import textwrap

    assert wrap(english, 20) == textwrap.wrap(english, 20, break_long_words=False)
    assert (width("预测 y_hat"), pad("预测", 6), pad("loss", 6)) == (10, "预测  ", "loss  ")


def test_environment_report_ready_in_chinese(zh, monkeypatch):
    monkeypatch.setattr(envcheck, "PACKAGES", {"numpy": "arrays: a purpose not in the catalog"})
    text = envcheck.report(envcheck.check_environment({}))
    assert text.splitlines()[-1] == "课程需要的一切都已安装好，可以开始了。"
    assert "arrays: a purpose not in the catalog" in text  # unknown text is shown as it is


# --- the course map ---------------------------------------------------------------------------


def test_course_map_in_chinese(zh):
    table = markdown()
    lines = table.splitlines()
    assert lines[0] == "| # | 笔记本 | 内容 | 时长 | 评分练习 |"
    assert len(lines) == len(COURSE) + 3
    for notebook, line in zip(COURSE, lines[2:-1], strict=True):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0] == notebook.number
        assert cells[3] == f"{notebook.minutes} 分钟"
        assert notebook.teaches not in line and HAN.search(cells[2])
        assert NUMBER.findall(cells[2]) == NUMBER.findall(notebook.teaches)
    hours, minutes = divmod(total_minutes(), 60)
    assert lines[-1] == f"|  | **合计** |  | **{hours} 小时 {minutes:02d} 分钟** |  |"
    assert "[计算图](01_computational_graphs.ipynb)" in table
    assert "[反向传播](05_backpropagation.ipynb)" in table


def test_course_map_links_lead_to_the_chinese_edition(zh):
    seen = 0
    for prefix, base in (("", ROOT / "notebooks" / "zh-CN"), ("notebooks/", ROOT)):
        for link in re.findall(r"\]\(([^)]+)\)", markdown(prefix)):
            assert "zh-CN/" in link or prefix == "", link
            assert (base / link).resolve().is_file(), link
            seen += 1
    assert seen == 2 * (len(COURSE) + sum(len(n.exercises) for n in COURSE))


def test_course_map_english_is_the_readmes(monkeypatch):
    monkeypatch.setattr(i18n, "_chosen", None)
    monkeypatch.setenv("COURSE_LANG", "zh-CN")
    i18n.set_language("en")  # wins over COURSE_LANG
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown("notebooks/") in readme
    assert not HAN.search(markdown())


# --- the catalog ------------------------------------------------------------------------------


def test_cli_catalog_is_complete_and_keeps_the_rules():
    import polib

    po = polib.pofile(str(i18n.catalog_path("cli")))
    assert len(po) > 90
    assert catalog_problems(po, "cli.po", glossary(), messages=True) == []
