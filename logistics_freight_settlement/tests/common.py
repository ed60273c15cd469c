"""Shared set-up of the freight settlement tests: a company with a chart of
accounts (AccountTestInvoicingCommon), a TMS endpoint, a carrier, customers by
freight terms and shipments; helpers that send charges and carrier invoices
through the message log and run the settlement jobs in-process."""

import base64
from itertools import count
from unittest.mock import patch

from odoo import Command
from odoo.tools import config

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.logistics_integration_base.lib import crypto
from odoo.addons.logistics_integration_base.tests.common import JobsMixin

TEST_KEY = crypto.generate_key()
EVENT_DAY = "2026-11-27"


class FreightCase(JobsMixin, AccountTestInvoicingCommon):
    """Freight charges of shipments with a simulated-free TMS endpoint."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(
            patch.dict(config.options, logistics_secret_keys=TEST_KEY)
        )
        cls.env.user.groups_id += (
            cls.env.ref("logistics_freight_settlement.group_freight_manager")
            + cls.env.ref("logistics_tms_connector.group_tms_manager")
            + cls.env.ref("logistics_integration_base.group_integration_manager")
        )
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.endpoint = cls.env["logistics.endpoint"].create(
            {
                "name": "Freight test TMS",
                "code": "freight_tms",
                "system": "tms",
                "protocol": "rest",
                "base_url": "http://127.0.0.1:9/api/v1/",
            }
        )
        cls.carrier = cls.env["res.partner"].create(
            {"name": "Speedy Freight", "scac_code": "SPDF", "is_company": True}
        )
        cls.other_carrier = cls.env["res.partner"].create(
            {"name": "Acme Haulage", "scac_code": "ACMH", "is_company": True}
        )
        cls.warehouse_partner = cls.company.partner_id
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Brasserie Dupont",
                "is_company": True,
                "freight_terms": "included",
            }
        )
        cls.types = {
            code: cls.env.ref("logistics_freight_settlement.charge_type_%s" % code)
            for code in ("base", "fuel", "tail_lift", "detention")
        }
        cls.freight_expense = cls.env["account.account"].create(
            {"name": "Freight costs", "code": "604100", "account_type": "expense"}
        )
        cls.freight_income = cls.env["account.account"].create(
            {"name": "Freight rebilled", "code": "706100", "account_type": "income"}
        )
        plan = cls.env["account.analytic.plan"].create({"name": "Logistics"})
        cls.analytic_account = cls.env["account.analytic.account"].create(
            {"name": "Outbound transport", "plan_id": plan.id}
        )
        for charge_type in cls.types.values():
            charge_type.with_company(cls.company).write(
                {
                    "expense_account_id": cls.freight_expense.id,
                    "income_account_id": cls.freight_income.id,
                    "analytic_distribution": {str(cls.analytic_account.id): 100},
                }
            )
        cls._sequence = count(1)

    # ------------------------------------------------------------------
    # records

    @classmethod
    def make_shipment(cls, customer=None, weight_kg=100.0, sale_order=None):
        number = next(cls._sequence)
        shipment = cls.env["logistics.shipment"].create(
            {
                "endpoint_id": cls.endpoint.id,
                "partner_id": (customer or cls.customer).id,
                "shipper_id": cls.warehouse_partner.id,
                "consignee_id": (customer or cls.customer).id,
                "tms_reference": "TMS-%06d" % number,
                "carrier_id": cls.carrier.id,
                "sale_order_id": sale_order.id if sale_order else False,
                "line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "uom_id": cls.product.uom_id.id,
                            "description": "Pallet",
                            "quantity": 1,
                            "weight_kg": weight_kg,
                        }
                    )
                ],
            }
        )
        return shipment

    @classmethod
    def customer_with_terms(cls, terms, **values):
        return cls.env["res.partner"].create(
            {
                "name": "Customer %s %s" % (terms, next(cls._sequence)),
                "is_company": True,
                "freight_terms": terms,
                **values,
            }
        )

    # ------------------------------------------------------------------
    # messages

    def charges_event(self, shipment, charges, currency=None, event_id=None, **data):
        """A freight.charges event of the TMS for a shipment."""
        number = next(self._sequence)
        return {
            "event_id": event_id or "EV-F%06d" % number,
            "event_type": "freight.charges",
            "occurred_at": "%sT%02d:%02d:00Z"
            % (EVENT_DAY, 8 + number // 60, number % 60),
            "sequence": number,
            "aggregate": {"type": "shipment", "id": shipment.tms_reference},
            "data": {
                "shipment_id": shipment.tms_reference,
                "external_reference": shipment.name,
                "status_code": "CHARGES",
                "carrier": {"name": "Speedy Freight", "scac": "SPDF"},
                "currency": (currency or self.currency).name,
                "charges": charges,
                **data,
            },
        }

    def send_events(self, *events):
        """Receive TMS events as the webhook does, then run their jobs."""
        with self.jobs():
            return self.env["logistics.shipment"]._tms_receive_events(
                self.endpoint, list(events)
            )

    def send_charges(self, shipment, charges, **kwargs):
        [(message, outcome, reason)] = self.send_events(
            self.charges_event(shipment, charges, **kwargs)
        )
        return message, outcome, reason

    @staticmethod
    def charge_line(code, amount, expected=None, **extra):
        line = {"code": code, "description": None, "amount": amount, **extra}
        if expected is not None:
            line["expected_amount"] = expected
        return line

    def import_file(self, kind, name, content, **values):
        """Import a freight file with the wizard; its jobs run in-process."""
        wizard = self.env["logistics.freight.import.wizard"].create(
            {
                "kind": kind,
                "filename": name,
                "data_file": base64.b64encode(content.encode()),
                **values,
            }
        )
        with self.jobs():
            wizard.action_import()
        return wizard

    def settle(self):
        """The scheduled settlement run, its jobs performed in-process."""
        with self.jobs() as trap:
            queued = self.env["logistics.freight.settlement"]._cron_settle()
        return queued, trap

    def charges_of(self, shipment):
        return self.env["logistics.freight.charge"].search(
            [("shipment_id", "=", shipment.id)], order="id"
        )

    def dispute_activities(self, records):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
                (
                    "activity_type_id",
                    "=",
                    self.env.ref(
                        "logistics_freight_settlement.mail_activity_type_freight_dispute"
                    ).id,
                ),
            ]
        )

    def audit_entries(self, record):
        return self.env["logistics.audit.log"].search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)],
            order="sequence",
        )

    def resolve(self, charges, resolution, note=None):
        wizard = self.env["logistics.freight.dispute.wizard"].create(
            {
                "charge_ids": [Command.set(charges.ids)],
                "resolution": resolution,
                "note": note,
            }
        )
        return wizard.action_apply()
