"""The one entry point behind README.rst's commands: bootstrap, run and test.

Standard library only: it runs with the machine's Python before the project's
virtualenv exists, then drives everything through that virtualenv.

    setup/bootstrap   make or refresh the environment (idempotent)
    setup/run         database with the whole suite, then Odoo + job runner
    setup/test        lint, unit tests, Odoo tests, end-to-end tests

Modules: ``common`` (paths, constants, running commands), ``stack`` (the
launcher of the suite's processes, shared with bench/ and the tests),
``bootstrap``, ``postgres``, ``config`` (Odoo configuration and invocations),
``testing`` (setup/test), ``supervisor`` and ``serve`` (setup/run); the command
line is in ``__main__``.
"""
