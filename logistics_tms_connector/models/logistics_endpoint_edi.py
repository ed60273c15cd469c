import logging

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.logistics_integration_base.lib import errors

from ..lib import edi

_logger = logging.getLogger(__name__)

FILE_PROTOCOLS = ("folder", "sftp")
HTTP_PROTOCOL = "rest"  # interchanges POSTed (logistics_endpoint_edi_http.py)
EDI_PROTOCOLS = (*FILE_PROTOCOLS, HTTP_PROTOCOL)


# One model, one file per seam (see logistics_endpoint.py): merging is not wanted.
# pylint: disable=consider-merging-classes-inherited
class LogisticsEndpoint(models.Model):
    """A carrier (or 3PL) reached by EDI files: X12 or EDIFACT, over SFTP, a
    drop folder or HTTP POST. Odoo writes its tenders in the endpoint's folder
    and picks the carrier's files up in its inbound folder
    (logistics_shipment_edi.py); over HTTP, see logistics_endpoint_edi_http.py."""

    _inherit = "logistics.endpoint"

    edi_standard = fields.Selection(
        [(edi.X12, "ASC X12 (004010)"), (edi.EDIFACT, "UN/EDIFACT (D.04A)")],
        string="EDI standard",
        help="Set on a TMS endpoint with the folder, SFTP or REST (HTTP POST) "
        "protocol: shipments are tendered as 204 / IFTMIN files, and 990, 214, "
        "210, 997 / IFTSTA, INVOIC, CONTRL files are picked up (or received).",
    )
    edi_interchange_id = fields.Char(
        string="Our interchange id", help="ISA06 / UNB sender: who we are to them."
    )
    edi_partner_interchange_id = fields.Char(
        string="Their interchange id", help="ISA08 / UNB recipient."
    )
    edi_scac = fields.Char(string="Carrier SCAC", size=4)
    edi_inbound_directory = fields.Char(
        string="Inbound folder",
        help="Where the carrier's files are picked up (the folder field is where "
        "Odoo writes its own).",
    )
    edi_local_zone = fields.Char(
        string="Carrier's time zone",
        help="IANA zone of times the carrier sends as local time (X12 time code LT).",
    )
    edi_sequence_id = fields.Many2one(
        "ir.sequence",
        string="Control numbers",
        readonly=True,
        copy=False,
        help="Interchange and group control numbers of this endpoint: never repeated.",
    )

    @api.constrains("edi_standard", "protocol", "system", "edi_inbound_directory")
    def _check_edi(self):
        for endpoint in self.filtered("edi_standard"):
            if endpoint.system != "tms" or endpoint.protocol not in EDI_PROTOCOLS:
                raise ValidationError(
                    _(
                        "%s: EDI needs a TMS endpoint with the folder, SFTP or "
                        "REST (HTTP POST) protocol.",
                        endpoint.name,
                    )
                )
            if not (
                endpoint.edi_interchange_id and endpoint.edi_partner_interchange_id
            ):
                raise ValidationError(
                    _("%s: EDI needs both interchange ids.", endpoint.name)
                )
            if endpoint.protocol == "folder" and endpoint.edi_inbound_directory:
                endpoint._check_folder_path(endpoint.edi_inbound_directory)

    def _edi_parties(self):
        self.ensure_one()
        return edi.Parties(
            ours=self.edi_interchange_id,
            theirs=self.edi_partner_interchange_id,
            scac=self.edi_scac or "",
        )

    def _edi_next_control(self):
        """The next interchange control number (1 to 999,999,999)."""
        self.ensure_one()
        endpoint = self.sudo()
        if not endpoint.edi_sequence_id:
            endpoint.edi_sequence_id = (
                self.env["ir.sequence"]
                .sudo()
                .create(
                    {
                        "name": _("EDI control numbers of %s", self.name),
                        "code": "logistics.edi.%s" % self.id,
                        "implementation": "no_gap",
                        "company_id": self.company_id.id,
                    }
                )
            )
        return int(endpoint.edi_sequence_id.next_by_id())

    def _edi_deliver(self, name, text, correlation_id):
        """Hand one interchange of ours to the carrier; return what to add to
        the message's result (over HTTP: logistics_endpoint_edi_http.py)."""
        self.ensure_one()
        _logger.info("[%s] EDI file %s to %s", correlation_id, name, self.code)
        self._file_target().put(name, text.encode("utf-8"))
        return {}

    def _edi_inbound_target(self):
        self.ensure_one()
        return self._file_target(self.edi_inbound_directory or None)

    @api.model
    def _cron_poll_edi_files(self):
        for endpoint in self.search(
            [("edi_standard", "!=", False), ("protocol", "in", FILE_PROTOCOLS)]
        ):
            try:
                self.env["logistics.shipment"]._edi_pick_up(endpoint)
            except errors.IntegrationError as err:
                _logger.warning("EDI pickup of %s failed: %s", endpoint.code, err)
