"""The widgets in a real browser: our own JupyterLab, headless Chromium, Playwright for Python.

Opens notebook 07 (training playground) and notebook 05 (backward stepper),
runs all cells, moves the sliders with the keyboard and checks that the
readout, the status line and the plotted image change, that no cell shows a
traceback, and that the page logged no errors. The server always shuts down;
on failure a screenshot goes to test-artifacts/.

Runs when Chromium is found (Debian's chromium, or $COURSE_CHROMIUM); in CI
(CI=true) a missing Chromium is a failure, elsewhere a skip.
COURSE_BROWSER_DEMO=1 drives generated one-cell notebooks instead of the
course's (for working on this test); COURSE_SCREENSHOTS=1 keeps screenshots of
passing runs too.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM_FLAGS, LabServer, demo_notebook, find_chromium

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
PLAYGROUND, STEPPER = "07_training_playground.ipynb", "05_backpropagation.ipynb"
PLAYGROUND_2D = "09_playground_2d.ipynb"
DEMO = os.environ.get("COURSE_BROWSER_DEMO") == "1"
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
RUN_TIMEOUT_MS = 240_000  # kernel start and every cell, on a busy 2-core machine

# Console messages that are not errors of the course: none so far. Add a pattern only
# with a reason.
IGNORED_CONSOLE = [re.compile(p) for p in ()]


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        reason = (
            "no Chromium found: install Debian's chromium (apt-get install chromium) "
            "or set COURSE_CHROMIUM to a Chromium binary"
        )
        if IN_CI:
            pytest.fail(f"{reason}; in CI the browser test must run", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory, chromium):
    """JupyterLab serving a copy of notebooks/: whatever the browser saves stays in the copy."""
    scratch = tmp_path_factory.mktemp("jupyterlab")
    notebooks = scratch / "root" / "notebooks"
    if DEMO:
        notebooks.mkdir(parents=True)
        for name, function in ((PLAYGROUND, "training_playground"), (STEPPER, "backward_stepper")):
            source = f"from course_lib.widgets import {function}\n{function}()"
            demo_notebook(notebooks / name, source)
    else:
        missing = [n for n in (PLAYGROUND, STEPPER) if not (REPO / "notebooks" / n).is_file()]
        if missing:
            pytest.fail(f"the browser test opens notebooks/{missing[0]}, which does not exist",
                        pytrace=False)  # fmt: skip
        shutil.copytree(REPO / "notebooks", notebooks,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))  # fmt: skip
    with LabServer(scratch / "root", scratch, pythonpath=REPO) as server:  # REPO: course_lib
        yield server


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_FLAGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, lab, request):
    yield from _watched_page(browser)


def _watched_page(browser):
    """A fresh page that records page errors and console errors in ``page.problems``."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(60_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def console(message):
        if message.type == "error" and not any(p.search(message.text) for p in IGNORED_CONSOLE):
            problems.append(f"console error: {message.text}")

    page.on("console", console)
    page.problems = problems
    try:
        yield page
    finally:
        context.close()


@contextlib.contextmanager
def screenshot_on_failure(page, lab, name: str):
    try:
        yield
    except BaseException as exc:
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"browser-{name}-{time.strftime('%Y%m%d-%H%M%S')}.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=str(shot), full_page=True)
        raise AssertionError(
            f"{exc}\n\nscreenshot: {shot}\npage problems: {page.problems}\n"
            f"JupyterLab log (tail):\n{lab.log_tail()}"
        ) from exc
    if os.environ.get("COURSE_SCREENSHOTS") == "1":
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"browser-{name}-passed.png"), full_page=True)


