"""The TMS webhook accepts a replaced HMAC secret during its overlap only."""

import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import config

from odoo.addons.logistics_integration_base.lib import crypto, signature

OLD, NEW = "tms-whsec-old-0001", "tms-whsec-new-0002"
URL = "/logistics/tms/rotating_tms/events"


@tagged("post_install", "-at_install")
class TestWebhookSecretRotation(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(
            patch.dict(config.options, logistics_secret_keys=crypto.generate_key())
        )
        cls.endpoint = cls.env["logistics.endpoint"].create(
            {"name": "Rotating TMS", "code": "rotating_tms", "system": "tms"}
        )
        Secret = cls.env["logistics.endpoint.secret"]
        cls.old = Secret.create(
            {"endpoint_id": cls.endpoint.id, "kind": "hmac", "value": OLD}
        )
        Secret.create({"endpoint_id": cls.endpoint.id, "kind": "hmac", "value": NEW})

    def _post(self, secret, event_id):
        event = {
            "event_id": event_id,
            "event_type": "shipment.milestone",
            "occurred_at": "2026-11-27T10:00:00Z",
            "sequence": 1,
            "aggregate": {"type": "shipment", "id": "TMS-000999"},
            "data": {"shipment_id": "TMS-000999", "status_code": "IN_TRANSIT"},
        }
        raw = json.dumps({"events": [event]}).encode()
        headers = signature.signed_headers(secret, raw)
        headers["Content-Type"] = "application/json"
        return self.url_open(URL, data=raw, headers=headers)

    def _stored(self, event_id):
        return self.env["logistics.message"].search_count(
            [("endpoint_id", "=", self.endpoint.id), ("external_id", "=", event_id)]
        )

    def test_old_secret_accepted_during_overlap(self):
        self.assertGreater(self.old.expires_at, fields.Datetime.now())
        self.assertEqual(self._post(OLD, "EV-OLD").status_code, 202)
        self.assertEqual(self._post(NEW, "EV-NEW").status_code, 202)
        self.assertEqual(self._stored("EV-OLD") + self._stored("EV-NEW"), 2)

    def test_old_secret_refused_once_expired(self):
        # The overlap window has passed (what 24 hours would do).
        self.old.expires_at = fields.Datetime.now() - timedelta(seconds=1)
        response = self._post(OLD, "EV-LATE")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"]["details"]["reason"], "mismatch")
        self.assertEqual(self._stored("EV-LATE"), 0)
        self.assertEqual(self._post(NEW, "EV-NEW2").status_code, 202)
