from odoo import api, fields, models


# One model, one file per concern (see res_partner.py).
# pylint: disable=consider-merging-classes-inherited
class ResPartner(models.Model):
    _inherit = "res.partner"

    freight_claim_days = fields.Integer(
        string="Claim filing days",
        help="For a carrier: days after the delivery (or the incident) to file a "
        "claim with it. Empty: the company's setting.",
    )
    freight_claim_customer_credit = fields.Boolean(
        string="Credit accepted claims",
        help="For a customer: what a carrier accepts to pay for a claim on this "
        "customer's shipments is credited to the customer (a draft credit note).",
    )
    carrier_claim_ids = fields.One2many(
        "logistics.claim", "carrier_id", string="Claims against the carrier"
    )
    carrier_claim_count = fields.Integer(compute="_compute_carrier_claim_count")

    def _compute_carrier_claim_count(self):
        counts = dict(
            self.env["logistics.claim"]._read_group(
                [("carrier_id", "in", self.ids)], ["carrier_id"], ["__count"]
            )
        )
        for partner in self:
            partner.carrier_claim_count = counts.get(partner, 0)

    def action_view_carrier_claims(self):
        self._logistics_check_access("read", read_models=["logistics.claim"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_freight_settlement.logistics_claim_action"
        )
        action["domain"] = [("carrier_id", "=", self.id)]
        return action

    @api.model
    def _commercial_fields(self):
        return [
            *super()._commercial_fields(),
            "freight_claim_days",
            "freight_claim_customer_credit",
        ]
