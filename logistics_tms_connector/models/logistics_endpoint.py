import json
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.logistics_integration_base.lib import correlation, errors

from ..lib import event_feed, jsonata_mapping, mapping, milestones
from ..lib.tms_client import IDEMPOTENCY_HEADER, TmsRestClient, TmsSoapClient

_logger = logging.getLogger(__name__)

DEFAULT_WEBHOOK_TOLERANCE = 300
DEFAULT_POLL_PAGE = 200
# Pages read by one poll at most: the next poll goes on from there.
MAX_POLL_PAGES = 100
WEBHOOK_ROUTE = "/logistics/tms/%s/events"


class LogisticsEndpoint(models.Model):
    _inherit = "logistics.endpoint"

    tms_mapping_template = fields.Text(
        string="Mapping template (former language)",
        help="Deprecated: a JSON template of the former mapping language, "
        "rendered for releases and amendments while it is set. Use JSONata "
        "mappings instead (empty: the endpoint's mappings, else the shipped "
        "mappings of the protocol).",
    )
    tms_mapping_ids = fields.One2many(
        "logistics.mapping",
        "endpoint_id",
        string="Mappings",
        domain=[("current_id", "=", False)],
        help="JSONata mappings of this endpoint's operations. An outbound "
        "operation without one uses the shipped mapping of the protocol; "
        "events without an inbound mapping must be canonical already.",
    )
    tms_status_map_ids = fields.One2many(
        "logistics.tms.status.map",
        "endpoint_id",
        string="Status codes",
        help="This TMS's status codes and the milestone code each one means. "
        "Empty: the suite's default table.",
    )
    tms_webhook_tolerance = fields.Integer(
        string="Webhook tolerance (s)",
        default=DEFAULT_WEBHOOK_TOLERANCE,
        help="How far a webhook's timestamp may be from now (replay window).",
    )
    tms_webhook_url = fields.Char(
        string="Webhook URL", compute="_compute_tms_webhook_url"
    )
    tms_poll_enabled = fields.Boolean(
        string="Poll for events",
        help="For a TMS without webhooks: a scheduled job pulls its event feed.",
    )
    tms_poll_cursor = fields.Char(string="Poll cursor", readonly=True, copy=False)
    tms_poll_page_size = fields.Integer(default=DEFAULT_POLL_PAGE)

    @api.depends("code")
    def _compute_tms_webhook_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for endpoint in self:
            endpoint.tms_webhook_url = (
                base_url + WEBHOOK_ROUTE % endpoint.code
                if endpoint.system == "tms" and endpoint.code
                else False
            )

    @api.constrains("tms_mapping_template")
    def _check_tms_mapping_template(self):
        schema = self.env["logistics.shipment"]._canonical_schema()
        for endpoint in self.filtered("tms_mapping_template"):
            try:
                template = json.loads(endpoint.tms_mapping_template)
            except ValueError as err:
                raise ValidationError(
                    _("The mapping template is not valid JSON: %s", err)
                ) from err
            problems = mapping.validate(template, schema)
            if problems:
                raise ValidationError(
                    _(
                        "The mapping template does not fit the canonical shipment:\n%s",
                        "\n".join(
                            "%s: %s" % (p["pointer"] or "(root)", p["reason"])
                            for p in problems
                        ),
                    )
                )

    # ------------------------------------------------------------------
    # actions

    def action_preview_tms_mapping(self):
        self._logistics_check_access(
            "read", read_models=["logistics.tms.mapping.preview"]
        )
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Mapping preview"),
            "res_model": "logistics.tms.mapping.preview",
            "view_mode": "form",
            "target": "new",
            "context": {"default_endpoint_id": self.id},
        }

    def action_try_tms_mapping(self):
        """The mapping editor's preview, starting from the release mapping in
        use (the endpoint's own, else the shipped one)."""
        self._logistics_check_access("read", read_models=["logistics.mapping.preview"])
        self.ensure_one()
        expression = self.env["logistics.mapping"]._expression_for(
            self, "outbound", "release"
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Mapping preview"),
            "res_model": "logistics.mapping.preview",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_endpoint_id": self.id,
                "default_direction": "outbound",
                "default_operation": "release",
                "default_expression": expression,
            },
        }

    def action_poll_tms_events(self):
        """Read the TMS's event feed now instead of at the next scheduled poll."""
        self._logistics_check_access(
            "write", group="logistics_integration_base.group_integration_manager"
        )
        self.ensure_one()
        try:
            count = self._tms_poll()
        except errors.IntegrationError as err:
            raise UserError(
                _(
                    "Polling %(endpoint)s failed: %(error)s",
                    endpoint=self.name,
                    error=err,
                )
            ) from err
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("%(count)s events read from the feed.", count=count),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_load_default_status_codes(self):
        self._logistics_check_access("write")
        for endpoint in self:
            known = set(endpoint.tms_status_map_ids.mapped("tms_code"))
            endpoint.tms_status_map_ids = [
                fields.Command.create({"tms_code": code, "canonical_code": canonical})
                for code, canonical in milestones.DEFAULT_TMS_CODES.items()
                if code not in known
            ]

    # ------------------------------------------------------------------
    # business methods

    def _tms_template(self):
        self.ensure_one()
        if self.tms_mapping_template:
            return json.loads(self.tms_mapping_template)
        return mapping.default_template(self.protocol)

    def _tms_map_outbound(self, operation, data):
        """``data`` through this endpoint's outbound mapping of ``operation``
        (its own, else the shipped one of its protocol).

        :raises errors.PermanentError: the mapping fails on this data (the
            payload can only be fixed by fixing the mapping or the data)
        """
        self.ensure_one()
        expression = self.env["logistics.mapping"]._expression_for(
            self, "outbound", operation
        )
        if expression is None:
            raise errors.PermanentError(
                _(
                    "Endpoint %(endpoint)s has no mapping for %(operation)s.",
                    endpoint=self.name,
                    operation=operation,
                ),
                system="tms",
            )
        try:
            return jsonata_mapping.evaluate(expression, data)
        except jsonata_mapping.MappingError as err:
            raise errors.PermanentError(
                _(
                    "Mapping of %(operation)s failed: %(error)s",
                    operation=operation,
                    error=err.message,
                ),
                details=[jsonata_mapping.problem(err)],
                system="tms",
            ) from err

    def _tms_status_table(self):
        self.ensure_one()
        if not self.tms_status_map_ids:
            return dict(milestones.DEFAULT_TMS_CODES)
        return {row.tms_code: row.canonical_code for row in self.tms_status_map_ids}

    def _tms_client(self, correlation_id, idempotency_key=None):
        """The client for this TMS; every call carries the correlation ID and,
        when given, the `Idempotency-Key` of the message it sends (an HTTP
        header on REST and SOAP, and a SOAP header element)."""
        self.ensure_one()
        if self.protocol == "soap":
            session = self._session(correlation_id)
            if idempotency_key:
                session.headers[IDEMPOTENCY_HEADER] = idempotency_key
            return TmsSoapClient(
                self.base_url,
                session,
                self._timeout(),
                wsdl=self.wsdl_url or None,
                idempotency_key=idempotency_key,
            )
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
        return TmsRestClient(
            lambda method, path, json=None: self._request(
                method, path, correlation_id, json=json, headers=headers
            ),
            body=self._tms_map_outbound,
            operations=self.env["logistics.mapping"]._rest_operations(self),
        )

    @api.model
    def _cron_poll_tms_events(self):
        for endpoint in self.search(
            [("system", "=", "tms"), ("tms_poll_enabled", "=", True)]
        ):
            try:
                endpoint._tms_poll()
            except errors.IntegrationError as err:
                _logger.warning("polling TMS %s failed: %s", endpoint.code, err)

    def _tms_poll(self):
        """Pull the event feed since the stored position, through the message
        log: the feed and its paging are the inbound mapping's configuration
        (lib/event_feed.py), each page goes through its expression."""
        self.ensure_one()
        if self.protocol != "rest":
            raise UserError(_("Only REST TMS endpoints can be polled."))
        correlation_id = correlation.new_id()
        feed, expression = self.env["logistics.mapping"]._event_feed(self)
        client = self._tms_client(correlation_id)
        position = self.tms_poll_cursor or None
        total = 0
        for _page in range(MAX_POLL_PAGES):
            path = self._tms_feed_call(
                event_feed.page_path, feed, position, self.tms_poll_page_size
            )
            body, links = client.feed_page(path)
            events = self._tms_feed_events(body, expression)
            if events:
                self.env["logistics.shipment"]._tms_receive_events(
                    self, events, correlation_id
                )
            total += len(events)
            following = self._tms_feed_call(
                event_feed.next_position, feed, body, links, self.base_url
            )
            if following:
                self.tms_poll_cursor = following
            if event_feed.is_last_page(position, following, events):
                break
            position = following
        return total

    def _tms_feed_call(self, function, *args):
        """``function(*args)`` of lib/event_feed, its errors made permanent."""
        try:
            return function(*args)
        except event_feed.FeedError as err:
            raise errors.PermanentError(
                _(
                    "Event feed of %(endpoint)s: %(error)s",
                    endpoint=self.name,
                    error=err,
                ),
                system="tms",
            ) from err
        except jsonata_mapping.MappingError as err:
            raise errors.PermanentError(
                _(
                    "Reading the next page of %(endpoint)s's feed failed: %(error)s",
                    endpoint=self.name,
                    error=err.message,
                ),
                system="tms",
            ) from err

    def _tms_feed_events(self, body, expression):
        """A feed page's canonical events: through the inbound mapping, else
        the page's ``events`` (canonical already)."""
        if not expression:
            events = body.get("events") if isinstance(body, dict) else None
            return events if isinstance(events, list) else []
        try:
            return jsonata_mapping.evaluate_list(expression, body)
        except jsonata_mapping.MappingError as err:
            raise errors.PermanentError(
                _(
                    "The inbound mapping of %(endpoint)s failed on a feed page: "
                    "%(error)s",
                    endpoint=self.name,
                    error=err.message,
                ),
                details=[jsonata_mapping.problem(err)],
                system="tms",
            ) from err
