from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import create_unique_index

from odoo.addons.logistics_integration_base.lib import errors

from ..lib import charge_codes


class LogisticsFreightChargeCodeMap(models.Model):
    """External charge code -> charge type, globally or for one TMS or carrier.

    The most specific row wins: endpoint and carrier, endpoint, carrier, global
    (see `lib/charge_codes.py`, which also documents the default X12 codes).
    """

    _name = "logistics.freight.charge.code.map"
    _description = "Freight Charge Code"
    _order = "external_code, endpoint_id, carrier_id"
    _rec_name = "external_code"

    external_code = fields.Char(
        string="External code",
        required=True,
        index=True,
        help="The code as the TMS or carrier sends it (stored upper case).",
    )
    charge_type_id = fields.Many2one(
        "logistics.freight.charge.type", required=True, ondelete="cascade"
    )
    endpoint_id = fields.Many2one(
        "logistics.endpoint",
        string="TMS",
        ondelete="cascade",
        help="Only for this TMS (empty: every TMS and carrier file).",
    )
    carrier_id = fields.Many2one(
        "res.partner",
        string="Carrier",
        ondelete="cascade",
        help="Only for this carrier (empty: every carrier).",
    )
    note = fields.Char(help="Where the code comes from, e.g. X12 element 150.")
    active = fields.Boolean(default=True)

    def init(self):
        create_unique_index(
            self.env.cr,
            "logistics_freight_charge_code_map_scope_uniq",
            self._table,
            ["external_code", "COALESCE(endpoint_id, 0)", "COALESCE(carrier_id, 0)"],
        )

    @api.constrains("external_code")
    def _check_external_code(self):
        for row in self:
            if not charge_codes.is_valid(row.external_code):
                raise ValidationError(
                    _(
                        "%(code)r is not a charge code: 1 to 16 letters, digits, "
                        "'_', '.' or '-'.",
                        code=row.external_code,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._normalized(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._normalized(vals))

    @staticmethod
    def _normalized(vals):
        if "external_code" not in vals:
            return vals
        return dict(vals, external_code=charge_codes.normalize(vals["external_code"]))

    @api.model
    def _resolve(self, codes, endpoint=None, carrier=None, where="/charges/%s/code"):
        """``{normalized code: charge type}``, or a permanent error naming every
        unknown code with its JSON pointer (nothing is applied then)."""
        normalized = {charge_codes.normalize(code) for code in codes}
        rows = {}
        for row in self.sudo().search([("external_code", "in", list(normalized))]):
            rows.setdefault(row.external_code, []).append(
                (
                    row.endpoint_id.id or None,
                    row.carrier_id.id or None,
                    row.charge_type_id,
                )
            )
        try:
            return charge_codes.resolve(
                codes,
                rows,
                endpoint=endpoint.id if endpoint else None,
                carrier=carrier.id if carrier else None,
                where=where,
            )
        except charge_codes.UnknownChargeCode as err:
            raise errors.PermanentError(
                _(
                    "%(error)s Known codes are in Freight > Configuration > "
                    "Charge Codes.",
                    error=err,
                ),
                details=err.details,
            ) from err
