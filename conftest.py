"""pytest at the repository root.

Unit tests (`*/tests/unit`) exercise the pure-Python modules of the addons
(`<addon>/lib`) without a database; end-to-end tests (`tests/e2e`) talk to a
real server. The Odoo test classes under `*/tests` are run by Odoo itself,
never by pytest.

An addon's `__init__.py` imports its Odoo models, which only load inside Odoo's
registry (as `odoo.addons.<addon>`). So that pytest can import `<addon>.lib`
and `<addon>.tests.unit` without running it, each addon and its `tests` folder
are registered here as plain packages before any test module is imported.
"""

import importlib
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent

collect_ignore_glob = ["*/tests/test_*.py", "tests/test_*.py", ".venv/*", ".cache/*"]


def _package_prefixes():
    # pytest also imports each package folder's __init__.py, under a dotted name
    # derived from the folders holding one: the repository root is an addon too,
    # so that name starts with the clone's folder name.
    if (ROOT / "__init__.py").is_file() and ROOT.name.isidentifier():
        return ("", ROOT.name + ".")
    return ("",)


def _register_pure_packages():
    # The umbrella's own tests/ holds Odoo test modules too: never import them.
    for prefix in _package_prefixes():
        package = types.ModuleType(prefix + "tests", "without its Odoo tests")
        package.__path__ = [str(ROOT / "tests")]
        sys.modules.setdefault(prefix + "tests", package)
    for manifest in ROOT.glob("*/__manifest__.py"):
        addon = manifest.parent
        for prefix in _package_prefixes():
            for name, folder in (
                (addon.name, addon),
                (addon.name + ".tests", addon / "tests"),
            ):
                package = types.ModuleType(prefix + name, "without its Odoo models")
                package.__path__ = [str(folder)]
                sys.modules.setdefault(prefix + name, package)


def _register_as_odoo_addons():
    # Addons import each other's pure modules as `odoo.addons.<addon>.lib...`,
    # the only name that exists inside Odoo: give it the same plain package.
    try:
        importlib.import_module("odoo.addons")
    except ImportError:
        return  # no Odoo here: the pure modules are still tested
    for manifest in ROOT.glob("*/__manifest__.py"):
        name = manifest.parent.name
        sys.modules.setdefault("odoo.addons." + name, sys.modules[name])
        sys.modules.setdefault(
            "odoo.addons.%s.tests" % name, sys.modules[name + ".tests"]
        )


_register_pure_packages()
_register_as_odoo_addons()
