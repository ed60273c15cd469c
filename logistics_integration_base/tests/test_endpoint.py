from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, config

from ..lib import crypto, errors
from .common import TEST_KEY, IntegrationCase

PLAIN_SECRET = "s3cr3t-api-key-0042"


@tagged("post_install", "-at_install")
class TestEndpoint(IntegrationCase):
    def _stored_token(self, secret):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT encrypted_value FROM logistics_endpoint_secret WHERE id = %s",
                secret.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def test_secret_unreadable_in_database_and_never_shown(self):
        secret = self.env["logistics.endpoint.secret"].create(
            {"endpoint_id": self.endpoint.id, "kind": "api_key", "value": PLAIN_SECRET}
        )
        token = self._stored_token(secret)
        self.assertNotIn(PLAIN_SECRET, token)
        self.assertFalse(secret.value, "the plaintext is never read back")
        self.assertEqual(secret.masked_value, crypto.mask(PLAIN_SECRET))
        self.assertEqual(self.endpoint._secret("api_key"), PLAIN_SECRET)

    def test_rotation_reencrypts_under_the_new_primary_key(self):
        secret = self.env["logistics.endpoint.secret"].create(
            {"endpoint_id": self.endpoint.id, "kind": "password", "value": PLAIN_SECRET}
        )
        old_token = self._stored_token(secret)
        new_key = crypto.generate_key()
        with patch.dict(
            config.options, logistics_secret_keys="%s,%s" % (new_key, TEST_KEY)
        ):
            rotated = self.env["logistics.endpoint.secret"]._rotate_all()
            self.assertGreaterEqual(rotated, 1)
            new_token = self._stored_token(secret)
            self.assertNotEqual(new_token, old_token)
            self.assertEqual(secret._plaintext(), PLAIN_SECRET)
        # The old key alone can no longer read it: rotation is complete.
        with self.assertRaises(errors.PermanentError):
            crypto.SecretBox(crypto.parse_keys(TEST_KEY)).decrypt(new_token)
        audit = self.env["logistics.audit.log"].search(
            [("action", "=", "secret_rotation")], limit=1
        )
        self.assertNotIn(PLAIN_SECRET, audit.details)

    def test_production_endpoint_refused_from_non_production_database(self):
        production = self.env["logistics.endpoint"].create(
            {
                "name": "Live TMS",
                "code": "live_tms",
                "system": "tms",
                "environment": "production",
                "base_url": "https://tms.invalid/api",
            }
        )
        with self.assertRaisesRegex(errors.PermanentError, "not marked as production"):
            production._request("POST", "shipments", "corr-x", json={})

    def test_plain_http_refused_for_production(self):
        with self.assertRaises(ValidationError):
            self.env["logistics.endpoint"].create(
                {
                    "name": "Live TMS",
                    "code": "live_http",
                    "system": "tms",
                    "environment": "production",
                    "base_url": "http://tms.invalid/api",
                }
            )

    def test_invalid_backoff_schedule_refused(self):
        with self.assertRaises(ValidationError):
            self.endpoint.backoff_schedule = "soon, later"

    def test_connection_refused_is_retryable_with_correlation(self):
        # Port 9 (discard) on loopback: nothing listens, the call fails fast.
        with self.assertRaises(errors.RetryableError) as caught:
            self.endpoint._request("GET", "ping", "corr-retry")
        self.assertEqual(caught.exception.system, "tms")
