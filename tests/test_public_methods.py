"""Every public method of the suite refuses callers without rights, over JSON-RPC.

The methods are not listed by hand: they are enumerated from the registry, so a
public method added later without a rights check fails this test. A portal user
and an internal user with none of the suite's groups (nor sales, inventory or
accounting rights) call each one through Odoo's own `/web/dataset/call_kw`, on
an existing record and on no record at all, and must get an access error with
nothing changed in the database.
"""

import base64
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL, config

from odoo.addons.logistics_integration_base.lib import crypto
from odoo.addons.logistics_integration_base.tests.json_rpc import CallKwMixin

SUITE_MODULE_PREFIX = "odoo.addons.logistics_"
ACCESS_ERROR = "odoo.exceptions.AccessError"

# Arguments (after the ids) of methods that take some; every other method is
# called with none. Keyed by method name, or by (model, method) to refine.
ARGUMENTS = {
    "create": [{}],
    "write": [{}],
    "default_get": [[]],
    ("logistics.shipment", "write"): [{"status": "cancelled", "customer_po": "X"}],
    ("logistics.freight.charge", "write"): [{"state": "cancelled"}],
    ("logistics.audit.log", "write"): [{}],
    ("logistics.field.ownership", "write"): [{"owner": "odoo"}],
    ("logistics.freight.charge.code.map", "write"): [{"external_code": "hijack"}],
}
# Odoo's own methods the suite overrides and that Odoo's callers invoke on
# empty recordsets (cancelling a sale order cancels its draft invoices and
# pickings, often none): on no record they keep Odoo's contract, do nothing.
EMPTY_IS_NOOP = {"write", "unlink", "button_cancel", "action_cancel"}
# Tables whose content must not change when a call is refused, besides those
# of the models under test.
WATCHED_TABLES = (
    "ir_config_parameter",
    "ir_default",
    "res_groups_users_rel",
    "mail_message",
    "mail_activity",
    "queue_job",
    "logistics_audit_head",
    "logistics_api_token",
)


def suite_public_methods(registry):
    """{model: {method: defining module}} of the suite's public methods.

    A method is the suite's when one of the model's classes defined in a suite
    addon (its own models and its extensions of Odoo's) defines it. Private
    names (`_x`) and `init` cannot be called remotely (`check_method_name`).
    """
    found = {}
    for model_name in sorted(registry):
        model_class = registry[model_name]
        for klass in model_class.__mro__:
            if not klass.__module__.startswith(SUITE_MODULE_PREFIX):
                continue
            for name, value in vars(klass).items():
                if name.startswith("_") or name == "init" or not callable(value):
                    continue
                found.setdefault(model_name, {}).setdefault(name, klass.__module__)
    return found


