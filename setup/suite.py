#!/usr/bin/env python3
"""The one entry point behind README.rst's commands: bootstrap, run and test.

Standard library only: it runs with the machine's Python before the project's
virtualenv exists, then drives everything through that virtualenv.

    setup/bootstrap   make or refresh the environment (idempotent)
    setup/run         database with the whole suite, then Odoo + job runner
    setup/test        lint, unit tests, Odoo tests, end-to-end tests
"""

import argparse
import hashlib
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SUITE_MODULE = "logistics_suite"
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
ADDONS_LINK_DIR = REPO / ".addons"
STAMP = VENV / ".suite-requirements"
# Every Odoo process starts through this file (see its docstring).
SERVER_LAUNCHER = REPO / "setup" / "odoo_server.py"

ODOO_SERIES = (18, 0)
SUPPORTED_PYTHON = ((3, 10), (3, 12))
# Upstream's official nightly source archive of the 18.0 series.
UPSTREAM_SOURCE = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
# Odoo requirements the suite never needs and that only build against extra C
# libraries (auth_ldap is not part of the suite).
SKIPPED_ODOO_REQUIREMENTS = ("python-ldap",)
DOWNLOAD_TIMEOUT = 120
# setuptools of the virtualenv itself (builds keep setuptools<70, see
# build-constraints.txt). The one a Python 3.11 venv starts with has a
# pkg_resources that cannot match gevent's requirement `zope.interface` to the
# installed `zope_interface` distribution: prefork's websocket (gevent) process
# then dies at start-up and is respawned every second. 79 matches it and only
# raises the DeprecationWarning Odoo already silences.
RUNTIME_SETUPTOOLS = "setuptools==79.0.1"

DEFAULT_DB = "logistics"
DEFAULT_PORT = 8069
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"  # what Odoo gives the admin of a database it creates
SERVER_WIDE_MODULES = "base,web,queue_job"
JOB_CHANNELS = "root:2,root.logistics:2,root.logistics.order_reservation:1"
RUN_HTTP_WORKERS = 3  # setup/run: more than the job capacity of root

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>\S+): (?P<message>.*)$"
)
ODOO_TEST_STATS = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests"
)
OUR_NAMES = re.compile(r"logistics[_.]|queue_job")
CONTRACT_TEST = "tests/e2e/test_api_contract.py"
# Odoo's own tests of the modules the suite extends, run with the suite
# installed (see odoo_core_tests). Only post_install tests: at_install tests of
# an installed module run while the registry is half loaded, and fail on the
# columns of modules loaded after it.
ODOO_CORE_TEST_TAGS = (
    "post_install/sale",
    "post_install/sale_stock",
    "post_install/stock",
    "post_install/delivery",
    "post_install/stock_delivery",
    "post_install/portal",
    # Browser tours that fail on a database with only Odoo's modules too (they
    # expect demo data and settings a fresh database lacks): 8 of 8 failures of
    # a run without the suite; TestStockPickingTour alone takes two minutes.
    "-/stock:TestStockPickingTour",
    "-/sale:TestProductAttributeValue.test_attribute_values_deletion_or_archiving",
)


# ---------------------------------------------------------------------------
# small helpers


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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


# ---------------------------------------------------------------------------
# bootstrap: virtualenv, Odoo, requirements, addons path


def check_python():
    low, high = SUPPORTED_PYTHON
    if not low <= sys.version_info[:2] <= high:
        fail(
            f"Odoo 18 runs on Python {low[0]}.{low[1]} to {high[0]}.{high[1]}; "
            f"this is {sys.version.split()[0]}. Run the command with a supported "
            "interpreter, e.g. PYTHON=python3.11 setup/bootstrap."
        )


def odoo_series(package_dir):
    """Read (major, minor) from odoo/release.py without importing Odoo."""
    release = Path(package_dir) / "release.py"
    if not release.is_file():
        return None
    match = re.search(
        r"^version_info\s*=\s*\((\d+),\s*(\d+)", release.read_text(), re.M
    )
    return (int(match[1]), int(match[2])) if match else None


def host_odoo_package():
    """The odoo package importable by the interpreter running this script."""
    spec = importlib.util.find_spec("odoo")
    if spec and spec.origin and spec.origin.endswith("__init__.py"):
        return Path(spec.origin).parent
    return None


def is_source_tree(path):
    return (path / "odoo" / "release.py").is_file() and (path / "setup.py").is_file()