def open_and_run_all(page, lab, notebook: str, chinese: bool = False) -> None:
    """Open the notebook, wait for its kernel (python3, from its kernelspec), run every cell
    (``chinese``: JupyterLab's menus and status bar are in Chinese)."""
    # a workspace of its own, reset: only this notebook is open, nothing restored
    workspace = f"t{time.monotonic_ns()}"
    page.goto(
        lab.url(f"lab/workspaces/{workspace}/tree/notebooks/{notebook}?reset&token={lab.token}")
    )
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    idle_word, run_menu = ("空闲", "运行") if chinese else ("Idle", "Run")
    idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(rf"\| {idle_word}$"))
    idle.first.wait_for(timeout=120_000)  # the kernel has started and answered
    dialog = page.locator(".jp-Dialog")
    assert dialog.count() == 0, f"JupyterLab asked: {dialog.first.text_content()}"
    started = (
        "() => [...document.querySelectorAll('.jp-InputArea-prompt')]"
        ".some(p => /\\d|\\*/.test(p.textContent))"
    )
    for attempt in range(3):  # the Run menu, Run All Cells; again if nothing started
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{run_menu}$")).click()
        page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
        try:
            page.wait_for_function(started, timeout=20_000)
            return
        except Exception:
            if attempt == 2:
                raise


STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"


def wait_for_widget_or_error(page, selector: str) -> None:
    """Wait for the widget; stop early when a cell shows an error instead."""
    page.wait_for_selector(f"{selector}, {STDERR}", timeout=RUN_TIMEOUT_MS)
    if page.locator(selector).count() == 0:
        assert_no_tracebacks_or_errors(page)
        page.wait_for_selector(selector, timeout=RUN_TIMEOUT_MS)


