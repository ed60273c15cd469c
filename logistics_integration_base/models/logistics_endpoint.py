import functools
import json as jsonlib
import logging
from datetime import timedelta
from urllib.parse import urljoin

import requests

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import backoff, correlation, errors, http_pool, signature, url_guard

_logger = logging.getLogger(__name__)

PRODUCTION_DATABASE_PARAM = "logistics_integration_base.production_database_uuid"
OUTBOUND_ALLOW_LIST_PARAM = "logistics_integration_base.outbound_allow_list"
# Systems whose URLs come from outside (customers): every call is checked (SSRF).
GUARDED_SYSTEMS = ("customer",)
HTTP_REDIRECT_MIN = 300
HTTP_REDIRECT_MAX = 399
TOKEN_EXPIRY_MARGIN = timedelta(seconds=60)
HTTP_UNAUTHORIZED = 401
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
RATE_WINDOW = timedelta(minutes=1)
DEFAULT_SECRET_OVERLAP_HOURS = 24


class LogisticsEndpoint(models.Model):
    """An external system the suite talks to: where, how, and how hard to try."""

    _name = "logistics.endpoint"
    _description = "Integration Endpoint"
    _inherit = ["mail.thread"]
    _order = "system, name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True,
        index=True,
        help="Used in URLs (webhooks) and logs; letters, digits, - and _.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    system = fields.Selection(
        [
            ("tms", "Transportation Management System"),
            ("customer", "Customer system"),
        ],
        required=True,
        tracking=True,
    )
    protocol = fields.Selection(
        [("rest", "REST (JSON over HTTPS)"), ("soap", "SOAP (WSDL)")],
        required=True,
        default="rest",
    )
    environment = fields.Selection(
        [("test", "Test"), ("production", "Production")],
        required=True,
        default="test",
        tracking=True,
        help="Production endpoints are only called from a database marked as "
        "production in the settings.",
    )
    base_url = fields.Char(tracking=True)
    wsdl_url = fields.Char(string="WSDL", tracking=True)
    auth_method = fields.Selection(
        [
            ("none", "None"),
            ("api_key", "API key header"),
            ("basic", "Basic authentication"),
            ("oauth2", "OAuth2 client credentials"),
            ("hmac", "HMAC-signed requests"),
        ],
        required=True,
        default="none",
        tracking=True,
    )
    api_key_header = fields.Char(default="X-API-Key")
    username = fields.Char(help="Basic authentication user.")
    oauth_token_url = fields.Char(string="OAuth2 token URL")
    oauth_client_id = fields.Char(string="OAuth2 client ID")
    oauth_scope = fields.Char(string="OAuth2 scope")
    secret_ids = fields.One2many("logistics.endpoint.secret", "endpoint_id")
    secret_overlap_hours = fields.Integer(
        string="Secret overlap (hours)",
        default=DEFAULT_SECRET_OVERLAP_HOURS,
        required=True,
        help="When a new HMAC secret is saved, the previous one is still accepted "
        "for this many hours, then expires on its own. Only the newest signs.",
    )
    connect_timeout = fields.Float(default=DEFAULT_CONNECT_TIMEOUT, required=True)
    read_timeout = fields.Float(default=DEFAULT_READ_TIMEOUT, required=True)
    max_attempts = fields.Integer(default=5, required=True)
    backoff_schedule = fields.Char(
        default=",".join(map(str, backoff.DEFAULT_SCHEDULE)),
        required=True,
        help="Seconds to wait before each retry, comma separated; the last value "
        "repeats.",
    )
    rate_limit_per_minute = fields.Integer(
        help="Outbound calls allowed per minute (0: no limit)."
    )
    verify_tls = fields.Boolean(default=True, string="Verify TLS certificates")
    ca_bundle_path = fields.Char(
        string="CA bundle", help="Path on the server of a PEM bundle to trust."
    )
    client_cert_path = fields.Char(
        string="Client certificate", help="Path on the server of a PEM certificate."
    )
    client_key_path = fields.Char(
        string="Client key", help="Path on the server of the certificate's key."
    )
    message_count = fields.Integer(compute="_compute_message_count")
    # Connector catalog: what ops need to know about the connection.
    purpose = fields.Text(help="What this connection is for, in a sentence or two.")
    owner_id = fields.Many2one(
        "res.users", string="Owner", help="Who answers for this connection."
    )
    flow_ids = fields.Many2many(
        "logistics.flow",
        string="Flows",
        help="The flows exchanged with this system.",
    )
    dependencies = fields.Text(
        help="What this connection needs (other endpoints, VPNs, certificates, "
        "jobs) and what depends on it."
    )

    _sql_constraints = [
        (
            "code_company_unique",
            "unique(code, company_id)",
            "Endpoint codes must be unique.",
        ),
        ("attempts_positive", "check(max_attempts > 0)", "Attempts must be > 0."),
        (
            "secret_overlap_not_negative",
            "check(secret_overlap_hours >= 0)",
            "The secret overlap must not be negative.",
        ),
        (
            "timeouts_positive",
            "check(connect_timeout > 0 and read_timeout > 0)",
            "Timeouts must be positive.",
        ),
    ]

    def _compute_message_count(self):
        counts = dict(
            self.env["logistics.message"]._read_group(
                [("endpoint_id", "in", self.ids)], ["endpoint_id"], ["__count"]
            )
        )
        for endpoint in self:
            endpoint.message_count = counts.get(endpoint, 0)

    @api.constrains("backoff_schedule")
    def _check_backoff_schedule(self):
        for endpoint in self:
            try:
                backoff.parse_schedule(endpoint.backoff_schedule)
            except ValueError as err:
                raise ValidationError(
                    _("Endpoint %(name)s: %(error)s", name=endpoint.name, error=err)
                ) from err

    @api.constrains("environment", "base_url", "wsdl_url", "oauth_token_url")
    def _check_production_uses_tls(self):
        for endpoint in self.filtered(lambda e: e.environment == "production"):
            for url in endpoint._urls():
                if url.lower().startswith("http://"):
                    raise ValidationError(
                        _(
                            "Production endpoint %(name)s must use https://, not "
                            "%(url)s.",
                            name=endpoint.name,
                            url=url,
                        )
                    )

    # ------------------------------------------------------------------
    # actions

    def action_view_messages(self):
        self._logistics_check_access("read", read_models=["logistics.message"])
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "logistics_integration_base.logistics_message_action"
        )
        action["domain"] = [("endpoint_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # business methods

    @api.model
    def _default_environment(self):
        """Where endpoints the suite makes itself (e.g. customer webhooks) live.

        Production in the production database: the guard then refuses them in
        any copy that is not (see `_check_callable`).
        """
        return "production" if self._is_production_database() else "test"

    @api.model
    def _is_production_database(self):
        params = self.env["ir.config_parameter"].sudo()
        marked = params.get_param(PRODUCTION_DATABASE_PARAM)
        return bool(marked) and marked == params.get_param("database.uuid")

    def _check_callable(self):
        """Refuse calls that must never happen; raise a permanent error."""
        self.ensure_one()
        if not self.active:
            raise errors.PermanentError(
                _(
                    "Endpoint %s is archived (a neutralized copy archives them all): "
                    "the call was refused.",
                    self.name,
                ),
                system=self.system,
            )
        if self.environment == "production" and not self._is_production_database():
            raise errors.PermanentError(
                _(
                    "Endpoint %s is a production endpoint and this database is not "
                    "marked as production: the call was refused.",
                    self.name,
                ),
                system=self.system,
            )
        if self.environment == "production":
            for url in self._urls():
                if url.lower().startswith("http://"):
                    raise errors.PermanentError(
                        _("Plain http:// is refused for production endpoints."),
                        system=self.system,
                    )
        self._check_rate_limit()

    @api.model
    def _check_outbound_url(self, url):
        """The `url_guard.CheckedUrl` of a URL from outside, or `UrlRefused`.

        Its host must resolve to public addresses only (or to hosts/networks of
        the allow-list setting); production databases accept https:// only.
        """
        text = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(OUTBOUND_ALLOW_LIST_PARAM, "")
        )
        try:
            allow_list = url_guard.parse_allow_list(text)
        except ValueError as err:
            # Fail closed: a broken setting opens nothing.
            _logger.error("Ignoring the outbound allow-list: %s", err)
            allow_list = url_guard.EMPTY_ALLOW_LIST
        return url_guard.check(
            url,
            require_https=self._is_production_database(),
            allow_list=allow_list,
        )

    def _checked_destination(self, url):
        """Check a URL of a guarded system again at each call (DNS can change)."""
        self.ensure_one()
        try:
            return self._check_outbound_url(url)
        except url_guard.UrlRefused as err:
            error = errors.RetryableError if err.retryable else errors.PermanentError
            raise error(
                _(
                    "Call to %(url)s refused: %(reason)s",
                    url=url,
                    reason=err.message,
                ),
                system=self.system,
            ) from err

    def _check_rate_limit(self):
        if self.rate_limit_per_minute <= 0:
            return
        since = fields.Datetime.now() - RATE_WINDOW
        sent = (
            self.env["logistics.message"]
            .sudo()
            .search_count(
                [
                    ("endpoint_id", "=", self.id),
                    ("direction", "=", "outbound"),
                    ("sent_at", ">=", since),
                ]
            )
        )
        if sent >= self.rate_limit_per_minute:
            raise errors.RetryableError(
                _(
                    "Rate limit of %s calls per minute reached.",
                    self.rate_limit_per_minute,
                ),
                system=self.system,
                retry_after=int(RATE_WINDOW.total_seconds()),
            )

    def _urls(self):
        return [u for u in (self.base_url, self.wsdl_url, self.oauth_token_url) if u]

    def _retry_schedule(self):
        return backoff.parse_schedule(self.backoff_schedule)

    def _valid_secrets(self, kind):
        """Active, unexpired secrets of that kind, newest first."""
        now = fields.Datetime.now()
        return self.secret_ids.filtered(
            lambda s: s.kind == kind and s._is_valid(now)
        ).sorted("id", reverse=True)

    def _secret(self, kind):
        """Plaintext of the newest valid secret of that kind (it signs), or None."""
        secret = self._valid_secrets(kind)[:1]
        return secret._plaintext() if secret else None

    def _secrets(self, kind):
        """Plaintexts of every valid secret of that kind, newest first.

        An HMAC secret replaced by a newer one is in the list until the end of
        the endpoint's overlap window (`secret_overlap_hours`), then drops out.
        """
        return [s._plaintext() for s in self._valid_secrets(kind)]

    def _timeout(self):
        """(connect, read) timeouts in seconds, for `requests`."""
        return (self.connect_timeout, self.read_timeout)

    def _tls_options(self):
        """Certificate verification and client certificate, for `requests`."""
        self.ensure_one()
        options = {
            "verify": (self.ca_bundle_path or True) if self.verify_tls else False,
            "cert": None,
        }
        if self.client_cert_path:
            options["cert"] = (
                (self.client_cert_path, self.client_key_path)
                if self.client_key_path
                else self.client_cert_path
            )
        return options

    def _session(self, correlation_id):
        """A `requests.Session` with the endpoint's auth, TLS and correlation ID.

        Every safeguard is checked first (production guard, https, rate limit).
        Calls made with it must pass `timeout=self._timeout()`. The session is
        the call's own; its connections to the endpoint's base URL are the
        process's kept-alive ones (`http_pool`), reused from call to call.
        """
        self.ensure_one()
        self._check_callable()
        session = requests.Session()
        session.headers[correlation.HEADER] = correlation_id
        session.headers.update(self._auth_headers())
        session.auth = self._auth()
        tls = self._tls_options()
        session.verify = tls["verify"]
        session.cert = tls["cert"]
        if self.base_url:
            http_pool.mount(session, self.base_url)
        return session

    def _auth_headers(self):
        self.ensure_one()
        if self.auth_method == "api_key":
            return {self.api_key_header or "X-API-Key": self._secret("api_key") or ""}
        if self.auth_method == "oauth2":
            return {"Authorization": "Bearer %s" % self._oauth2_access_token()}
        return {}

    def _auth(self):
        if self.auth_method == "basic":
            return (self.username or "", self._secret("password") or "")
        return None

    def _oauth2_access_token(self):
        """A cached client-credentials token, refreshed shortly before expiry."""
        self.ensure_one()
        cached = self.secret_ids.filtered(
            lambda s: (
                s.kind == "access_token"
                and s.active
                and s.expires_at
                and s.expires_at - TOKEN_EXPIRY_MARGIN > fields.Datetime.now()
            )
        )[:1]
        if cached:
            return cached._plaintext()
        try:
            response = requests.post(
                self.oauth_token_url,
                timeout=self._timeout(),
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.oauth_client_id,
                    "client_secret": self._secret("client_secret") or "",
                    **({"scope": self.oauth_scope} if self.oauth_scope else {}),
                },
                **self._tls_options(),
            )
            response.raise_for_status()
            body = response.json()
        except (requests.RequestException, ValueError) as err:
            raise errors.classify(err) from err
        token = body.get("access_token")
        if not token:
            raise errors.PermanentError(
                _("The OAuth2 token endpoint answered without an access_token."),
                system=self.system,
            )
        expires_in = int(body.get("expires_in") or 300)
        self.secret_ids.filtered(lambda s: s.kind == "access_token").sudo().unlink()
        self.env["logistics.endpoint.secret"].sudo().create(
            {
                "endpoint_id": self.id,
                "kind": "access_token",
                "value": token,
                "expires_at": fields.Datetime.now() + timedelta(seconds=expires_in),
            }
        )
        return token

    def _send(self, method, url, correlation_id, *, checked, **options):
        """The HTTP call of `_request` (`options`: the body and headers);
        raises on a non-2xx answer."""
        with self._session(correlation_id) as session:
            if checked:
                # Connect to the address just checked: no second DNS answer
                # (kept connections of that address only).
                http_pool.mount(session, url, checked=checked)
            response = session.request(
                method,
                url,
                timeout=self._timeout(),
                # A redirect could lead anywhere, with our credentials.
                allow_redirects=False,
                # Given per request: requests would prefer REQUESTS_CA_BUNDLE
                # from the environment to the session's CA bundle.
                **self._tls_options(),
                **options,
            )
        response.raise_for_status()
        return response

    def _forget_refused_token(self, err):
        """Drop the OAuth2 token the partner refuses (401: revoked, or expired
        before its time), so that the retry asks for a new one; whether there
        was one to drop."""
        response = getattr(err, "response", None)
        if self.auth_method != "oauth2" or (
            getattr(response, "status_code", None) != HTTP_UNAUTHORIZED
        ):
            return False
        tokens = self.secret_ids.filtered(lambda s: s.kind == "access_token")
        tokens.sudo().unlink()
        return bool(tokens)

    def _request(
        self, method, path, correlation_id, *, json=None, headers=None, data=None
    ):
        """One HTTP call to the endpoint, with every safeguard applied.

        Returns the `requests.Response` of a 2xx answer; raises an
        `errors.RetryableError` or `errors.PermanentError` otherwise.
        """
        self.ensure_one()
        url = (
            urljoin(self.base_url.rstrip("/") + "/", path.lstrip("/"))
            if path
            else self.base_url
        )
        extra_headers = dict(headers or {})
        if self.auth_method == "hmac":
            # Sign exactly the bytes sent: serialise the JSON body ourselves.
            if json is not None:
                data = jsonlib.dumps(json, separators=(",", ":")).encode()
                json = None
                extra_headers["Content-Type"] = "application/json"
            body = data if isinstance(data, bytes) else (data or "").encode()
            extra_headers.update(signature.signed_headers(self._secret("hmac"), body))
        checked = (
            self._checked_destination(url) if self.system in GUARDED_SYSTEMS else None
        )
        _logger.info("[%s] %s %s (endpoint %s)", correlation_id, method, url, self.code)
        call = functools.partial(
            self._send,
            method,
            url,
            correlation_id,
            checked=checked,
            json=json,
            data=data,
            headers=extra_headers,
        )
        try:
            try:
                response = call()
            except requests.HTTPError as err:
                if not self._forget_refused_token(err):
                    raise
                # The same call once more, with a token asked for just now.
                response = call()
        except requests.RequestException as err:
            classified = errors.classify(err)
            classified.system = self.system
            raise classified from err
        if HTTP_REDIRECT_MIN <= response.status_code <= HTTP_REDIRECT_MAX:
            raise errors.PermanentError(
                _(
                    "%(url)s answered HTTP %(status)s (to %(location)s): redirects "
                    "are not followed; configure the final URL.",
                    url=url,
                    status=response.status_code,
                    location=response.headers.get("Location") or "?",
                ),
                system=self.system,
            )
        return response
