"""Flow handlers decide outcomes; the controller alone turns them into HTTP."""

from odoo.tests import tagged

from odoo.addons.logistics_integration_base.lib import outcome
from odoo.addons.logistics_integration_base.tests.common import run_migration

from .common import PortalApiCase


def _legacy(response):
    """The result a handler stored for this answer before outcomes existed."""
    body = response.json()
    body.pop("correlation_id")
    if response.status_code >= 400:
        body = {"error": body["error"]}
        if body["error"]["code"] == "order_rejected":
            body["status"] = "rejected"
    return {"http_status": response.status_code, "body": body}


@tagged("post_install", "-at_install")
class TestOutcomes(PortalApiCase):
    def last_message(self, flow):
        return self.env["logistics.message"].search(
            [("flow_code", "=", flow)], order="id desc", limit=1
        )

    def submit_as(self, body, idempotency_key, correlation_id):
        return self.call(
            "POST",
            "/orders",
            body,
            headers={
                "Idempotency-Key": idempotency_key,
                "X-Correlation-ID": correlation_id,
            },
        )

    def test_results_are_outcomes_and_replays_answer_the_same(self):
        # The same JSON (a replay reads the result back from a jsonb column,
        # which orders the keys its own way, as it did before outcomes).
        accepted = self.submit_as(self.order_body("PO-A"), "k-a", "c-a")
        self.assertEqual(accepted.status_code, 201, accepted.text)
        result = self.last_message("order.submit").result
        self.assertEqual(result["outcome"], outcome.CREATED)
        self.assertNotIn("http_status", result)
        refused = self.submit_as(self.order_body("PO-R", code="NOPE"), "k-r", "c-r")
        self.assertEqual(refused.status_code, 422, refused.text)
        stored = self.last_message("order.submit").result
        self.assertEqual(stored["outcome"], outcome.REFUSED)
        self.assertEqual(stored["problems"][0]["pointer"], "/lines/0/product_code")
        for first, body, key, correlation_id in (
            (accepted, self.order_body("PO-A"), "k-a", "c-a"),
            (refused, self.order_body("PO-R", code="NOPE"), "k-r", "c-r"),
        ):
            replay = self.submit_as(body, key, correlation_id)
            self.assertEqual(replay.status_code, first.status_code)
            self.assertEqual(replay.json(), first.json())

    def test_conflict_outcome_is_409_first_and_on_replay(self):
        self.customer.credit_limit = 100.0  # held: a quotation, cancellable
        reference = self.submit(self.order_body("PO-C"), "k-c").json()["reference"]
        self.assertEqual(
            self.call("POST", "/orders/%s/cancel" % reference).status_code, 200
        )
        self.assertEqual(
            self.last_message("order.cancel").result["outcome"], outcome.APPLIED
        )
        headers = {"Idempotency-Key": "k-amend", "X-Correlation-ID": "c-amend"}
        first = self.call(
            "PATCH", "/orders/" + reference, {"notes": "x"}, headers=headers
        )
        self.assertEqual(first.status_code, 409, first.text)
        self.assertEqual(first.json()["error"]["code"], "order_released")
        self.assertEqual(
            self.last_message("order.amend").result["outcome"], outcome.STATE_CONFLICT
        )
        again = self.call(
            "PATCH", "/orders/" + reference, {"notes": "x"}, headers=headers
        )
        self.assertEqual(again.status_code, 409)
        self.assertEqual(again.json(), first.json())

    def test_migration_converts_stored_answers_replayed_unchanged(self):
        """Results stored as {"http_status", "body"} before 18.0.1.2.0 answer the
        same replays once migrated (same status, same JSON)."""
        self.customer.credit_limit = 100.0  # held: a quotation, cancellable
        calls = [
            ("POST", "/orders", self.order_body("PO-M"), "k-m"),
            ("POST", "/orders", self.order_body("PO-X", code="NOPE"), "k-x"),
        ]
        firsts = []
        for method, path, body, key in calls:
            headers = {"Idempotency-Key": key, "X-Correlation-ID": "c-" + key}
            first = self.call(method, path, body, headers=headers)
            self.last_message("order.submit").result = _legacy(first)
            firsts.append(first)
        reference = firsts[0].json()["reference"]
        self.call("POST", "/orders/%s/cancel" % reference)
        headers = {"Idempotency-Key": "k-late", "X-Correlation-ID": "c-k-late"}
        late = ("PATCH", "/orders/" + reference, {"notes": "x"}, "k-late")
        first = self.call("PATCH", late[1], late[2], headers=headers)
        self.assertEqual(first.status_code, 409)
        self.last_message("order.amend").result = _legacy(first)
        calls.append(late)
        firsts.append(first)
        self.env.flush_all()
        run_migration(self.env.cr, __file__, "18.0.1.2.0", "post-migrate", "18.0.1.1.0")
        self.env.invalidate_all()
        for (method, path, body, key), first in zip(calls, firsts, strict=True):
            headers = {"Idempotency-Key": key, "X-Correlation-ID": "c-" + key}
            replay = self.call(method, path, body, headers=headers)
            self.assertEqual(replay.status_code, first.status_code, path)
            self.assertEqual(replay.json(), first.json(), path)
        kinds = self.env["logistics.message"].search(
            [("flow_code", "in", ("order.submit", "order.amend"))], order="id"
        )
        self.assertEqual(
            [m.result["outcome"] for m in kinds],
            [outcome.CREATED, outcome.REFUSED, outcome.STATE_CONFLICT],
        )