def wait_until_all_cells_ran(page) -> None:
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-InputArea-prompt')];
            return prompts.length > 0 && !prompts.some(p => p.textContent.includes('*'));
        }""",
        timeout=RUN_TIMEOUT_MS,
    )


def assert_no_tracebacks_or_errors(page) -> None:
    stderr = page.locator(STDERR).all_text_contents()
    tracebacks = [t for t in stderr if "Traceback" in t or re.search(r"\w+Error\b", t)]
    assert not tracebacks, f"a cell shows a traceback: {tracebacks[0][:2000]}"
    broken = page.get_by_text(re.compile("Error displaying widget|Failed to load model")).count()
    assert broken == 0, "a widget failed to display"
    assert not page.problems, f"the page logged errors: {page.problems}"


def press(page, selector: str, key: str, times: int) -> None:
    handle = page.locator(f"{selector} .noUi-handle").first
    handle.focus()
    for _ in range(times):
        handle.press(key)


def drawn_frames(page, view: str) -> int:
    """How many pictures the browser view ``view`` has drawn (0 before the first)."""
    return page.evaluate("sel => Number(document.querySelector(sel).dataset.frames || 0)", view)


def wait_for_new_frame(page, view: str, old: int) -> None:
    page.wait_for_function(
        "([sel, old]) => Number(document.querySelector(sel).dataset.frames || 0) > old",
        arg=[view, old],
    )


def smallest_text_px(page, selector: str) -> float:
    """The smallest font size (CSS px) of any visible text in ``selector``, canvases included
    (they report theirs in data-min-font-px)."""
    return page.evaluate(
        """sel => {
            let least = Infinity;
            for (const root of document.querySelectorAll(sel)) {
                const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
                while (walker.nextNode()) {
                    const node = walker.currentNode, parent = node.parentElement;
                    if (!node.textContent.trim() || !parent.getClientRects().length) continue;
                    least = Math.min(least, parseFloat(getComputedStyle(parent).fontSize));
                }
                for (const c of root.querySelectorAll('[data-min-font-px]')) {
                    least = Math.min(least, parseFloat(c.dataset.minFontPx));
                }
            }
            return least;
        }""",
        selector,
    )


def test_training_playground_in_jupyterlab(page, lab):
    with screenshot_on_failure(page, lab, "playground"):
        open_and_run_all(page, lab, PLAYGROUND)
        wait_for_widget_or_error(page, ".course-playground .course-lr")
        wait_until_all_cells_ran(page)
        box = ".course-playground"
        view = f"{box} .course-output"
        page.locator(box).first.scroll_into_view_if_needed()  # Lab renders what is in view
        page.wait_for_selector(f"{view}[data-frames]")
        readout = page.locator(f"{box} .course-lr .widget-readout").first
        status = page.locator(f"{box} .course-status").first
        charts = page.locator(f"{box} .course-charts-row").first
        assert float(readout.text_content()) == 0.1  # the article's learning rate
        assert status.text_content().startswith("loss ")
        assert page.locator(f"{box} canvas.course-chart-canvas").count() == 3
        before = (status.text_content(), drawn_frames(page, view), charts.screenshot())
        heights = (charts.bounding_box()["height"], status.bounding_box()["height"])

        press(page, f"{box} .course-lr", "ArrowRight", 20)  # 20 steps of 0.01 decades up
        page.wait_for_function(
            "([sel, old]) => document.querySelector(sel).textContent !== old",
            arg=[f"{box} .course-status", before[0]],
        )
        wait_for_new_frame(page, view, before[1])
        lr = float(readout.text_content())
        assert 0.1 < lr <= 0.2, f"the learning rate readout shows {lr}"
        assert status.text_content().startswith("loss ")
        page.wait_for_timeout(100)  # the frame after the status (one animation frame)
        assert charts.screenshot() != before[2], "the picture did not change"

        press(page, f"{box} .course-lr", "End", 1)  # the largest learning rate
        page.wait_for_function(
            "sel => parseFloat(document.querySelector(sel).textContent) === 3",
            arg=f"{box} .course-lr .widget-readout",
        )
        page.wait_for_function(
            "sel => /diverged|grew/.test(document.querySelector(sel).textContent)",
            arg=f"{box} .course-status",
        )
        assert "Note:" in status.text_content()  # a second line now, in the same space
        now = (charts.bounding_box()["height"], status.bounding_box()["height"])
        assert now == heights, f"the picture or the status changed height: {heights} -> {now}"

        # every control, not only the learning rate: epochs, initialisation, seed, reset
        frames = drawn_frames(page, view)
        press(page, f"{box} .course-epochs", "End", 1)
        page.wait_for_function(
            "sel => /diverged at epoch 220/.test(document.querySelector(sel).textContent)",
            arg=f"{box} .course-status",
        )
        wait_for_new_frame(page, view, frames)
        page.wait_for_function(  # the overflow is drawn as such: loss on a log axis, marked
            "sel => document.querySelector(sel).dataset.overflow === '219'",
            arg=f"{box} .course-charts",
        )
        page.locator(f"{box} .course-init select").select_option(label="He normal")
        page.wait_for_function(
            "sel => !document.querySelector(sel).disabled", arg=f"{box} .course-seed input"
        )
        shown = status.text_content()
        seed = page.locator(f"{box} .course-seed input").first
        seed.fill("3")
        seed.press("Enter")
        page.wait_for_function(
            "([sel, old]) => document.querySelector(sel).textContent !== old",
            arg=[f"{box} .course-status", shown],
        )
        page.locator(f"{box} .course-reset button, {box} button.course-reset").first.click()
        page.wait_for_function(
            "sel => parseFloat(document.querySelector(sel).textContent) === 0.1",
            arg=f"{box} .course-lr .widget-readout",
        )
        page.wait_for_function(
            "sel => /after 50 epochs/.test(document.querySelector(sel).textContent)",
            arg=f"{box} .course-status",
        )
        assert smallest_text_px(page, box) >= 11
        serious = run_axe(page, box)
        assert not serious, [(v["id"], v["help"], len(v["nodes"])) for v in serious]
        assert_no_tracebacks_or_errors(page)


def test_backward_stepper_in_jupyterlab(page, lab):
    with screenshot_on_failure(page, lab, "stepper"):
        open_and_run_all(page, lab, STEPPER)
        wait_for_widget_or_error(page, ".course-stepper .course-graph-step input")
        wait_until_all_cells_ran(page)
        box = ".course-stepper"
        view = f"{box} .course-output"
        page.locator(box).first.scroll_into_view_if_needed()  # Lab renders what is in view
        page.wait_for_selector(f"{view}[data-frames]")
        chain = page.locator(f"{box} .course-chain").first
        graph = page.locator(f"{box} .course-graph-frame svg").first
        assert chain.text_content().startswith("step 0 of")
        assert page.locator(f"{box} .course-graph").get_attribute("data-known") == "0"
        before = (drawn_frames(page, view), graph.screenshot())

        slider = page.get_by_role("slider", name="step")
        slider.focus()
        page.keyboard.press("ArrowRight")  # the keyboard, as a learner would
        page.wait_for_function(
            "sel => document.querySelector(sel).textContent.startsWith('step 1 of')",
            arg=f"{box} .course-chain",
        )
        assert re.search(r"d(\w+)/d\1 = 1 ", chain.text_content()), chain.text_content()
        wait_for_new_frame(page, view, before[0])
        assert graph.screenshot() != before[1], "the graph did not change"
        assert page.locator(f"{box} .course-graph-readout").text_content() == "1 of 28"
        # the picture matches the state: one gradient shown, the output's, highlighted
        grads = page.locator(f"{box} svg text tspan:nth-child(3)").all_text_contents()
        assert len(grads) == 28 and sum(g != "grad ?" for g in grads) == 1
        assert page.locator(f"{box} .course-graph").get_attribute("data-known") == "1"

        play = page.get_by_role("button", name="play the backward pass")
        play.click()  # steps in the browser, one every interval
        assert play.get_attribute("aria-pressed") == "true"
        page.wait_for_function(
            "sel => /^step [3-9]\\d* of/.test(document.querySelector(sel).textContent)",
            arg=f"{box} .course-chain",
            timeout=30_000,
        )
        play.click()
        assert play.get_attribute("aria-pressed") == "false"
        assert smallest_text_px(page, box) >= 11
        serious = run_axe(page, box)
        assert not serious, [(v["id"], v["help"], len(v["nodes"])) for v in serious]
        assert_no_tracebacks_or_errors(page)


def run_axe(page, selector: str) -> list[dict]:
    """axe-core (4.12.1, shipped by axe-playwright-python) on ``selector``: serious and
    critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context={"include": [[selector]]})
    found = results.response["violations"]
    return [v for v in found if v.get("impact") in ("serious", "critical")]


