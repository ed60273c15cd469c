"""Paths, settings and small helpers shared by the set-up commands."""

import os
import shutil
import subprocess
import sys
import textwrap

from . import stack

REPO = stack.REPO
SUITE_MODULE = stack.SUITE_MODULE
ADDONS = (
    "logistics_integration_base",
    "logistics_tms_connector",
    "logistics_portal_api",
    "logistics_freight_settlement",
)
ALL_MODULES = (*ADDONS, SUITE_MODULE)
# Uninstall order: dependents first.
UNINSTALL_ORDER = (SUITE_MODULE, *reversed(ADDONS))

VENV = REPO / ".venv"
RUN_DIR = REPO / ".run"
LOG_DIR = RUN_DIR / "logs"
CACHE_DIR = REPO / ".cache"
ADDONS_LINK_DIR = stack.ADDONS_LINK_DIR

DEFAULT_DB = "logistics"
DEFAULT_PORT = 8069
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"  # what Odoo gives the admin of a database it creates
JOB_CHANNELS = "root:2,root.logistics:2,root.logistics.order_reservation:1"
RUN_HTTP_WORKERS = 3  # setup/run: more than the job capacity of root


def say(message):
    print(f"==> {message}", flush=True)


def fail(paragraph, code=2):
    text = textwrap.fill(" ".join(paragraph.split()), width=79)
    print(f"\nsetup: {text}\n", file=sys.stderr, flush=True)
    sys.exit(code)


def run(cmd, check=True, **kwargs):
    return subprocess.run([str(c) for c in cmd], check=check, **kwargs)


def venv_python():
    return VENV / "bin" / "python"


def venv_run(args, **kwargs):
    return run([venv_python(), *args], **kwargs)


def venv_eval(code):
    """Run a short Python snippet in the virtualenv; return stdout or None."""
    result = run(
        [venv_python(), "-c", code], check=False, capture_output=True, text=True
    )
    return result.stdout.strip() if result.returncode == 0 else None


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


def apt_install(packages):
    if not (is_root() and shutil.which("apt-get")):
        return False
    say(f"installing Debian packages: {' '.join(packages)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-qq"], check=False, env=env)
    result = run(["apt-get", "install", "-y", "-qq", *packages], check=False, env=env)
    return result.returncode == 0
