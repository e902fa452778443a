"""The widgets, views and figures in Simplified Chinese: every word a learner reads changes
language, no English word is left, and every number shown is the same in both languages.

Each case builds the same thing twice, in English and after ``set_language("zh-CN")``, and
compares what a learner sees, string by string. Names stay as they are in both languages:
code names (``data``, ``grad``, ``lr``, ``mse``, node labels such as ``w2_11`` or ``dL``) and
technical names (ReLU, Xavier, He, XOR, tanh, sigmoid).
"""

import re
import unicodedata

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib.article import article_mlp
from course_lib.classify2d import Classifier2D
from course_lib.data_playground import OPTIONS, DataPlayground
from course_lib.experiments2d import table
from course_lib.gradient_flow import gate, patterns_in_article_graph
from course_lib.graphs import graph_example
from course_lib.i18n import set_language
from course_lib.plotting import draw_graph, draw_network, plot_decision_boundary, plot_loss
from course_lib.views import STATIC, GraphView, LineCharts, Playground2DView
from course_lib.widgets import Playground, Stepper

CHINESE = re.compile(r"[\u4e00-\u9fff]")
NAMES = {"ReLU", "relu", "tanh", "sigmoid", "Xavier", "He", "XOR", "mse", "data", "grad", "lr"}
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NUMBER = re.compile(r"(?<![A-Za-z_\d.])[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    set_language("en")
    plt.close("all")


def english_words(text: str, names=()) -> list[str]:
    """Words of English in ``text``: letters only, two or more, not a name, not a {placeholder},
    not a derivative's d + one letter (dL, df)."""
    text = re.sub(r"\{\w+\}", " ", text)
    return [
        t
        for t in TOKEN.findall(text)
        if t.isalpha() and len(t) > 1 and t not in NAMES and t not in names
        if not re.fullmatch(r"d[A-Za-z]", t)
    ]


def numbers(text: str) -> list[str]:
    return sorted(NUMBER.findall(re.sub(r"\{\w+\}", " ", text)))


def both(build):
    """What ``build()`` shows a learner in English, then in Chinese (a list of strings each)."""
    set_language("en")
    english = build()
    set_language("zh-CN")
    chinese = build()
    set_language("en")
    assert len(english) == len(chinese) and english, "the two builds show different things"
    return english, chinese


def assert_translated(english: list[str], chinese: list[str], names=()) -> int:
    """Every string with English words is Chinese now, with no English word left (strings
    without words, names and formulas, at most change punctuation or spacing); numbers agree.
    Returns how many strings with English words there were."""
    changed = 0
    for en, zh in zip(english, chinese, strict=True):
        assert numbers(zh) == numbers(en), (en, zh)
        if english_words(en, names):
            assert zh != en and CHINESE.search(zh), f"not translated: {en!r}"
            assert not english_words(zh, names), (en, zh, english_words(zh, names))
            changed += 1
        else:
            assert not english_words(zh, names), (en, zh)
            assert re.sub(r"[\s.。]", "", zh) == re.sub(r"[\s.。]", "", en), (en, zh)
    return changed


def axes_text(ax) -> list[str]:
    texts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
    legend = ax.get_legend()
    return texts + ([t.get_text() for t in legend.get_texts()] if legend else [])


# --- the training playground (notebook 07) ----------------------------------------------------


def playground_text(pg: Playground) -> list[str]:
    c = pg.controls
    texts = [c[k].description for k in ("lr", "init", "seed", "epochs", "reset")]
    texts += [c["reset"].tooltip] + [label for label, _value in c["init"].options]
    for panel in pg.view.panels:
        texts += [panel["title"], panel["xlabel"], panel["ylabel"]]
        texts += [s["label"] for s in panel["series"]]
    return texts + list(pg.view.labels.values())


def status_text(pg: Playground) -> list[str]:
    return [pg.status, pg.view.status, pg.view.note]


def test_training_playground_labels_are_chinese():
    english, chinese = both(lambda: playground_text(Playground()))
    assert assert_translated(english, chinese) >= 20
    pg = Playground()
    set_language("zh-CN")
    zh = Playground()
    assert zh.controls["lr"].description == "学习率"
    assert zh.controls["epochs"].description == "迭代周期数"
    # the dropdown shows Chinese, its values are the same
    assert [v for _l, v in zh.controls["init"].options] == [
        v for _l, v in pg.controls["init"].options
    ]
    assert dict((v, k) for k, v in zh.controls["init"].options)["he_normal"] == "He 正态分布"


@pytest.mark.parametrize(
    "settings",
    [
        {},  # the article's example: loss after 50 epochs, prediction and target
        {"epochs": 1},  # one epoch (singular in English)
        {"lr": 3.0, "epochs": 1000},  # diverges at epoch 220
        {"lr": 2.0, "epochs": 3},  # the loss grew: a note
        {"init": "zeros"},  # two notes: dead ReLUs and identical neurons
    ],
    ids=["article", "one-epoch", "diverged", "grew", "two-notes"],
)
def test_training_playground_status_is_chinese_with_the_same_numbers(settings):
    def build():
        pg = Playground()
        for name, value in settings.items():
            pg.controls[name].value = value
        return status_text(pg) + [repr(pg.losses.tolist())]

    english, chinese = both(build)
    assert english.pop() == chinese.pop()  # the same training
    assert assert_translated(english, chinese) >= 2
    if "init" in settings:
        assert "注意：" in chinese[0] and "；" in chinese[2] and chinese[2].startswith("注意：")
    if settings.get("lr") == 3.0:
        assert chinese[0].startswith("在第 220 个迭代周期发散")


def test_training_playground_with_more_samples():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 2))

    def build():
        pg = Playground(x, x[:, 0] - x[:, 1], sizes=(2, 9, 1), activation="tanh")
        return playground_text(pg) + status_text(pg)

    english, chinese = both(build)
    assert assert_translated(english, chinese) >= 20
    assert "参数（前 16 个）" in chinese and "ŷ 样本 4" in chinese and "目标值 1" in chinese