def epoch_of(page) -> int:
    return int(page.evaluate("() => Number(document.querySelector('.course-pg2d').dataset.epoch)"))


def test_data_playground_in_jupyterlab(page, lab):
    with screenshot_on_failure(page, lab, "playground2d"):
        open_and_run_all(page, lab, PLAYGROUND_2D)
        wait_for_widget_or_error(page, ".course-pg2d .course-pg-play")
        root, view = ".course-pg2d", ".course-data-playground"
        page.locator(root).first.scroll_into_view_if_needed()
        page.wait_for_function("() => document.querySelector('.course-pg2d').dataset.epoch === '0'")
        status = page.locator(f"{root} .course-status").first
        tiles = page.locator(f"{root} canvas.course-pg-tile")
        # the picture matches the state: 2 inputs, hidden layers of 4 and 2, one output
        assert page.locator(root).get_attribute("data-neurons") == "6"
        assert tiles.count() == 2 + 6 + 1

        # add a neuron to hidden layer 1 from the keyboard, then remove a layer
        frames = drawn_frames(page, view)
        page.get_by_role("button", name="add a neuron to hidden layer 1").focus()
        page.keyboard.press("Enter")
        wait_for_new_frame(page, view, frames)
        page.wait_for_function(
            "() => document.querySelector('.course-pg2d').dataset.neurons === '7'"
        )
        assert tiles.count() == 2 + 7 + 1
        page.get_by_role("button", name="remove a hidden layer").click()
        page.wait_for_function(
            "() => document.querySelector('.course-pg2d').dataset.neurons === '5'"
        )
        assert tiles.count() == 2 + 5 + 1
        assert page.locator(f"{root} .course-pg-layer-count").text_content() == "1 hidden layer"
        page.get_by_role("button", name="remove a neuron from hidden layer 1").click()
        page.wait_for_function(
            "() => document.querySelector('.course-pg2d').dataset.neurons === '4'"
        )

        # Play runs epoch after epoch and the picture changes; Pause stops it
        board = page.locator(f"{root} canvas.course-pg-board").first
        before = board.screenshot()
        play = page.locator(f"{root} .course-pg-play").first
        play.click()
        assert play.get_attribute("aria-pressed") == "true"
        page.wait_for_function(
            "() => Number(document.querySelector('.course-pg2d').dataset.epoch) >= 20"
        )
        play.click()
        assert play.get_attribute("aria-pressed") == "false"
        page.wait_for_timeout(500)  # the requests already on their way land
        stopped = epoch_of(page)
        page.wait_for_timeout(700)
        assert epoch_of(page) == stopped, "training went on after Pause"
        assert re.match(rf"epoch {stopped}: train loss \d", status.text_content())
        assert board.screenshot() != before, "the decision boundary did not change"
        page.locator(f"{root} .course-pg-step").first.click()
        page.wait_for_function(
            f"() => document.querySelector('.course-pg2d').dataset.epoch === '{stopped + 1}'"
        )

        # every other kind of control: a select, a range, a checkbox, Reset
        page.get_by_label("data set").select_option(label="spiral")
        page.wait_for_function("() => document.querySelector('.course-pg2d').dataset.epoch === '0'")
        page.get_by_label("x1²").check()
        page.wait_for_function(
            "n => document.querySelectorAll('.course-pg2d canvas.course-pg-tile').length === n",
            arg=3 + 4 + 1,
        )
        noise = page.get_by_label("noise")
        noise.focus()
        frames = drawn_frames(page, view)
        page.keyboard.press("ArrowRight")
        wait_for_new_frame(page, view, frames)
        page.locator(f"{root} .course-pg-step").first.click()
        page.wait_for_function("() => document.querySelector('.course-pg2d').dataset.epoch === '1'")
        page.locator(f"{root} .course-pg-reset").first.click()
        page.wait_for_function("() => document.querySelector('.course-pg2d').dataset.epoch === '0'")

        assert smallest_text_px(page, root) >= 11
        serious = run_axe(page, root)
        assert not serious, [(v["id"], v["help"], len(v["nodes"])) for v in serious]
        assert_no_tracebacks_or_errors(page)


