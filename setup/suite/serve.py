"""setup/run: the demo database, the TMS simulator, Odoo with the job runner
and the scenario driver, watched by the supervisor."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request

from . import edi_partner, stack
from .bootstrap import bootstrap
from .common import (
    ADMIN_LOGIN,
    ADMIN_PASSWORD,
    ALL_MODULES,
    JOB_CHANNELS,
    LOG_DIR,
    REPO,
    RUN_DIR,
    RUN_HTTP_WORKERS,
    SUITE_MODULE,
    fail,
    venv_eval,
    venv_python,
)
from .config import odoo_command, run_odoo_phase, write_config
from .postgres import database_exists, ensure_postgres
from .supervisor import Supervisor, stop


def suite_installed(db):
    code = (
        "import psycopg2; c = psycopg2.connect(dbname=%r); k = c.cursor(); "
        'k.execute("select state from ir_module_module where name = %%s", (%r,)); '
        "r = k.fetchone(); print(r[0] if r else '')"
    ) % (db, SUITE_MODULE)
    return venv_eval(code) == "installed"


SIMULATOR_ENDPOINT = "simulator"
START_TIMEOUT = 120
ODOO_LOG = LOG_DIR / "odoo.log"
SIMULATOR_LOG = LOG_DIR / "tms-simulator.log"
FOREIGN_TMS_LOG = LOG_DIR / "foreign-tms.log"
FOREIGN_TMS_CLIENT_ID = "odoo-demo"
FOREIGN_TMS_STEP_SECONDS = 8
DRIVER_LOG = LOG_DIR / "demo-driver.log"


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
    args = [
        "--port",
        "0",
        f"--api-key={api_key}",
        "--webhook-url",
        webhook,
        f"--webhook-secret={webhook_secret}",
        "--step-delay",
        "5",
        # Ids unique across runs: the demo database outlives the simulator.
        "--id-prefix",
        "%X-" % int(time.time()),
    ]
    try:
        return stack.start_simulator(
            args, python=venv_python(), stderr=SIMULATOR_LOG.open("w")
        )
    except stack.SimulatorError:
        fail("the TMS simulator did not start; see .run/logs/tms-simulator.log")


def start_foreign_tms(client_secret):
    """The TMS of a foreign dialect, connected by the shipped "Generic JSON
    TMS (example)" template: its loads move one step every few seconds."""
    args = [
        "--port",
        "0",
        "--client-id",
        FOREIGN_TMS_CLIENT_ID,
        f"--client-secret={client_secret}",
        "--auto-advance",
        FOREIGN_TMS_STEP_SECONDS,
        # Ids unique across runs: the demo database outlives the process.
        "--id-prefix",
        "%X-" % int(time.time()),
    ]
    try:
        return stack.start_foreign_tms(
            args, python=venv_python(), stderr=FOREIGN_TMS_LOG.open("w")
        )
    except stack.SimulatorError:
        fail("the foreign TMS did not start; see .run/logs/foreign-tms.log")


def start_edi_carrier(supervisor, db):
    """The EDI partner simulator (setup/suite/edi_partner.py) of database
    ``db``, supervised; return the line of the status block about it."""
    root = edi_partner.carrier_root(db)
    supervisor.add(
        "edi-simulator",
        lambda: edi_partner.start(venv_python(), root),
        edi_partner.LOG,
        restartable=True,  # its state is on disk
    )
    folder = root.relative_to(REPO)
    return f"EDI:      carrier simulator, X12 files in the drop folder {folder}/"


def seed_demo(config, db, tms_url, api_key, webhook_secret, *, soap, foreign=None):
    """Demo data and the TMS endpoints (setup/demo_seed.py, idempotent)."""
    keys_file = RUN_DIR / "demo-keys.json"
    env = dict(
        os.environ,
        LOGISTICS_DEMO_TMS_URL=tms_url,
        LOGISTICS_DEMO_TMS_API_KEY=api_key,
        LOGISTICS_DEMO_WEBHOOK_SECRET=webhook_secret,
        LOGISTICS_DEMO_SOAP="1" if soap else "0",
        LOGISTICS_DEMO_KEYS_FILE=str(keys_file),
        LOGISTICS_DEMO_EDI_ROOT=str(edi_partner.carrier_root(db)),
    )
    if foreign:
        env.update(
            LOGISTICS_DEMO_FOREIGN_TMS_URL=foreign[0],
            LOGISTICS_DEMO_FOREIGN_TMS_CLIENT_ID=FOREIGN_TMS_CLIENT_ID,
            LOGISTICS_DEMO_FOREIGN_TMS_SECRET=foreign[1],
        )
    returncode = stack.run_odoo_shell(
        venv_python(),
        config,
        db,
        REPO / "setup" / "demo_seed.py",
        LOG_DIR / "run-seed.log",
        env=env,
    )
    if returncode or "demo data ready" not in (LOG_DIR / "run-seed.log").read_text():
        fail("loading the demo data failed; see .run/logs/run-seed.log")
    return keys_file


def start_driver(odoo_port, simulator_url, keys_file, db):
    return subprocess.Popen(
        [
            venv_python(),
            REPO / "setup" / "demo_driver.py",
            "--odoo-url",
            "http://127.0.0.1:%s" % odoo_port,
            "--db",
            db,
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
            "gevent_port": stack.free_port(),
            "logistics_file_roots": edi_partner.file_roots(RUN_DIR / "filestore"),
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
            foreign_process, foreign_url = start_foreign_tms(api_key)
            supervisor.add(
                "foreign-tms",
                lambda: foreign_process,
                FOREIGN_TMS_LOG,
                restartable=False,
            )
            tms_line = (
                f"TMS:      simulator at {simulator_url} (REST and SOAP endpoints)\n"
                + " " * 28
                + f"foreign dialect at {foreign_url} (orders to NL)"
            )
        edi_line = start_edi_carrier(supervisor, args.db)
        keys_file = seed_demo(
            config,
            args.db,
            tms_url,
            api_key,
            webhook_secret,
            soap=not args.tms_url,
            foreign=None if args.tms_url else (foreign_url, api_key),
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
                lambda: start_driver(args.port, simulator_url, keys_file, args.db),
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
                  {edi_line}
                  {driver_line}
                  logs:     {LOG_DIR.relative_to(REPO)}/ (odoo.log, tms-simulator.log,
                            foreign-tms.log, edi-simulator.log, demo-driver.log)
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
