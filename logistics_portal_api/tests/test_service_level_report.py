"""The customer's service-level report: API and portal page, own shipments only."""

import re

from odoo.tests import tagged

from .common import PortalApiCase

REPORT = "/reports/service-level"
RANGE = "?from=2026-01-01&to=2026-03-31"
LANE_FR, LANE_DE, LANE_OTHER = "BE → FR", "BE → DE", "NL → NL"


@tagged("post_install", "-at_install")
class TestServiceLevelReport(PortalApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls.env["logistics.endpoint"].create(
            {"name": "TMS", "code": "tms_service_level", "system": "tms"}
        )
        # Customer A (cls.customer). January: two delivered, one late.
        cls._ended(cls.customer, "2026-01-10 08:00:00", LANE_FR, (1, 1, 1), 10.0)
        cls._ended(cls.customer, "2026-01-20 08:00:00", LANE_FR, (0, 1, 0), 30.0, 1)
        # March: one returned (no delivery: counts when it ended), one
        # delivered without a promised window (on time unknown), its facts
        # stored in April: it counts in the month of its delivery.
        cls._ended(
            cls.customer,
            None,
            LANE_DE,
            (0, 0, 0),
            exceptions=2,
            ended="2026-03-05 12:00:00",
            status="returned",
        )
        cls._ended(
            cls.customer,
            "2026-03-15 08:00:00",
            LANE_DE,
            (None, 1, None),
            5.0,
            ended="2026-04-01 00:30:00",
        )
        # Outside the range, and not ended at all: not counted.
        cls._ended(cls.customer, "2025-12-31 23:00:00", LANE_FR, (0, 0, 0), 99.0, 9)
        cls._shipment(cls.customer, "in_transit")
        # Customer B: a shipment in January, on another lane.
        cls._ended(cls.other, "2026-01-15 08:00:00", LANE_OTHER, (0, 0, 0), 70.0, 5)

    @classmethod
    def _shipment(cls, customer, status):
        return cls.env["logistics.shipment"].create(
            {
                "endpoint_id": cls.endpoint.id,
                "partner_id": customer.id,
                "shipper_id": cls.env.company.partner_id.id,
                "consignee_id": customer.id,
                "status": status,
            }
        )

    @classmethod
    def _ended(  # noqa: PLR0917 (the facts of the table in setUpClass)
        cls,
        customer,
        delivered_at,
        lane,
        rates,
        transit_hours=None,
        exceptions=0,
        *,
        ended=None,
        status="delivered",
    ):
        """A shipment that ended, with its facts stored as the connector
        stores them (`_store_averaged_facts`: an unknown rate stays NULL).
        `rates`: on time, in full, OTIF (1, 0 or None)."""
        shipment = cls._shipment(customer, status)
        shipment.write(
            {
                "service_facts_at": ended or delivered_at,
                "delivered_at": delivered_at or False,
                "exception_count": exceptions,
                "lane": lane,
            }
        )
        on_time, in_full, otif = rates
        shipment._store_averaged_facts(
            {
                "on_time": on_time,
                "in_full": in_full,
                "otif": otif,
                "transit_hours": transit_hours,
            }
        )
        return shipment

    def _report(self, query=RANGE, key=None):
        response = self.call("GET", REPORT + query, key=key)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def test_customer_report_per_month_counts_only_its_shipments(self):
        report = self._report()
        self.assertEqual(report["from"], "2026-01-01T00:00:00Z")
        self.assertEqual(report["to"], "2026-03-31T23:59:59Z")
        self.assertEqual(report["group_by"], "month")
        self.assertEqual(
            report["rows"],
            [
                {
                    "month": "2026-01",
                    "shipments": 2,
                    "delivered": 2,
                    "on_time_pct": 50.0,
                    "in_full_pct": 100.0,
                    "otif_pct": 50.0,
                    "avg_transit_hours": 20.0,
                    "exceptions": 1,
                },
                {
                    "month": "2026-02",
                    "shipments": 0,
                    "delivered": 0,
                    "on_time_pct": None,
                    "in_full_pct": None,
                    "otif_pct": None,
                    "avg_transit_hours": None,
                    "exceptions": 0,
                },
                {
                    "month": "2026-03",
                    "shipments": 2,
                    "delivered": 1,
                    "on_time_pct": 0.0,
                    "in_full_pct": 50.0,
                    "otif_pct": 0.0,
                    "avg_transit_hours": 5.0,
                    "exceptions": 2,
                },
            ],
        )
        self.assertEqual(
            report["totals"],
            {
                "shipments": 4,
                "delivered": 3,
                "on_time_pct": 33.3,
                "in_full_pct": 75.0,
                "otif_pct": 33.3,
                "avg_transit_hours": 15.0,
                "exceptions": 3,
            },
        )

    def test_other_customer_sees_only_its_own_shipment(self):
        report = self._report(key=self.other_key)
        self.assertEqual(
            [row["shipments"] for row in report["rows"]], [1, 0, 0], report
        )
        self.assertEqual(report["totals"]["exceptions"], 5)
        self.assertEqual(report["totals"]["avg_transit_hours"], 70.0)

    def test_report_per_lane(self):
        report = self._report(RANGE + "&group_by=lane")
        self.assertEqual(report["group_by"], "lane")
        self.assertEqual([row["lane"] for row in report["rows"]], [LANE_DE, LANE_FR])
        de, fr = report["rows"]
        self.assertEqual(
            (de["shipments"], de["delivered"], de["on_time_pct"], de["in_full_pct"]),
            (2, 1, 0.0, 50.0),
        )
        self.assertEqual(
            (fr["shipments"], fr["otif_pct"], fr["avg_transit_hours"]),
            (2, 50.0, 20.0),
        )
        self.assertEqual(report["totals"]["shipments"], 4)

    def test_default_range_is_the_last_twelve_months(self):
        report = self._report("")
        self.assertEqual(len(report["rows"]), 12)
        self.assertTrue(report["from"].endswith("-01T00:00:00Z"))

    def test_bad_arguments_are_refused_in_the_error_shape(self):
        for query, pointer in (
            ("?from=2026-13-01", "/query/from"),
            ("?group_by=week", "/query/group_by"),
            ("?from=2026-04-01&to=2026-03-01", "/query/to"),
            ("?from=2020-01-01&to=2026-01-01", "/query/from"),
            ("?group_by=month&group_by=lane", "/query/group_by"),
            ("?customer=42", "/query/customer"),
        ):
            response = self.call(
                "GET", REPORT + query, headers={"X-Correlation-ID": "c-report"}
            )
            self.assertEqual(response.status_code, 422, query)
            body = response.json()
            self.assertEqual(body["error"]["code"], "invalid_query", query)
            self.assertEqual(
                [d["pointer"] for d in body["error"]["details"]], [pointer], query
            )
            self.assertEqual(body["correlation_id"], "c-report")
            self.assertEqual(response.headers["X-Correlation-ID"], "c-report")

    def test_no_key_is_refused(self):
        response = self.call("GET", REPORT + RANGE, key=False)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"]["code"], "missing_credentials")

    def test_report_is_in_the_openapi_description(self):
        paths = self.call("GET", "/openapi.json", key=False).json()["paths"]
        operation = paths[REPORT]["get"]
        self.assertEqual(
            [p["name"] for p in operation["parameters"]], ["from", "to", "group_by"]
        )
        self.assertIn("422", operation["responses"])

    def test_portal_page_shows_the_customers_report_with_a_chart(self):
        self.authenticate(self.user.login, self.user.login)
        page = self.url_open("/my/service-level" + RANGE)
        self.assertEqual(page.status_code, 200)
        html = page.text
        self.assertIn("o_logistics_service_level_chart", html)
        months = re.findall(r'o_logistics_service_level_row" data-key="([^"]*)"', html)
        self.assertEqual(months, ["2026-01", "2026-02", "2026-03"])
        # January and March know their rates: a bar each (March's are 0 %).
        self.assertEqual(html.count("o_logistics_bar_on_time_pct"), 2)
        self.assertEqual(html.count("o_logistics_bar_otif_pct"), 2)
        totals = html[html.index("o_logistics_service_level_totals") :]
        self.assertIn("33.3 %", totals)
        self.assertIn("75.0 %", totals)
        lanes = self.url_open("/my/service-level" + RANGE + "&group_by=lane").text
        self.assertIn(LANE_DE, lanes)
        self.assertIn(LANE_FR, lanes)
        self.assertNotIn(LANE_OTHER, lanes)
        self.assertNotIn("o_logistics_service_level_chart", lanes)

    def test_portal_page_blank_filters_and_bad_filters(self):
        self.authenticate(self.user.login, self.user.login)
        # Blank fields are no filter; arguments not of the form are left alone.
        blank = self.url_open(
            "/my/service-level?from=&to=&group_by=month&utm_source=newsletter"
        )
        self.assertEqual(blank.status_code, 200)
        self.assertEqual(blank.text.count("o_logistics_service_level_row"), 12)
        bad = self.url_open("/my/service-level?from=2026-04-01&to=2026-03-01")
        self.assertEqual(bad.status_code, 200)
        self.assertIn("o_logistics_service_level_problems", bad.text)
        self.assertIn("must not be before from", bad.text)
        self.assertNotIn("o_logistics_service_level_row", bad.text)

    def test_portal_home_links_to_the_report(self):
        self.authenticate(self.user.login, self.user.login)
        self.assertIn('href="/my/service-level"', self.url_open("/my").text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["service_level_count"]}
        )
        self.assertEqual(counters["service_level_count"], 5)
