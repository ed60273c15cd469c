"""setup/test: lint, packaging, unit tests, Odoo tests, end-to-end tests,
upgrade and uninstall, tallied as `N passed, N failed`."""

import os
import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from . import stack
from .bootstrap import bootstrap
from .common import (
    ADDONS,
    ALL_MODULES,
    LOG_DIR,
    REPO,
    RUN_DIR,
    SUITE_MODULE,
    UNINSTALL_ORDER,
    run,
    say,
    venv_python,
    venv_run,
)
from .config import log_problems, run_odoo_phase, write_config
from .postgres import copy_database, drop_database, ensure_postgres

# The Odoo shell script of the uninstall stage (reads UNINSTALL_MODULES_ENV).
UNINSTALL_SCRIPT = REPO / "setup" / "uninstall_suite.py"
UNINSTALL_MODULES_ENV = "LOGISTICS_UNINSTALL_MODULES"
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
    "post_install/account",
    # Browser tours that fail on a database with only Odoo's modules too (they
    # expect demo data and settings a fresh database lacks): 8 of 8 failures of
    # a run without the suite; TestStockPickingTour alone takes two minutes.
    "-/stock:TestStockPickingTour",
    "-/sale:TestProductAttributeValue.test_attribute_values_deletion_or_archiving",
    # account's tests that fail on a database with only sale_stock,
    # stock_delivery and portal installed too: the payment-method lines and
    # messages of account_payment (which sale brings), no wkhtmltopdf for the
    # PDF, and a tour that expects settings a fresh database lacks.
    "-/account:TestAccountMoveInInvoiceOnchanges.test_in_invoice_payment_register_wizard",
    "-/account:TestAccountMoveReconcile.test_partial_payments_auto_validation",
    "-/account:TestAccountEarlyPaymentDiscount.test_invoice_report_without_invoice_date",
    "-/account:TestUi.test_01_account_tax_groups_tour",
)


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
    """Pure-Python tests of each addon, of the simulators it ships, and of
    bench/ and setup/ (every top-level ``<folder>/tests/unit``)."""
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


def uninstall(tally, config, db):
    env = dict(os.environ, **{UNINSTALL_MODULES_ENV: ",".join(UNINSTALL_ORDER)})
    logfile = LOG_DIR / "uninstall.log"
    say(f"uninstall: every addon of the suite (log: {logfile.relative_to(REPO)})")
    returncode = stack.run_odoo_shell(
        venv_python(), config, db, UNINSTALL_SCRIPT, logfile, env=env
    )
    text = logfile.read_text(errors="replace")
    problems = log_problems(text, strict_warnings=True)
    for line in problems[:40]:
        print(f"   {line}")
    done = text.count(": uninstalled\n") + text.count(": uninstalled")
    ok = returncode == 0 and not problems and done >= len(UNINSTALL_ORDER)
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
    config = write_config(RUN_DIR / "test.conf", db, stack.free_port())
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
