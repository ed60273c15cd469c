"""The command line of setup/bootstrap, setup/run and setup/test.

Run as ``python setup/suite <command>`` (what those scripts do) or, with
``setup`` on sys.path, ``python -m suite <command>``.
"""

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a folder: sys.path[0] is this folder; the package is imported
    # from its parent, and its modules are not top-level modules.
    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parent))

from suite import __doc__ as SUITE_DOC
from suite.bootstrap import bootstrap
from suite.common import DEFAULT_DB, DEFAULT_PORT, REPO, fail
from suite.serve import run_server
from suite.testing import test


def main(argv=None):
    parser = argparse.ArgumentParser(description=SUITE_DOC.split("\n\n")[0])
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
    try:
        if args.command == "bootstrap":
            bootstrap()
            return 0
        if args.command == "run":
            return run_server(args)
        return test(args)
    except subprocess.CalledProcessError as err:
        command = shlex.join(str(part) for part in err.cmd)
        fail(
            f"setup/{args.command} stopped: this command failed with exit code "
            f"{err.returncode} (its messages are above): {command}"
        )
    except OSError as err:
        fail(f"setup/{args.command} stopped: {err}")


if __name__ == "__main__":
    sys.exit(main())
