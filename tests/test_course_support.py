"""The notebooks' support modules: display, envcheck, course_examples, course_map."""

import math

import numpy as np
import pytest

from course_lib import course_examples as ex
from course_lib import envcheck
from course_lib.article import STATED_NEXT_PREDICTION
from course_lib.course_map import COURSE, markdown, total_minutes
from course_lib.display import (
    fixed,
    latex_matrix,
    latex_vector,
    markdown_table,
    math_block,
    num,
    text_table,
)

# --- display -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.3260000000000001, "1.326"),
        (0.58, "0.58"),
        (2.0, "2"),
        (-0.0, "0"),
        (-1e-9, "0"),
        (-1.348, "-1.348"),
        (1.93595081634, "1.935951"),
        (np.array([0.4]), "0.4"),
        (12345, "12345"),
    ],
)
def test_num(value, text):
    assert num(value) == text


def test_fixed_and_tables():
    assert fixed(1.5) == "1.500000"
    assert fixed(-0.0) == "0.000000"
    assert fixed([[1, -2.25]], 2) == "[1.00, -2.25]"
    assert text_table([("a", 1.0), ("long name", "text")]) == "a          1.000000\nlong name  text"


def test_latex():
    assert latex_vector([0.58, 1.06]) == r"\begin{bmatrix} 0.58 \\ 1.06 \end{bmatrix}"
    assert latex_matrix([[0.2, 0.3], [0.4, 0.5]]) == (
        r"\begin{bmatrix} 0.2 & 0.3 \\ 0.4 & 0.5 \end{bmatrix}"
    )


def test_math_block():
    assert math_block("x = 1") == "x = 1"
    assert math_block("a", "b") == r"\begin{aligned} & a \\ & b \end{aligned}"


