# JupyterHub for a one-machine workshop: `make hub` runs it (see docs/WORKSHOP.md).
#
# Everything a room needs is set from environment variables, so the same file serves the
# day and the test (tests/test_workshop_hub.py):
#
#   WORKSHOP_CODE        the shared workshop code every learner types as password (required)
#   WORKSHOP_ADMINS      comma-separated admin user names (optional)
#   WORKSHOP_ADMIN_CODE  the admins' password, 32 characters or more; needed with WORKSHOP_ADMINS
#   WORKSHOP_DIR         state: hub database, cookie secret, learners' homes (default workshop/run)
#   WORKSHOP_IP          address the proxy listens on (default: all interfaces)
#   WORKSHOP_PORT        the port learners open (default 8000)
#   WORKSHOP_HUB_PORT, WORKSHOP_PROXY_API_PORT   internal ports (default 8081, 8001)
#   WORKSHOP_MEM_LIMIT   memory per learner process, e.g. 2G (default 2G)
#   WORKSHOP_CPU_LIMIT   cores per learner (default 1; recorded, not enforced here: see below)
#   WORKSHOP_CULL_AFTER  seconds of inactivity before a learner's server is stopped (default 3600)
#
# Spawner and limits, honestly: learners' servers are started by WorkshopSpawner, a
# SimpleLocalProcessSpawner that also sets an address-space limit (RLIMIT_AS = the memory
# limit) on each learner process, so a runaway kernel gets MemoryError rather than taking the
# machine. That limit is per process (a learner's server and kernel each get it), and nothing
# here enforces the CPU limit: JupyterHub only passes it on as CPU_LIMIT. SimpleLocalProcessSpawner
# runs every learner as the hub's own user, with no isolation between learners; that is fine for
# a workshop where everybody is trusted and the machine is wiped afterwards, and it is what works
# in CI as root. For hard cgroup limits and one Unix user per learner use The Littlest JupyterHub
# (SystemdSpawner enforces mem_limit and cpu_limit) or Zero to JupyterHub (KubeSpawner does):
# workshop/z2jh/ holds that configuration.

import os
import resource
import sys
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent  # the course's .venv: jupyterhub-singleuser, the kernel


def setting(name, default=None):
    value = os.environ.get(name) or default  # set but empty: the default
    if not value:
        sys.exit(f"jupyterhub_config.py: set {name} (see the top of {__file__})")
    return value


def number(name, default, kind=int, low=1, high=None):
    text = setting(name, str(default))
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        span = f"{low}-{high}" if high is not None else f"{low} or more"
        sys.exit(f"jupyterhub_config.py: {name} must be a number, {span}, got {text!r}")
    return value


def port(name, default):
    return number(name, default, int, 1, 65535)


class WorkshopSpawner(SimpleLocalProcessSpawner):
    """SimpleLocalProcessSpawner plus an address-space limit of ``mem_limit`` per process."""

    def make_preexec_fn(self, name):
        prepare = super().make_preexec_fn(name)
        limit = self.mem_limit

        def preexec():
            prepare()
            if limit:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        return preexec


c = get_config()  # noqa: F821 (JupyterHub provides get_config)

state = Path(setting("WORKSHOP_DIR", str(HERE / "run"))).resolve()
state.mkdir(parents=True, exist_ok=True)

# Where learners connect, and the hub's internal ports.
c.JupyterHub.ip = os.environ.get("WORKSHOP_IP", "")
c.JupyterHub.port = port("WORKSHOP_PORT", 8000)
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = port("WORKSHOP_HUB_PORT", 8081)
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port('WORKSHOP_PROXY_API_PORT', 8001)}"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server

# A room's authenticator: one shared workshop code; admins have a code of their own.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = setting("WORKSHOP_CODE")
admins = {name.strip() for name in os.environ.get("WORKSHOP_ADMINS", "").split(",") if name.strip()}
if admins:
    c.Authenticator.admin_users = admins
    c.SharedPasswordAuthenticator.admin_password = setting("WORKSHOP_ADMIN_CODE")
c.Authenticator.allow_all = True  # anyone with the code picks a name

# Learners' servers: the course's own environment, one home folder each, limits.
c.JupyterHub.spawner_class = WorkshopSpawner
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "home" / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
if os.geteuid() == 0:  # CI and containers run as root; SimpleLocalProcessSpawner keeps that user
    c.Spawner.args = ["--allow-root"]
c.Spawner.mem_limit = setting("WORKSHOP_MEM_LIMIT", "2G")  # JupyterHub checks the form: 2G, 512M
c.Spawner.cpu_limit = number("WORKSHOP_CPU_LIMIT", 1, float, 0.01)
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# Stop servers nobody has used for a while (jupyterhub-idle-culler, run by the hub).
cull_after = number("WORKSHOP_CULL_AFTER", 3600, int, 10)
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable, "-m", "jupyterhub_idle_culler",
            f"--timeout={cull_after}", f"--cull-every={max(10, min(300, cull_after // 2))}",
        ],
    }
]  # fmt: skip
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
