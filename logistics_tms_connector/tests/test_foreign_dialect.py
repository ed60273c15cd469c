"""A TMS of a foreign JSON dialect connected by configuration only.

The endpoint is made by the partner template wizard from the shipped "Generic
JSON TMS (example)" (lib/partners/generic_json_tms): JSONata mappings, REST
operations, a token-paged tracking feed, OAuth2 client credentials and a
status code table. Nothing in the suite's Python knows the dialect; the TMS
is a real process (simulator/foreign_tms) over real HTTP.
"""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import TmsCase
from .foreign_tms_process import ForeignTms

CLIENT_ID = "odoo-suite"
CLIENT_SECRET = "foreign-s3cret"
# The foreign TMS's status codes, in the order a load goes through them.
LOAD_STEPS = 6


@tagged("post_install", "-at_install")
class TestForeignDialect(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.foreign = ForeignTms(CLIENT_ID, CLIENT_SECRET)
        cls.foreign.__enter__()
        cls.addClassCleanup(cls.foreign.__exit__, None, None, None)
        cls.foreign_endpoint = cls._endpoint_from_template()

    @classmethod
    def _endpoint_from_template(cls, **values):
        wizard = cls.env["logistics.endpoint.template.wizard"].create(
            {
                "template": "generic_json_tms",
                "name": "Foreign TMS",
                "code": "foreign",
                "base_url": cls.foreign.url + "/",
                "oauth_client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                **values,
            }
        )
        action = wizard.action_create()
        return cls.env["logistics.endpoint"].browse(action["res_id"])

    def setUp(self):
        super().setUp()
        self.foreign.reset()
        # Several pages per poll: the feed is followed token by token.
        self.foreign_endpoint.tms_poll_page_size = 2

    def release(self):
        return self.released_shipment(self.foreign_endpoint)

    def codes(self, shipment):
        return shipment.milestone_ids.sorted("event_time").mapped("code")

    def test_template_makes_the_whole_connection(self):
        endpoint = self.foreign_endpoint
        self.assertEqual(endpoint.auth_method, "oauth2")
        self.assertEqual(endpoint.oauth_token_url, self.foreign.url + "/oauth/token")
        self.assertTrue(endpoint.tms_poll_enabled)
        self.assertEqual(
            sorted(endpoint.tms_mapping_ids.mapped("operation")),
            ["amend", "cancel", "events", "release"],
        )
        codes = {
            row.tms_code: row.canonical_code for row in endpoint.tms_status_map_ids
        }
        self.assertEqual(codes["2000"], "D1")
        self.assertEqual(endpoint.secret_ids.mapped("kind"), ["client_secret"])

    def test_released_and_delivered_by_configuration_only(self):
        shipment = self.release()
        load = self.foreign.loads()[shipment.tms_reference]
        self.assertTrue(shipment.tms_reference.startswith("LD-"))
        self.assertEqual(load["customerRef"], shipment.name)
        delivery = load["request"]["delivery"]
        self.assertEqual(delivery["address"]["town"], "Leuze")
        self.assertEqual(delivery["address"]["countryIso"], "BE")
        self.assertEqual(load["request"]["weightKg"], 146)
        self.foreign.advance(shipment.tms_reference, LOAD_STEPS)
        self.assertEqual(self.poll(self.foreign_endpoint), LOAD_STEPS)
        self.assertEqual(shipment.status, "delivered")
        self.assertEqual(self.codes(shipment), ["TA", "X3", "AF", "X6", "OD", "D1"])
        self.assertTrue(self.foreign_endpoint.tms_poll_cursor, "resumes from a token")
        messages = self.env["logistics.message"].search(
            [
                ("endpoint_id", "=", self.foreign_endpoint.id),
                ("direction", "=", "inbound"),
            ]
        )
        self.assertEqual(len(messages), LOAD_STEPS)
        self.assertEqual(set(messages.mapped("state")), {"done"})

    def test_next_poll_goes_on_from_the_last_page(self):
        first = self.release()
        self.foreign.advance(first.tms_reference, 3)
        self.poll(self.foreign_endpoint)
        second = self.release()
        self.foreign.advance(second.tms_reference, LOAD_STEPS)
        self.foreign.advance(first.tms_reference, 3)
        self.poll(self.foreign_endpoint)
        self.assertEqual(first.status, "delivered")
        self.assertEqual(second.status, "delivered")
        self.assertEqual(len(first.milestone_ids), LOAD_STEPS, "no milestone twice")
        messages = self.env["logistics.message"].search(
            [
                ("endpoint_id", "=", self.foreign_endpoint.id),
                ("direction", "=", "inbound"),
            ]
        )
        self.assertEqual(len(messages), 2 * LOAD_STEPS, "one message per update")

    def test_link_header_pagination_by_configuration(self):
        feed = self.foreign_endpoint.tms_mapping_ids.filtered(
            lambda m: m.operation == "events"
        )
        feed.write({"feed_pagination": "link", "feed_position_param": False})
        self.assertEqual(feed.version, 2)
        shipment = self.release()
        self.foreign.advance(shipment.tms_reference, LOAD_STEPS)
        self.poll(self.foreign_endpoint)
        self.assertEqual(shipment.status, "delivered")
        self.assertIn("pageToken=", self.foreign_endpoint.tms_poll_cursor)

    def test_cancellation_and_its_status_code(self):
        shipment = self.release()
        with self.jobs():
            shipment.action_cancel()
        self.assertEqual(shipment.status, "cancelled")
        self.assertEqual(
            self.foreign.loads()[shipment.tms_reference]["state"], "CANCELLED"
        )
        self.poll(self.foreign_endpoint)
        self.assertIn("CA", self.codes(shipment))

    def test_amendment_updates_the_load(self):
        shipment = self.release()
        new_end = shipment.requested_delivery_end.replace(hour=18, minute=0)
        with self.jobs():
            shipment.requested_delivery_end = new_end
        load = self.foreign.loads()[shipment.tms_reference]
        self.assertEqual(
            load["request"]["delivery"]["until"],
            shipment._canonical_document()["requested_delivery_window"]["end"],
        )
        self.assertEqual(load["updates"], 1)

    def test_refused_token_is_asked_again_once(self):
        self.release()
        old_token = self.foreign_endpoint.secret_ids.filtered(
            lambda s: s.kind == "access_token"
        )
        self.assertTrue(old_token, "the token is kept for the next calls")
        self.foreign.revoke_tokens()  # as after a key rotation
        shipment = self.release()  # 401, a new token, the same call again
        self.assertTrue(shipment.tms_reference.startswith("LD-"))
        self.assertFalse(old_token.exists())
        release = self.env["logistics.message"].search(
            [("res_id", "=", shipment.id), ("flow_code", "=", "shipment.release")]
        )
        self.assertEqual((release.state, release.attempts), ("done", 1))

    def test_wrong_client_secret_is_a_permanent_error(self):
        self.foreign_endpoint.secret_ids.filtered(
            lambda s: s.kind == "access_token"
        ).unlink()
        self.foreign_endpoint.secret_ids.filtered(
            lambda s: s.kind == "client_secret"
        ).value = "not-the-secret"
        order = self.confirmed_order()
        self.warehouse.tms_endpoint_id = self.foreign_endpoint
        with self.jobs():
            order.picking_ids.action_logistics_release()
        release = self.env["logistics.message"].search(
            [
                ("res_id", "=", order.picking_ids.logistics_shipment_id.id),
                ("flow_code", "=", "shipment.release"),
            ]
        )
        self.assertEqual(release.state, "dead")
        self.assertIn("401", release.last_error)

    def test_page_the_mapping_cannot_read_moves_nothing(self):
        shipment = self.release()
        self.foreign.advance(shipment.tms_reference, 2)
        feed = self.foreign_endpoint.tms_mapping_ids.filtered(
            lambda m: m.operation == "events"
        )
        expression = feed.expression
        feed.expression = '$error("this page is not understood")'
        with self.assertRaisesRegex(Exception, "not understood"):
            self.foreign_endpoint._tms_poll()
        self.assertFalse(self.foreign_endpoint.tms_poll_cursor)
        self.assertFalse(shipment.milestone_ids)
        feed.expression = expression
        self.poll(self.foreign_endpoint)
        self.assertEqual(self.codes(shipment), ["TA", "X3"])

    def test_missing_secret_makes_nothing(self):
        count = self.env["logistics.endpoint"].search_count([])
        with self.assertRaisesRegex(UserError, "client_secret"):
            self._endpoint_from_template(code="foreign_2", client_secret=False)
        self.assertEqual(self.env["logistics.endpoint"].search_count([]), count)

    def test_only_integration_managers_use_templates(self):
        user = new_test_user(self.env, login="ops-user", groups="base.group_user")
        wizard = (
            self.env["logistics.endpoint.template.wizard"]
            .create(
                {
                    "template": "generic_json_tms",
                    "name": "Sneaky",
                    "code": "sneaky",
                    "base_url": "http://127.0.0.1:9/",
                    "client_secret": "x",
                }
            )
            .with_user(user)
        )
        with self.assertRaises(AccessError):
            wizard.action_create()

    def test_poll_now_reads_the_feed_for_integration_managers_only(self):
        shipment = self.release()
        self.foreign.advance(shipment.tms_reference, 2)
        user = new_test_user(self.env, login="ops-poller", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.foreign_endpoint.with_user(user).action_poll_tms_events()
        with self.jobs():
            action = self.foreign_endpoint.action_poll_tms_events()
        self.assertIn("2 events", action["params"]["message"])
        self.assertEqual(self.codes(shipment), ["TA", "X3"])
