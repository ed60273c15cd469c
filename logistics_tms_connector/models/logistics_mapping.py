import json

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from ..lib import event_feed, jsonata_mapping, rest_operations, shipped_mappings

DIRECTIONS = [("outbound", "Outbound (to the partner)"), ("inbound", "Inbound")]
OPERATIONS = [
    ("release", "Release"),
    ("amend", "Amendment"),
    ("cancel", "Cancellation"),
    ("redeliver", "Redelivery"),
    ("events", "Events (webhook or feed)"),
]
INBOUND_OPERATIONS = ("events",)
# REST operation of an outbound mapping: these fields (empty: the shipped
# simulator protocol's value) -> the key in rest_operations' dict.
REST_FIELDS = {
    "http_method": "method",
    "path_template": "path",
    "answer_id_path": "id",
    "answer_status_path": "status",
    "answer_error_path": "error",
}
# The event feed of an inbound mapping (polling): these fields (empty path:
# the simulator protocol's feed) -> the key in event_feed's dict.
FEED_FIELDS = {
    "feed_path": "path",
    "feed_pagination": "pagination",
    "feed_position_param": "position_param",
    "feed_size_param": "size_param",
    "feed_next_path": "next",
}
# Written on every change of a mapping; a new version is kept for these.
VERSIONED_FIELDS = (
    "expression",
    "direction",
    "operation",
    "endpoint_id",
    *REST_FIELDS,
    *FEED_FIELDS,
)


