# setup/test's uninstall stage, run inside `odoo shell` (where `env` exists):
# uninstalls the suite's modules one by one, dependents first, in the order
# given by LOGISTICS_UNINSTALL_MODULES (comma-separated, set by setup/suite),
# and prints "uninstalled <name>: <state>" for each.
# ruff: noqa: F821 - `env` is given by odoo shell
import os

modules = env["ir.module.module"]
for name in os.environ["LOGISTICS_UNINSTALL_MODULES"].split(","):
    module = modules.search([("name", "=", name)])
    module.button_immediate_uninstall()
    env.cr.commit()
    env = env(context={})
    state = env["ir.module.module"].search([("name", "=", name)]).state
    print("uninstalled %s: %s" % (name, state))
    assert state == "uninstalled", name