# --- the backward-pass stepper (notebook 05) --------------------------------------------------


@pytest.mark.parametrize("make", [lambda: None, graph_example], ids=["article", "small"])
def test_stepper_lines_and_labels_are_chinese(make):
    def build():
        st = Stepper(make())
        st.show(3)
        return list(st.view.lines) + [st.chain_text] + list(st.view.labels.values())

    english, chinese = both(build)
    n = len(Stepper(make()).order)
    assert assert_translated(english, chinese) == n + 2 + 6  # every line, the labels with words
    assert chinese[0].startswith(f"第 0 步（共 {n} 步）：前向传播已完成")
    assert chinese[1].startswith(f"第 1 步（共 {n} 步）：") and "反向传播从输出开始" in chinese[1]
    # the formula after the step is the same text in both languages
    assert all(
        zh.split("：", 1)[1] == en.split(": ", 1)[1]
        for en, zh in zip(english[2 : n + 1], chinese[2 : n + 1], strict=True)
    )


# --- the data playground (notebook 09) --------------------------------------------------------


def data_playground_text(pg: DataPlayground) -> list[str]:
    options = pg.view.options
    texts = list(pg.view.labels.values()) + [pg.view.info["summary"]]
    for key in ("datasets", "inits", "activations"):
        texts += [label for label, _value in options[key]]
    return texts


def test_data_playground_labels_choices_and_summary_are_chinese():
    def build():
        return data_playground_text(DataPlayground(dataset="xor", hidden=[4]).advance(3))

    english, chinese = both(build)
    assert assert_translated(english, chinese) >= 40
    assert "第 3 个迭代周期：训练损失" in chinese[len(Playground2DView().labels)]
    set_language("zh-CN")
    zh = DataPlayground().view.options
    for key in ("datasets", "inits"):
        assert [v for _l, v in zh[key]] == [v for _l, v in OPTIONS[key]]
    assert [v for _l, v in zh["activations"]] == OPTIONS["activations"]
    assert dict(zh["datasets"])["螺旋"] == "spirals" and dict(zh["activations"])["线性"] == "linear"


def test_data_playground_diverged_and_refused_settings_in_chinese():
    def build():
        return [Classifier2D("circles", hidden=(8, 8), lr=3.0).fit(10).summary()]

    english, chinese = both(build)
    assert english[0].startswith("diverged at epoch")
    assert_translated(english, chinese)
    set_language("zh-CN")
    pg = DataPlayground()
    pg.view.settings = {**pg.view.settings, "hidden": [9]}  # as if the browser sent it
    assert pg.view.info["summary"].startswith("无法使用这些设置：")


def test_guided_experiments_table_in_chinese_lines_up():
    def display_width(text):
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    english, chinese = both(lambda: table("learning rate").splitlines() + table("xor").splitlines())
    assert_translated(english, chinese)
    assert chinese[0].split() == ["设置", "训练损失", "测试损失", "测试准确率"]
    assert "在第 6 个迭代周期发散（损失溢出了）" in chinese[3]
    # every full row ends where the header ends: the columns line up in a monospaced font
    for lines in (chinese[:5], chinese[5:], english[:5], english[5:]):
        full = [line for line in lines if "%" in line]
        assert full and {display_width(line) for line in full} == {display_width(lines[0])}


def test_gradient_patterns_in_chinese():
    def build():
        return [text for row in patterns_in_article_graph() for text in (row.pattern, row.rule)]

    english, chinese = both(build)
    assert assert_translated(english, chinese) == 8
    assert chinese[0] == "加法分发" and chinese[4] == "ReLU 路由"


# --- figures (matplotlib) ---------------------------------------------------------------------


