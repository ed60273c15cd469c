"""The service level report (stored daily aggregates refreshed by day) and
the two dashboards (operations tiles, integration flow figures)."""

from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.logistics_integration_base.tests.common import run_migration

from ..lib import milestones as m
from ..lib import service_report
from .common import TmsCase

RATES = ("on_time", "in_full", "otif", "transit_hours")


class ReportCase(TmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.customers = Partner.create([{"name": "Customer %s" % n} for n in "AB"])
        cls.carriers = Partner.create([{"name": "Carrier %s" % n} for n in "XY"])
        cls.Report = cls.env["logistics.service.report"]

    def _shipments(self, count, **vals):
        return self.env["logistics.shipment"].create(
            [
                {
                    "endpoint_id": self.endpoint.id,
                    "partner_id": self.customer.id,
                    "shipper_id": self.env.company.partner_id.id,
                    "consignee_id": self.customer.id,
                    **vals,
                }
                for _n in range(count)
            ]
        )

    def _facts(self, shipment, **facts):
        """Facts as a bulk import would write them: SQL, no hook."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE logistics_shipment SET %s WHERE id = %s",
                SQL(", ").join(
                    SQL("%s = %s", SQL.identifier(name), value)
                    for name, value in facts.items()
                ),
                shipment.id,
            )
        )
        self.env.invalidate_all()

    def _latest_facts(self):
        self.env.cr.execute("SELECT max(service_facts_at) FROM logistics_shipment")
        return self.env.cr.fetchone()[0] or datetime(2026, 1, 1)

    def _rows(self, domain):
        self.env.invalidate_all()
        return {
            (r.day, r.partner_id.id, r.carrier_id.id, r.lane, r.status): r
            for r in self.Report.search(domain)
        }


@tagged("post_install", "-at_install")
class TestServiceReport(ReportCase):
    def _seed(self, since):
        """Twelve ended shipments over three days, two customers, two
        carriers, two lanes; rates known or not."""
        shipments = self._shipments(12)
        for n, shipment in enumerate(shipments):
            self._facts(
                shipment,
                status=m.STATUS_DELIVERED if n % 5 else m.STATUS_RETURNED,
                partner_id=self.customers[n % 2].id,
                carrier_id=self.carriers[n % 3 == 0].id,
                lane="BE → FR" if n % 4 else "BE → DE",
                delivered_at=datetime(2026, 10, 5 + n % 3, 9) if n % 5 else None,
                service_facts_at=since + timedelta(minutes=n),
                on_time=(None, 1.0, 0.0)[n % 3],
                in_full=1.0 if n % 7 else 0.0,
                otif=(None, 1.0, 0.0)[n % 3] if n % 7 else 0.0,
                transit_hours=10.0 + n,
                exception_count=n % 2,
            )
        return shipments

    def _direct(self, shipments, groupby):
        """The same figures computed from the shipments themselves."""
        self.env.cr.execute(
            SQL(
                """SELECT %s, count(*), sum(exception_count),
                          avg(on_time), avg(in_full), avg(otif), avg(transit_hours)
                     FROM logistics_shipment WHERE id = ANY(%s)
                 GROUP BY 1 ORDER BY 1""",
                SQL.identifier(groupby),
                shipments.ids,
            )
        )
        # A group with no known value: read_group answers Odoo's empty value
        # (0), for the shipments' own pivot as for the report.
        return {
            row[0]: (
                row[1],
                row[2],
                *(round(v, 6) if v is not None else 0 for v in row[3:]),
            )
            for row in self.env.cr.fetchall()
        }

    def _report(self, groupby, domain):
        groups = self.Report._read_group(
            domain,
            [groupby],
            ["shipments:sum", "exceptions:sum", *("%s:avg" % f for f in RATES)],
        )
        return {
            (key.id if hasattr(key, "id") else key): (
                shipments,
                exceptions,
                *(round(v, 6) if v is not None else None for v in rates),
            )
            for key, shipments, exceptions, *rates in groups
        }

    def test_aggregates_equal_the_shipments_after_an_incremental_refresh(self):
        self.Report._rebuild()
        shipments = self._seed(self._latest_facts() + timedelta(hours=1))
        days = self.Report._refresh()
        self.assertEqual(
            days,
            sorted(
                {
                    fields.Date.to_date(d)
                    for d in ("2026-10-05", "2026-10-06", "2026-10-07")
                }
                | {s.service_facts_at.date() for s in shipments if not s.delivered_at}
            ),
            "only the days the new facts fall on",
        )
        mine = [("partner_id", "in", self.customers.ids)]
        self.assertEqual(
            self._report("partner_id", mine), self._direct(shipments, "partner_id")
        )
        self.assertEqual(self._report("lane", mine), self._direct(shipments, "lane"))
        self.assertEqual(
            self._report("carrier_id", mine), self._direct(shipments, "carrier_id")
        )
        # Weighted: the rate of a group is its 1s over its known values, not
        # the average of its rows' rates.
        [(on_time,)] = self.Report._read_group(mine, [], ["on_time:avg"])
        self.env.cr.execute(
            "SELECT sum(on_time) / count(on_time) FROM logistics_shipment "
            "WHERE id = ANY(%s)",
            [shipments.ids],
        )
        self.assertAlmostEqual(on_time, self.env.cr.fetchone()[0])
        # Before this month and the last, rows are summed by month.
        cutoff = service_report.daily_cutoff(fields.Date.today())
        for row in self.Report.search(mine):
            self.assertEqual(row.grain, "day" if row.day >= cutoff else "month")
            if row.grain == "month":
                self.assertEqual(row.day.day, 1)
        # Nothing changed since: a refresh sums no day again.
        self.assertEqual(self.Report._refresh(), [])

    def test_a_shipment_ending_later_updates_only_its_day(self):
        seeded = self._seed(self._latest_facts() + timedelta(hours=1))
        self.Report._rebuild()
        before = self._rows([("partner_id", "in", self.customers.ids)])
        shipment = self.released_shipment()
        self.run_timeline(shipment)
        self.assertEqual(shipment.status, m.STATUS_DELIVERED)
        day = shipment.delivered_at.date()
        self.assertEqual(self.Report._refresh(), [day], "its day, and no other")
        after = self._rows([("partner_id", "in", self.customers.ids)])
        self.assertEqual(
            {k: r.id for k, r in after.items()},
            {k: r.id for k, r in before.items()},
            "the other days' rows are untouched (same rows)",
        )
        [row] = self.Report.search(
            [("day", "=", day), ("partner_id", "=", shipment.partner_id.id)]
        )
        self.assertEqual(row.shipments, 1)
        self.assertEqual(row.lane, shipment.lane)
        self.assertEqual(row.warehouse_id, shipment.warehouse_id)
        # Its delivery moved to another day (the TMS corrected it): both days
        # are summed again, the shipment leaves the first one.
        delivered = shipment.milestone_ids.filtered(lambda x: x.code == m.DELIVERED)
        earlier = day - timedelta(days=20)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE logistics_shipment_milestone SET event_time = %s WHERE id = %s",
            (
                datetime.combine(earlier, datetime.min.time()).replace(hour=10),
                delivered.id,
            ),
        )
        self.env.invalidate_all()
        shipment._compute_service_facts()
        self.assertEqual(self.Report._refresh(), sorted([earlier, day]))
        self.assertFalse(
            self.Report.search(
                [("day", "=", day), ("partner_id", "=", shipment.partner_id.id)]
            )
        )
        self.assertEqual(
            self.Report.search(
                [("day", "=", earlier), ("partner_id", "=", shipment.partner_id.id)]
            ).shipments,
            1,
        )
        self.assertTrue(seeded)


@tagged("post_install", "-at_install")
class TestDashboards(ReportCase):
    def _tiles(self):
        self.env.invalidate_all()
        return self.env["logistics.ops.tile"].search(
            [("company_id", "=", self.env.company.id)]
        )

    def test_status_and_exception_tiles_count_the_open_shipments(self):
        tiles = self._tiles()
        counts = {(t.kind, t.status or t.bucket): t.count for t in tiles}
        in_transit, in_exception = self._shipments(3), self._shipments(2)
        for shipment in in_transit:
            self._facts(shipment, status=m.STATUS_IN_TRANSIT)
        now = fields.Datetime.now()
        for shipment, age in zip(in_exception, (2, 100), strict=True):
            self._facts(
                shipment,
                status=m.STATUS_EXCEPTION,
                exception_type="refused",
                write_date=now - timedelta(hours=age),
            )
        self.env.cr.execute(
            "INSERT INTO logistics_shipment_milestone (shipment_id, code, "
            "event_time, is_stale) VALUES (%s, %s, %s, false)",
            (in_exception[0].id, m.REFUSED, now - timedelta(hours=30)),
        )
        tiles = self._tiles()
        after = {(t.kind, t.status or t.bucket): t for t in tiles}
        self.assertEqual(
            after[("status", m.STATUS_IN_TRANSIT)].count,
            counts[("status", m.STATUS_IN_TRANSIT)] + 3,
        )
        self.assertEqual(
            after[("status", m.STATUS_EXCEPTION)].count,
            self.env["logistics.shipment"].search_count(
                [("status", "=", m.STATUS_EXCEPTION)]
            ),
        )
        self.assertEqual(after[("status", m.STATUS_EXCEPTION)].level, "danger")
        # The milestone (30 h ago) dates the first, the last change the second.
        self.assertEqual(
            after[("exception_age", "1d_3d")].count,
            counts[("exception_age", "1d_3d")] + 1,
        )
        self.assertEqual(
            after[("exception_age", "gt_3d")].count,
            counts[("exception_age", "gt_3d")] + 1,
        )
        self.assertEqual(after[("exception_age", "gt_3d")].level, "danger")
        self.assertEqual(after[("exception_age", "1d_3d")].level, "warning")
        action = after[("exception_age", "gt_3d")].action_open_records()
        self.assertIn(in_exception[1].id, action["domain"][0][2])
        self.assertNotIn(in_exception[0].id, action["domain"][0][2])
        action = after[("status", m.STATUS_IN_TRANSIT)].action_open_records()
        self.assertLessEqual(
            set(in_transit.ids),
            set(self.env["logistics.shipment"].search(action["domain"]).ids),
        )

    def test_the_status_is_indexed_with_the_company_after_the_migration(self):
        """Before 18.0.1.3.0 the status field had an index of its own, which
        Odoo keeps: the migration drops it, the tiles' index stays."""
        cr = self.env.cr
        cr.execute(
            "CREATE INDEX logistics_shipment__status_index"
            " ON logistics_shipment (status)"
        )
        run_migration(cr, __file__, "18.0.1.3.0", "post-migrate", "18.0.1.2.0")
        cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'logistics_shipment'"
            " AND indexdef LIKE %s",
            ["%(status%"],
        )
        self.assertEqual(
            [name for (name,) in cr.fetchall()],
            ["logistics_shipment_status_company_idx"],
        )

    def test_exception_age_buckets_in_sql_are_pythons(self):
        sql = service_report.age_bucket_sql("h")
        for hours in (0, 23.99, 24, 50, 71.9, 72, 1000):
            self.env.cr.execute(
                SQL("SELECT %s FROM (SELECT %s::float8 AS h) t", SQL(sql), hours)
            )
            self.assertEqual(
                self.env.cr.fetchone()[0], service_report.age_bucket(hours)
            )

    def test_on_time_tile_is_the_weeks_weighted_rate(self):
        today = fields.Datetime.now().date()  # UTC, as the tile's week
        monday = today - timedelta(days=today.weekday())
        self.env.cr.execute(
            "DELETE FROM logistics_service_report WHERE day >= %s", [monday]
        )
        shipments = self._shipments(4)
        for shipment, on_time in zip(shipments, (1.0, 1.0, 0.0, None), strict=True):
            self._facts(
                shipment,
                status=m.STATUS_DELIVERED,
                delivered_at=datetime.combine(monday, datetime.min.time()),
                service_facts_at=fields.Datetime.now(),
                on_time=on_time,
            )
        self.Report._mark_dirty(
            [monday + timedelta(days=n) for n in range(today.weekday() + 1)]
        )
        self.Report._refresh()
        self.env.cr.execute(
            "SELECT 100.0 * sum(on_time) / count(on_time), count(on_time) "
            "FROM logistics_shipment WHERE delivered_at >= %s",
            [monday],
        )
        rate, known = self.env.cr.fetchone()
        [tile] = self._tiles().filtered(lambda t: t.kind == "on_time")
        self.assertEqual(tile.count, known)
        self.assertAlmostEqual(tile.value, float(rate), places=6)
        self.assertEqual(tile.level, "danger" if rate < 90 else "ok")
        action = tile.action_open_records()
        self.assertEqual(action["res_model"], "logistics.service.report")

    def test_integration_flows_over_time_and_their_tiles(self):
        hour = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        shipment = self.released_shipment()
        self.run_timeline(shipment, 3)
        self.env.flush_all()
        Message = self.env["logistics.message"]
        activity = self.env["logistics.flow.activity"].search([("hour", ">=", hour)])
        self.assertTrue(activity)
        for row in activity:
            self.assertEqual(
                row.received,
                Message.search_count(
                    [
                        ("flow_id", "=", row.flow_id.id),
                        ("company_id", "=", row.company_id.id),
                        ("received_at", ">=", row.hour),
                        ("received_at", "<", row.hour + timedelta(hours=1)),
                    ]
                ),
            )
        [(received, latency)] = self.env["logistics.flow.activity"]._read_group(
            [("hour", ">=", hour)], [], ["received:sum", "latency_avg_ms:avg"]
        )
        done = Message.search(
            [("received_at", ">=", hour), ("processed_at", "!=", False)]
        )
        self.assertEqual(received, Message.search_count([("received_at", ">=", hour)]))
        self.assertAlmostEqual(
            latency, sum(done.mapped("latency_ms")) / len(done), places=6
        )
        drill = activity[0].action_open_messages()
        self.assertEqual(Message.search_count(drill["domain"]), activity[0].received)
        # The flow tiles: coloured by their figures, drill-downs kept.
        stats = self.env["logistics.flow.stat"].search([])
        self.assertTrue(stats)
        for stat in stats:
            self.assertIn(stat.health, ("ok", "warning", "danger"))
            if stat.dead:
                self.assertEqual(stat.health, "danger")
        stat = stats.filtered(lambda s: s.received_24h)[:1]
        failures = stat.action_open_failures()
        self.assertEqual(
            Message.search_count(failures["domain"]), stat.failed + stat.dead
        )
        self.assertEqual(
            stat.action_open_messages()["domain"],
            [
                ("flow_id", "=", stat.flow_id.id),
                ("company_id", "=", stat.company_id.id),
            ],
        )
