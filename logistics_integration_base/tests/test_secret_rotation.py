"""HMAC secrets rotate with an overlap window, then the old one expires alone."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import Form, tagged

from ..lib import errors, signature
from .common import IntegrationCase

OLD, NEW, NEWER = "whsec-old-0001", "whsec-new-0002", "whsec-newer-0003"
BODY = b'{"event_id":"EV-1"}'


@tagged("post_install", "-at_install")
class TestSecretRotation(IntegrationCase):
    def setUp(self):
        super().setUp()
        self.Secret = self.env["logistics.endpoint.secret"]
        self.old = self.Secret.create(
            {"endpoint_id": self.endpoint.id, "kind": "hmac", "value": OLD}
        )

    def _verify(self, secret_used):
        """Index of the matching secret, as the TMS webhook verifies a request."""
        headers = signature.signed_headers(secret_used, BODY)
        return signature.verify(
            self.endpoint._secrets("hmac"),
            headers[signature.TIMESTAMP_HEADER],
            headers[signature.SIGNATURE_HEADER],
            BODY,
        )

    def test_new_secret_signs_old_one_accepted_during_overlap_only(self):
        self.assertFalse(self.old.expires_at, "a lone secret never expires")
        now = fields.Datetime.now()
        with freeze_time(now):
            self.Secret.create(
                {"endpoint_id": self.endpoint.id, "kind": "hmac", "value": NEW}
            )
        self.assertEqual(self.old.expires_at, now + timedelta(hours=24))
        self.assertEqual(self.endpoint._secret("hmac"), NEW, "the newest signs")
        self.assertEqual(self.endpoint._secrets("hmac"), [NEW, OLD])
        self.assertEqual(self._verify(OLD), 1)
        with freeze_time(now + timedelta(hours=23, minutes=59)):
            self.assertEqual(self.endpoint._secrets("hmac"), [NEW, OLD])
        with freeze_time(now + timedelta(hours=24, seconds=1)):
            self.assertEqual(self.endpoint._secrets("hmac"), [NEW])
            with self.assertRaises(errors.SignatureError) as caught:
                self._verify(OLD)
            self.assertEqual(caught.exception.reason, errors.SIGNATURE_MISMATCH)
            self.assertEqual(self._verify(NEW), 0)
        audit = self.env["logistics.audit.log"].search(
            [("action", "=", "secret_rotation"), ("endpoint_id", "=", self.endpoint.id)]
        )
        self.assertEqual(len(audit), 1)
        self.assertNotIn(OLD, audit.details, "no secret in the audit trail")

    def test_overlap_is_configured_per_endpoint(self):
        self.endpoint.secret_overlap_hours = 2
        now = fields.Datetime.now()
        with freeze_time(now):
            self.Secret.create(
                {"endpoint_id": self.endpoint.id, "kind": "hmac", "value": NEW}
            )
        self.assertEqual(self.old.expires_at, now + timedelta(hours=2))
        self.endpoint.secret_overlap_hours = 0
        with freeze_time(now + timedelta(minutes=1)):
            self.Secret.create(
                {"endpoint_id": self.endpoint.id, "kind": "hmac", "value": NEWER}
            )
            # No overlap: both older secrets end now, the newest alone is valid.
            self.assertEqual(self.endpoint._secrets("hmac"), [NEWER])

    def test_typing_a_new_value_over_the_secret_rotates_it(self):
        with Form(self.endpoint) as form, form.secret_ids.edit(0) as line:
            line.value = NEW
        secrets = self.endpoint.secret_ids.filtered(lambda s: s.kind == "hmac")
        self.assertEqual(len(secrets), 2, "the old secret was kept, not overwritten")
        self.assertEqual(self.endpoint._secrets("hmac"), [NEW, OLD])
        self.assertTrue(self.old.expires_at)

    def test_other_kinds_are_replaced_at_once(self):
        key = self.Secret.create(
            {"endpoint_id": self.endpoint.id, "kind": "api_key", "value": OLD}
        )
        key.value = NEW
        self.assertEqual(self.endpoint._secrets("api_key"), [NEW])
        self.assertFalse(key.expires_at)
