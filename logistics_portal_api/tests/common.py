"""Customers, portal users, API keys and products for the customer API tests."""

import json
from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user
from odoo.tools import config

from odoo.addons.logistics_integration_base.lib import crypto
from odoo.addons.logistics_integration_base.tests.common import JobsMixin

API = "/api/logistics/v1"
TEST_KEY = crypto.generate_key()
ALL_SCOPES = (
    "orders:write",
    "orders:read",
    "shipments:read",
    "documents:read",
    "invoices:read",
    "webhooks:manage",
)


class PortalApiCase(JobsMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(
            patch.dict(config.options, logistics_secret_keys=TEST_KEY)
        )
        cls.env.company.country_id = cls.env.ref("base.be")
        cls.tax = cls.env["account.tax"].create(
            {"name": "VAT 21%", "amount": 21, "type_tax_use": "sale"}
        )
        cls.customer, cls.user, cls.key = cls._customer("Brasserie Dupont")
        cls.other, cls.other_user, cls.other_key = cls._customer("Rival Brewing")
        cls.keg = cls._product("KEG30", "Keg 30 l", 80.0, stock=100)
        cls.crate = cls._product("CRATE24", "Crate of 24", 30.0, stock=0)
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Dupont prices",
                "item_ids": [
                    (
                        0,
                        0,
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.keg.id,
                            "compute_price": "fixed",
                            "fixed_price": 72.0,
                        },
                    )
                ],
            }
        )
        cls.customer.property_product_pricelist = cls.pricelist

    @classmethod
    def _customer(cls, name):
        partner = cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "country_id": cls.env.ref("base.be").id,
                "street": "Rue de la Gare 3",
                "city": "Leuze",
                "zip": "7904",
            }
        )
        login = name.lower().replace(" ", "-")
        user = new_test_user(
            cls.env, login=login, groups="base.group_portal", name=name
        )
        user.partner_id.parent_id = partner
        _key, full_key = cls.env["logistics.api.key"]._issue(user, ALL_SCOPES, name)
        return partner, user, full_key

    @classmethod
    def _product(cls, code, name, price, stock):
        product = cls.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "list_price": price,
                "is_storable": True,
                "taxes_id": [(6, 0, cls.tax.ids)],
                "weight": 10,
            }
        )
        if stock:
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.env.ref("stock.stock_location_stock"), stock
            )
        return product

    def call(self, method, path, body=None, *, key=None, headers=None, data=None):
        """One real HTTP request to the API; `key=False` sends no credentials."""
        all_headers = dict(headers or {})
        if key is None:
            key = self.key
        if key:
            all_headers["X-API-Key"] = key
        if body is not None:
            data = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        return self.opener.request(
            method,
            self.base_url() + API + path,
            data=data,
            headers=all_headers,
            timeout=30,
        )

    def order_body(self, reference="PO-1", quantity=3, code="KEG30", **extra):
        return {
            "customer_reference": reference,
            "lines": [{"product_code": code, "quantity": quantity}],
            **extra,
        }

    def submit(self, body, idempotency_key="key-1", key=None):
        return self.call(
            "POST",
            "/orders",
            body,
            key=key,
            headers={"Idempotency-Key": idempotency_key},
        )

    def count_orders(self):
        return self.env["sale.order"].search_count([])
