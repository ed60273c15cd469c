"""Odoo invocations: the configuration file, its keys, commands and logs."""

import os
import re
import subprocess
import time

from . import stack
from .bootstrap import addons_path
from .common import (
    JOB_CHANNELS,
    LOG_DIR,
    REPO,
    RUN_DIR,
    run,
    say,
    venv_eval,
    venv_python,
)

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>\S+): (?P<message>.*)$"
)
OUR_NAMES = re.compile(r"logistics[_.]|queue_job")


def secret_keys():
    """The local key file of this checkout (made once, kept out of git)."""
    key_file = RUN_DIR / "secret-keys"
    if not key_file.is_file():
        # stack.fernet_key needs `cryptography`: the virtualenv's Python.
        key = venv_eval(
            "import sys; sys.path.insert(0, %r); "
            "from suite import stack; print(stack.fernet_key())" % str(REPO / "setup")
        )
        RUN_DIR.mkdir(exist_ok=True)
        key_file.write_text(key + "\n")
        key_file.chmod(0o600)
    return os.environ.get("LOGISTICS_SECRET_KEYS") or key_file.read_text().strip()


def audit_key():
    """The audit-chain key of this checkout (made once, kept out of git).

    The audit log's hashes are HMACs under it: whoever writes the database
    without it cannot recompute the chain. It never goes into the database.
    """
    key_file = RUN_DIR / "audit-key"
    if not key_file.is_file():
        RUN_DIR.mkdir(exist_ok=True)
        key_file.write_text(stack.audit_key() + "\n")
        key_file.chmod(0o600)
    return os.environ.get("LOGISTICS_AUDIT_KEY") or key_file.read_text().strip()


def write_config(path, db_name, http_port, extra=None):
    return stack.write_odoo_config(
        path,
        addons=addons_path(),
        data_dir=RUN_DIR / "filestore",
        db_name=db_name,
        http_port=http_port,
        secret_keys=secret_keys(),
        audit_key=audit_key(),
        job_channels=JOB_CHANNELS,
        extra=extra,
    )


def odoo_command(config, *args, subcommand=None):
    """Odoo through the launcher file, so that its reload re-executes itself."""
    return stack.odoo_command(venv_python(), config, *args, subcommand=subcommand)


def run_odoo_phase(name, config, args, strict_warnings=True):
    """Run Odoo to completion, log to a file, return (returncode, problems, text)."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    logfile = LOG_DIR / f"{name}.log"
    say(f"{name}: odoo {' '.join(args)} (log: {logfile.relative_to(REPO)})")
    started = time.monotonic()
    with logfile.open("w") as out:
        proc = run(
            odoo_command(config, *args, "--stop-after-init"),
            check=False,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    text = logfile.read_text(errors="replace")
    problems = log_problems(text, strict_warnings)
    for line in problems[:40]:
        print(f"   {line}")
    print(
        f"   {name} finished in {time.monotonic() - started:.0f}s, rc={proc.returncode}"
    )
    return proc.returncode, problems, text


def log_problems(text, strict_warnings):
    """ERROR/CRITICAL lines, and WARNING lines about our modules."""
    problems = []
    for line in text.splitlines():
        match = LOG_LINE.match(line)
        if not match:
            continue
        level = match["level"]
        if level in ("ERROR", "CRITICAL") or (
            strict_warnings
            and level == "WARNING"
            and OUR_NAMES.search(match["logger"] + " " + match["message"])
        ):
            problems.append(line)
    return problems
