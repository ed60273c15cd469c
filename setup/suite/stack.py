"""The one launcher of the suite's stack: free ports, keys, Odoo configuration
and command line, and the TMS simulator process.

Used by ``setup/`` (bootstrap, run, test), ``bench/`` and the tests (the
end-to-end conftest, the connector's Odoo tests): standard library only and
no import of Odoo, so that the machine's Python runs it before the virtualenv
exists. The suite's own key generators (``logistics_integration_base/lib``)
are loaded by file path, without importing the addon (which imports Odoo).
"""

import importlib.util
import os
import selectors
import signal
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIB_DIR = REPO / "logistics_integration_base" / "lib"
ADDONS_LINK_DIR = REPO / ".addons"
SUITE_MODULE = "logistics_suite"
# Every Odoo process starts through this file (see its docstring).
SERVER_LAUNCHER = REPO / "setup" / "odoo_server.py"
SERVER_WIDE_MODULES = "base,web,queue_job"
LOOPBACK = "127.0.0.1"

# The TMS simulator runs as `python -m tms_simulator` with its folder on
# PYTHONPATH (a single-file module or a package: the same command).
SIMULATOR_DIR = REPO / "logistics_tms_connector" / "simulator"
SIMULATOR_MODULE = "tms_simulator"
SIMULATOR_READY = "TMS simulator listening on "
SIMULATOR_STOP_TIMEOUT = 10
# How long a simulator that printed no ready line gets to report its exit.
EXIT_GRACE = 0.5
# The TMS of a foreign JSON dialect (`python -m foreign_tms`, same folder).
FOREIGN_TMS_MODULE = "foreign_tms"
FOREIGN_TMS_READY = "foreign TMS listening on "


class SimulatorError(RuntimeError):
    """The TMS simulator did not print its ready line."""


def free_port(host=LOOPBACK):
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------
# keys: the suite's own generators


def _lib_module(name):
    """``logistics_integration_base/lib/<name>.py`` as a module, without Odoo.

    The lib folder is loaded as a standalone package (its modules import one
    another relatively, never Odoo); the addon's ``__init__`` is not run.
    """
    package = "_logistics_lib"
    if package not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            package, LIB_DIR / "__init__.py", submodule_search_locations=[str(LIB_DIR)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[package] = module
        spec.loader.exec_module(module)
    return importlib.import_module(f"{package}.{name}")


def fernet_key():
    """A new key for ``logistics_secret_keys`` (lib/crypto.py: needs the
    ``cryptography`` package, i.e. the virtualenv's Python)."""
    return _lib_module("crypto").generate_key()


def audit_key():
    """A new key for ``logistics_audit_key`` (lib/audit_chain.py, stdlib)."""
    return _lib_module("audit_chain").generate_key()


# ---------------------------------------------------------------------------
# Odoo: configuration file and command line


def addons_path(odoo_package=None):
    """Odoo's own addons (next to the ``odoo`` package, when there), the
    umbrella link made by setup/bootstrap (``.addons``), the repository."""
    paths = [ADDONS_LINK_DIR, REPO]
    core = Path(odoo_package).parent / "addons" if odoo_package else None
    if core and (core / "web").is_dir():
        paths.insert(0, core)
    return ",".join(str(p) for p in paths)


def config_text(options, job_channels):
    """An Odoo configuration file: ``[options]`` then queue_job's channels."""
    lines = ["[options]", *(f"{k} = {v}" for k, v in options.items())]
    lines += ["", "[queue_job]", f"channels = {job_channels}", ""]
    return "\n".join(lines)


def write_odoo_config(
    path,
    *,
    addons,
    data_dir,
    db_name,
    http_port,
    secret_keys,
    audit_key,
    job_channels,
    extra=None,
):
    """The suite's Odoo configuration, on loopback, ``extra`` options last."""
    options = {
        "addons_path": addons,
        "data_dir": data_dir,
        "db_name": db_name,
        "http_interface": LOOPBACK,
        "http_port": http_port,
        "list_db": "False",
        "server_wide_modules": SERVER_WIDE_MODULES,
        "without_demo": "all",
        # Encryption keys of endpoint secrets: never stored in the database.
        "logistics_secret_keys": secret_keys,
        # Key of the audit chain's HMACs: never stored in the database either.
        "logistics_audit_key": audit_key,
        **(extra or {}),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_text(options, job_channels))
    return path


def odoo_command(python, config, *args, subcommand=None):
    """Odoo through the launcher file, so that its reload re-executes itself."""
    return [
        str(python),
        str(SERVER_LAUNCHER),
        *([subcommand] if subcommand else []),
        "-c",
        str(config),
        *(str(a) for a in args),
    ]


def run_odoo_shell(python, config, db, script, log, *, env=None, timeout=None):
    """Run the Python file ``script`` in ``odoo shell`` on ``db``, all output to
    the file ``log``; return the exit code (the caller reads the log)."""
    with Path(script).open() as stdin, Path(log).open("w") as out:
        return subprocess.run(
            odoo_command(
                python, config, "-d", db, "--no-http", "--workers=0", subcommand="shell"
            ),
            stdin=stdin,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            timeout=timeout,
            check=False,
        ).returncode


# ---------------------------------------------------------------------------
# TMS simulator


def simulator_command(*args, python=None):
    """``python -m tms_simulator <args>`` (run it with :func:`simulator_env`)."""
    return [str(python or sys.executable), "-m", SIMULATOR_MODULE, *map(str, args)]


def simulator_env(base=None):
    """``base`` (default: this process's environment) with the simulator's
    folder first on PYTHONPATH."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(SIMULATOR_DIR), env.get("PYTHONPATH")])
    )
    return env


def start_simulator(args, *, python=None, stderr=None, timeout=None, **popen):
    """Start the simulator, wait for its ready line; return (process, base URL).

    ``timeout``: seconds to wait for the line (None: as long as it takes, the
    process's exit ends the wait too). Raises :class:`SimulatorError`, after
    killing the process, when the line does not come.
    """
    command = simulator_command(*args, python=python)
    return _start_ready(command, SIMULATOR_READY, stderr, timeout, popen)


def start_foreign_tms(args, *, python=None, stderr=None, timeout=None, **popen):
    """The foreign-dialect TMS, as :func:`start_simulator` starts the other."""
    command = [str(python or sys.executable), "-m", FOREIGN_TMS_MODULE, *map(str, args)]
    return _start_ready(command, FOREIGN_TMS_READY, stderr, timeout, popen)


def _start_ready(command, ready, stderr, timeout, popen):
    """``command`` (a module of the simulator folder), once it printed its
    ready line: (process, the URL after that line)."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if stderr is None else stderr,
        text=True,
        env=simulator_env(popen.pop("env", None)),
        **popen,
    )
    if timeout is None:
        line = process.stdout.readline()
    else:
        line = readline_within(process.stdout, timeout)
    if not line.startswith(ready):
        try:
            ended = exit_reason(process.wait(timeout=EXIT_GRACE))
        except subprocess.TimeoutExpired:
            ended = f"printed nothing within {timeout} s"
        process.kill()
        process.wait()
        how = f"printed {line!r}" if line else ended
        raise SimulatorError(f"{command[2]} did not start: it {how}")
    return process, line[len(ready) :].strip()


def exit_reason(returncode):
    """'exited with code 3' or 'was killed by SIGKILL', for a Popen returncode."""
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def stop_process(process, timeout=SIMULATOR_STOP_TIMEOUT):
    """SIGTERM, then SIGKILL after ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def readline_within(stream, timeout):
    """One line from a pipe, or '' after ``timeout`` seconds."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return stream.readline()
