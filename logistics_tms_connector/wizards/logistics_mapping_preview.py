import json

from odoo import _, api, fields, models

from odoo.addons.logistics_integration_base.lib import errors, json_text

from ..lib import jsonata_mapping
from ..models.logistics_mapping import DIRECTIONS, OPERATIONS


class LogisticsMappingPreview(models.TransientModel):
    """The mapping editor's preview: an expression tried before it is saved.

    Outbound on a real shipment (the canonical input and the partner's
    payload); inbound on a pasted sample payload (the canonical envelopes and
    their schema problems, as JSON pointers into the result).
    """

    _name = "logistics.mapping.preview"
    _description = "Mapping Preview"

    mapping_id = fields.Many2one("logistics.mapping")
    endpoint_id = fields.Many2one("logistics.endpoint", required=True)
    direction = fields.Selection(DIRECTIONS, required=True, default="outbound")
    operation = fields.Selection(OPERATIONS, required=True, default="release")
    expression = fields.Text(required=True)
    shipment_id = fields.Many2one("logistics.shipment")
    sample_payload = fields.Text(help="The partner's payload, pasted (JSON).")
    input_document = fields.Text(compute="_compute_preview")
    result = fields.Text(compute="_compute_preview")
    problems = fields.Text(compute="_compute_preview")
    problem_count = fields.Integer(compute="_compute_preview")

    @api.depends(
        "endpoint_id",
        "direction",
        "operation",
        "expression",
        "shipment_id",
        "sample_payload",
    )
    def _compute_preview(self):
        for preview in self:
            document, result, problems = preview._preview()
            preview.input_document = _dump(document)
            preview.result = _dump(result)
            preview.problem_count = len(problems)
            preview.problems = (
                "\n".join(
                    "%s: %s" % (p["pointer"] or "(root)", p["reason"]) for p in problems
                )
                or False
            )

    def _preview(self):
        """``(input, result, problems)``; each problem ``{"pointer", "reason"}``."""
        self.ensure_one()
        if not (self.endpoint_id and self.expression):
            return None, None, []
        try:
            if self.direction == "outbound":
                return self._preview_outbound()
            return self._preview_inbound()
        except jsonata_mapping.MappingError as err:
            return None, None, [jsonata_mapping.problem(err)]

    def _preview_outbound(self):
        if not self.shipment_id:
            return None, None, []
        document = self.shipment_id._tms_mapping_input(self.operation)
        return document, self._evaluate(document), []

    def _preview_inbound(self):
        if not self.sample_payload:
            return None, None, []
        try:
            document = json_text.loads(self.sample_payload)
        except (json_text.MalformedJson, ValueError) as err:
            reason = _("The sample is not JSON: %s", err)
            return None, None, [{"pointer": "", "reason": reason}]
        events = jsonata_mapping.evaluate_list(self.expression, document)
        return document, events, self._event_problems(events)

    def _evaluate(self, document):
        return jsonata_mapping.evaluate(self.expression, document)

    def _event_problems(self, events):
        """Schema problems of each envelope, pointers prefixed by its index."""
        Shipment = self.env["logistics.shipment"]
        Flow = self.env["logistics.flow"]
        problems = []
        for index, event in enumerate(events):
            if not isinstance(event, dict):
                problems.append(
                    {"pointer": "/%s" % index, "reason": _("not a JSON object")}
                )
                continue
            flow = Flow._get_by_code(Shipment._tms_event_flow(event))
            try:
                self.env["logistics.schema"]._validate(
                    flow.schema_name, flow.schema_version, event
                )
            except errors.PermanentError as err:
                problems.extend(
                    {"pointer": "/%s%s" % (index, d["pointer"]), "reason": d["reason"]}
                    for d in (err.details or [{"pointer": "", "reason": str(err)}])
                )
        return problems

    def action_save(self):
        """Save the previewed expression on its mapping (a new version)."""
        self._logistics_check_access("write", read_models=["logistics.mapping"])
        self.ensure_one()
        self.mapping_id.check_access("write")
        self.mapping_id.expression = self.expression
        return {"type": "ir.actions.act_window_close"}


def _dump(value):
    return json.dumps(value, indent=2, default=str) if value is not None else False