class LogisticsMapping(models.Model):
    """A JSONata mapping of one endpoint's operation, versioned.

    Outbound, it turns the canonical document into the partner's payload (the
    shipped simulator mapping when an endpoint has none); inbound, the
    partner's payload into canonical ``tms.event.v1`` envelopes, validated by
    their schema afterwards. Every change of the expression keeps the former
    version as an archived copy (``current_id`` the live record) and bumps
    ``version``; in the production database the change is in the audit log
    with the expression before and after.
    """

    _name = "logistics.mapping"
    _description = "Integration Mapping (JSONata)"
    _order = "endpoint_id, direction, operation, version desc"

    name = fields.Char(required=True)
    endpoint_id = fields.Many2one(
        "logistics.endpoint", required=True, ondelete="cascade", index=True
    )
    direction = fields.Selection(DIRECTIONS, required=True, default="outbound")
    operation = fields.Selection(OPERATIONS, required=True, default="release")
    expression = fields.Text(
        required=True,
        help="JSONata expression. Outbound: its input is the canonical document "
        "(cancel/redeliver: {reference, reason, window}); inbound: the partner's "
        "payload, its result one tms.event.v1 envelope or a list of them.",
    )
    http_method = fields.Selection(
        [(method, method) for method in rest_operations.METHODS],
        string="HTTP method",
        help="REST outbound operations; empty: the simulator protocol's.",
    )
    path_template = fields.Char(
        help="Path under the endpoint's base URL, {reference} the TMS's id of "
        "the shipment, e.g. shipments/{reference}/cancel. Empty: the simulator "
        "protocol's.",
    )
    answer_id_path = fields.Char(
        string="Id in the answer",
        help="JSONata on the answer's body: the TMS's id of a released "
        "shipment (e.g. shipmentId). Empty: the simulator protocol's.",
    )
    answer_status_path = fields.Char(
        string="Status in the answer",
        help="JSONata on the answer's body: the TMS's status of the shipment.",
    )
    answer_error_path = fields.Char(
        string="Error in the answer",
        help="JSONata on a successful answer's body: an error the TMS reports "
        "with a 2xx status (found: the call fails for good).",
    )
    feed_path = fields.Char(
        string="Event feed path",
        help="Inbound: the path of the partner's event feed under the "
        "endpoint's base URL, polled when the endpoint polls (e.g. v2/tracking). "
        "Empty: the simulator protocol's feed.",
    )
    feed_pagination = fields.Selection(
        [
            ("cursor", "Cursor (given on every page, resumed from)"),
            ("page_token", "Page token (none on the last page)"),
            ("link", "Link header (rel=next)"),
        ],
        default="cursor",
        help="How the feed gives the position of its next page.",
    )
    feed_position_param = fields.Char(
        string="Position parameter",
        help="Query parameter of the cursor or page token, e.g. pageToken.",
    )
    feed_size_param = fields.Char(
        string="Page size parameter",
        help="Query parameter of the page size, e.g. pageSize (empty: not sent).",
    )
    feed_next_path = fields.Char(
        string="Next position in the answer",
        help="JSONata on a page's body: the cursor or token of the next page, "
        "e.g. nextPageToken.",
    )
    version = fields.Integer(default=1, readonly=True, copy=False)
    active = fields.Boolean(default=True)
    current_id = fields.Many2one(
        "logistics.mapping",
        string="Version of",
        readonly=True,
        copy=False,
        ondelete="cascade",
        index="btree_not_null",
        help="Set on former versions: the mapping in use.",
    )
    version_ids = fields.One2many(
        "logistics.mapping",
        "current_id",
        string="Former versions",
        context={"active_test": False},
        readonly=True,
    )

    @api.constrains("expression")
    def _check_expression(self):
        for mapping in self:
            problems = jsonata_mapping.check(mapping.expression)
            if problems:
                raise ValidationError(
                    _(
                        "The mapping %(name)s does not compile: %(reason)s",
                        name=mapping.name,
                        reason=problems[0]["reason"],
                    )
                )

    @api.constrains("path_template", *REST_FIELDS)
    def _check_rest_operation(self):
        for mapping in self:
            problems = []
            if mapping.path_template:
                problems += rest_operations.path_problems(mapping.path_template)
            for name in ("answer_id_path", "answer_status_path", "answer_error_path"):
                if mapping[name]:
                    problems += [
                        p["reason"] for p in jsonata_mapping.check(mapping[name])
                    ]
            if problems:
                raise ValidationError(
                    _(
                        "The REST operation of %(name)s is invalid: %(problems)s",
                        name=mapping.name,
                        problems="; ".join(problems),
                    )
                )

    @api.constrains(*FEED_FIELDS)
    def _check_event_feed(self):
        for mapping in self.filtered("feed_path"):
            problems = event_feed.problems(mapping._event_feed_values())
            if mapping.direction != "inbound":
                problems.insert(0, "only an inbound mapping reads an event feed")
            if problems:
                raise ValidationError(
                    _(
                        "The event feed of %(name)s is invalid: %(problems)s",
                        name=mapping.name,
                        problems="; ".join(problems),
                    )
                )

    @api.constrains("direction", "operation", "endpoint_id", "active")
    def _check_one_live_mapping(self):
        for mapping in self.filtered(lambda m: m.active and not m.current_id):
            inbound = mapping.operation in INBOUND_OPERATIONS
            if inbound != (mapping.direction == "inbound"):
                raise ValidationError(
                    _(
                        "Inbound mappings map events; outbound ones the other "
                        "operations."
                    )
                )
            twins = self.search_count(
                [
                    ("id", "!=", mapping.id),
                    ("endpoint_id", "=", mapping.endpoint_id.id),
                    ("direction", "=", mapping.direction),
                    ("operation", "=", mapping.operation),
                    ("current_id", "=", False),
                ]
            )
            if twins:
                raise ValidationError(
                    _(
                        "Endpoint %(endpoint)s already has a mapping for "
                        "%(operation)s.",
                        endpoint=mapping.endpoint_id.name,
                        operation=mapping.operation,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD: versions and audit

    @api.model_create_multi
    def create(self, vals_list):
        mappings = super().create(vals_list)
        for mapping in mappings.filtered(lambda m: not m.current_id):
            mapping._audit_change(None, mapping._audit_state())
        self.env.registry.clear_cache()  # _inbound_expression
        return mappings

    def write(self, vals):
        # The version and the link to the live mapping are the history's own:
        # no caller rewrites them (former versions are made by copy).
        vals = {
            key: value
            for key, value in vals.items()
            if key not in ("version", "current_id")
        }
        changed = self._versioned_changes(vals)
        befores = {mapping.id: mapping._audit_state() for mapping in changed}
        for mapping in changed:
            mapping._keep_version()
        if changed:
            for mapping in changed:
                super(LogisticsMapping, mapping).write(
                    dict(vals, version=mapping.version + 1)
                )
            result = super(LogisticsMapping, self - changed).write(vals)
        else:
            result = super().write(vals)
        for mapping in changed:
            mapping._audit_change(befores[mapping.id], mapping._audit_state())
        self.env.registry.clear_cache()  # _inbound_expression
        return result

    def unlink(self):
        for mapping in self.filtered(lambda m: not m.current_id):
            mapping._audit_change(mapping._audit_state(), None)
        self.env.registry.clear_cache()
        return super().unlink()

    def _versioned_changes(self, vals):
        """The live mappings whose versioned fields ``vals`` changes."""
        keys = [key for key in VERSIONED_FIELDS if key in vals]
        if not keys:
            return self.browse()
        return self.filtered(
            lambda m: (
                not m.current_id
                and any(m._field_value(key) != vals[key] for key in keys)
            )
        )

    def _field_value(self, name):
        value = self[name]
        return value.id if isinstance(value, models.BaseModel) else value

    def _keep_version(self):
        """Keep the current state as an archived former version."""
        self.ensure_one()
        self.copy(
            {
                "name": self.name,
                "version": self.version,
                "current_id": self.id,
                "active": False,
            }
        )

    def _audit_state(self):
        self.ensure_one()
        return {
            "name": self.name,
            "endpoint": self.endpoint_id.code,
            "direction": self.direction,
            "operation": self.operation,
            "version": self.version,
            "expression": self.expression,
            **{name: self[name] or None for name in REST_FIELDS},
            **{name: self[name] or None for name in FEED_FIELDS},
        }

    def _audit_change(self, before, after):
        """In the production database: the change, before and after."""
        if not self.env["logistics.endpoint"]._is_production_database():
            return
        self.env["logistics.audit.log"]._append(
            action="configuration",
            outcome="success",
            record=self,
            endpoint=self.endpoint_id,
            details=json.dumps(
                {
                    "change": "mapping",
                    "before": before,
                    "after": after,
                },
                indent=2,
                sort_keys=True,
            ),
        )

    # ------------------------------------------------------------------
    # actions

    def action_preview(self):
        self._logistics_check_access("read", read_models=["logistics.mapping.preview"])
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Mapping preview"),
            "res_model": "logistics.mapping.preview",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_mapping_id": self.id,
                "default_endpoint_id": self.endpoint_id.id,
                "default_direction": self.direction,
                "default_operation": self.operation,
                "default_expression": self.expression,
            },
        }

    # ------------------------------------------------------------------
    # business methods

    @api.model
    @tools.ormcache("endpoint_id")
    def _inbound_expression(self, endpoint_id):
        """The live inbound mapping of an endpoint, or None: the webhook's hot
        path asks on every request, the database only after a change."""
        mapping = self.sudo().search(
            [
                ("endpoint_id", "=", endpoint_id),
                ("direction", "=", "inbound"),
                ("operation", "=", "events"),
                ("current_id", "=", False),
            ],
            limit=1,
        )
        return mapping.expression or None

    @api.model
    def _rest_operations(self, endpoint):
        """The endpoint's REST operations: the shipped simulator protocol's,
        with what its live outbound mappings set."""
        operations = {
            name: dict(operation)
            for name, operation in shipped_mappings.REST_OPERATIONS.items()
        }
        mappings = self.sudo().search(
            [
                ("endpoint_id", "=", endpoint.id),
                ("direction", "=", "outbound"),
                ("current_id", "=", False),
            ]
        )
        for mapping in mappings:
            operation = operations.setdefault(mapping.operation, {})
            for field_name, key in REST_FIELDS.items():
                if mapping[field_name]:
                    operation[key] = mapping[field_name]
        return operations

    def _event_feed_values(self):
        self.ensure_one()
        return {key: self[name] or None for name, key in FEED_FIELDS.items()}

    @api.model
    def _event_feed(self, endpoint):
        """``(feed, inbound expression or None)`` of an endpoint's polling: its
        inbound mapping's feed, else the simulator protocol's."""
        mapping = self.sudo().search(
            [
                ("endpoint_id", "=", endpoint.id),
                ("direction", "=", "inbound"),
                ("operation", "=", "events"),
                ("current_id", "=", False),
            ],
            limit=1,
        )
        if mapping.feed_path:
            return mapping._event_feed_values(), mapping.expression
        return dict(event_feed.SIMULATOR_FEED), mapping.expression or None

    @api.model
    def _expression_for(self, endpoint, direction, operation):
        """The live expression of an endpoint's operation, or None."""
        mapping = self.sudo().search(
            [
                ("endpoint_id", "=", endpoint.id),
                ("direction", "=", direction),
                ("operation", "=", operation),
                ("current_id", "=", False),
            ],
            limit=1,
        )
        if mapping:
            return mapping.expression
        if direction == "outbound" and shipped_mappings.has(
            endpoint.protocol, operation
        ):
            return shipped_mappings.expression(endpoint.protocol, operation)
        return None