def test_network_figures_are_chinese():
    net = article_mlp()

    def build():
        _fig, (a, b) = plt.subplots(1, 2)
        draw_network(net, ax=a)
        draw_network(net, np.array([0.9, 1.0]), ax=b)
        return axes_text(a) + axes_text(b)

    english, chinese = both(build)
    assert assert_translated(english, chinese, names={"MLP", "activation"}) == 2 * 3 + 2
    assert "隐藏层 1" in chinese and "输入" in chinese and "输出" in chinese
    assert chinese[len(chinese) // 2].startswith("x = [0.9, 1.0] 的前向传播")


def test_loss_curves_are_chinese_with_the_same_numbers():
    def build():
        _fig, ax = plt.subplots()
        plot_loss([1.0, 1e-3, 1e-6, float("inf")], ax=ax, label="lr = 0.1")
        return axes_text(ax)

    english, chinese = both(build)
    assert assert_translated(english, chinese) == 3
    assert "损失（对数刻度）" in chinese and "发散（第 4 个迭代周期）" in chinese


def test_decision_boundary_legend_is_chinese():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])

    def build():
        _fig, ax = plt.subplots()
        plot_decision_boundary(lambda p: p[:, 0] - p[:, 1], X, [0, 1, 1], ax=ax)
        return axes_text(ax)

    english, chinese = both(build)
    assert assert_translated(english, chinese) == 2
    assert chinese[-2:] == ["类别 0", "类别 1"]


def test_graph_figures_keep_the_value_attribute_names():
    """A graph's boxes show label, data and grad: the Value's own attribute names, the same
    in both languages (the code a learner reads says ``x.grad``)."""

    def build():
        _fig, ax = plt.subplots()
        out, _nodes = gate("fork")
        draw_graph(out, ax=ax)
        return axes_text(ax)

    english, chinese = both(build)
    assert_translated(english, chinese, names={"out"})
    assert english == chinese and any("grad" in t for t in chinese)


# --- the browser side holds no learner-facing text --------------------------------------------


VIEWS = {"linecharts": LineCharts, "graphview": GraphView, "playground2d": Playground2DView}
# where the scripts put text in front of a learner: element(tag, class, parent, TEXT),
# button(parent, TEXT, NAME, ...), select/range/labelled(parent, TEXT, ...), .textContent =,
# aria-label, title and canvas text
SINKS = [
    r"element\([^()]*,[^()]*,[^()]*,\s*(\"[^\"]*\"|`[^`]*`)",
    r"button\(\w+,\s*(\"[^\"]*\"|`[^`]*`)",
    r"button\(\w+,\s*[^,]+,\s*(\"[^\"]*\"|`[^`]*`)",
    r"(?:select|range|labelled)\(\w+,\s*(\"[^\"]*\"|`[^`]*`)",
    r"textContent\s*=\s*(\"[^\"]*\"|`[^`]*`)",
    r"setAttribute\(\"aria-label\",\s*(\"[^\"]*\"|`[^`]*`)",
    r"\"aria-label\":\s*(\"[^\"]*\"|`[^`]*`)",
    r"\.title\s*=\s*(\"[^\"]*\"|`[^`]*`)",
    r"fillText\((\"[^\"]*\"|`[^`]*`)",
]


def english_in_script(script: str) -> list[str]:
    """The literal texts a script puts in front of a learner that hold English words."""
    literals = [m for sink in SINKS for m in re.findall(sink, script)]
    shown = [re.sub(r"\$\{[^}]*\}", " ", text)[1:-1] for text in literals]
    return [text for text in shown if english_words(text)]


def test_the_script_check_finds_english():
    planted = [
        'element("div", "course-x", root, "Hello there");',
        "button(run, `Go ${n}`, name);",
        'play.setAttribute("aria-label", "play it");',
        "ctx.fillText(`epoch ${k}`, 1, 2);",
    ]
    assert [english_in_script(line) for line in planted] == [
        ["Hello there"],
        ["Go  "],
        ["play it"],
        ["epoch  "],
    ]


@pytest.mark.parametrize("name", VIEWS)
def test_scripts_show_only_the_words_the_kernel_sends(name):
    script = (STATIC / f"{name}.js").read_text()
    assert english_in_script(script) == []
    # every key the script asks for is sent, and every label sent is used
    labels = VIEWS[name]().labels
    asked = set(re.findall(r"say\(labels, \"(\w+)\"", script))
    asked |= set(re.findall(r"\bt\(\"(\w+)\"", script))
    assert asked and asked <= set(labels), asked - set(labels)
    unused = [k for k in labels if f'"{k}"' not in script and k.removesuffix("_scale") == k]
    assert not unused, unused


@pytest.mark.parametrize("name", VIEWS)
def test_view_labels_follow_the_language_when_made(name):
    english = VIEWS[name]().labels
    set_language("zh-CN")
    chinese = VIEWS[name]().labels
    assert chinese.keys() == english.keys()
    assert assert_translated(list(english.values()), list(chinese.values())) >= 1
    for key, text in english.items():  # the browser fills the same placeholders
        assert sorted(re.findall(r"\{\w+\}", chinese[key])) == sorted(re.findall(r"\{\w+\}", text))
