"""The carrier scorecard and the cost facts it reads, with two carriers and
figures computed by hand (see each test)."""

from datetime import datetime

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.logistics_tms_connector.lib import milestones as m

from .common import EVENT_DAY, FreightCase
from .test_carrier_invoices import HEADER

DAY = datetime.fromisoformat(EVENT_DAY)
ON_TIME_WINDOW = (DAY.replace(hour=8), DAY.replace(hour=12))
LATE_WINDOW = (DAY.replace(hour=6), DAY.replace(hour=8))


def at(hour):
    return DAY.replace(hour=hour)


@tagged("post_install", "-at_install")
class TestCarrierScorecard(FreightCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Scorecard = cls.env["logistics.carrier.scorecard"]
        for carrier, rate in ((cls.carrier, 100.0), (cls.other_carrier, 200.0)):
            cls.env["logistics.freight.rate.card"].create(
                {
                    "name": "Tariff %s" % carrier.name,
                    "carrier_id": carrier.id,
                    "company_id": cls.company.id,
                    "currency_id": cls.currency.id,
                    "date_from": "2026-01-01",
                    "line_ids": [
                        Command.create(
                            {
                                "charge_type_id": cls.types["base"].id,
                                "basis": "per_shipment",
                                "rate": rate,
                            }
                        )
                    ],
                }
            )

    # ------------------------------------------------------------------
    # helpers

    def shipment(
        self, carrier, weight_kg=100.0, window=None, tenders=(m.TENDER_ACCEPTED,)
    ):
        """A shipment of ``carrier`` with its tender answers on the timeline
        and its promised window (as released)."""
        shipment = self.make_shipment(weight_kg=weight_kg)
        # The TMS owns the carrier.
        self.env["logistics.field.ownership"]._guarded_write(
            shipment, {"carrier_id": carrier.id}, "tms"
        )
        for hour, code in enumerate(tenders, start=1):
            self.env["logistics.shipment.milestone"].sudo().create(
                {"shipment_id": shipment.id, "code": code, "event_time": at(hour)}
            )
        if window:
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE logistics_shipment SET requested_delivery_start = %s, "
                "promised_delivery_end = %s WHERE id = %s",
                (*window, shipment.id),
            )
            self.env.invalidate_all()
        return shipment

    def end(self, shipment, status_code="DELIVERED", hour=10):
        """The TMS reports the delivery (or cancellation) at ``hour``."""
        number = next(self._sequence)
        event = {
            "event_id": "EV-S%06d" % number,
            "event_type": {
                "DELIVERED": "shipment.delivered",
                "CANCELLED": "shipment.cancelled",
            }[status_code],
            "occurred_at": "%sT%02d:00:00Z" % (EVENT_DAY, hour),
            "sequence": number,
            "aggregate": {"type": "shipment", "id": shipment.tms_reference},
            "data": {
                "shipment_id": shipment.tms_reference,
                "external_reference": shipment.name,
                "status_code": status_code,
            },
        }
        [(message, outcome, reason)] = self.send_events(event)
        self.assertEqual(outcome, "accepted", reason)
        self.assertEqual(message.state, "done", message.last_error)
        self.assertTrue(shipment.service_facts_at)

    def base_charge(self, shipment, amount, **data):
        carrier = shipment.carrier_id
        message, outcome, reason = self.send_charges(
            shipment,
            [self.charge_line("400", amount)],
            carrier={"name": carrier.name, "scac": carrier.scac_code},
            **data,
        )
        self.assertEqual(outcome, "accepted", reason)
        self.assertEqual(message.state, "done", message.last_error)

    def claim(self, shipment, amount):
        return self.env["logistics.claim"].create(
            {
                "shipment_id": shipment.id,
                "kind": "damage",
                "line_ids": [
                    Command.create(
                        {
                            "shipment_line_id": shipment.line_ids[0].id,
                            "quantity": 2,
                            "unit_value": amount / 2,
                        }
                    )
                ],
            }
        )

    def stored(self, shipment, *columns):
        """The columns as stored (the ORM reads NULL numbers as 0)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM logistics_shipment WHERE id = %s",
                SQL(", ").join(SQL.identifier(column) for column in columns),
                shipment.id,
            )
        )
        return tuple(
            None if value is None else float(value) for value in self.env.cr.fetchone()
        )

    def scorecard(self, groupby=("carrier_id",)):
        """The pivot's figures per group, by the measures' own aggregators."""
        measures = [
            "on_time_percent",
            "tender_count",
            "tender_acceptance_percent",
            "claim_count",
            "claim_rate",
            "freight_cost",
            "claimed_cost_percent",
            "rate_card_variance_percent",
        ]
        self.env.flush_all()
        groups = self.Scorecard.read_group(
            [("carrier_id", "in", (self.carrier | self.other_carrier).ids)],
            measures,
            list(groupby),
            lazy=False,
        )
        return {
            tuple(
                group[name][0] if isinstance(group[name], tuple) else group[name]
                for name in groupby
            ): {
                "count": group["__count"],
                **{
                    name: None
                    if group[name] is None or group[name] is False
                    else round(group[name], 2)
                    for name in measures
                },
            }
            for group in groups
        }

    # ------------------------------------------------------------------
    # tests

    def test_scorecard_of_two_carriers(self):
        speedy, acme = self.carrier, self.other_carrier
        # Speedy: three deliveries, the second late, tendered twice (declined
        # once) and claimed 50; the third's charge arrives after delivery.
        first = self.shipment(speedy, 100.0, ON_TIME_WINDOW)
        self.base_charge(first, 110.0)
        self.end(first)
        second = self.shipment(
            speedy, 200.0, LATE_WINDOW, tenders=(m.TENDER_DECLINED, m.TENDER_ACCEPTED)
        )
        self.base_charge(second, 100.0)
        self.end(second)
        self.claim(second, 50.0)
        third = self.shipment(speedy, 100.0, ON_TIME_WINDOW)
        self.end(third)
        self.base_charge(third, 120.0)
        # Acme: one delivery on time, under its rate card; one tender declined
        # and the shipment cancelled (no window, no charge: not counted).
        delivered = self.shipment(acme, 100.0, ON_TIME_WINDOW)
        self.base_charge(delivered, 190.0)
        self.end(delivered)
        declined = self.shipment(acme, tenders=(m.TENDER_DECLINED,))
        self.end(declined, "CANCELLED", hour=9)

        self.assertEqual(
            self.stored(second, "tender_count", "tender_accepted_count"), (2.0, 1.0)
        )
        self.assertEqual(self.stored(second, "claim_count", "claimed_amount"), (1, 50))
        self.assertEqual(self.stored(declined, "on_time", "freight_cost"), (None, None))
        scores = self.scorecard()
        self.assertEqual(
            scores[(speedy.id,)],
            {
                "count": 3,
                "on_time_percent": 66.67,  # 2 of 3 in their window
                "tender_count": 4,
                "tender_acceptance_percent": 75.0,  # 3 of 4 tenders
                "claim_count": 1,
                "claim_rate": 33.33,  # 1 claim in 3 shipments
                "freight_cost": 330.0,  # 110 + 100 + 120
                "claimed_cost_percent": 15.15,  # 50 / 330
                "rate_card_variance_percent": 10.0,  # 330 against 3 x 100
            },
        )
        self.assertEqual(
            scores[(acme.id,)],
            {
                "count": 2,
                "on_time_percent": 100.0,  # the cancelled one had no window
                "tender_count": 2,
                "tender_acceptance_percent": 50.0,  # 1 of 2 tenders
                "claim_count": 0,
                "claim_rate": 0.0,
                "freight_cost": 190.0,
                "claimed_cost_percent": 0.0,
                "rate_card_variance_percent": -5.0,  # 190 against 200
            },
        )
        # Per month, the ratios stay ratios of the month's sums.
        by_month = self.scorecard(("carrier_id", "date:month"))
        [speedy_month] = [v for k, v in by_month.items() if k[0] == speedy.id]
        self.assertEqual(speedy_month, scores[(speedy.id,)])
        # One row per ended shipment, with its own ratios.
        row = self.Scorecard.search([("shipment_id", "=", second.id)])
        self.assertEqual(
            (row.on_time_percent, row.tender_acceptance_percent, row.claim_rate),
            (0.0, 50.0, 100.0),
        )
        self.assertAlmostEqual(row.claimed_cost_percent, 50.0)

    def test_a_charge_after_delivery_updates_the_cost_per_kg(self):
        shipment = self.shipment(self.carrier, 200.0, ON_TIME_WINDOW)
        self.end(shipment)
        self.assertEqual(
            self.stored(shipment, "freight_cost", "cost_per_kg", "cost_per_km"),
            (None, None, None),
            "no charge yet: unknown, not free",
        )
        self.base_charge(shipment, 150.0, distance_km=400.0)
        self.assertEqual(shipment.distance_km, 400.0)
        self.assertEqual(
            self.stored(shipment, "freight_cost", "cost_per_kg", "cost_per_km"),
            (150.0, 0.75, 0.375),  # 150 / 200 kg, 150 / 400 km
        )
        # The TMS corrects the amount, then adds the fuel surcharge.
        self.base_charge(shipment, 160.0)
        self.assertEqual(self.stored(shipment, "cost_per_kg"), (0.8,))
        self.send_charges(
            shipment,
            [self.charge_line("400", 160.0), self.charge_line("FUE", 40.0)],
        )
        self.assertEqual(
            self.stored(shipment, "freight_cost", "cost_per_kg", "cost_per_km"),
            (200.0, 1.0, 0.5),
        )
        self.assertEqual(
            self.stored(shipment, "rated_cost", "rate_card_cost"),
            (160.0, 100.0),
            "the rate card prices the base charge only",
        )
        # A cancelled charge costs nothing.
        self.charges_of(shipment).filtered(
            lambda charge: charge.external_code == "FUE"
        ).action_cancel()
        self.assertEqual(self.stored(shipment, "freight_cost"), (160.0,))

    def test_the_carrier_invoice_after_delivery_is_the_cost(self):
        shipment = self.shipment(self.carrier, 100.0, ON_TIME_WINDOW)
        self.base_charge(shipment, 150.0)
        self.end(shipment)
        self.assertEqual(self.stored(shipment, "freight_cost"), (150.0,))
        # The carrier invoices 170 for it: the invoice's amount is the cost.
        self.import_file(
            "carrier_invoice",
            "spdf.csv",
            HEADER
            + "SPDF-9001,2026-11-30,SPDF,Speedy Freight,%s,%s,400,,170,1\n"
            % (self.currency.name, shipment.name),
        )
        charge = self.charges_of(shipment)
        self.assertEqual(charge.actual_source, "carrier_invoice")
        self.assertEqual(
            self.stored(shipment, "freight_cost", "cost_per_kg"), (170.0, 1.7)
        )
        # A correction of the matched invoice line.
        charge.carrier_invoice_line_id.amount = 180.0
        self.assertEqual(self.stored(shipment, "freight_cost"), (180.0,))

    def test_a_shipment_on_its_way_has_no_cost_facts_yet(self):
        shipment = self.shipment(self.carrier, 100.0)
        self.base_charge(shipment, 100.0)
        self.assertEqual(self.stored(shipment, "freight_cost"), (None,))
        self.assertFalse(self.Scorecard.search([("shipment_id", "=", shipment.id)]))
        self.end(shipment)
        self.assertEqual(
            self.stored(shipment, "freight_cost", "cost_per_kg"), (100.0, 1.0)
        )

    def test_cancelled_claims_do_not_count(self):
        shipment = self.shipment(self.carrier, 100.0, ON_TIME_WINDOW)
        self.end(shipment)
        claim = self.claim(shipment, 80.0)
        self.assertEqual(
            self.stored(shipment, "claim_count", "claimed_amount"), (1, 80)
        )
        claim.action_cancel()
        self.assertEqual(self.stored(shipment, "claim_count", "claimed_amount"), (0, 0))

    def test_the_scorecard_reads_through_its_indexes(self):
        """At a million shipments, a period or a carrier is an index scan."""
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        # (Which of the two, the planner picks by the table's statistics.)
        for where in (
            SQL("date >= %s", datetime(2026, 11, 1)),
            SQL("carrier_id = %s", self.carrier.id),
        ):
            self.env.cr.execute(
                SQL(
                    "EXPLAIN SELECT carrier_id, avg(on_time_percent) "
                    "FROM logistics_carrier_scorecard WHERE %s GROUP BY carrier_id",
                    where,
                )
            )
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
            self.assertIn("Index Scan", plan)
            self.assertIn("logistics_shipment_scorecard_", plan)
        self.env.cr.execute("SET LOCAL enable_seqscan = on")

    def test_freight_users_read_the_scorecard_others_do_not(self):
        shipment = self.shipment(self.carrier, 100.0, ON_TIME_WINDOW)
        self.end(shipment)
        user = new_test_user(
            self.env,
            login="scorecard_reader",
            groups="logistics_freight_settlement.group_freight_user",
        )
        rows = self.Scorecard.with_user(user).search(
            [("shipment_id", "=", shipment.id)]
        )
        self.assertEqual(rows.carrier_id, self.carrier)
        outsider = new_test_user(
            self.env, login="scorecard_outsider", groups="base.group_user"
        )
        with self.assertRaises(AccessError):
            self.Scorecard.with_user(outsider).search([])