def shut_down_kernels(lab) -> None:
    """End every session and kernel, as closing JupyterLab and coming back tomorrow would."""
    import json
    import urllib.request

    headers = {"Authorization": f"token {lab.token}"}
    with urllib.request.urlopen(
        urllib.request.Request(lab.url("api/sessions"), headers=headers)
    ) as r:
        sessions = json.load(r)
    for session in sessions:
        request = urllib.request.Request(
            lab.url(f"api/sessions/{session['id']}"), method="DELETE", headers=headers
        )
        urllib.request.urlopen(request).close()


def is_dirty(page) -> bool:
    return page.locator(".lm-TabBar-tab.jp-mod-dirty").count() > 0


def test_reopening_a_saved_notebook_is_clean(page, lab):
    with screenshot_on_failure(page, lab, "reopen"):
        open_and_run_all(page, lab, PLAYGROUND)
        wait_for_widget_or_error(page, ".course-playground .course-lr")
        wait_until_all_cells_ran(page)
        view = ".course-playground .course-output"
        page.locator(view).first.scroll_into_view_if_needed()
        page.wait_for_selector(f"{view}[data-frames]")
        status = page.locator(".course-playground .course-status").first.text_content()
        page.locator(".jp-NotebookPanel").first.click()
        page.keyboard.press("Control+s")
        page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-dirty')")
        shut_down_kernels(lab)

        # reopened in a fresh workspace, with a new kernel: no error, nothing modified
        workspace = f"r{time.monotonic_ns()}"
        page.goto(
            lab.url(
                f"lab/workspaces/{workspace}/tree/notebooks/{PLAYGROUND}?reset&token={lab.token}"
            )
        )
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
        idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$"))
        idle.first.wait_for(timeout=120_000)
        note = page.get_by_text("Run this cell to start the widget").first
        note.wait_for(state="attached")  # where the widget was: a note, not an error
        note.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        assert status.startswith("loss ")
        assert page.get_by_text(re.compile("Error displaying widget|model not found")).count() == 0
        assert page.locator(".jp-Dialog").count() == 0, "JupyterLab asked something on opening"
        assert not is_dirty(page), "opening the notebook marked it modified"
        assert not page.problems, f"the page logged errors: {page.problems}"


