import base64
import re

from odoo import Command
from odoo.tests import tagged

from .common import PortalApiCase

PDF = b"%PDF-1.4\n% claim evidence\n%%EOF\n"


class ClaimsCase(PortalApiCase):
    """Shipments of the customers and the messages of the claim flow."""

    def _shipment(self, customer):
        endpoint = self.env["logistics.endpoint"].search(
            [("code", "=", "tms_claims")]
        ) or self.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_claims", "system": "tms"}
        )
        return self.env["logistics.shipment"].create(
            {
                "endpoint_id": endpoint.id,
                "partner_id": customer.id,
                "shipper_id": self.env.company.partner_id.id,
                "consignee_id": customer.id,
                "status": "delivered",
                "line_ids": [
                    Command.create(
                        {
                            "product_id": self.keg.id,
                            "uom_id": self.keg.uom_id.id,
                            "quantity": 4,
                        }
                    ),
                    Command.create(
                        {
                            "product_id": self.crate.id,
                            "uom_id": self.crate.uom_id.id,
                            "quantity": 2,
                        }
                    ),
                ],
            }
        )

    def setUp(self):
        super().setUp()
        self.known_messages = self.env["logistics.message"].search([]).ids

    def messages(self):
        """The messages of the claim flow this test made."""
        return self.env["logistics.message"].search(
            [("flow_code", "=", "claim.report"), ("id", "not in", self.known_messages)]
        )


@tagged("post_install", "-at_install")
class TestClaimsApi(ClaimsCase):
    """POST /claims: the customer reports damage, shortage or loss of its
    shipment; checked against the shipment, logged, taken in."""

    def report(self, body, key=None, idempotency_key=None):
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self.call("POST", "/claims", body, key=key, headers=headers)

    def body(self, shipment, **extra):
        return {
            "shipment": shipment.name,
            "kind": "damage",
            "description": "Two kegs dented, one leaking.",
            **extra,
        }

    def test_report_is_logged_and_taken_in(self):
        shipment = self._shipment(self.customer)
        response = self.report(
            self.body(
                shipment,
                lines=[{"product_code": "KEG30", "quantity": 2}],
                documents=[
                    {
                        "filename": "photo.pdf",
                        "content_base64": base64.b64encode(PDF).decode(),
                    }
                ],
            ),
            idempotency_key="claim-1",
        )
        self.assertEqual(response.status_code, 201, response.text)
        answer = response.json()
        self.assertEqual(
            (answer["shipment"], answer["kind"]), (shipment.name, "damage")
        )
        [message] = self.messages()
        self.assertRecordValues(
            message,
            [{"state": "done", "res_model": shipment._name, "res_id": shipment.id}],
        )
        if "logistics.claim" in self.env:
            # With the claims addon: a claim against the carrier, evidence on it.
            claim = self.env["logistics.claim"].search(
                [("shipment_id", "=", shipment.id)]
            )
            self.assertTrue(answer["claim_opened"])
            self.assertEqual(answer["claim"]["reference"], claim.name)
            self.assertEqual(answer["claim"]["status"], "open")
            self.assertEqual(
                answer["claim"]["lines"], [{"product_code": "KEG30", "quantity": 2.0}]
            )
            self.assertEqual(claim.source, "customer")
            self.assertIn("photo.pdf", claim.evidence_ids.mapped("name"))
        else:
            self.assertIsNone(answer["claim"])
            self.assertIn("Two kegs dented", shipment.message_ids[0].body)
        # The same report again (same key): the same answer, nothing new.
        again = self.report(
            self.body(
                shipment,
                lines=[{"product_code": "KEG30", "quantity": 2}],
                documents=[
                    {
                        "filename": "photo.pdf",
                        "content_base64": base64.b64encode(PDF).decode(),
                    }
                ],
            ),
            idempotency_key="claim-1",
        )
        self.assertEqual(again.status_code, 201)
        self.assertEqual(again.json()["claim"], answer["claim"])
        self.assertEqual(len(self.messages()), 1)

    def test_without_lines_the_whole_shipment_is_reported(self):
        shipment = self._shipment(self.customer)
        response = self.report(self.body(shipment, kind="loss"))
        self.assertEqual(response.status_code, 201, response.text)
        if "logistics.claim" in self.env:
            lines = response.json()["claim"]["lines"]
            self.assertEqual(
                lines,
                [
                    {"product_code": "KEG30", "quantity": 4.0},
                    {"product_code": "CRATE24", "quantity": 2.0},
                ],
            )

    def test_another_customers_shipment_is_unknown(self):
        shipment = self._shipment(self.other)
        response = self.report(self.body(shipment))
        self.assertEqual(response.status_code, 422)
        error = response.json()["error"]
        self.assertEqual(error["code"], "unknown_shipment")
        self.assertEqual(error["details"][0]["pointer"], "/shipment")
        self.assertFalse(self.messages())

    def test_lines_and_documents_that_do_not_fit_are_refused_with_pointers(self):
        shipment = self._shipment(self.customer)
        response = self.report(
            self.body(
                shipment,
                lines=[
                    {"product_code": "NOPE", "quantity": 1},
                    {"product_code": "KEG30", "quantity": 5},
                ],
                documents=[
                    {
                        "filename": "notes.txt",
                        "content_base64": base64.b64encode(b"hello").decode(),
                    }
                ],
            )
        )
        self.assertEqual(response.status_code, 422, response.text)
        problems = response.json()["error"]["details"]
        self.assertEqual(
            [p["pointer"] for p in problems],
            [
                "/lines/0/product_code",
                "/lines/1/quantity",
                "/documents/0/content_base64",
            ],
        )
        self.assertIn("more than the shipment holds (4)", problems[1]["reason"])
        if "logistics.claim" in self.env:
            self.assertFalse(
                self.env["logistics.claim"].search([("shipment_id", "=", shipment.id)])
            )

    def test_schema_violations_are_refused(self):
        shipment = self._shipment(self.customer)
        response = self.report(self.body(shipment, kind="theft"))
        self.assertEqual(response.status_code, 422)
        error = response.json()["error"]
        self.assertEqual(error["code"], "schema_violation")
        self.assertIn("/kind", [p["pointer"] for p in error["details"]])

    def test_reading_keys_cannot_report(self):
        shipment = self._shipment(self.customer)
        _key, read_only = self.env["logistics.api.key"]._issue(
            self.user, ["shipments:read"], "read only"
        )
        response = self.report(self.body(shipment), key=read_only)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.messages())


