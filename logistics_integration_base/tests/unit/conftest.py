"""Make ``logistics_integration_base.lib`` importable without Odoo.

The addon's own ``__init__.py`` imports Odoo models, so it must not run in
these database-free tests. We register a synthetic, empty package whose
``__path__`` is the addon folder: the normal import machinery then finds
``logistics_integration_base.lib`` and its modules without ever executing the
addon ``__init__.py``.

pytest also imports the ``__init__.py`` of every package folder above a test
(to look for ``setup_module``), under a dotted name it derives by walking up
the folders that hold an ``__init__.py`` (``main.logistics_integration_base``
when the repository root is itself an addon). The same synthetic package is
registered under that name, so pytest finds it instead of importing Odoo.

Names already registered (e.g. by a root conftest that sets up the real
addons path) are left alone.
"""

import sys
import types
from pathlib import Path

PACKAGE_NAME = "logistics_integration_base"
# tests/unit/conftest.py -> parents[0]=unit, [1]=tests, [2]=the addon folder
ADDON_DIR = Path(__file__).resolve().parents[2]


def _pytest_package_name(folder):
    """Dotted name pytest gives the package ``folder`` (walking up __init__.py)."""
    parts = [folder.name]
    parent = folder.parent
    while (parent / "__init__.py").is_file() and parent.name.isidentifier():
        parts.insert(0, parent.name)
        parent = parent.parent
    return ".".join(parts)


_package = types.ModuleType(PACKAGE_NAME, "Synthetic addon package for unit tests.")
_package.__path__ = [str(ADDON_DIR)]
for _name in (PACKAGE_NAME, _pytest_package_name(ADDON_DIR)):
    sys.modules.setdefault(_name, _package)
