"""pytest at the repository root.

Unit tests (`*/tests/unit`) exercise the pure-Python modules of the addons
without a database; end-to-end tests (`tests/e2e`) talk to a real server. The
Odoo test classes under `*/tests` are run by Odoo itself, never by pytest.
"""

collect_ignore_glob = ["*/tests/test_*.py", "tests/test_*.py", ".venv/*", ".cache/*"]