def download_upstream():
    target = CACHE_DIR / "odoo-18.0"
    if is_source_tree(target):
        return target
    say(f"downloading Odoo 18.0 from upstream ({UPSTREAM_SOURCE})")
    CACHE_DIR.mkdir(exist_ok=True)
    try:
        with (
            urllib.request.urlopen(UPSTREAM_SOURCE, timeout=DOWNLOAD_TIMEOUT) as resp,
            tempfile.TemporaryDirectory(dir=CACHE_DIR) as tmp,
        ):
            archive = Path(tmp) / "odoo.tar.gz"
            archive.write_bytes(resp.read())
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data")
            roots = [p for p in Path(tmp).iterdir() if is_source_tree(p)]
            if not roots:
                return None
            shutil.move(str(roots[0]), target)
    except OSError as err:
        print(f"   download failed: {err}", file=sys.stderr)
        return None
    return target


def locate_odoo():
    """Where Odoo 18 comes from: (source tree or None, use system site-packages).

    Order: an Odoo already importable by this Python, a tree in ODOO_SRC, then
    upstream's official 18.0 sources.
    """
    package = host_odoo_package()
    if package and odoo_series(package) == ODOO_SERIES:
        tree = package.parent
        return (tree, False) if is_source_tree(tree) else (None, True)
    odoo_src = os.environ.get("ODOO_SRC")
    if odoo_src:
        tree = Path(odoo_src).expanduser().resolve()
        if is_source_tree(tree) and odoo_series(tree / "odoo") == ODOO_SERIES:
            return tree, False
        fail(
            f"ODOO_SRC points at {tree}, which is not an Odoo 18.0 source tree "
            "(expected odoo/release.py with version 18.0 and setup.py)."
        )
    tree = download_upstream()
    if tree and odoo_series(tree / "odoo") == ODOO_SERIES:
        return tree, False
    fail(
        "Odoo 18.0 was not found. The set-up looks, in this order, for an Odoo "
        "18.0 importable by this Python (e.g. installed with `pip install -e "
        "<odoo-src>`), for a source tree named by the ODOO_SRC environment "
        "variable, and for upstream's official 18.0 source archive "
        f"({UPSTREAM_SOURCE}), which could not be downloaded. Clone or unpack "
        "Odoo 18.0 somewhere and run again with ODOO_SRC=/path/to/odoo."
    )


def ensure_venv(system_site_packages):
    cfg = VENV / "pyvenv.cfg"
    wanted = "true" if system_site_packages else "false"
    if cfg.is_file() and f"include-system-site-packages = {wanted}" in cfg.read_text():
        return
    say(f"creating the virtualenv in {VENV.relative_to(REPO)}")
    cmd = [sys.executable, "-m", "venv", "--clear", VENV]
    if system_site_packages:
        cmd.insert(3, "--system-site-packages")
    run(cmd)


def venv_odoo_package():
    location = venv_eval(
        "import importlib.util as u; s = u.find_spec('odoo'); "
        "print(s.origin if s and s.origin else '')"
    )
    return Path(location).parent if location else None


def ensure_build_tools():
    """psycopg2 (pinned by Odoo) builds from source against libpq."""
    if shutil.which("pg_config"):
        return
    if not apt_install(["libpq-dev", "gcc"]):
        fail(
            "psycopg2 needs PostgreSQL's client headers to build: install "
            "libpq-dev (Debian/Ubuntu) or your system's equivalent and run again."
        )


def ensure_browser():
    """Odoo's browser tests (tours) run in headless Chromium; without it they
    are skipped, which the test command counts as failed."""
    if any(
        shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
    ):
        return
    if not apt_install(["chromium"]):
        print("   no Chromium: browser tests will be skipped (and counted as failed)")


def requirements_files(tree):
    files = [REPO / "setup" / "requirements.txt"]
    if tree:
        files.insert(0, tree / "requirements.txt")
    return files


def filtered_odoo_requirements(tree):
    skipped = re.compile(
        r"^\s*(%s)\b" % "|".join(map(re.escape, SKIPPED_ODOO_REQUIREMENTS)), re.I
    )
    lines = (tree / "requirements.txt").read_text().splitlines()
    target = CACHE_DIR / "odoo-requirements.txt"
    CACHE_DIR.mkdir(exist_ok=True)
    target.write_text("\n".join(line for line in lines if not skipped.match(line)))
    return target


