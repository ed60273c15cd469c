import logging
from datetime import timedelta

from odoo import api, fields, models

from odoo.addons.logistics_integration_base.lib import receipt

from ..lib import master_data

_logger = logging.getLogger(__name__)

FLOW_CODE = "tms.master_data"
# Records written while a run reads are caught by the next one: it looks back
# this far before its cursor (digests keep them from being sent twice).
CURSOR_OVERLAP = timedelta(minutes=10)


class LogisticsMasterDataSent(models.Model):
    """What an endpoint was sent last of each master data record (its digest),
    so that only what changed is sent again. The sending itself goes through
    the message log (flow ``tms.master_data``): one message per batch."""

    _name = "logistics.master.data.sent"
    _description = "Master data sent to a partner"
    _order = "endpoint_id, kind, record_key"

    endpoint_id = fields.Many2one(
        "logistics.endpoint", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="endpoint_id.company_id", store=True)
    kind = fields.Selection(
        [
            (master_data.LOCATIONS, "Delivery location"),
            (master_data.PRODUCTS, "Product"),
        ],
        required=True,
    )
    record_key = fields.Char(required=True, help="model/id of the Odoo record")
    digest = fields.Char(required=True)
    message_id = fields.Many2one("logistics.message", ondelete="set null", index=True)

    _sql_constraints = [
        (
            "record_unique",
            "unique(endpoint_id, kind, record_key)",
            "One digest per endpoint, kind and record.",
        )
    ]

    # ------------------------------------------------------------------
    # collecting what changed

    @api.model
    def _cron_send_master_data(self):
        endpoints = self.env["logistics.endpoint"].search(
            [("system", "=", "tms"), ("tms_master_data", "=", True)]
        )
        for endpoint in endpoints:
            self._send_changes(endpoint)

    @api.model
    def _send_changes(self, endpoint):
        """Log one message per batch of changed records of each kind; return
        how many records are on their way."""
        started = fields.Datetime.now()
        since = endpoint.tms_master_data_cursor
        since = since - CURSOR_OVERLAP if since else False
        total = 0
        for kind, records in (
            (master_data.LOCATIONS, self._location_records(endpoint, since)),
            (master_data.PRODUCTS, self._product_records(endpoint, since)),
        ):
            total += self._send_kind(endpoint, kind, records)
        endpoint.tms_master_data_cursor = started
        return total

    @api.model
    def _send_kind(self, endpoint, kind, records):
        known = self.search(
            [
                ("endpoint_id", "=", endpoint.id),
                ("kind", "=", kind),
                ("record_key", "in", [record["id"] for record in records]),
            ]
        )
        sent = {row.record_key: row.digest for row in known}
        rows = {row.record_key: row for row in known}
        changed = master_data.changed(records, sent)
        size = endpoint.tms_master_data_batch_size
        for batch in master_data.batches(changed, size):
            message, outcome, reason = self.env["logistics.message"]._send(
                FLOW_CODE,
                {"kind": kind, "records": [record for record, _digest in batch]},
                endpoint_id=endpoint.id,
                aggregate_key="%s/%s/master-data/%s"
                % (endpoint._name, endpoint.id, kind),
            )
            if outcome == receipt.REJECTED:
                _logger.warning(
                    "master data %s for %s refused: %s", kind, endpoint.code, reason
                )
                continue
            for record, digest in batch:
                row = rows.get(record["id"])
                values = {"digest": digest, "message_id": message.id}
                if row:
                    row.write(values)
                else:
                    self.create(
                        dict(
                            values,
                            endpoint_id=endpoint.id,
                            kind=kind,
                            record_key=record["id"],
                        )
                    )
        return len(changed)

    @api.model
    def _location_records(self, endpoint, since):
        """Customers (that bought) and their delivery addresses."""
        Partner = self.env["res.partner"].with_context(active_test=True)
        domain = [
            ("company_id", "in", [False, endpoint.company_id.id]),
            ("commercial_partner_id.customer_rank", ">", 0),
            "|",
            ("parent_id", "=", False),
            ("type", "=", "delivery"),
        ]
        if since:
            domain.append(("write_date", ">=", since))
        Shipment = self.env["logistics.shipment"]
        return [
            master_data.location_record(
                "%s/%s" % (partner._name, partner.id),
                "%s/%s" % (partner._name, partner.commercial_partner_id.id),
                Shipment._party(partner),
            )
            for partner in Partner.search(domain, order="id")
        ]

    @api.model
    def _product_records(self, endpoint, since):
        """Goods that can be sold (and so shipped)."""
        domain = [
            ("company_id", "in", [False, endpoint.company_id.id]),
            ("type", "=", "consu"),
            ("sale_ok", "=", True),
        ]
        if since:
            domain += [
                "|",
                ("write_date", ">=", since),
                ("product_tmpl_id.write_date", ">=", since),
            ]
        return [
            master_data.product_record(
                "%s/%s" % (product._name, product.id),
                sku=product.default_code,
                name=product.name,
                uom=product.uom_id.name,
                weight_kg=product.weight,
                volume_m3=product.volume,
                hazardous=product.logistics_hazardous,
                un_number=product.logistics_un_number,
            )
            for product in self.env["product.product"].search(domain, order="id")
        ]

    # ------------------------------------------------------------------
    # the flow's handlers

    @api.model
    def _tms_send_master_data(self, message):
        client = self.env["logistics.shipment"]._tms_client_for(message)
        payload = message.payload
        answer = client.master_data(payload["kind"], payload["records"])
        return {"kind": payload["kind"], "received": answer.get("received")}

    @api.model
    def _tms_master_data_dead(self, message):
        """Given up: forget what this message claimed sent, so that the next
        run sends those records again."""
        self.search([("message_id", "=", message.id)]).unlink()
        _logger.warning(
            "master data message %s to %s given up: its records will be sent again",
            message.id,
            message.endpoint_id.code,
        )
