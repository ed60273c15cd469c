import json
import re

import psycopg2

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.logistics_integration_base.models.logistics_endpoint import (
    OUTBOUND_ALLOW_LIST_PARAM,
)
from odoo.addons.logistics_integration_base.tests.http_peer import HttpPeer

from .common import PortalApiCase


@tagged("post_install", "-at_install")
class TestServiceRequests(PortalApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(OUTBOUND_ALLOW_LIST_PARAM, "127.0.0.1")
        cls.agent = new_test_user(
            cls.env,
            login="sr-agent",
            groups="base.group_user,sales_team.group_sale_salesman,"
            "logistics_tms_connector.group_tms_user",
            name="Service Agent",
        )
        cls.env.company.logistics_service_request_user_id = cls.agent
        cls.endpoint = cls.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_service_requests", "system": "tms"}
        )
        cls.shipment = cls._shipment(cls.customer)
        cls.their_shipment = cls._shipment(cls.other)

    @classmethod
    def _shipment(cls, customer):
        return cls.env["logistics.shipment"].create(
            {
                "endpoint_id": cls.endpoint.id,
                "partner_id": customer.id,
                "shipper_id": cls.env.company.partner_id.id,
                "consignee_id": customer.id,
                "status": "in_transit",
            }
        )

    def ask(self, body, idempotency_key="sr-1", key=None):
        return self.call(
            "POST",
            "/service-requests",
            body,
            key=key,
            headers={"Idempotency-Key": idempotency_key} if idempotency_key else {},
        )

    def body(self, **extra):
        return {
            "type": "appointment_change",
            "shipment": self.shipment.name,
            "description": "Please deliver on Tuesday morning instead.",
            **extra,
        }

    def requests(self):
        """The requests of this test's customers (the database may hold others)."""
        return self.env["logistics.service.request"].search(
            [("partner_id", "in", (self.customer | self.other).ids)]
        )

    # ------------------------------------------------------------------
    # the loop: API → activity → answer in Odoo → API, webhook

    def test_request_from_the_api_is_answered_in_odoo_and_pushed(self):
        with HttpPeer() as peer:
            subscribed = self.call(
                "POST",
                "/webhooks",
                {"url": peer.url + "/hooks", "events": ["service_request.answered"]},
            )
            self.assertEqual(subscribed.status_code, 201, subscribed.text)
            response = self.ask(self.body())
            self.assertEqual(response.status_code, 201, response.text)
            created = response.json()
            self.assertEqual(created["status"], "new")
            self.assertEqual(created["shipment"], self.shipment.name)
            self.assertIsNone(created["answer"])
            request = self.requests()
            self.assertEqual(request.name, created["reference"])
            self.assertEqual(request.partner_id, self.customer)
            self.assertEqual(request.user_id, self.agent)
            # The request came through the message log.
            message = self.env["logistics.message"].search(
                [
                    ("flow_code", "=", "service_request.create"),
                    ("partner_id", "=", self.customer.id),
                ]
            )
            self.assertEqual(message.state, "done")
            self.assertEqual(
                (message.res_model, message.res_id), (request._name, request.id)
            )
            # The responsible got a to-do.
            [activity] = request.activity_ids
            self.assertEqual(activity.user_id, self.agent)
            self.assertIn(created["reference"], activity.summary)

            # Answered in Odoo by the agent, through the wizard.
            action = request.with_user(self.agent).action_answer_wizard()
            wizard = (
                self.env[action["res_model"]]
                .with_user(self.agent)
                .with_context(**action["context"])
                .create({"answer": "New slot: Tuesday 8:00-10:00."})
            )
            with self.jobs():
                wizard.action_confirm()
            self.assertEqual(request.status, "answered")
            self.assertEqual(request.answered_by_id, self.agent)
            self.assertTrue(request.answered_at)
            self.assertFalse(request.activity_ids)  # done
            self.assertIn(
                "Tuesday 8:00-10:00",
                " ".join(request.message_ids.mapped(lambda m: str(m.body))),
            )
            # Pushed to the customer's webhook, signed, through the message log.
            [delivery] = peer.requests
            sent = json.loads(delivery["body"])
            self.assertEqual(sent["event"], "service_request.answered")
            self.assertEqual(sent["data"]["reference"], created["reference"])
            self.assertEqual(sent["data"]["answer"], "New slot: Tuesday 8:00-10:00.")

        # And read back through the API.
        one = self.call("GET", "/service-requests/%s" % created["reference"]).json()
        self.assertEqual(one["status"], "answered")
        self.assertEqual(one["answer"], "New slot: Tuesday 8:00-10:00.")
        listed = self.call("GET", "/service-requests?status=answered").json()
        self.assertEqual(
            [r["reference"] for r in listed["items"]], [created["reference"]]
        )
        self.assertEqual(
            self.call("GET", "/service-requests?status=new").json()["total"], 0
        )

    def test_a_replay_answers_the_first_request_and_a_reused_key_conflicts(self):
        first = self.ask(self.body())
        again = self.ask(self.body())
        self.assertEqual(again.status_code, 201)
        self.assertEqual(again.json()["reference"], first.json()["reference"])
        self.assertEqual(len(self.requests()), 1)
        other = self.ask(self.body(description="Another thing"))
        self.assertEqual(other.status_code, 409)
        # The other customer's same key is its own.
        theirs = self.ask(
            self.body(shipment=self.their_shipment.name), key=self.other_key
        )
        self.assertEqual(theirs.status_code, 201, theirs.text)
        self.assertEqual(len(self.requests()), 2)

    def test_a_request_about_an_order(self):
        order = self.submit(self.order_body("PO-SR"), "order-sr").json()["reference"]
        response = self.ask(
            {"type": "special_handling", "order": order, "description": "Tail lift"}
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["order"], order)
        self.assertIsNone(response.json()["shipment"])
        record = self.env["sale.order"].search([("name", "=", order)])
        self.assertEqual(record.with_user(self.agent).service_request_count, 1)

    # ------------------------------------------------------------------
    # bad input: a clear answer, nothing created

    def assertRefused(self, response, status, *pointers):
        self.assertEqual(response.status_code, status, response.text)
        error = response.json()["error"]
        self.assertEqual(sorted(d["pointer"] for d in error["details"]), list(pointers))
        return error

    def test_another_customers_shipment_or_order_is_not_found(self):
        self.assertRefused(
            self.ask(self.body(shipment=self.their_shipment.name)), 404, "/shipment"
        )
        theirs = self.submit(
            self.order_body("PO-THEIRS"), "k-theirs", key=self.other_key
        ).json()["reference"]
        self.assertRefused(
            self.ask(
                {"type": "pod_copy", "order": theirs, "description": "POD please"},
                "sr-2",
            ),
            404,
            "/order",
        )
        self.assertRefused(
            self.ask(self.body(shipment="SHP-NOPE"), "sr-3"), 404, "/shipment"
        )
        self.assertFalse(self.requests())

    def test_bad_bodies_get_422_with_pointers(self):
        both = self.ask(self.body(order="S00001"))
        self.assertRefused(both, 422, "/order")
        self.assertRefused(
            self.ask({"type": "pod_copy", "description": "x"}, "sr-2"), 422, ""
        )
        bad_type = self.ask(self.body(type="teleport"), "sr-3")
        self.assertEqual(bad_type.status_code, 422)
        self.assertIn(
            "/type", [d["pointer"] for d in bad_type.json()["error"]["details"]]
        )
        empty = self.ask(self.body(description=""), "sr-4")
        self.assertEqual(empty.status_code, 422)
        self.assertEqual(self.ask(self.body(), None).status_code, 400)
        self.assertFalse(self.requests())

    def test_scopes_and_other_customers_requests(self):
        created = self.ask(self.body()).json()["reference"]
        self.assertEqual(
            self.call(
                "GET", "/service-requests/%s" % created, key=self.other_key
            ).status_code,
            404,
        )
        self.assertEqual(
            self.call("GET", "/service-requests", key=self.other_key).json()["total"],
            0,
        )
        _key, reader = self.env["logistics.api.key"]._issue(
            self.user, ["shipments:read"], "reader"
        )
        self.assertEqual(self.ask(self.body(), "sr-9", key=reader).status_code, 403)
        self.assertEqual(
            self.call("GET", "/service-requests", key=reader).status_code, 403
        )
        with HttpPeer() as peer:
            refused = self.call(
                "POST",
                "/webhooks",
                {"url": peer.url, "events": ["service_request.answered"]},
                key=reader,
            )
        self.assertEqual(refused.status_code, 403)

    # ------------------------------------------------------------------
    # the workflow in Odoo

    def _request(self, **vals):
        return self.env["logistics.service.request"].create(
            {
                "request_type": "pod_copy",
                "partner_id": self.customer.id,
                "shipment_id": self.shipment.id,
                "description": "A copy of the POD, please.",
                **vals,
            }
        )

    def test_workflow_rules(self):
        request = self._request().with_user(self.agent)
        request.action_start()
        self.assertEqual(request.status, "in_progress")
        with self.assertRaisesRegex(UserError, "answer text"):
            request._answer("answered", "  ")
        request._answer("refused", "We keep PODs 90 days only.")
        self.assertEqual(request.status, "refused")
        with self.assertRaisesRegex(UserError, "closed"):
            request._answer("answered", "After all, here it is.")
        with self.assertRaisesRegex(UserError, "closed"):
            request._workflow_write({"status": "new"})
        with self.assertRaisesRegex(UserError, "closed"):
            request.action_cancel()

    def test_only_the_workflow_writes_status_and_answer(self):
        request = self._request().with_user(self.agent)
        with self.assertRaisesRegex(UserError, "buttons"):
            request.write({"status": "answered"})
        # A client's context value is not the server's flag (lib/trust.py).
        with self.assertRaisesRegex(UserError, "buttons"):
            request.with_context(logistics_service_request_workflow=True).write(
                {"answer": "Forged", "answered_by_id": self.agent.id}
            )
        with self.assertRaisesRegex(UserError, "cannot change"):
            request.write({"partner_id": self.other.id})
        request.write({"user_id": self.env.user.id})  # reassigning is fine
        self.assertEqual(request.status, "new")
        self.assertFalse(request.answer)

    def test_staff_logs_a_request_and_the_shipment_and_order_count_it(self):
        form = Form(self.env["logistics.service.request"].with_user(self.agent))
        form.partner_id = self.customer
        form.shipment_id = self.shipment
        form.request_type = "extra_pickup"
        form.description = "Phoned in: one more pallet tomorrow."
        request = form.save()
        self.assertEqual(request.status, "new")
        self.assertTrue(request.name.startswith("SR-"))
        self.assertEqual(request.activity_ids.user_id, self.agent)
        shipment = self.shipment.with_user(self.agent)
        self.assertEqual(shipment.service_request_count, 1)
        self.assertEqual(
            self.env["logistics.service.request"].search(
                shipment.action_view_service_requests()["domain"]
            ),
            request,
        )

    def test_the_subject_must_be_one_and_the_customers(self):
        with self.assertRaises(ValidationError):
            self._request(shipment_id=self.their_shipment.id)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.IntegrityError),
            self.cr.savepoint(),
        ):
            self._request(shipment_id=False)

    def test_customers_cannot_work_on_requests(self):
        request = self._request()
        portal_request = request.with_user(self.user)
        self.assertEqual(portal_request.read(["status"])[0]["status"], "new")
        for action in ("action_start", "action_cancel", "action_answer_wizard"):
            with self.assertRaises(AccessError):
                getattr(portal_request, action)()
        with self.assertRaises(AccessError):
            portal_request._answer("answered", "I answer myself.")
        with self.assertRaises(AccessError):
            self._request().with_user(self.other_user).read(["status"])

    def test_a_team_setting_gives_the_activity_to_its_leader(self):
        leader = new_test_user(
            self.env,
            login="sr-leader",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        team = self.env["crm.team"].create(
            {"name": "Customer care", "user_id": leader.id}
        )
        self.env.company.write(
            {
                "logistics_service_request_user_id": False,
                "logistics_service_request_team_id": team.id,
            }
        )
        request = self._request()
        self.assertEqual((request.user_id, request.team_id), (leader, team))
        self.assertEqual(request.activity_ids.user_id, leader)

    # ------------------------------------------------------------------
    # portal

    def test_portal_form_creates_a_request_and_the_list_shows_the_answer(self):
        self.authenticate(self.user.login, self.user.login)
        page = self.url_open("/my/shipments/%s" % self.shipment.id)
        self.assertIn("o_logistics_service_request_form", page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        form = {
            "csrf_token": csrf,
            "token": "portal-token-0123456789",
            "type": "extra_pickup",
            "description": "Two more pallets at the back door.",
        }
        url = "/my/shipments/%s/service-requests" % self.shipment.id
        sent = self.url_open(url, data=form, allow_redirects=False)
        self.assertEqual(sent.status_code, 303)
        self.assertIn("/my/service-requests?created=", sent.headers["Location"])
        # A double submission of the same form creates nothing more.
        self.url_open(url, data=form, allow_redirects=False)
        request = self.requests()
        self.assertEqual(len(request), 1)
        self.assertEqual(request.requested_by_id, self.user.partner_id)
        self.assertEqual(
            self.env["logistics.message"]
            .search(
                [
                    ("flow_code", "=", "service_request.create"),
                    ("partner_id", "=", self.user.partner_id.id),
                    ("state", "=", "done"),
                ]
            )
            .res_id,
            request.id,
        )
        request.with_user(self.agent)._answer("answered", "Pickup booked for 14:00.")
        listing = self.url_open("/my/service-requests").text
        self.assertIn(request.name, listing)
        self.assertIn("Pickup booked for 14:00.", listing)
        # Another customer's shipment: no request, back to /my.
        theirs = self.url_open(
            "/my/shipments/%s/service-requests" % self.their_shipment.id,
            data=dict(form, token="portal-token-other-0123"),
            allow_redirects=False,
        )
        self.assertEqual(theirs.status_code, 303)
        self.assertEqual(len(self.requests()), 1)
        # An incomplete form: back to the shipment, nothing made.
        incomplete = self.url_open(
            url,
            data=dict(form, type="", token="portal-token-incomplete"),
            allow_redirects=False,
        )
        self.assertIn("service_request_error", incomplete.headers["Location"])
        self.assertEqual(len(self.requests()), 1)
        # The other customer does not see it.
        self.authenticate(self.other_user.login, self.other_user.login)
        self.assertNotIn(request.name, self.url_open("/my/service-requests").text)

    def test_portal_tour_asks_and_reads_the_answer(self):
        answered = self._request()
        answered.with_user(self.agent)._answer("answered", "Your POD copy is attached.")
        self.start_tour(
            "/my", "logistics_portal_service_requests", login=self.user.login
        )
        asked = self.requests() - answered
        self.assertEqual(asked.request_type, "special_handling")
        self.assertEqual(asked.shipment_id, self.shipment)