def test_narrow_window_keeps_text_legible(browser, lab):
    """1024 x 700 with the file browser open: every picture fits, no text under 11 px."""
    context = browser.new_context(viewport={"width": 1024, "height": 700})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.problems = []
    try:
        with screenshot_on_failure(page, lab, "narrow"):
            open_and_run_all(page, lab, PLAYGROUND)
            wait_for_widget_or_error(page, ".course-playground .course-lr")
            view = ".course-playground .course-output"
            page.locator(view).first.scroll_into_view_if_needed()
            page.wait_for_selector(f"{view}[data-frames]")
            assert page.locator(".jp-FileBrowser").first.is_visible()
            least = smallest_text_px(page, ".course-playground")
            assert least >= 11, f"text of {least} px"
            sizes = page.evaluate(
                """() => {
                    const out = document.querySelector('.course-playground .course-output');
                    const canvases = [...out.querySelectorAll('canvas')];
                    const right = Math.max(...canvases.map(c => c.getBoundingClientRect().right));
                    return [out.clientWidth, right - out.getBoundingClientRect().left];
                }"""
            )
            assert sizes[1] <= sizes[0] + 1, f"a chart is wider than the notebook: {sizes}"
            # the longest status (a divergence, with a note) wraps: nothing is cut
            handle = page.locator(".course-playground .course-lr .noUi-handle").first
            handle.focus()
            handle.press("End")
            page.wait_for_function(
                "sel => /Note:/.test(document.querySelector(sel).textContent)",
                arg=".course-playground .course-status",
            )
            cut = page.evaluate(
                """() => [...document.querySelectorAll('.course-playground .course-status *')]
                    .filter(e => e.scrollWidth > e.clientWidth + 1
                                 || e.scrollHeight > e.clientHeight + 1)
                    .length"""
            )
            assert cut == 0, "the status line is cut"
    finally:
        context.close()


def test_make_lab_starts_without_the_news_pop_up(browser, tmp_path):
    """A server set up as `make lab` sets it up (the news extension on): no news question."""
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(REPO / "notebooks" / "00_start_here.ipynb", root / "notebooks")
    with LabServer(root, tmp_path, pythonpath=REPO, like_make_lab=True) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            page.goto(server.url(f"lab/tree/notebooks/00_start_here.ipynb?token={server.token}"))
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
            page.wait_for_timeout(5000)  # the question, when asked, comes within a second or two
            asked = page.get_by_text(re.compile("official Jupyter news|news", re.I)).count()
            assert asked == 0, "JupyterLab asked about news"
            assert page.locator(".jp-Dialog").count() == 0
            assert not is_dirty(page), "opening the notebook marked it modified"
        finally:
            page.close()


# --- the zh-CN edition, as `make lab-zh` serves it ------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def lab_zh(tmp_path_factory, chromium):
    """JupyterLab with its menus in Chinese (the pinned language pack, labsettings/zh-CN) and
    COURSE_LANG=zh-CN, serving a copy of notebooks/ (zh-CN included)."""
    scratch = tmp_path_factory.mktemp("jupyterlab-zh")
    shutil.copytree(REPO / "notebooks", scratch / "root" / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))  # fmt: skip
    with LabServer(scratch / "root", scratch, pythonpath=REPO, chinese=True) as server:
        yield server