def install_requirements(tree):
    digest = hashlib.sha256()
    for path in requirements_files(tree):
        digest.update(path.read_bytes())
    digest.update(str(tree).encode())
    digest.update(RUNTIME_SETUPTOOLS.encode())
    if STAMP.is_file() and STAMP.read_text() == digest.hexdigest():
        return
    env = dict(
        os.environ,
        PIP_CONSTRAINT=str(REPO / "setup" / "build-constraints.txt"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    pip = ["-m", "pip", "install", "--quiet"]
    if tree:
        ensure_build_tools()
        say("installing Odoo's requirements (pinned by Odoo)")
        venv_run([*pip, "-r", filtered_odoo_requirements(tree)], env=env)
        if venv_odoo_package() != tree / "odoo":
            say(f"installing Odoo from {tree} into the virtualenv")
            # "compat" puts the tree itself on sys.path (a .pth entry): OCA wheels
            # add site-packages/odoo/addons, and with setuptools' default editable
            # finder that namespace folder would shadow the real odoo package.
            venv_run(
                [
                    *pip,
                    "--no-deps",
                    "--config-settings",
                    "editable_mode=compat",
                    "-e",
                    tree,
                ],
                env=env,
            )
    say("installing the suite's requirements (setup/requirements.txt)")
    venv_run([*pip, "-r", REPO / "setup" / "requirements.txt"], env=env)
    # Not under the build constraint, which would hold it below 70.
    del env["PIP_CONSTRAINT"]
    venv_run([*pip, RUNTIME_SETUPTOOLS], env=env)
    STAMP.write_text(digest.hexdigest())


def ensure_addons_link():
    """The umbrella addon is the repository itself: expose it by module name."""
    ADDONS_LINK_DIR.mkdir(exist_ok=True)
    link = ADDONS_LINK_DIR / SUITE_MODULE
    if link.is_symlink() and link.resolve() == REPO:
        return
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(Path(".."), target_is_directory=True)


def addons_path():
    paths = [ADDONS_LINK_DIR, REPO]
    package = venv_odoo_package()
    core_addons = package.parent / "addons" if package else None
    if core_addons and (core_addons / "web").is_dir():
        paths.insert(0, core_addons)
    return ",".join(str(p) for p in paths)


def bootstrap():
    check_python()
    tree, system_site = locate_odoo()
    ensure_venv(system_site)
    install_requirements(tree)
    ensure_browser()
    ensure_addons_link()
    version = venv_eval("import odoo.release as r; print(r.version)")
    if not version or not version.startswith("%d.%d" % ODOO_SERIES):
        fail(
            "Odoo does not import in the virtualenv after installation; see the "
            "messages above. Remove .venv and run setup/bootstrap again."
        )
    say(f"environment ready: Odoo {version} in {VENV.relative_to(REPO)}")


# ---------------------------------------------------------------------------
# PostgreSQL


def postgres_reachable():
    return (
        venv_eval("import psycopg2; psycopg2.connect(dbname='postgres').close()")
        is not None
    )


def start_local_clusters():
    if not shutil.which("pg_lsclusters"):
        return
    listing = run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=False)
    for line in listing.stdout.splitlines():
        version, cluster, *_rest = line.split()
        say(f"starting PostgreSQL cluster {version}/{cluster}")
        run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"],
            check=False,
        )


def ensure_postgres_role():
    user = os.environ.get("PGUSER") or os.environ.get("USER") or "root"
    if is_root() and shutil.which("runuser"):
        run(
            ["runuser", "-u", "postgres", "--", "createuser", "--superuser", user],
            check=False,
            capture_output=True,
        )


def ensure_postgres():
    if postgres_reachable():
        return
    start_local_clusters()
    if not postgres_reachable() and not shutil.which("pg_lsclusters"):
        apt_install(["postgresql"])
        start_local_clusters()
    if not postgres_reachable():
        ensure_postgres_role()
    if not postgres_reachable():
        fail(
            "PostgreSQL is not reachable. The suite uses the server named by the "
            "usual PG* environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD) "
            "or the local socket; none answered, and no local cluster could be "
            "installed or started. Start PostgreSQL (or point PG* at one) and run "
            "again."
        )


def database_exists(name):
    code = (
        "import psycopg2; c = psycopg2.connect(dbname='postgres'); k = c.cursor(); "
        f"k.execute('select 1 from pg_database where datname = %s', ({name!r},)); "
        "print(bool(k.fetchone()))"
    )
    return venv_eval(code) == "True"


def drop_database(name):
    run(["dropdb", "--if-exists", "--force", name], check=False)
    shutil.rmtree(RUN_DIR / "filestore" / "filestore" / name, ignore_errors=True)


def copy_database(source, target):
    """A copy of `source` (database and filestore) that a stage may litter."""
    drop_database(target)
    if run(["createdb", "--template", source, target], check=False).returncode:
        return False
    filestore = RUN_DIR / "filestore" / "filestore"
    if (filestore / source).is_dir():
        shutil.copytree(filestore / source, filestore / target)
    return True


