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
import time
from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM_FLAGS, LabServer, demo_notebook, find_chromium

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
PLAYGROUND, STEPPER = "07_training_playground.ipynb", "05_backpropagation.ipynb"
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


def open_and_run_all(page, lab, notebook: str) -> None:
    """Open the notebook, wait for its kernel (python3, from its kernelspec), run every cell."""
    # a workspace of its own, reset: only this notebook is open, nothing restored
    workspace = f"t{time.monotonic_ns()}"
    page.goto(
        lab.url(f"lab/workspaces/{workspace}/tree/notebooks/{notebook}?reset&token={lab.token}")
    )
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$"))
    idle.first.wait_for(timeout=120_000)  # the kernel has started and answered
    dialog = page.locator(".jp-Dialog")
    assert dialog.count() == 0, f"JupyterLab asked: {dialog.first.text_content()}"
    started = (
        "() => [...document.querySelectorAll('.jp-InputArea-prompt')]"
        ".some(p => /\\d|\\*/.test(p.textContent))"
    )
    for attempt in range(3):  # the Run menu, Run All Cells; again if nothing started
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
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


def figure_of(page, container: str):
    image = page.locator(f"{container} img.course-figure").first
    page.wait_for_function(
        f"() => {{ const i = document.querySelector('{container} img.course-figure');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    return image


def press(page, selector: str, key: str, times: int) -> None:
    handle = page.locator(f"{selector} .noUi-handle").first
    handle.focus()
    for _ in range(times):
        handle.press(key)


def wait_for_new_figure(page, box: str, old_src: str) -> None:
    """Wait until the widget's image is a new frame (its data URL changed)."""
    page.wait_for_function(
        "([sel, old]) => document.querySelector(sel).getAttribute('src') !== old",
        arg=[f"{box} img.course-figure", old_src],
    )


def test_training_playground_in_jupyterlab(page, lab):
    with screenshot_on_failure(page, lab, "playground"):
        open_and_run_all(page, lab, PLAYGROUND)
        wait_for_widget_or_error(page, ".course-playground .course-lr")
        wait_until_all_cells_ran(page)
        box = ".course-playground"
        page.locator(box).first.scroll_into_view_if_needed()  # Lab renders what is in view
        readout = page.locator(f"{box} .course-lr .widget-readout").first
        status = page.locator(f"{box} .course-status").first
        image = figure_of(page, box)
        assert float(readout.text_content()) == 0.1  # the article's learning rate
        assert status.text_content().startswith("loss ")
        before = (status.text_content(), image.get_attribute("src"), image.screenshot())
        frame = page.locator(f"{box} .course-output").first
        heights = (frame.bounding_box()["height"], status.bounding_box()["height"])

        press(page, f"{box} .course-lr", "ArrowRight", 20)  # 20 steps of 0.01 decades up
        page.wait_for_function(
            "([sel, old]) => document.querySelector(sel).textContent !== old",
            arg=[f"{box} .course-status", before[0]],
        )
        wait_for_new_figure(page, box, before[1])
        lr = float(readout.text_content())
        assert 0.1 < lr <= 0.2, f"the learning rate readout shows {lr}"
        assert status.text_content().startswith("loss ")
        figure_of(page, box)
        assert image.screenshot() != before[2], "the plotted image did not change"

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
        now = (frame.bounding_box()["height"], status.bounding_box()["height"])
        assert now == heights, f"the picture or the status changed height: {heights} -> {now}"
        assert_no_tracebacks_or_errors(page)


def test_backward_stepper_in_jupyterlab(page, lab):
    with screenshot_on_failure(page, lab, "stepper"):
        open_and_run_all(page, lab, STEPPER)
        wait_for_widget_or_error(page, ".course-stepper .course-step")
        wait_until_all_cells_ran(page)
        box = ".course-stepper"
        page.locator(box).first.scroll_into_view_if_needed()  # Lab renders what is in view
        chain = page.locator(f"{box} .course-chain").first
        image = figure_of(page, box)
        assert chain.text_content().startswith("step 0 of")
        before = (image.get_attribute("src"), image.screenshot())

        press(page, f"{box} .course-step", "ArrowRight", 1)
        page.wait_for_function(
            "sel => document.querySelector(sel).textContent.startsWith('step 1 of')",
            arg=f"{box} .course-chain",
        )
        assert re.search(r"d(\w+)/d\1 = 1 ", chain.text_content()), chain.text_content()
        wait_for_new_figure(page, box, before[0])
        figure_of(page, box)
        assert image.screenshot() != before[1], "the graph did not change"
        assert page.locator(f"{box} .course-step .widget-readout").first.text_content() == "1"

        page.locator(f"{box} .course-play button").first.click()  # play: linked in the browser
        page.wait_for_function(
            "sel => /^step [3-9]\\d* of/.test(document.querySelector(sel).textContent)",
            arg=f"{box} .course-chain",
            timeout=30_000,
        )
        assert_no_tracebacks_or_errors(page)
