"""Drive the workshop hub as a room would: start it, log learners in, pull the course, run cells.

Used by tests/test_workshop_hub.py and bench/bench_workshop.py; loopback only. ``Hub`` is a
context manager that starts JupyterHub (and, through it, configurable-http-proxy) from
workshop/jupyterhub_config.py on free 127.0.0.1 ports and, on exit, stops it and kills any
process it left behind, reporting those in ``Hub.leftovers``.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import requests
import websocket

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "jupyterhub_config.py"
BIN = Path(sys.executable).parent


def bare_course_repo(folder: Path) -> Path:
    """The committed course (HEAD of this repository) in a bare repository inside ``folder``,
    as a course's git host would serve it to nbgitpuller."""
    bare = Path(folder) / "course.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    subprocess.run(
        ["git", "-C", str(HERE.parent), "push", "--quiet", str(bare), "HEAD:refs/heads/main"],
        check=True,
    )
    return bare


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time) of a live process, or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[19])


def _environ_has(pid: int, entry: bytes) -> bool:
    try:
        return entry in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


class Hub:
    """``with Hub(state_dir, code="...") as hub:``; ``hub.url`` is the address learners open."""

    def __init__(self, state_dir, code: str, *, admins=(), admin_code="", mem_limit="2G",
                 cull_after=3600, start_timeout=90.0):  # fmt: skip
        self.state = Path(state_dir)
        self.code = code
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        self.env.update(
            WORKSHOP_DIR=str(self.state), WORKSHOP_CODE=code, WORKSHOP_IP="127.0.0.1",
            WORKSHOP_PORT=str(self.port), WORKSHOP_HUB_PORT=str(free_port()),
            WORKSHOP_PROXY_API_PORT=str(free_port()), WORKSHOP_MEM_LIMIT=mem_limit,
            WORKSHOP_CULL_AFTER=str(cull_after), WORKSHOP_ADMINS=",".join(admins),
            WORKSHOP_ADMIN_CODE=admin_code, WORKSHOP_RUN_ID=uuid.uuid4().hex,
        )  # fmt: skip
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen | None = None
        self.seen: dict[int, int] = {}  # pid -> start time, every process of this hub seen
        self.leftovers: list[str] = []
        self.startup_seconds = float("nan")

    @property
    def log(self) -> str:
        path = self.state / "hub.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> Hub:
        self.state.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        with open(self.state / "hub.log", "wb") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "jupyterhub"), "-f", str(CONFIG)], cwd=self.state, env=self.env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            deadline = start + self.start_timeout
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the hub exited with {self.proc.returncode}:\n{self.log}")
                try:
                    if requests.get(f"{self.url}/hub/api/", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"the hub did not answer in {self.start_timeout} s")
                time.sleep(0.2)
            self.startup_seconds = time.perf_counter() - start
            self.track()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def track(self) -> list[int]:
        """Record each live process of this hub: its descendants and all that carry its run id."""
        if self.proc is None:
            return []
        mark = f"WORKSHOP_RUN_ID={self.env['WORKSHOP_RUN_ID']}".encode()
        table = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (info := _stat(int(entry.name))):
                table[int(entry.name)] = info
        family = {self.proc.pid}
        grew = True
        while grew:
            grew = False
            for pid, (parent, _) in table.items():
                if pid not in family and (parent in family or _environ_has(pid, mark)):
                    family.add(pid)
                    grew = True
        for pid in family:
            if pid in table:
                self.seen[pid] = table[pid][1]
        return sorted(p for p in family if p in table)

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        self.track()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the hub stops servers, culler and proxy
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        deadline = time.monotonic() + 10
        while True:
            alive = [p for p, t in self.seen.items() if (s := _stat(p)) and s[1] == t]
            if not alive or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        for pid in alive:
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                os.kill(pid, signal.SIGKILL)
            except OSError:
                continue
            self.leftovers.append(f"{pid}: {cmd.strip()}")
        self.proc = None


