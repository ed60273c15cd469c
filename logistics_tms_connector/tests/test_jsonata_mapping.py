import json

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from odoo.addons.logistics_integration_base.lib import signature
from odoo.addons.logistics_integration_base.models.logistics_endpoint import (
    PRODUCTION_DATABASE_PARAM,
)

from ..lib import jsonata_mapping, shipped_mappings
from .common import WEBHOOK_SECRET, TmsCase

WEBHOOK_PATH = "/logistics/tms/sim_rest/events"


@tagged("post_install", "-at_install")
class TestJsonataMapping(TmsCase, HttpCase):
    """JSONata mappings: outbound to the simulator, inbound through the
    webhook, versions, audit and the editor's preview."""

    def _mapping(self, operation="release", expression=None, direction="outbound"):
        return self.env["logistics.mapping"].create(
            {
                "name": "Sim %s" % operation,
                "endpoint_id": self.endpoint.id,
                "direction": direction,
                "operation": operation,
                "expression": expression
                or shipped_mappings.expression("rest", operation),
            }
        )

    def _native_document(self, shipment):
        """A partner's tracking document: nested, epoch times, numeric codes."""
        return {
            "shipment": {"id": shipment.tms_reference, "ref": shipment.name},
            "history": [
                {"uid": "n-1", "code": 5, "ts": 1772353800, "seq": 1},
                {
                    "uid": "n-2",
                    "code": 20,
                    "ts": 1772357400,
                    "seq": 2,
                    "place": {"town": "Lyon", "cc": "FR", "tz": "Europe/Paris"},
                    "eta_local": "2026-03-02 17:00",
                },
            ],
        }

    def _post(self, body):
        raw = json.dumps(body).encode()
        headers = signature.signed_headers(WEBHOOK_SECRET, raw)
        headers["Content-Type"] = "application/json"
        return self.url_open(WEBHOOK_PATH, data=raw, headers=headers)

    # Outbound ----------------------------------------------------------

    def test_release_goes_through_the_shipped_jsonata_mapping(self):
        shipment = self.released_shipment()
        [tms_side] = self.tms.shipments().values()
        expected = jsonata_mapping.evaluate(
            shipped_mappings.expression("rest", "release"),
            shipment._canonical_document(),
        )
        self.assertEqual(tms_side["payload"], json.loads(json.dumps(expected)))
        self.assertEqual(tms_side["payload"]["items"][0]["sku"], "KEG30")

    def test_an_endpoint_mapping_decides_what_is_sent(self):
        shipped = shipped_mappings.expression("rest", "release")
        self._mapping(
            expression='$merge([%s, {"deliveryInstructions": "Mapped: " & reference}])'
            % shipped
        )
        shipment = self.released_shipment()
        [tms_side] = self.tms.shipments().values()
        self.assertEqual(
            tms_side["payload"]["deliveryInstructions"], "Mapped: %s" % shipment.name
        )

    def test_a_failing_mapping_is_a_permanent_error_of_the_message(self):
        self._mapping(expression='$epochToIso("not a time")')
        order = self.confirmed_order()
        with self.jobs():
            order.picking_ids.action_logistics_release()
        shipment = order.picking_ids.logistics_shipment_id
        message = self.env["logistics.message"].search(
            [("res_id", "=", shipment.id), ("flow_code", "=", "shipment.release")]
        )
        self.assertEqual(message.state, "dead")
        self.assertIn("$epochToIso", message.last_error)
        self.assertFalse(self.tms.shipments())

    # REST operations as configuration ----------------------------------------

    def test_rest_operations_configured_on_the_mappings_are_used(self):
        self._mapping(operation="cancel").write(
            {
                "http_method": "POST",
                "path_template": "shipments/{reference}/cancel",
                "answer_status_path": "status",
            }
        )
        operations = self.env["logistics.mapping"]._rest_operations(self.endpoint)
        self.assertEqual(operations["cancel"]["path"], "shipments/{reference}/cancel")
        shipment = self.released_shipment()
        with self.jobs():
            shipment.action_cancel()
        [tms_side] = self.tms.shipments().values()
        self.assertEqual(tms_side["status"], "cancelled")

    def test_an_error_in_a_successful_answer_makes_the_release_dead(self):
        mapping = self._mapping()
        mapping.answer_error_path = (
            'status = "accepted" ? "accepted, but the test says refused"'
        )
        order = self.confirmed_order()
        with self.jobs():
            order.picking_ids.action_logistics_release()
        message = self.env["logistics.message"].search(
            [("flow_code", "=", "shipment.release")], order="id desc", limit=1
        )
        self.assertEqual(message.state, "dead")
        self.assertIn("the test says refused", message.last_error)
        self.assertEqual(mapping.version, 2, "a REST setting is versioned too")

    def test_a_path_template_is_checked_on_save(self):
        mapping = self._mapping(operation="cancel")
        for template in ("https://elsewhere.example/x", "x/{id}", "a/../b"):
            with self.assertRaises(ValidationError):
                mapping.path_template = template

    # Versions and audit ----------------------------------------------------

    def test_every_change_is_a_new_version_the_former_kept(self):
        mapping = self._mapping(operation="cancel")
        first = mapping.expression
        mapping.expression = '{"reason": "Odoo: " & reason}'
        mapping.expression = '{"reason": "Odoo says: " & reason}'
        self.assertEqual(mapping.version, 3)
        former = mapping.version_ids.sorted("version")
        self.assertEqual(former.mapped("version"), [1, 2])
        self.assertEqual(former[0].expression, first)
        self.assertFalse(any(former.mapped("active")))
        mapping.name = "Renamed"  # not the mapping itself: no new version
        self.assertEqual(mapping.version, 3)
        mapping.write({"version": 1, "current_id": former[0].id})
        self.assertEqual(mapping.version, 3, "the history is not rewritten")
        self.assertFalse(mapping.current_id)
        self.assertEqual(
            self.env["logistics.mapping"]._expression_for(
                self.endpoint, "outbound", "cancel"
            ),
            '{"reason": "Odoo says: " & reason}',
        )

    def test_changes_are_audited_in_the_production_database_only(self):
        Audit = self.env["logistics.audit.log"]
        mapping = self._mapping(operation="cancel")
        mapping.expression = '{"reason": "test copy"}'
        domain = [("res_model", "=", mapping._name), ("res_id", "=", mapping.id)]
        self.assertFalse(Audit.search(domain), "a test database is not audited")
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(PRODUCTION_DATABASE_PARAM, params.get_param("database.uuid"))
        mapping.expression = '{"reason": "production: " & reason}'
        [entry] = Audit.search(domain)
        self.assertEqual(entry.action, "configuration")
        self.assertEqual(entry.endpoint_id, self.endpoint)
        details = json.loads(entry.details)
        self.assertEqual(details["before"]["expression"], '{"reason": "test copy"}')
        self.assertEqual(details["before"]["version"], 2)
        self.assertEqual(
            details["after"]["expression"], '{"reason": "production: " & reason}'
        )
        self.assertEqual(details["after"]["version"], 3)

    def test_an_expression_that_does_not_compile_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "S0211.*line 1, column"):
            self._mapping(expression='{"a": x,, }')

    def test_one_live_mapping_per_operation(self):
        self._mapping(operation="cancel")
        with self.assertRaises(ValidationError):
            self._mapping(operation="cancel")
        with self.assertRaises(ValidationError):
            self._mapping(operation="release", direction="inbound")

    # Preview -----------------------------------------------------------------

    def test_outbound_preview_on_a_real_shipment(self):
        shipment = self.released_shipment()
        action = self.endpoint.action_try_tms_mapping()
        preview = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({"shipment_id": shipment.id})
        )
        self.assertEqual(
            json.loads(preview.input_document),
            json.loads(json.dumps(shipment._canonical_document(), default=str)),
        )
        payload = json.loads(preview.result)
        self.assertEqual(payload["externalReference"], shipment.name)
        self.assertEqual(payload["references"]["customerPo"], "PO-4711")
        self.assertFalse(preview.problems)

    def test_inbound_preview_shows_envelopes_and_schema_problems_as_pointers(self):
        mapping = self._mapping(
            operation="events",
            direction="inbound",
            expression=shipped_mappings.example("inbound_nested_epoch"),
        )
        sample = {
            "shipment": {"id": "TMS-42", "ref": "WH/OUT/1"},
            "history": [
                {"uid": "a", "code": 5, "ts": 1772353800, "seq": 1},
                {"uid": "b", "code": 77, "ts": 1772357400, "seq": -1},
            ],
        }
        preview = self.env["logistics.mapping.preview"].create(
            {
                "mapping_id": mapping.id,
                "endpoint_id": self.endpoint.id,
                "direction": "inbound",
                "operation": "events",
                "expression": mapping.expression,
                "sample_payload": json.dumps(sample),
            }
        )
        envelopes = json.loads(preview.result)
        self.assertEqual(len(envelopes), 2)
        self.assertEqual(envelopes[0]["occurred_at"], "2026-03-01T08:30:00Z")
        self.assertEqual(envelopes[0]["data"]["status_code"], "TENDER_ACCEPTED")
        self.assertEqual(envelopes[0]["event_type"], "tender.accepted")
        # The second: an unknown code passes as is, a negative sequence does not.
        self.assertEqual(preview.problem_count, 1)
        self.assertTrue(preview.problems.startswith("/1/sequence: "))
        preview.expression = '{"event_id": "x"}'
        self.assertIn("/0: 'event_type' is a required property", preview.problems)
        preview.expression = '$epochToIso("soon")'
        self.assertIn("$epochToIso", preview.problems)

    def test_saving_the_preview_is_a_new_version(self):
        mapping = self._mapping(operation="cancel")
        preview = self.env["logistics.mapping.preview"].create(
            {
                "mapping_id": mapping.id,
                "endpoint_id": self.endpoint.id,
                "direction": "outbound",
                "operation": "cancel",
                "expression": '{"reason": "edited"}',
            }
        )
        preview.action_save()
        self.assertEqual(mapping.version, 2)
        self.assertEqual(mapping.expression, '{"reason": "edited"}')

    # Inbound -----------------------------------------------------------------

    def test_native_document_mapped_to_events_applied_to_the_shipment(self):
        shipment = self.released_shipment()
        self._mapping(
            operation="events",
            direction="inbound",
            expression=shipped_mappings.example("inbound_nested_epoch"),
        )
        response = self._post(self._native_document(shipment))
        self.assertEqual(response.status_code, 202, response.text)
        results = response.json()["results"]
        self.assertEqual(
            [(r["event_id"], r["status"]) for r in results],
            [("partner-n-1", "accepted"), ("partner-n-2", "accepted")],
        )
        with self.jobs():
            self.env["logistics.message"]._cron_dispatch_due()
        messages = self.env["logistics.message"].search(
            [("external_id", "in", ["partner-n-1", "partner-n-2"])], order="id"
        )
        self.assertEqual(messages.mapped("state"), ["done", "done"])
        self.assertEqual(messages.mapped("res_id"), [shipment.id, shipment.id])
        event = messages[1].payload
        self.assertEqual(event["occurred_at"], "2026-03-01T09:30:00Z")
        self.assertEqual(event["data"]["eta"], "2026-03-02T16:00:00Z")
        self.assertEqual(event["data"]["location"], {"city": "Lyon", "country": "FR"})
        self.assertIn("X6", shipment.milestone_ids.mapped("code"))
        self.assertEqual(shipment.status, "in_transit")

    def test_a_failing_inbound_mapping_answers_422_and_stores_nothing(self):
        self._mapping(
            operation="events", direction="inbound", expression="$epochToIso(x)"
        )
        before = self.env["logistics.message"].search_count([])
        response = self._post({"x": "yesterday"})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["error"]["code"], "mapping_failed")
        self.assertEqual(self.env["logistics.message"].search_count([]), before)
