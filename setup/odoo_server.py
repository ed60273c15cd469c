"""Start Odoo as ``odoo-bin`` does: the one launcher of every Odoo process.

``setup/run``, ``setup/test``, the end-to-end tests and the benchmark harness
all start Odoo through this file, never with ``python -m odoo``. Odoo
re-executes ``sys.argv`` on its own reload (SIGHUP, a thread past
``limit_time_real`` in threaded mode, a module update from the UI) and prefork
re-executes it with ``gevent`` for its websocket process: ``python -m odoo``
turns ``sys.argv[0]`` into ``odoo/__main__.py``, which then dies with
"attempted relative import with no known parent package". A script file
re-executes as itself, with the interpreter that runs it.

Usage: ``python setup/odoo_server.py [subcommand] [odoo options]``, exactly as
``odoo-bin``.
"""

import os
import sys

os.environ["TZ"] = "UTC"  # as odoo-bin
# Odoo re-executes itself as `basename(sys.executable)` ("python"), which the
# new process resolves through PATH: without this virtualenv first on PATH (as
# an activated one would be) the reload would start the system's Python, which
# lacks Odoo's requirements.
_bin = os.path.dirname(sys.executable)
if os.environ.get("PATH", "").split(os.pathsep)[0] != _bin:
    os.environ["PATH"] = os.pathsep.join(filter(None, [_bin, os.environ.get("PATH")]))

import odoo  # noqa: E402  (after the environment, as odoo-bin)

if __name__ == "__main__":
    odoo.cli.main()
