"""setup/run's EDI carrier: the EDI partner simulator answering X12 files in a
drop folder under .run/edi/, one per database.

The simulator (``logistics_tms_connector/simulator/edi_simulator``) plays a
carrier's EDI back office: Odoo writes its 204 tenders (and 997s) in
``<root>/to_partner``, the simulator answers with a 997, a 990, a 214 and a
210 in ``<root>/from_partner``, which Odoo's cron picks up. The demo uses a
plain folder of this machine: SFTP would need an SSH server, which the tests
start (``sshd_process.py``) but ``setup/run`` does not.
"""

import subprocess

from . import stack
from .common import LOG_DIR, RUN_DIR, fail

# Folder endpoints may only use folders under the server option
# logistics_file_roots: this one, and the suite's default root.
FILE_ROOT = RUN_DIR / "edi"
LOG = LOG_DIR / "edi-simulator.log"
SCAC = "LWLX"  # the demo's EDI carrier (setup/demo_seed.py), its SCAC and id
CURRENCY = "EUR"  # of its 210 invoices, as the demo's rate cards
READY = "ready"
START_TIMEOUT = 30


def file_roots(data_dir):
    """The server option ``logistics_file_roots`` of setup/run: the EDI drop
    folder, and the default root (``<data_dir>/logistics_files``) kept."""
    return ",".join(str(root) for root in (FILE_ROOT, data_dir / "logistics_files"))


def carrier_root(db):
    """The drop folder of database ``db``'s EDI carrier. One per database: the
    carrier's files name shipments (SHP-2026-00002), which another database
    numbers again."""
    return FILE_ROOT / db


def command(python, root):
    """``python -m edi_simulator`` answering X12 files under ``root`` (run it
    with ``stack.simulator_env()``)."""
    return [
        str(python),
        "-m",
        "edi_simulator",
        "--root",
        str(root),
        "--format",
        "x12",
        "--scac",
        SCAC,
        "--partner-id",
        SCAC,
        "--currency",
        CURRENCY,
        "--interval",
        "1",
    ]


def start(python, root, log=LOG):
    """The EDI partner simulator answering in ``root``, once it says it is
    ready; its log lines appended to ``log``. Its state (folders, control
    numbers) is on disk: it can be restarted."""
    root.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as log_file:
        process = subprocess.Popen(
            command(python, root),
            stdout=subprocess.PIPE,  # one line: ready
            stderr=log_file,
            text=True,
            env=stack.simulator_env(),  # the simulators' folder on PYTHONPATH
        )
    line = stack.readline_within(process.stdout, START_TIMEOUT)
    if line.strip() != READY:
        stack.stop_process(process)
        fail("the EDI partner simulator did not start; see %s" % log)
    return process