# ---------------------------------------------------------------------------
# Odoo invocations


def secret_keys():
    """The local key file of this checkout (made once, kept out of git)."""
    key_file = RUN_DIR / "secret-keys"
    if not key_file.is_file():
        key = venv_eval(
            "from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())"
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
        key_file.write_text(secrets.token_urlsafe(32) + "\n")
        key_file.chmod(0o600)
    return os.environ.get("LOGISTICS_AUDIT_KEY") or key_file.read_text().strip()


def write_config(path, db_name, http_port, extra=None):
    options = {
        "addons_path": addons_path(),
        "data_dir": RUN_DIR / "filestore",
        "db_name": db_name,
        "http_interface": "127.0.0.1",
        "http_port": http_port,
        "list_db": "False",
        "server_wide_modules": SERVER_WIDE_MODULES,
        "without_demo": "all",
        # Encryption keys of endpoint secrets: never stored in the database.
        "logistics_secret_keys": secret_keys(),
        # Key of the audit chain's HMACs: never stored in the database either.
        "logistics_audit_key": audit_key(),
        **(extra or {}),
    }
    lines = ["[options]", *(f"{k} = {v}" for k, v in options.items())]
    lines += ["", "[queue_job]", f"channels = {JOB_CHANNELS}", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


def odoo_command(config, *args, subcommand=None):
    """Odoo through the launcher file, so that its reload re-executes itself."""
    return [
        venv_python(),
        SERVER_LAUNCHER,
        *([subcommand] if subcommand else []),
        "-c",
        config,
        *args,
    ]


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


# ---------------------------------------------------------------------------
# test command


class Tally:
    """Counts of every stage, printed at the end as `N passed, N failed`."""

    def __init__(self):
        self.rows = []

    def add(self, stage, passed, failed, note=""):
        self.rows.append((stage, passed, failed, note))

    def check(self, stage, ok, note=""):
        self.add(stage, int(ok), int(not ok), note)

    @property
    def passed(self):
        return sum(row[1] for row in self.rows)

    @property
    def failed(self):
        return sum(row[2] for row in self.rows)

    def report(self):
        print("\n" + "-" * 72)
        for stage, passed, failed, note in self.rows:
            status = "ok  " if not failed else "FAIL"
            print(f"{status} {stage:<44} {passed:>5} passed {failed:>4} failed {note}")
        print("-" * 72)
        print(f"{self.passed} passed, {self.failed} failed", flush=True)


def junit_counts(path):
    """(passed, failed, skipped) from a pytest JUnit XML report."""
    if not path.is_file():
        return 0, 1, 0
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    return total - failed - skipped, failed, skipped


def run_pytest(tally, stage, paths, env=None, options=()):
    report = LOG_DIR / f"{stage}.xml"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    say(f"{stage}: pytest {' '.join(str(p) for p in paths)}")
    proc = venv_run(
        [
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            f"--junitxml={report}",
            *options,
            *paths,
        ],
        check=False,
        cwd=REPO,
        env=dict(os.environ, **(env or {})),
    )
    passed, failed, skipped = junit_counts(report)
    if proc.returncode not in (0, 1) and not failed:
        failed = 1  # pytest itself broke (usage error, nothing collected...)
    # A skipped test hides a missing dependency: it counts as a failure.
    tally.add(stage, passed, failed + skipped, f"{skipped} skipped" if skipped else "")


def lint(tally):
    say("lint: ruff check, ruff format --check, pylint-odoo")
    ruff = [venv_python(), "-m", "ruff"]
    tally.check(
        "lint: ruff check", run([*ruff, "check", REPO], check=False).returncode == 0
    )
    tally.check(
        "lint: ruff format",
        run([*ruff, "format", "--check", "--quiet", REPO], check=False).returncode == 0,
    )
    pylint = venv_run(
        ["-m", "pylint", f"--rcfile={REPO / '.pylintrc'}", *ADDONS, "tests"],
        check=False,
        cwd=REPO,
    )
    tally.check("lint: pylint-odoo", pylint.returncode == 0)


def packaging(tally):
    """Each addon builds its own wheel, `odoo-addon-<name>`, OCA style."""
    say("packaging: a wheel per addon (whool)")
    with tempfile.TemporaryDirectory() as wheels:
        for addon in ADDONS:
            built = venv_run(
                [
                    "-m",
                    "pip",
                    "wheel",
                    "--quiet",
                    "--no-deps",
                    "--no-build-isolation",
                    "--wheel-dir",
                    wheels,
                    REPO / addon,
                ],
                check=False,
                capture_output=True,
                text=True,
            )
            found = list(Path(wheels).glob(f"odoo_addon_{addon}-18.0.*.whl"))
            if built.returncode or not found:
                print(built.stdout[-2000:], built.stderr[-2000:])
            tally.check(f"packaging: {addon}", built.returncode == 0 and bool(found))


def unit_test_paths():
    """Pure-Python tests of each addon, and of the simulators it ships."""
    folders = [*REPO.glob("*/tests/unit"), *REPO.glob("*/simulator")]
    return sorted(
        str(p.relative_to(REPO))
        for p in folders
        if p.is_dir() and not p.relative_to(REPO).parts[0].startswith(".")
    )


def odoo_tests(tally, config, db):
    tags = ",".join(f"/{module}" for module in ALL_MODULES)
    run_odoo_tests(tally, config, db, stage="odoo tests", phase="odoo-tests", tags=tags)


def odoo_core_tests(tally, config, db):
    """Odoo's own tests of the modules the suite extends, with the suite installed.

    The suite adds fields, overrides and rules to Odoo's models: a salesperson
    must still read an order, a stock user still cancel a transfer. Only
    post_install classes run here (at_install ones run only while their module
    is installed or updated).
    """
    run_odoo_tests(
        tally,
        config,
        db,
        stage="odoo's own tests (suite installed)",
        phase="odoo-core-tests",
        tags=",".join(ODOO_CORE_TEST_TAGS),
        ours=False,
    )


def run_odoo_tests(tally, config, db, *, stage, phase, tags, ours=True):
    """Run Odoo tests and tally them. Of our tests, a skip or an ERROR line fails
    the stage; Odoo's own tests skip what this database lacks and log errors of
    their own, their outcome is in the counts."""
    rc, problems, text = run_odoo_phase(
        phase,
        config,
        ["-d", db, "--test-enable", "--test-tags", tags],
        strict_warnings=False,
    )
    if not ours:
        problems = []
    stats = ODOO_TEST_STATS.findall(text)
    skipped = len(re.findall(r"\bINFO \S+ \S+: skipped ", text))
    if not stats:
        tally.add(stage, 0, 1, "no test summary in the log")
        return
    failed, errors, ran = (int(x) for x in stats[-1])
    bad = failed + errors
    note = f"{ran} run" + (f", {skipped} skipped" if skipped else "")
    if rc and not bad:
        bad = 1
        note += f", odoo exited {rc}"
    if problems and not bad:
        bad = 1
        note += ", ERROR lines in the log"
    if ran == 0:
        bad += 1
        note += ", no Odoo test ran"
    failing_skips = skipped if ours else 0
    tally.add(stage, ran - failed - errors - skipped, bad + failing_skips, note)


def uninstall_script(path):
    path.write_text(
        "modules = env['ir.module.module']\n"
        f"for name in {list(UNINSTALL_ORDER)!r}:\n"
        "    module = modules.search([('name', '=', name)])\n"
        "    module.button_immediate_uninstall()\n"
        "    env.cr.commit()\n"
        "    env = env(context={})\n"
        "    state = env['ir.module.module'].search([('name', '=', name)]).state\n"
        "    print('uninstalled %s: %s' % (name, state))\n"
        "    assert state == 'uninstalled', name\n"
    )
    return path


def uninstall(tally, config, db):
    script = uninstall_script(RUN_DIR / "uninstall.py")
    logfile = LOG_DIR / "uninstall.log"
    say(f"uninstall: every addon of the suite (log: {logfile.relative_to(REPO)})")
    with script.open() as stdin, logfile.open("w") as out:
        proc = run(
            odoo_command(config, "-d", db, "--no-http", subcommand="shell"),
            check=False,
            stdin=stdin,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    text = logfile.read_text(errors="replace")
    problems = log_problems(text, strict_warnings=True)
    for line in problems[:40]:
        print(f"   {line}")
    done = text.count(": uninstalled\n") + text.count(": uninstalled")
    ok = proc.returncode == 0 and not problems and done >= len(UNINSTALL_ORDER)
    tally.check("uninstall (each addon)", ok)


def real_server_tests(tally, config, db):
    """End-to-end tests, then Schemathesis against the served openapi.json.

    On a copy of the test database: they commit real traffic (orders,
    messages, jobs) that must stay out of the upgrade and uninstall stages.
    """
    copy = f"{db}_e2e"
    server_env = {"LOGISTICS_TEST_DB": copy, "LOGISTICS_ODOO_CONFIG": str(config)}
    try:
        if not copy_database(db, copy):
            tally.add("end-to-end (real server)", 0, 1, "no database copy")
            return
        run_pytest(
            tally,
            "end-to-end (real server)",
            ["tests/e2e"],
            env=server_env,
            options=[f"--ignore={CONTRACT_TEST}"],
        )
        run_pytest(
            tally, "API contract (schemathesis)", [CONTRACT_TEST], env=server_env
        )
    finally:
        drop_database(copy)


def test(args):
    bootstrap()
    ensure_postgres()
    tally = Tally()
    if not args.no_lint:
        lint(tally)
    packaging(tally)
    run_pytest(tally, "unit tests (no database)", unit_test_paths())

    db = args.db or f"logistics_test_{os.getpid()}"
    drop_database(db)
    config = write_config(RUN_DIR / "test.conf", db, free_port())
    try:
        modules = ",".join(ALL_MODULES)
        rc, problems, _text = run_odoo_phase(
            "install", config, ["-d", db, "-i", SUITE_MODULE]
        )
        tally.check("install (fresh database)", rc == 0 and not problems)
        if rc == 0:
            odoo_tests(tally, config, db)
            odoo_core_tests(tally, config, db)
            real_server_tests(tally, config, db)
            rc, problems, _text = run_odoo_phase(
                "upgrade", config, ["-d", db, "-u", modules]
            )
            tally.check("upgrade (-u)", rc == 0 and not problems)
            uninstall(tally, config, db)
    finally:
        if not args.keep_db:
            drop_database(db)
    tally.report()
    return 1 if tally.failed else 0


# ---------------------------------------------------------------------------
# run command


def suite_installed(db):
    code = (
        "import psycopg2; c = psycopg2.connect(dbname=%r); k = c.cursor(); "
        'k.execute("select state from ir_module_module where name = %%s", (%r,)); '
        "r = k.fetchone(); print(r[0] if r else '')"
    ) % (db, SUITE_MODULE)
    return venv_eval(code) == "installed"


SIMULATOR = REPO / "logistics_tms_connector" / "simulator" / "tms_simulator.py"
SIMULATOR_ENDPOINT = "simulator"
SIMULATOR_READY = "TMS simulator listening on "
STOP_TIMEOUT = 20
START_TIMEOUT = 120
LOG_TAIL_LINES = 15
ODOO_LOG = LOG_DIR / "odoo.log"
SIMULATOR_LOG = LOG_DIR / "tms-simulator.log"
DRIVER_LOG = LOG_DIR / "demo-driver.log"
MAX_RESTARTS = 3
RESTART_WINDOW = 600  # seconds


def simulator_secrets():
    """API key and webhook secret shared by the simulator and its endpoint."""
    path = RUN_DIR / "simulator-secrets"
    if not path.is_file():
        RUN_DIR.mkdir(exist_ok=True)
        path.write_text("%s\n%s\n" % (os.urandom(16).hex(), os.urandom(16).hex()))
        path.chmod(0o600)
    api_key, webhook_secret = path.read_text().split()
    return api_key, webhook_secret


def start_simulator(odoo_port, api_key, webhook_secret):
    webhook = "http://127.0.0.1:%s/logistics/tms/%s/events" % (
        odoo_port,
        SIMULATOR_ENDPOINT,
    )
    process = subprocess.Popen(
        [
            venv_python(),
            SIMULATOR,
            "--port",
            "0",
            "--api-key",
            api_key,
            "--webhook-url",
            webhook,
            "--webhook-secret",
            webhook_secret,
            "--step-delay",
            "5",
            # Ids unique across runs: the demo database outlives the simulator.
            "--id-prefix",
            "%X-" % int(time.time()),
        ],
        stdout=subprocess.PIPE,
        stderr=SIMULATOR_LOG.open("w"),
        text=True,
    )
    line = process.stdout.readline()
    if not line.startswith(SIMULATOR_READY):
        process.kill()
        fail("the TMS simulator did not start; see .run/logs/tms-simulator.log")
    return process, line[len(SIMULATOR_READY) :].strip()


def seed_demo(config, db, tms_url, api_key, webhook_secret, *, soap):
    """Demo data and the TMS endpoints (setup/demo_seed.py, idempotent)."""
    keys_file = RUN_DIR / "demo-keys.json"
    env = dict(
        os.environ,
        LOGISTICS_DEMO_TMS_URL=tms_url,
        LOGISTICS_DEMO_TMS_API_KEY=api_key,
        LOGISTICS_DEMO_WEBHOOK_SECRET=webhook_secret,
        LOGISTICS_DEMO_SOAP="1" if soap else "0",
        LOGISTICS_DEMO_KEYS_FILE=str(keys_file),
    )
    script = REPO / "setup" / "demo_seed.py"
    with script.open() as stdin, (LOG_DIR / "run-seed.log").open("w") as out:
        proc = run(
            odoo_command(config, "-d", db, "--no-http", subcommand="shell"),
            check=False,
            stdin=stdin,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    if (
        proc.returncode
        or "demo data ready" not in (LOG_DIR / "run-seed.log").read_text()
    ):
        fail("loading the demo data failed; see .run/logs/run-seed.log")
    return keys_file


def start_driver(odoo_port, simulator_url, keys_file):
    return subprocess.Popen(
        [
            venv_python(),
            REPO / "setup" / "demo_driver.py",
            "--odoo-url",
            "http://127.0.0.1:%s" % odoo_port,
            "--simulator-url",
            simulator_url or "",
            "--keys-file",
            keys_file,
        ],
        stdout=DRIVER_LOG.open("a"),
        stderr=subprocess.STDOUT,
    )


def wait_for_odoo(port, process):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(
                "http://127.0.0.1:%s/web/health" % port, timeout=2
            ) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def stop(processes):
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()


def exit_reason(returncode):
    """'exited with code 3' or 'was killed by SIGKILL', for a Popen returncode."""
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def last_lines(path, count=LOG_TAIL_LINES):
    try:
        return path.read_text(errors="replace").splitlines()[-count:]
    except OSError:
        return []


class Supervised:
    """A process started by `setup/run`: how to (re)start it and where it logs."""

    def __init__(self, name, start, log, restartable):
        self.name = name
        self.start = start
        self.log = log
        self.restartable = restartable
        self.process = start()
        self.restarts = []  # monotonic times of the restarts

    def may_restart(self, now):
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW]
        return self.restartable and len(self.restarts) < MAX_RESTARTS


class Supervisor:
    """Watches what `setup/run` started: a dead process is never a silent stop.

    A process that dies is reported with its exit code and the last lines of its
    log; it is restarted if it can be (Odoo, the scenario driver: their state is
    in the database), at most MAX_RESTARTS times in RESTART_WINDOW seconds.
    Otherwise (the TMS simulator keeps the demo's transports in memory), or past
    that budget, everything stops and `setup/run` exits non-zero.
    """

    def __init__(self, out=sys.stdout):
        self.children = []
        self.out = out

    def add(self, name, start, log, restartable):
        child = Supervised(name, start, log, restartable)
        self.children.append(child)
        return child.process

    @property
    def processes(self):
        return [child.process for child in self.children]

    def check(self, now=None):
        """Handle dead children once; return an exit code when setup/run must end."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            returncode = child.process.poll()
            if returncode is None:
                continue
            self.report(child, returncode)
            if not child.may_restart(now):
                why = (
                    "it cannot be restarted"
                    if not child.restartable
                    else f"it died {MAX_RESTARTS} times in {RESTART_WINDOW} s"
                )
                print(f"!! stopping everything: {child.name} {why}.", file=self.out)
                return 1
            child.restarts.append(now)
            print(
                f"!! restarting {child.name} ({len(child.restarts)} of "
                f"{MAX_RESTARTS} restarts allowed in {RESTART_WINDOW} s)",
                file=self.out,
                flush=True,
            )
            child.process = child.start()
        return None

    def report(self, child, returncode):
        print(
            f"\n!! {child.name} (pid {child.process.pid}) {exit_reason(returncode)}; "
            f"last lines of {child.log}:",
            file=self.out,
        )
        for line in last_lines(child.log):
            print(f"   | {line}", file=self.out)
        self.out.flush()

    def watch(self, interval=1):
        while True:
            code = self.check()
            if code is not None:
                return code
            time.sleep(interval)


def start_odoo(config):
    """Odoo with the job runner, logging to .run/logs/odoo.log (appended)."""
    with ODOO_LOG.open("a") as log:
        return subprocess.Popen(
            odoo_command(config), stdout=log, stderr=subprocess.STDOUT
        )


def run_server(args):
    bootstrap()
    ensure_postgres()
    config = write_config(
        RUN_DIR / "odoo.conf",
        args.db,
        args.port,
        {
            # Prefork, as production: Odoo respawns a cron worker that dies
            # (a threaded server's cron threads die for good on a lost
            # database connection). Job capacity (root:2) stays below the
            # HTTP workers, which also run the jobs.
            "workers": RUN_HTTP_WORKERS,
            "max_cron_threads": 1,
            "gevent_port": free_port(),
        },
    )
    if database_exists(args.db) and suite_installed(args.db):
        phase = ["-d", args.db, "-u", ",".join(ALL_MODULES)]
    else:
        phase = ["-d", args.db, "-i", SUITE_MODULE]
    rc, _problems, _text = run_odoo_phase("run-prepare", config, phase, False)
    if rc:
        fail(f"preparing database {args.db} failed; see {LOG_DIR}/run-prepare.log", rc)
    supervisor = Supervisor()
    simulator_url = None
    try:
        if args.tms_url:
            tms_url = args.tms_url
            api_key = os.environ.get("LOGISTICS_TMS_API_KEY", "")
            webhook_secret = os.environ.get("LOGISTICS_TMS_WEBHOOK_SECRET", "")
            tms_line = f"TMS:      {tms_url} (endpoint '{SIMULATOR_ENDPOINT}')"
        else:
            api_key, webhook_secret = simulator_secrets()
            simulator, simulator_url = start_simulator(
                args.port, api_key, webhook_secret
            )
            # Not restartable: the demo's transports live in its memory.
            supervisor.add(
                "tms-simulator", lambda: simulator, SIMULATOR_LOG, restartable=False
            )
            tms_url = simulator_url
            tms_line = (
                f"TMS:      simulator at {simulator_url} (REST and SOAP endpoints)"
            )
        keys_file = seed_demo(
            config, args.db, tms_url, api_key, webhook_secret, soap=not args.tms_url
        )
        odoo = supervisor.add(
            "odoo", lambda: start_odoo(config), ODOO_LOG, restartable=True
        )
        if not wait_for_odoo(args.port, odoo):
            supervisor.report(supervisor.children[-1], odoo.poll() or 0)
            fail("Odoo did not answer on port %s" % args.port)
        driver_line = "driver:   none (--quiet)"
        if not args.quiet:
            supervisor.add(
                "demo-driver",
                lambda: start_driver(args.port, simulator_url, keys_file),
                DRIVER_LOG,
                restartable=True,
            )
            driver_line = "driver:   placing portal orders (.run/logs/demo-driver.log)"
        print(
            textwrap.dedent(
                f"""
                Odoo with the logistics suite and the queue_job runner:
                  URL:      http://127.0.0.1:{args.port}/odoo
                  database: {args.db}
                  login:    {ADMIN_LOGIN} / {ADMIN_PASSWORD}
                  portal:   http://127.0.0.1:{args.port}/my (customer logins and
                            API keys in {keys_file.relative_to(REPO)})
                  API:      http://127.0.0.1:{args.port}/api/logistics/v1/openapi.json
                  jobs:     Settings > Technical > Queue Jobs ({JOB_CHANNELS})
                  {tms_line}
                  {driver_line}
                  logs:     {LOG_DIR.relative_to(REPO)}/ (odoo.log, tms-simulator.log,
                            demo-driver.log)
                Ctrl-C stops everything started here. A process that dies is
                reported here with its last log lines, and restarted when it can be.
                """
            ),
            flush=True,
        )
        # A SIGTERM stops everything too, like Ctrl-C.
        signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))
        return supervisor.watch()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(supervisor.processes)


# ---------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("bootstrap", help="make or refresh the environment")
    run_parser = sub.add_parser("run", help="database + Odoo with the job runner")
    run_parser.add_argument("--db", default=os.environ.get("LOGISTICS_DB", DEFAULT_DB))
    run_parser.add_argument(
        "--port", type=int, default=int(os.environ.get("LOGISTICS_PORT", DEFAULT_PORT))
    )
    run_parser.add_argument(
        "--quiet",
        action="store_true",
        help="no scenario driver: the demo database stays as it is",
    )
    run_parser.add_argument(
        "--tms-url",
        help="a real TMS (REST base URL) instead of the simulator; its API key and "
        "webhook secret come from LOGISTICS_TMS_API_KEY and "
        "LOGISTICS_TMS_WEBHOOK_SECRET",
    )
    test_parser = sub.add_parser("test", help="every check; exits non-zero on failure")
    test_parser.add_argument("--db", help="database name (default: a fresh one)")
    test_parser.add_argument("--keep-db", action="store_true")
    test_parser.add_argument("--no-lint", action="store_true")
    args = parser.parse_args(argv)
    os.chdir(REPO)
    if args.command == "bootstrap":
        bootstrap()
        return 0
    if args.command == "run":
        return run_server(args)
    return test(args)


if __name__ == "__main__":
    sys.exit(main())