@tagged("post_install", "-at_install")
class TestClaimsPortal(ClaimsCase):
    """The same report from the shipment's portal page."""

    def portal_report(self, shipment, data, files=None):
        self.authenticate(self.user.login, self.user.login)
        page = self.url_open("/my/shipments/%s" % shipment.id)
        self.assertIn("Report damage, shortage or loss", page.text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self.url_open(
            "/my/shipments/%s/claim" % shipment.id,
            data=dict(data, csrf_token=token),
            files=files,
            allow_redirects=False,
        )

    def test_portal_form_reports_through_the_flow(self):
        shipment = self._shipment(self.customer)
        response = self.portal_report(
            shipment,
            {"kind": "shortage", "description": "One crate missing."},
            files={"evidence": ("photo.pdf", PDF, "application/pdf")},
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("?claim=reported"))
        [message] = self.messages()
        self.assertEqual(message.state, "done")
        self.assertEqual(message.payload["kind"], "shortage")
        if "logistics.claim" in self.env:
            claim = self.env["logistics.claim"].search(
                [("shipment_id", "=", shipment.id)]
            )
            self.assertRecordValues(claim, [{"kind": "shortage", "source": "customer"}])
            self.assertIn("photo.pdf", claim.evidence_ids.mapped("name"))
        page = self.url_open(response.headers["Location"])
        self.assertIn("Your report was received", page.text)

    def test_portal_form_refuses_what_the_schema_refuses(self):
        shipment = self._shipment(self.customer)
        response = self.portal_report(shipment, {"kind": "theft", "description": ""})
        self.assertTrue(response.headers["Location"].endswith("?claim=refused"))
        self.assertEqual(self.messages().state, "dead")
        if "logistics.claim" in self.env:
            self.assertFalse(
                self.env["logistics.claim"].search([("shipment_id", "=", shipment.id)])
            )

    def test_another_customers_shipment_cannot_be_reported(self):
        theirs = self._shipment(self.other)
        mine = self._shipment(self.customer)
        self.authenticate(self.user.login, self.user.login)
        page = self.url_open("/my/shipments/%s" % mine.id)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/my/shipments/%s/claim" % theirs.id,
            data={"kind": "damage", "description": "x", "csrf_token": token},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))
        self.assertFalse(self.messages())
