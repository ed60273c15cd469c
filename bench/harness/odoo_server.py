"""Start Odoo as ``odoo-bin`` does, for the prefork server of the benchmark.

Prefork Odoo re-executes this file (``sys.argv[0]``) with ``gevent`` to run its
websocket process. In the project's virtualenv that process dies at start-up:
gevent loads its own entry point through ``pkg_resources``, which cannot match
the requirement ``zope.interface`` to the installed ``zope_interface``
distribution (DistributionNotFound), and the master respawns it about every
second, burning a core. For the gevent process only, entry points are loaded
without re-checking their requirements (they are installed: the import works).
"""

import os
import sys

os.environ["TZ"] = "UTC"  # as odoo-bin

if len(sys.argv) > 1 and sys.argv[1] == "gevent":
    import pkg_resources

    pkg_resources.EntryPoint.require = lambda self, env=None, installer=None: None

import odoo  # after the time zone, as odoo-bin

if __name__ == "__main__":
    odoo.cli.main()