@pytest.fixture
def page_zh(browser, lab_zh):
    yield from _watched_page(browser)


def test_the_chinese_edition_in_jupyterlab(page_zh, lab_zh):
    """A learner who reads only Chinese: Lab's menus, the notebook's prose, the playground's
    labels and status, the self-check's feedback, all Chinese; the slider answers; no error."""
    page, lab = page_zh, lab_zh
    with screenshot_on_failure(page, lab, "zh-CN-playground"):
        open_and_run_all(page, lab, f"zh-CN/{PLAYGROUND}", chinese=True)
        menus = page.locator(".lm-MenuBar-itemLabel").all_text_contents()
        assert {"文件", "编辑", "运行", "内核"} <= set(menus), menus
        title = page.locator(".jp-RenderedMarkdown h1").first.text_content()
        assert title.startswith("07 · ") and CJK.search(title), title
        wait_for_widget_or_error(page, ".course-playground .course-lr")
        wait_until_all_cells_ran(page)
        box = ".course-playground"
        view = f"{box} .course-output"
        page.locator(box).first.scroll_into_view_if_needed()
        page.wait_for_selector(f"{view}[data-frames]")
        labels = page.locator(f"{box} .widget-label").all_text_contents()
        assert "学习率" in labels and all(CJK.search(t) for t in labels if t.strip()), labels
        status = page.locator(f"{box} .course-status").first
        readout = page.locator(f"{box} .course-lr .widget-readout").first
        assert float(readout.text_content()) == 0.1
        before = (status.text_content(), drawn_frames(page, view))
        assert CJK.search(before[0]) and "loss" not in before[0], before[0]

        press(page, f"{box} .course-lr", "ArrowRight", 20)
        page.wait_for_function(
            "([sel, old]) => document.querySelector(sel).textContent !== old",
            arg=[f"{box} .course-status", before[0]],
        )
        wait_for_new_frame(page, view, before[1])
        assert 0.1 < float(readout.text_content()) <= 0.2
        assert CJK.search(status.text_content())

        # every Chinese character the widget shows has a font to draw it (Chromium draws the
        # canvases and labels with fontconfig's fonts on Linux): no boxes
        shown = "".join(labels) + status.text_content()
        chars = sorted({c for c in shown if CJK.match(c)})
        query = ":charset=" + " ".join(f"{ord(c):x}" for c in chars)
        if shutil.which("fc-list") or IN_CI:  # fontconfig: Linux (and CI)
            found = subprocess.run(["fc-list", query, "family"], capture_output=True, text=True)
            assert found.stdout.strip(), f"no installed font draws {''.join(chars)}"

        # the self-check cells answer in Chinese (the learner has not answered yet)
        outputs = " ".join(page.locator(".jp-OutputArea-output").all_text_contents())
        assert re.search("未作答|还没有作答", outputs), outputs[-800:]
        assert_no_tracebacks_or_errors(page)

        # saved, kernel shut down, reopened: the widget's place says in Chinese how to restart
        page.locator(".jp-NotebookPanel").first.click()
        page.keyboard.press("Control+s")
        page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-dirty')")
        shut_down_kernels(lab)
        page.goto(lab.url(f"lab/workspaces/zr{time.monotonic_ns()}/tree/notebooks/zh-CN/"
                          f"{PLAYGROUND}?reset&token={lab.token}"))  # fmt: skip
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
        idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| 空闲$"))
        idle.first.wait_for(timeout=120_000)
        note = page.get_by_text("运行这个单元格来启动控件").first
        note.wait_for(state="attached")
        note.scroll_into_view_if_needed()
        assert page.get_by_text(re.compile("Error displaying widget|model not found")).count() == 0
        assert page.locator(".jp-Dialog").count() == 0 and not is_dirty(page)
        assert not page.problems, f"the page logged errors: {page.problems}"