class Learner:
    """One learner's browser session on the hub, plus an API token for their own server."""

    def __init__(self, hub_url: str, name: str, password: str):
        self.hub, self.name, self.password = hub_url, name, password
        self.http = requests.Session()
        self.token = ""

    def _xsrf(self, path: str = "/hub/") -> str:
        for cookie in self.http.cookies:
            if cookie.name == "_xsrf" and cookie.path == path:
                return cookie.value
        return ""

    def login(self) -> None:
        """The login form, as a browser submits it; then a token to drive the learner's server."""
        self.http.get(f"{self.hub}/hub/login", timeout=30).raise_for_status()
        r = self.http.post(
            f"{self.hub}/hub/login?next=",
            data={"username": self.name, "password": self.password, "_xsrf": self._xsrf()},
            allow_redirects=False,
            timeout=30,
        )
        if r.status_code != 302 or "jupyterhub-session-id" not in self.http.cookies:
            raise PermissionError(f"login as {self.name!r} failed: HTTP {r.status_code}")
        r = self.http.post(
            f"{self.hub}/hub/api/users/{self.name}/tokens",
            json={"note": "workshop driver", "expires_in": 3600},
            headers={"X-XSRFToken": self._xsrf()},
            timeout=30,
        )
        r.raise_for_status()
        self.token = r.json()["token"]

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """A call to the hub's or the learner's server's REST API with the learner's token."""
        headers = {"Authorization": f"token {self.token}"}
        r = self.http.request(method, f"{self.hub}{path}", headers=headers, timeout=60, **kwargs)
        r.raise_for_status()
        return r

    def wait_for_server(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.api("GET", f"/hub/api/users/{self.name}").json()["servers"].get("", {})
            if server.get("ready"):
                return
            time.sleep(0.3)
        raise TimeoutError(f"{self.name}'s server was not ready in {timeout} s")

    def open_link(self, link: str) -> str:
        """Open the nbgitpuller link as a browser would, wait for the server, run the pull.

        Returns the pull's last message; raises if the pull failed.
        """
        self.http.get(link, timeout=60).raise_for_status()  # spawns the server if needed
        self.wait_for_server()
        page = self.http.get(link, timeout=60)  # through the hub's OAuth to nbgitpuller's page
        page.raise_for_status()
        path = urlsplit(page.url).path
        if not path.endswith(f"/user/{self.name}/git-pull"):
            raise RuntimeError(f"the link led to {page.url}, not {self.name}'s git-pull page")
        query = urlsplit(page.url).query
        events = []
        with self.http.get(f"{page.url.split('?')[0]}/api?{query}", stream=True, timeout=300) as r:
            r.raise_for_status()
            for line in r.iter_lines(decode_unicode=True):
                if line and line.startswith("data: "):
                    events.append(json.loads(line[6:]))
                    if events[-1].get("phase") in ("finished", "error"):
                        break
        if not events or events[-1].get("phase") != "finished":
            raise RuntimeError(f"nbgitpuller did not finish: {events[-3:]}")
        return json.dumps(events[-1])

    def kernel(self, notebook_path: str) -> Kernel:
        """A kernel session for ``notebook_path`` (relative to the learner's home)."""
        body = {"path": notebook_path, "type": "notebook", "kernel": {"name": "python3"}}
        session = self.api("POST", f"/user/{self.name}/api/sessions", json=body).json()
        return Kernel(self, session["id"], session["kernel"]["id"])


class Kernel:
    """The learner's kernel over JupyterLab's websocket; ``run(code)`` returns its outputs.

    A reader thread takes every frame as it arrives, as a browser tab does, so the server's
    pings are answered while the learner is not running anything.
    """

    def __init__(self, learner: Learner, session_id: str, kernel_id: str):
        self.learner, self.session_id, self.kernel_id = learner, session_id, kernel_id
        url = f"{learner.hub.replace('http', 'ws', 1)}/user/{learner.name}/api/kernels/{kernel_id}"
        self.ws = websocket.create_connection(
            f"{url}/channels?session_id={uuid.uuid4().hex}",
            header=[f"Authorization: token {learner.token}"],
            timeout=60,
        )
        self.ws.settimeout(None)
        self.inbox: queue.Queue = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        try:
            while True:
                opcode, data = self.ws.recv_data()  # answers pings itself
                if opcode == websocket.ABNF.OPCODE_TEXT:  # binary: widget buffers
                    self.inbox.put(json.loads(data))
        except Exception as exc:  # closed, by us or by the server
            self.inbox.put(ConnectionError(f"{self.learner.name}'s kernel websocket: {exc}"))

    def run(self, code: str, timeout: float = 300.0) -> dict:
        """Execute ``code``; returns {'text': stdout and results, 'errors': [...], 'seconds'}."""
        msg_id = uuid.uuid4().hex
        self.ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "version": "5.3",
                        "session": self.session_id,
                        "username": self.learner.name,
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": True,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                }  # fmt: skip
            )
        )
        start = time.perf_counter()
        text, errors, idle, replied = [], [], False, False
        deadline = time.monotonic() + timeout
        while not (idle and replied):
            msg = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
            if isinstance(msg, Exception):
                self.inbox.put(msg)
                raise msg
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                text.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                text.append(content["data"].get("text/plain", ""))
            elif kind == "error":
                errors.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
            elif kind == "execute_reply":
                replied = True
        return {"text": "".join(text), "errors": errors, "seconds": time.perf_counter() - start}

    def run_notebook(self, nb: dict) -> list[dict]:
        """Every code cell of a notebook (nbformat JSON), in order, stopping at the first error."""
        results = []
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            results.append(self.run(source))
            if results[-1]["errors"]:
                break
        return results

    def close(self) -> None:
        self.ws.close()
        self.reader.join(timeout=10)
        self.learner.api("DELETE", f"/user/{self.learner.name}/api/sessions/{self.session_id}")
