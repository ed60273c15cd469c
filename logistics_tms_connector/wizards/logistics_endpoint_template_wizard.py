from urllib.parse import urljoin

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import partner_templates


class LogisticsEndpointTemplateWizard(models.TransientModel):
    """Connect a partner from a shipped template (lib/partners/): the
    endpoint, its mappings, its status codes and its secrets in one step.

    What differs between two partners of one dialect (where they are, the
    credentials) is asked here; the rest is the template's.
    """

    _name = "logistics.endpoint.template.wizard"
    _description = "New Endpoint from a Partner Template"

    template = fields.Selection(
        selection="_selection_template", required=True, string="Partner template"
    )
    template_description = fields.Text(compute="_compute_template_description")
    name = fields.Char(required=True)
    code = fields.Char(
        required=True, help="Technical code, unique: it appears in URLs and logs."
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    base_url = fields.Char(string="Base URL", required=True)
    oauth_client_id = fields.Char(string="OAuth2 client ID")
    client_secret = fields.Char(string="OAuth2 client secret")
    api_key = fields.Char(string="API key")
    username = fields.Char()
    password = fields.Char()
    webhook_secret = fields.Char(help="Shared secret of the partner's signed webhooks.")
    asked_secrets = fields.Char(compute="_compute_template_description")

    @api.model
    def _selection_template(self):
        return partner_templates.available()

    @api.depends("template")
    def _compute_template_description(self):
        for wizard in self:
            template = (
                partner_templates.load(wizard.template) if wizard.template else {}
            )
            wizard.template_description = template.get("description")
            wizard.asked_secrets = ",".join(template.get("secrets") or [])

    def action_create(self):
        self._logistics_check_access(
            "create", group="logistics_integration_base.group_integration_manager"
        )
        self.ensure_one()
        template = partner_templates.load(self.template)
        secrets = self._secret_values(template)  # checked before anything is made
        endpoint = self.env["logistics.endpoint"].create(
            self._endpoint_values(template)
        )
        self.env["logistics.endpoint.secret"].create(
            [dict(values, endpoint_id=endpoint.id) for values in secrets]
        )
        self.env["logistics.mapping"].create(
            [dict(values, endpoint_id=endpoint.id) for values in template["mappings"]]
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "logistics.endpoint",
            "res_id": endpoint.id,
            "view_mode": "form",
            "target": "current",
        }

    def _endpoint_values(self, template):
        settings = dict(template["endpoint"])
        token_path = settings.pop("oauth_token_path", None)
        values = {
            **settings,
            "name": self.name,
            "code": self.code,
            "company_id": self.company_id.id,
            "base_url": self.base_url,
            "tms_status_map_ids": [
                fields.Command.create({"tms_code": code, "canonical_code": canonical})
                for code, canonical in (template.get("status_codes") or {}).items()
            ],
        }
        if settings.get("auth_method") == "oauth2":
            values["oauth_client_id"] = self.oauth_client_id
            values["oauth_token_url"] = urljoin(
                self.base_url.rstrip("/") + "/", token_path or ""
            )
        if settings.get("auth_method") == "basic":
            values["username"] = self.username
        return values

    def _secret_values(self, template):
        given = {
            "client_secret": self.client_secret,
            "api_key": self.api_key,
            "password": self.password,
            "hmac": self.webhook_secret,
        }
        missing = [
            kind for kind in template.get("secrets") or [] if not given.get(kind)
        ]
        if missing:
            raise UserError(
                _(
                    "The template %(template)s needs these secrets: %(kinds)s.",
                    template=template["name"],
                    kinds=", ".join(missing),
                )
            )
        return [
            {"kind": kind, "value": value} for kind, value in given.items() if value
        ]
