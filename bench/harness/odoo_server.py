"""Start Odoo as ``odoo-bin`` does, for the prefork server of the benchmark.

Prefork Odoo re-executes this file (``sys.argv[0]``) with ``gevent`` to run its
websocket process, which ``python -m odoo`` could not be. The virtualenv's
setuptools is the one ``setup/bootstrap`` installs (see RUNTIME_SETUPTOOLS in
setup/suite.py), whose ``pkg_resources`` loads gevent's entry points.
"""

import os

os.environ["TZ"] = "UTC"  # as odoo-bin

import odoo  # after the time zone, as odoo-bin

if __name__ == "__main__":
    odoo.cli.main()
