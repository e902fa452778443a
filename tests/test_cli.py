"""`python -m course_lib walkthrough`: the table, the JSON, and one-line errors."""

import json
import os
import subprocess
import sys

import pytest

from tests.test_article import by_hand


def run(*args, lang=None):
    """``python -m course_lib *args`` in English, or with ``COURSE_LANG=lang``, in an
    80-column terminal."""
    env = {k: v for k, v in os.environ.items() if k != "COURSE_LANG"}
    env["COLUMNS"] = "80"
    if lang is not None:
        env["COURSE_LANG"] = lang
    return subprocess.run(
        [sys.executable, "-m", "course_lib", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_table_shows_every_step_and_explains_the_erratum():
    out = run("walkthrough")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    mse, half = by_hand(2.0), by_hand(1.0)
    for label in ("z1", "a1", "z2", "prediction y_hat", "loss", "dL/dy_hat", "dL/dW1", "dL/db2"):
        assert f"\n{label} " in text, label
    assert "1.326000" in text
    assert f"{mse['next_prediction']:.6f}" in text
    assert f"{half['next_prediction']:.6f}" in text
    assert "1.618296" in text
    assert "no standard convention gives 1.618296" in " ".join(text.split())  # wrapped
    assert f"{mse['updated']['W1'][1][0]:.6f}" in text  # 0.472792


@pytest.mark.parametrize("loss,factor", [("mse", 2.0), ("sse", 2.0), ("half_sse", 1.0)])
def test_json_has_the_true_numbers(loss, factor):
    out = run("walkthrough", "--json", "--loss", loss)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"prediction", "loss", "grads", "updated", "next_prediction"}
    want = by_hand(factor)
    assert abs(data["prediction"] - want["prediction"]) < 1e-12
    assert abs(data["loss"] - want["loss"]) < 1e-12
    assert abs(data["next_prediction"] - want["next_prediction"]) < 1e-12
    for group in ("grads", "updated"):
        assert set(data[group]) == {"W1", "b1", "W2", "b2"}
        for name, value in want[group].items():
            flat_got = sum(data[group][name], []) if name.startswith("W") else data[group][name]
            flat_want = sum(value, []) if name.startswith("W") else value
            assert all(abs(a - b) < 1e-12 for a, b in zip(flat_got, flat_want, strict=True))


def test_overrides_check_a_learners_own_numbers():
    out = run(
        "walkthrough", "--json", "--x", "1", "2", "--y", "0", "--lr", "0.5",
        "--W1", "1", "0", "0", "1", "--b1", "0", "0", "--W2", "1", "1", "--b2", "0",
    )  # fmt: skip
    data = json.loads(out.stdout)
    # z1 = [1, 2], y_hat = 3, mse dL/dy_hat = 6; dW2 = 6 * [1, 2]; b2 <- 0 - 0.5 * 6
    assert data["prediction"] == 3.0
    assert data["loss"] == 9.0
    assert data["grads"]["W2"] == [[6.0, 12.0]]
    assert data["grads"]["W1"] == [[6.0, 12.0], [6.0, 12.0]]
    assert data["updated"]["b2"] == [-3.0]


def test_custom_numbers_leave_out_the_article_comparison():
    out = run("walkthrough", "--y", "3")
    assert out.returncode == 0
    assert "1.618296" not in out.stdout


@pytest.mark.parametrize(
    "args,words",
    [
        (["--lr", "-0.1"], ["--lr", "positive"]),
        (["--lr", "0"], ["--lr", "positive"]),
        (["--lr", "nan"], ["--lr", "finite"]),
        (["--x", "1", "2", "3"], ["--x", "2 inputs"]),
        (["--y", "two"], ["--y", "number"]),
        (["--W1", "1", "2"], ["--W1", "4 numbers"]),
        (["--b2", "0.1", "0.2"], ["--b2", "expected 1 number,"]),
        (["--loss", "mae"], ["--loss", "mse"]),
        (["--bogus"], ["unrecognized", "--bogus"]),
    ],
)
def test_bad_options_give_one_line_and_nonzero_exit(args, words):
    out = run("walkthrough", *args)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    for word in words:
        assert word in lines[0]


def test_the_table_fits_a_notebook_output_without_breaking_words():
    out = run("walkthrough").stdout
    assert max(len(line) for line in out.splitlines()) <= 90
    assert "1.618296" in out and "error in the article" in " ".join(out.split())
