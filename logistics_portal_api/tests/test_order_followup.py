"""The customer's view follows the order: approval, cancellation, amendments,
service preferences, delivery contacts and reused addresses."""

import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.logistics_integration_base.models.logistics_endpoint import (
    OUTBOUND_ALLOW_LIST_PARAM,
)
from odoo.addons.logistics_integration_base.tests.http_peer import HttpPeer

from .common import PortalApiCase

ADDRESS = {
    "name": "Dupont depot",
    "street": "Quai 1",
    "city": "Ath",
    "zip": "7800",
    "country_code": "BE",
}


@tagged("post_install", "-at_install")
class TestOrderFollowUp(PortalApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(OUTBOUND_ALLOW_LIST_PARAM, "127.0.0.1")
        cls.salesman = new_test_user(
            cls.env,
            login="review-salesman",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        cls.manager = new_test_user(
            cls.env,
            login="ownership-manager",
            groups="logistics_integration_base.group_integration_manager",
        )

    def held_order(self, reference="PO-H", **extra):
        self.customer.credit_limit = 100.0
        response = self.submit(self.order_body(reference, **extra), "k-" + reference)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["status"], "held")
        return self.env["sale.order"].search(
            [("name", "=", response.json()["reference"])]
        )

    def subscribe(self, peer, events):
        response = self.call(
            "POST", "/webhooks", {"url": peer.url + "/hooks", "events": events}
        )
        self.assertEqual(response.status_code, 201, response.text)

    def events(self, peer):
        return [json.loads(r["body"]) for r in peer.requests]

    # ------------------------------------------------------------------
    # approval and cancellation in Odoo

    def test_held_order_approved_in_odoo_becomes_accepted_with_webhook(self):
        with HttpPeer() as peer:
            self.subscribe(peer, ["order.accepted", "order.held"])
            # Its order.held delivery is queued by the request (its job is
            # the job runner's, not this test's).
            order = self.held_order()
            self.assertEqual(order.activity_ids.summary, "Order held for review")
            with self.jobs():
                order.with_user(self.salesman).action_portal_approve()
            self.assertEqual(order.state, "sale")
            self.assertEqual(order.portal_status, "accepted")
            self.assertFalse(order.activity_ids, "the review is done")
            sent = self.events(peer)
        self.assertEqual([e["event"] for e in sent], ["order.accepted"])
        held = self.env["logistics.message"].search(
            [("flow_code", "=", "customer.notify"), ("res_id", "=", order.id)]
        )
        self.assertEqual(
            sorted(m.payload["event"] for m in held), ["order.accepted", "order.held"]
        )
        self.assertEqual(sent[-1]["data"]["reference"], order.name)
        self.assertEqual(sent[-1]["data"]["status"], "accepted")
        message = self.env["logistics.message"].search(
            [
                ("flow_code", "=", "customer.notify"),
                ("res_model", "=", "sale.order"),
                ("res_id", "=", order.id),
            ],
            order="id desc",
            limit=1,
        )
        self.assertEqual(message.state, "done")
        self.assertEqual(message.correlation_id, order.logistics_correlation_id)
        read = self.call("GET", "/orders/%s" % order.name).json()
        self.assertEqual(read["status"], "accepted")
        self.assertEqual(read["hold_reasons"], [])

    def test_confirming_the_quotation_is_an_approval_too(self):
        order = self.held_order()
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.portal_status, "accepted")

    def test_approval_needs_write_rights_on_the_order(self):
        order = self.held_order()
        with self.assertRaises(AccessError):
            order.with_user(self.user).action_portal_approve()
        self.assertEqual(order.portal_status, "held")

    def test_cancelled_in_odoo_says_so_with_webhook(self):
        with HttpPeer() as peer:
            self.subscribe(peer, ["order.cancelled"])
            answer = self.submit(self.order_body("PO-C"), "k-c").json()
            order = self.env["sale.order"].search([("name", "=", answer["reference"])])
            with self.jobs():
                order.with_user(self.salesman)._action_cancel()
            sent = self.events(peer)
        self.assertEqual(order.portal_status, "cancelled")
        self.assertEqual([e["event"] for e in sent], ["order.cancelled"])
        self.assertEqual(sent[0]["data"]["status"], "cancelled")
        self.assertEqual(
            self.call("GET", "/orders/%s" % order.name).json()["status"], "cancelled"
        )
        # Back to a quotation: held for review again, not "cancelled".
        order.action_draft()
        self.assertEqual(order.portal_status, "held")

    def test_the_portal_order_page_shows_the_status(self):
        order = self.held_order(service_preferences={"tail_lift": True})
        self.authenticate(self.user.login, self.user.login)
        page = self.url_open("/my/orders/%s" % order.id)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Held for review", page.text)
        self.assertIn("Credit limit exceeded", page.text)
        self.assertIn("Tail-lift", page.text)
        order.with_user(self.salesman).action_portal_approve()
        page = self.url_open("/my/orders/%s" % order.id)
        self.assertIn("o_logistics_portal_status", page.text)
        self.assertNotIn("Held for review", page.text)
        self.assertNotIn("Credit limit exceeded", page.text)

    def test_customer_cancel_answers_cancelled(self):
        order = self.held_order()
        response = self.call("POST", "/orders/%s/cancel" % order.name, {})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "cancelled")
        self.assertFalse(order.activity_ids, "no review left for a cancelled order")

    def test_cancelled_event_needs_the_orders_read_scope(self):
        key = self.env["logistics.api.key"]._issue(
            self.user, ["webhooks:manage"], "hooks only"
        )[1]
        response = self.call(
            "POST",
            "/webhooks",
            {"url": "http://127.0.0.1:9/hooks", "events": ["order.cancelled"]},
            key=key,
        )
        self.assertEqual(response.status_code, 403, response.text)

    # ------------------------------------------------------------------
    # preferences, contacts, windows, amendments

    def test_preferences_contact_and_window_stored_and_shown(self):
        answer = self.submit(
            self.order_body(
                "PO-P",
                delivery_address=dict(ADDRESS, phone="+32 68 00 00 00", email="d@x.be"),
                service_preferences={
                    "service_level": "express",
                    "tail_lift": True,
                    "delivery_instructions": "Back door",
                },
                requested_delivery={
                    "start": "2030-01-10T08:00:00+01:00",
                    "end": "2030-01-10T12:00:00+01:00",
                },
            ),
            "k-p",
        ).json()
        order = self.env["sale.order"].search([("name", "=", answer["reference"])])
        self.assertEqual(order.logistics_service_level, "express")
        self.assertTrue(order.logistics_tail_lift)
        self.assertEqual(order.logistics_delivery_instructions, "Back door")
        self.assertEqual(order.logistics_delivery_contact_name, "Dupont depot")
        self.assertEqual(order.logistics_delivery_contact_phone, "+32 68 00 00 00")
        self.assertEqual(order.logistics_delivery_contact_email, "d@x.be")
        self.assertEqual(str(order.requested_delivery_start), "2030-01-10 07:00:00")
        read = self.call("GET", "/orders/%s" % order.name).json()
        self.assertEqual(
            read["service_preferences"],
            {
                "service_level": "express",
                "tail_lift": True,
                "delivery_instructions": "Back door",
            },
        )
        self.assertEqual(read["delivery_contact"]["phone"], "+32 68 00 00 00")
        self.assertEqual(read["delivery_address"]["city"], "Ath")
        self.assertEqual(
            read["requested_delivery"],
            {"start": "2030-01-10T07:00:00Z", "end": "2030-01-10T11:00:00Z"},
        )

    def test_what_the_customer_asked_reaches_the_shipment(self):
        answer = self.submit(
            self.order_body(
                "PO-S",
                delivery_address=dict(ADDRESS, phone="+32 68 22 22 22"),
                service_preferences={"service_level": "economy", "tail_lift": True},
                requested_delivery={
                    "start": "2030-03-04T08:00:00Z",
                    "end": "2030-03-04T10:00:00Z",
                },
            ),
            "k-s",
        ).json()
        order = self.env["sale.order"].search([("name", "=", answer["reference"])])
        endpoint = self.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_view", "system": "tms"}
        )
        shipment = self.env["logistics.shipment"].create(
            order.picking_ids._prepare_shipment_vals(endpoint)
        )
        self.assertEqual(
            (
                str(shipment.requested_delivery_start),
                str(shipment.requested_delivery_end),
            ),
            ("2030-03-04 08:00:00", "2030-03-04 10:00:00"),
            "the window the customer asked for, start included",
        )
        self.assertEqual(shipment.service_level, "economy")
        self.assertTrue(shipment.tail_lift)
        self.assertEqual(shipment.consignee_id, order.partner_shipping_id)
        self.assertEqual(shipment.delivery_contact_phone, "+32 68 22 22 22")
        document = shipment._canonical_document()
        self.assertEqual(document["delivery_contact"]["name"], "Dupont depot")
        self.assertIs(document["route_constraints"]["tail_lift"], True)

    def test_amendment_is_reflected_in_the_order(self):
        order = self.held_order()
        response = self.call(
            "PATCH",
            "/orders/%s" % order.name,
            {
                "service_preferences": {"tail_lift": True},
                "delivery_address": ADDRESS,
                "requested_delivery": {
                    "start": "2030-02-01T09:00:00Z",
                    "end": "2030-02-01T11:00:00Z",
                },
                "notes": "Call first",
            },
        )
        self.assertEqual(response.status_code, 200, response.text)
        amended = response.json()
        self.assertEqual(amended.pop("pending_review"), [])
        self.assertIs(amended["service_preferences"]["tail_lift"], True)
        self.assertEqual(amended["service_preferences"]["service_level"], "standard")
        self.assertEqual(amended["delivery_address"]["street"], "Quai 1")
        self.assertEqual(amended["requested_delivery"]["end"], "2030-02-01T11:00:00Z")
        self.assertEqual(amended["notes"], "Call first")
        read = self.call("GET", "/orders/%s" % order.name).json()
        # Each answer carries its own request's correlation ID.
        self.assertNotEqual(read.pop("correlation_id"), amended.pop("correlation_id"))
        self.assertEqual(read, amended, "what the amendment answered is the order")
        self.assertTrue(order.logistics_tail_lift)

    def test_addresses_by_value_reuse_an_identical_contact(self):
        first = self.submit(self.order_body("PO-1", delivery_address=ADDRESS), "k1")
        second = self.submit(
            self.order_body(
                "PO-2", delivery_address=dict(ADDRESS, phone="+32 68 11 11 11")
            ),
            "k2",
        )
        other_street = self.submit(
            self.order_body("PO-3", delivery_address=dict(ADDRESS, street="Quai 2")),
            "k3",
        )
        rival = self.submit(
            self.order_body("R-1", delivery_address=ADDRESS), "k4", key=self.other_key
        )
        ids = [
            r.json()["delivery_address_id"]
            for r in (first, second, other_street, rival)
        ]
        self.assertEqual(ids[0], ids[1], "identical address: the same contact")
        self.assertNotEqual(ids[0], ids[2], "another street: another contact")
        self.assertNotIn(ids[3], ids[:3], "another customer's contact is never used")
        depots = self.env["res.partner"].search(
            [("parent_id", "=", self.customer.id), ("name", "=", "Dupont depot")]
        )
        self.assertEqual(len(depots), 2)
        # The phone given with the second order is the order's contact, not
        # written over the shared address.
        order = self.env["sale.order"].search(
            [("name", "=", second.json()["reference"])]
        )
        self.assertEqual(order.logistics_delivery_contact_phone, "+32 68 11 11 11")
        self.assertFalse(order.partner_shipping_id.phone)

    # ------------------------------------------------------------------
    # ownership: portal rows, a conflict decided by a manager

    def test_ownership_matrix_has_portal_and_odoo_rows(self):
        Ownership = self.env["logistics.field.ownership"]
        owners = Ownership._owners("sale.order")
        for name in (
            "order_line",
            "commitment_date",
            "partner_shipping_id",
            "logistics_service_level",
            "logistics_delivery_contact_phone",
        ):
            self.assertEqual(owners[name], "portal", name)
        self.assertEqual(owners["state"], "odoo")
        self.assertEqual(Ownership._owners("logistics.shipment")["package_ids"], "odoo")

    def test_amendment_of_an_odoo_owned_field_is_a_conflict_a_manager_decides(self):
        row = self.env.ref("logistics_portal_api.ownership_sale_order_portal_notes")
        row.owner = "odoo"
        order = self.held_order(notes="First")
        answer = self.call(
            "PATCH",
            "/orders/%s" % order.name,
            {"notes": "Second", "service_preferences": {"service_level": "economy"}},
        ).json()
        self.assertEqual(answer["pending_review"], ["portal_notes"])
        self.assertEqual(answer["notes"], "First")
        self.assertEqual(order.logistics_service_level, "economy", "portal-owned")
        conflict = self.env["logistics.ownership.conflict"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", order.id)]
        )
        self.assertEqual(
            (conflict.field_name, conflict.owner, conflict.source, conflict.state),
            ("portal_notes", "odoo", "portal", "open"),
        )
        self.assertTrue(conflict.message_id.has_conflict)
        with self.assertRaises(AccessError):
            conflict.with_user(self.salesman).action_accept()
        conflict.with_user(self.manager).action_accept()
        self.assertEqual(order.portal_notes, "Second")
        self.assertEqual(conflict.state, "accepted")
        self.assertEqual(conflict.decided_by_id, self.manager)
        audit = self.env["logistics.audit.log"].search(
            [
                ("action", "=", "ownership_conflict_decided"),
                ("res_model", "=", "sale.order"),
                ("res_id", "=", order.id),
            ]
        )
        self.assertEqual(audit.resolution, "accepted")
        self.assertEqual(audit.user_id, self.manager)
        with self.assertRaises(UserError):
            conflict.with_user(self.manager).action_reject()

    def test_rejected_conflict_keeps_the_owner_value(self):
        self.env.ref(
            "logistics_portal_api.ownership_sale_order_commitment_date"
        ).owner = "odoo"
        order = self.held_order()
        promised = order.commitment_date
        answer = self.call(
            "PATCH",
            "/orders/%s" % order.name,
            {
                "requested_delivery": {
                    "start": "2030-02-01T09:00:00Z",
                    "end": "2030-02-01T11:00:00Z",
                }
            },
        ).json()
        self.assertEqual(answer["pending_review"], ["commitment_date"])
        conflict = self.env["logistics.ownership.conflict"].search(
            [("res_id", "=", order.id), ("field_name", "=", "commitment_date")]
        )
        conflict.with_user(self.manager).action_reject()
        self.assertEqual(conflict.state, "rejected")
        self.assertEqual(order.commitment_date, promised)
        self.assertTrue(
            self.env["logistics.audit.log"].search_count(
                [
                    ("action", "=", "ownership_conflict_decided"),
                    ("resolution", "=", "rejected"),
                    ("res_id", "=", order.id),
                ]
            )
        )