@tagged("post_install", "-at_install")
class TestPublicMethodsRefuseOutsiders(CallKwMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(
            patch.dict(config.options, logistics_secret_keys=crypto.generate_key())
        )
        cls.portal_user = new_test_user(
            cls.env, login="rpc-portal", groups="base.group_portal"
        )
        cls.internal_user = new_test_user(
            cls.env, login="rpc-employee", groups="base.group_user"
        )
        cls.records = cls._existing_records()

    @classmethod
    def _existing_records(cls):
        """One record of each model whose methods are tested, made as admin."""
        env = cls.env
        customer = env["res.partner"].create(
            {"name": "Other Customer", "is_company": True}
        )
        owner = new_test_user(env, login="rpc-owner", groups="base.group_portal")
        owner.partner_id.parent_id = customer
        carrier = env["res.partner"].create({"name": "Carrier NV"})
        product = env["product.product"].create({"name": "Pallet", "weight": 10})
        api_key, _full_key = env["logistics.api.key"]._issue(
            owner, ["orders:read"], "Owner's key"
        )
        endpoint = env["logistics.endpoint"].create(
            {
                "name": "TMS under test",
                "code": "rpc_tms",
                "system": "tms",
                "protocol": "rest",
                "base_url": "https://tms.example.com/api",
                "auth_method": "api_key",
            }
        )
        secret = env["logistics.endpoint.secret"].create(
            {"endpoint_id": endpoint.id, "kind": "api_key", "value": "s3cret"}
        )
        shipment = env["logistics.shipment"].create(
            {
                "endpoint_id": endpoint.id,
                "partner_id": customer.id,
                "shipper_id": env.company.partner_id.id,
                "consignee_id": customer.id,
                "correlation_id": "corr-rpc-test",
                "line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "uom_id": product.uom_id.id,
                            "description": "Pallet",
                            "quantity": 1,
                            "weight_kg": 10,
                        }
                    )
                ],
            }
        )
        flow = env["logistics.flow"].search([], limit=1)
        message = env["logistics.message"].create(
            {
                "direction": flow.direction,
                "flow_id": flow.id,
                "correlation_id": "corr-rpc-test",
                "res_model": shipment._name,
                "res_id": shipment.id,
            }
        )
        charge = env["logistics.freight.charge"].create(
            {
                "shipment_id": shipment.id,
                "carrier_id": carrier.id,
                "charge_type_id": env["logistics.freight.charge.type"]
                .search([], limit=1)
                .id,
                "expected_amount": 100,
                "expected_source": "rate_card",
            }
        )
        carrier_invoice = env["logistics.carrier.invoice"].create(
            {
                "name": "CI-1",
                "carrier_id": carrier.id,
                "date": fields.Date.today(),
                "currency_id": env.company.currency_id.id,
            }
        )
        order = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [Command.create({"product_id": product.id})],
            }
        )
        picking = env["stock.picking"].create(
            {
                "picking_type_id": env.ref("stock.picking_type_out").id,
                "partner_id": customer.id,
            }
        )
        customer_return = env["logistics.return"].create(
            {
                "sale_order_id": order.id,
                "partner_id": customer.id,
                "pickup_address_id": customer.id,
                "warehouse_id": env.ref("stock.warehouse0").id,
                "reason": "Damaged",
                "refusal_reason": "Too late",
                "line_ids": [
                    Command.create(
                        {
                            "sale_line_id": order.order_line.id,
                            "product_id": product.id,
                            "quantity": 1,
                            "uom_id": product.uom_id.id,
                        }
                    )
                ],
            }
        )
        records = {
            "account.move": env["account.move"].create({"move_type": "entry"}),
            "logistics.api.key": api_key,
            "logistics.audit.log": env["logistics.audit.log"]._append(
                action="configuration", outcome="success", details="set up"
            ),
            "logistics.carrier.invoice": carrier_invoice,
            "logistics.endpoint": endpoint,
            "logistics.endpoint.secret": secret,
            "logistics.field.ownership": env["logistics.field.ownership"].search(
                [], limit=1
            ),
            "logistics.flow.stat": env["logistics.flow.stat"].search([], limit=1),
            "logistics.freight.charge": charge,
            "logistics.freight.charge.code.map": env[
                "logistics.freight.charge.code.map"
            ].search([], limit=1),
            "logistics.freight.dispute.wizard": env[
                "logistics.freight.dispute.wizard"
            ].create({"charge_ids": [Command.set(charge.ids)]}),
            "logistics.freight.import.wizard": env[
                "logistics.freight.import.wizard"
            ].create(
                {
                    "data_file": base64.b64encode(b"code;amount\n"),
                    "filename": "charges.csv",
                }
            ),
            "logistics.message": message,
            "logistics.return": customer_return,
            "logistics.shipment": shipment,
            "res.config.settings": env["res.config.settings"].create({}),
            "sale.order": order,
            "stock.picking": picking,
        }
        return records

    # ------------------------------------------------------------------
    # helpers

    def fingerprint(self, tables):
        """A digest of every row of the tables: any insert, update or delete shows."""
        self.env.flush_all()
        digests = {}
        for table in tables:
            self.env.cr.execute(
                SQL(
                    "SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text),"
                    " '')) FROM %s t",
                    SQL.identifier(table),
                )
            )
            digests[table] = self.env.cr.fetchone()[0]
        return digests

    def calls_of(self, model, method):
        """(label, args) of each call to make: on an existing record and on none."""
        extra = ARGUMENTS.get((model, method), ARGUMENTS.get(method, []))
        function = getattr(self.env.registry[model], method)
        if getattr(function, "_api", None):
            # @api.model methods take no ids: the call is the same either way.
            return [("model", list(extra))]
        calls = [("no record", [[], *extra])]
        record = self.records.get(model)
        if record is None and not self.env.registry[model]._abstract:
            # A model without a record of the set-up: any existing one will do.
            record = self.env[model].sudo().search([], limit=1)
        if record:
            calls.insert(0, ("record %s" % record.id, [record.ids, *extra]))
        return calls

    def keeps_odoo_contract(self, model, method):
        """Whether a call on no record may do nothing instead of being refused."""
        return method in EMPTY_IS_NOOP and any(
            method in vars(klass)
            for klass in self.env.registry[model].__mro__
            if not klass.__module__.startswith(SUITE_MODULE_PREFIX)
            and klass.__module__.startswith("odoo.")
        )

    # ------------------------------------------------------------------
    # test

    def test_enumeration_finds_the_known_cases(self):
        """The enumeration sees the suite's models and Odoo's models it extends."""
        methods = suite_public_methods(self.env.registry)
        self.assertIn("action_generate", methods["logistics.api.key"])
        self.assertIn("action_rotate_secrets", methods["res.config.settings"])
        self.assertIn("action_verify_chain", methods["logistics.audit.log"])
        self.assertIn("action_confirm", methods["sale.order"])
        self.assertIn("button_cancel", methods["account.move"])
        self.assertIn("action_enqueue", methods["logistics.job.runner.heartbeat"])
        for model in self.records:
            self.assertIn(model, methods)

    def test_outsiders_are_refused_every_public_method(self):
        methods = suite_public_methods(self.env.registry)
        tables = set(WATCHED_TABLES)
        for model in methods:
            if not self.env.registry[model]._abstract:
                tables.add(self.env[model]._table)
        tables = sorted(tables)
        refused = 0
        for user in (self.portal_user, self.internal_user):
            self.authenticate(user.login, user.login)
            for model, names in methods.items():
                for method in sorted(names):
                    for label, args in self.calls_of(model, method):
                        with self.subTest(
                            user=user.login, model=model, method=method, call=label
                        ):
                            before = self.fingerprint(tables)
                            error, result = self.call_kw(model, method, args)
                            changed = [
                                table
                                for table, digest in self.fingerprint(tables).items()
                                if before[table] != digest
                            ]
                            self.assertFalse(changed, "the call changed %s" % changed)
                            if error is None and label == "no record":
                                # Odoo's own contract: nothing asked, nothing done.
                                self.assertTrue(
                                    self.keeps_odoo_contract(model, method), result
                                )
                                continue
                            self.assertEqual(error, ACCESS_ERROR, result)
                            refused += 1
        self.assertGreater(refused, 100)
