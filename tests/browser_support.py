"""Helpers for the browser test: find Chromium, run a private JupyterLab, drive it with Playwright.

``LabServer`` starts JupyterLab on 127.0.0.1 with a free port, a random token
and temporary HOME / Jupyter config, data and runtime directories, so nothing
leaks in from the user's set-up or out of the test. The venv's own kernelspec
and lab extensions (jupyterlab_widgets) stay visible: they live under
``sys.prefix``, which Jupyter always searches.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# JupyterLab's news and update check would reach for the internet: switched off.
DISABLED_EXTENSIONS = {"@jupyterlab/apputils-extension:announcements": True}


def find_chromium() -> str | None:
    """Path of a Chromium binary: $COURSE_CHROMIUM, then chromium on PATH, then the usual places."""
    candidates = [os.environ.get("COURSE_CHROMIUM", "")]
    candidates += [shutil.which(n) or "" for n in ("chromium", "chromium-browser")]
    candidates += ["/usr/bin/chromium", "/usr/lib/chromium/chromium", "/usr/bin/chromium-browser"]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """A JupyterLab of our own: ``with LabServer(root, scratch) as lab: lab.url("lab")``."""

    def __init__(
        self, root_dir: Path, scratch: Path, *, pythonpath: Path | None = None,
        start_timeout: float = 90.0, like_make_lab: bool = False, chinese: bool = False,
    ):  # fmt: skip
        self.root_dir, self.scratch = Path(root_dir), Path(scratch)
        self.pythonpath = pythonpath  # the only PYTHONPATH the server and kernels see
        self.port, self.token = free_port(), secrets.token_hex(24)
        self.start_timeout = start_timeout
        # like_make_lab: the news extension stays on, held back only by labsettings/, as in
        # `make lab` (to test that no news pop-up shows)
        self.like_make_lab = like_make_lab
        # chinese: as `make lab-zh`, JupyterLab's menus in Chinese and COURSE_LANG=zh-CN
        self.chinese = chinese
        self.log_path = self.scratch / "jupyterlab.log"
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        home = self.scratch / "home"
        dirs = {
            "HOME": home,
            "JUPYTER_CONFIG_DIR": home / "jupyter-config",
            "JUPYTER_DATA_DIR": home / "jupyter-data",
            "JUPYTER_RUNTIME_DIR": home / "jupyter-runtime",
            "IPYTHONDIR": home / "ipython",
            "MPLCONFIGDIR": home / "matplotlib",
            "XDG_CONFIG_HOME": home / "xdg-config",
            "XDG_DATA_HOME": home / "xdg-data",
            "XDG_CACHE_HOME": home / "xdg-cache",
        }
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        labconfig = dirs["JUPYTER_CONFIG_DIR"] / "labconfig"
        labconfig.mkdir(exist_ok=True)
        disabled = {} if self.like_make_lab else DISABLED_EXTENSIONS
        (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": disabled}))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
        env.update({k: str(v) for k, v in dirs.items()})
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env["PYTHONUNBUFFERED"] = "1"
        env.pop("PYTHONPATH", None)
        if self.pythonpath is not None:
            env["PYTHONPATH"] = str(self.pythonpath)
        env.pop("MPLBACKEND", None)
        env.pop("COURSE_LANG", None)
        if self.chinese:
            env["COURSE_LANG"] = "zh-CN"
        return env

    def command(self) -> list[str]:
        cmd = [
            sys.executable, "-m", "jupyter", "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            *([] if self.like_make_lab else ["--LabApp.news_url="]),
            # as `make lab`: no news pop-up, widget state saved, notebooks open unmodified
            f"--LabApp.app_settings_dir={REPO / 'labsettings' / ('zh-CN' if self.chinese else '')}",
            "--ServerApp.contents_manager_class=course_lib.lab_contents.CourseContentsManager",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        return cmd

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> LabServer:
        self.scratch.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")  # noqa: SIM115 (closed with the process)
        try:
            self.process = subprocess.Popen(
                self.command(),
                env=self.env(),
                cwd=self.root_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: kernels die with it
            )
        finally:
            log.close()
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        status = self.url(f"api/status?token={self.token}")
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")  # fmt: skip
            try:
                with urllib.request.urlopen(status, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise TimeoutError(f"JupyterLab did not answer within {self.start_timeout} s:\n"
                           f"{self.log_tail()}")  # fmt: skip

    def stop(self) -> None:
        """Ask the server to shut down (kernels too); then make sure the process group is gone."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            request = urllib.request.Request(
                self.url("api/shutdown"),
                method="POST",
                headers={"Authorization": f"token {self.token}"},
            )
            urllib.request.urlopen(request, timeout=5).close()
            self.process.wait(timeout=15)
        except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
            pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.process.poll() is not None:
                break
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                continue
        try:  # kernels started by the server share its process group
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def demo_notebook(path: Path, source: str) -> Path:
    """A one-cell notebook with a python3 kernelspec (for developing the test without the
    course's notebooks: set COURSE_BROWSER_DEMO=1)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)
    return path