def test_markdown_table():
    table = markdown_table(["a", "b"], [["x", 0.5], ["y", [1.0, 2.5]]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x | 0.5 |", "| y | 1, 2.5 |"]


# --- envcheck ------------------------------------------------------------------------------


def test_pinned_versions(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# comment\nnumpy==2.2.6\nTorch==2.13.0  # cpu\n-e .\nplain\n")
    assert envcheck.pinned_versions(req) == {"numpy": "2.2.6", "torch": "2.13.0"}
    assert envcheck.pinned_versions(tmp_path / "missing.txt") == {}


def test_pinned_versions_honour_markers_in_the_real_file():
    """requirements.txt pins matplotlib, ipykernel and hypothesis twice, by Python version."""
    real = envcheck.REQUIREMENTS
    text = real.read_text(encoding="utf-8")
    new = envcheck.pinned_versions(real, {"python_version": "3.11"})
    old = envcheck.pinned_versions(real, {"python_version": "3.10"})
    for name in ("matplotlib", "ipykernel", "hypothesis"):
        lines = [line for line in text.splitlines() if line.startswith(f"{name}==")]
        assert len(lines) == 2
        by_marker = {
            line.split(";")[1].strip(): line.split(";")[0].split("==")[1] for line in lines
        }
        assert new[name] == by_marker['python_version >= "3.11"']
        assert old[name] == by_marker['python_version < "3.11"']
        assert ";" not in new[name] and '"' not in new[name]
    assert new["numpy"] == old["numpy"]  # no marker: the same everywhere


def test_environment_check_on_this_python_flags_nothing_the_markers_exclude():
    """Run on the course's own environment (installed from requirements.txt by pip, which
    honours the markers): every package is ok, and no advice is a shell error."""
    rows = envcheck.check_environment()
    assert {r.name: r.status for r in rows if r.status != "ok"} == {}
    rows = envcheck.check_environment(envcheck.pinned_versions(env={"python_version": "3.10"}))
    by_name = {r.name: r for r in rows}
    import matplotlib

    if matplotlib.__version__ != by_name["matplotlib"].wanted:  # this Python is not 3.10
        assert by_name["matplotlib"].status == "different version"
    for line in envcheck.report(rows).splitlines():
        assert len(line) <= envcheck.WIDTH and "python_version" not in line
        if "pip install" in line:
            assert ";" not in line and '"' not in line  # a command the shell can run


def test_marker_applies():
    env = {"python_version": "3.9", "sys_platform": "linux"}
    assert envcheck.marker_applies('python_version < "3.11"', env)  # 3.9 < 3.11 as numbers
    assert not envcheck.marker_applies('python_version >= "3.11"', env)
    assert envcheck.marker_applies('python_version >= "3.11" or sys_platform == "linux"', env)
    assert not envcheck.marker_applies('python_version < "3.11" and sys_platform != "linux"', env)
    with pytest.raises(ValueError, match="marker not understood: 'extra == \"x\"'"):
        envcheck.marker_applies('extra == "x"', env)


def test_unreadable_marker_gives_no_pin(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text('numpy==1.0; extra == "x"\ntorch==2.0; python_version >= "3"\n')
    assert envcheck.pinned_versions(req) == {"torch": "2.0"}


def test_report_lines_break_between_words():
    rows = envcheck.check_environment({"numpy": "0.0.1-a-long-version-string", "torch": "0.1"})
    text = envcheck.report(rows)
    assert max(len(line) for line in text.splitlines()) <= envcheck.WIDTH
    assert "    pip install numpy==0.0.1-a-long-version-string" in text.splitlines()
    assert "pip install torch==0.1 --index-url https://download.pytorch.org/whl/cpu" in text


def test_environment_statuses(monkeypatch):
    monkeypatch.setattr(
        envcheck,
        "PACKAGES",
        {"numpy": "arrays", "surely-not-installed-pkg": "nothing", "torch": "torch"},
    )
    import numpy

    rows = envcheck.check_environment({"numpy": "0.0.1", "torch": "2.13.0"})
    by_name = {r.name: r for r in rows}
    assert by_name["python"].status == "ok"
    assert by_name["numpy"].status == "different version"
    assert by_name["numpy"].found == numpy.__version__
    assert "pip install numpy==0.0.1" in by_name["numpy"].advice
    missing = by_name["surely-not-installed-pkg"]
    assert missing.status == "missing" and missing.found is None
    assert "pip install surely-not-installed-pkg" in missing.advice
    assert "download.pytorch.org" in envcheck._install_command("torch", "2.13.0")
    text = envcheck.report(rows)
    assert "!! surely-not-installed-pkg" in text and "not installed" in text
    assert "Restart Kernel" in text


def test_environment_all_ok_and_old_python(monkeypatch):
    monkeypatch.setattr(envcheck, "PACKAGES", {"numpy": "arrays"})
    assert "ready to start" in envcheck.report(envcheck.check_environment({}))
    monkeypatch.setattr(envcheck, "MIN_PYTHON", (99, 0))
    rows = envcheck.check_environment({})
    assert rows[0].status == "too old" and "99.0" in rows[0].advice


# --- course_examples -----------------------------------------------------------------------


def test_neuron_gradients():
    v = ex.neuron()
    p = ex.NEURON
    s = p["w1"] * p["x1"] + p["w2"] * p["x2"] + p["b"]
    n = math.tanh(s)
    assert v["n"].data == pytest.approx(n, abs=1e-15)
    for w, x in (("w1", "x1"), ("w2", "x2")):
        assert v[w].grad == pytest.approx((1 - n * n) * p[x], abs=1e-15)
        assert v[x].grad == pytest.approx((1 - n * n) * p[w], abs=1e-15)
    assert v["b"].grad == pytest.approx(1 - n * n, abs=1e-15)


def test_accumulation_example():
    a, b = ex.accumulation_example()
    assert b.data == ex.ACCUMULATION_A**2 and a.grad == 2 * ex.ACCUMULATION_A
    a, c = ex.cube_example()
    assert c.data == ex.ACCUMULATION_A**3 and a.grad == 3 * ex.ACCUMULATION_A**2


def test_new_input_switches_both_relus_off():
    W1 = np.array([[0.2, 0.3], [0.4, 0.5]])
    assert np.all(W1 @ np.array(ex.NEW_INPUT) + np.array([0.1, 0.2]) < 0)


def test_symmetric_training_keeps_rows_equal_and_learns():
    net = ex.symmetric_training()
    W1 = net.params["W1"]
    assert np.array_equal(W1[0], W1[1])
    assert not np.allclose(W1, 0.5)  # it did train
    other = ex.symmetric_training(epochs=5, value=0.2)
    assert np.array_equal(other.params["W1"][0], other.params["W1"][1])


def test_learning_rate_experiments():
    assert not ex.training_fails(0.3) and ex.training_fails(1.0) and ex.training_fails(3.0)
    assert ex.first_failing_lr() == 1.0
    assert ex.first_failing_lr(grid=(0.01, 0.1)) is None
    z = ex.hidden_sums_during_training(1.0, epochs=3)
    assert z.shape == (4, 2)
    assert np.allclose(z[0], [0.58, 1.06]) and np.all(z[2:] < 0)  # both ReLUs die, for good


def test_at_the_first_failing_rate_only_b2_learns_and_it_mirrors_across_the_target():
    """What notebook 07 says happens at lr = 1: b2 <- b2 - 2 (b2 - y) = 2 y - b2."""
    from course_lib.article import ARTICLE, article_mlp

    net = article_mlp()
    predictions = []
    for _ in range(6):
        predictions.append(float(net.predict(ARTICLE.x)[0]))
        net.train(ARTICLE.x, ARTICLE.y, lr=ex.first_failing_lr(), epochs=1)
    assert predictions[2] + predictions[3] == pytest.approx(2 * ARTICLE.y, abs=1e-9)
    assert predictions[3] == pytest.approx(predictions[5], abs=1e-9)
    assert abs(predictions[2] - ARTICLE.y) > 10


def test_dead_relu_grads():
    g = ex.dead_relu_grads()
    assert not g["W1"].any() and not g["b1"].any() and not g["W2"].any()
    # every hidden activation is 0, so y_hat = b2 = 0.4 and dL/db2 = 2 (0.4 - 2)
    assert g["b2"][0] == pytest.approx(2 * (0.4 - 2.0), abs=1e-15)


def test_erratum_variants():
    variants = ex.erratum_variants()
    assert len(variants) == 10
    assert variants["mse"] == pytest.approx(1.9359508163424, abs=1e-12)
    assert variants["half_sse"] == pytest.approx(1.6191548740856, abs=1e-12)
    assert all(abs(v - STATED_NEXT_PREDICTION) > 1e-4 for v in variants.values())


def test_activation_scales_show_what_he_is_for():
    he = ex.activation_scales("he_normal")
    assert he.shape == (10,) and np.all((he > 0.5) & (he < 2.0))
    assert ex.activation_scales("normal")[-1] > 1e4
    assert ex.activation_scales("xavier_normal")[-1] < 0.1


def test_moons_set_up():
    net = ex.moons_network()
    assert net.sizes == list(ex.MOONS_TRAINING["sizes"])
    acc = ex.linear_model_accuracy()
    assert 0.6 < acc < 1.0  # a line does better than chance, never perfectly


# --- course_map ----------------------------------------------------------------------------


def test_course_map():
    assert total_minutes() == sum(n.minutes for n in COURSE)
    table = markdown("x/")
    assert len(table.splitlines()) == len(COURSE) + 3
    assert "(x/05_backpropagation.ipynb)" in table
    hours, minutes = divmod(total_minutes(), 60)
    assert f"**{hours} h {minutes:02d} min**" in table


def test_the_loss_floor_in_07_is_float64_rounding():
    """07 says converged runs bottom out at the squared gap between the target and its float64
    neighbours: 2 = 2**1, so the gaps are 2**-51 above and 2**-52 below (by hand)."""
    from course_lib.article import ARTICLE, article_mlp

    assert ARTICLE.y == 2.0
    floors = set()
    for lr in (0.03, 0.1, 0.3):
        losses = np.array(article_mlp().train(ARTICLE.x, ARTICLE.y, lr=lr, epochs=100).losses)
        floors.add(float(losses[losses > 0].min()))
    assert floors == {2.0**-102, 2.0**-104}
