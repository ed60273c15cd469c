"""The OpenAPI 3.1 description of /api/logistics/v1, and the query arguments.

Request bodies are the very JSON Schemas the API validates with (the addon's
`schemas/` folder); the answers' schemas are described here. The query
arguments of the list routes are validated with the parameters described here
(:func:`parse_query`), so the description cannot promise one thing while the
server does another. Every status code a route can answer is listed on the
route; a test compares the routes with Odoo's routing map.

The operations are not listed here: each route registers its own when it is
declared (`api_route` in controllers/api.py, :func:`register`), and the
document is built from that registry (:func:`build_document`). This module
holds the parts they are made of, and stays pure Python.
"""

import copy
import functools
import json
import re
from pathlib import Path

from odoo.addons.logistics_integration_base.lib import timestamps
from odoo.addons.logistics_integration_base.lib.schema import json_pointer
from odoo.addons.logistics_tms_connector.lib import customer_returns, milestones

from . import service_report, service_requests

SCHEMA_FOLDER = Path(__file__).resolve().parent.parent / "schemas"
SERVER = "/api/logistics/v1"
VERSION = "1.1.0"
REQUEST_SCHEMAS = {
    "OrderSubmission": "order.submit.v1.json",
    "OrderAmendment": "order.amend.v1.json",
    "WebhookSubscription": "webhook.subscribe.v1.json",
    "ServiceRequestCreation": "service_request.create.v1.json",
    "ClaimReport": "claim.report.v1.json",
    "ReturnRequest": "return.request.v1.json",
    "AppointmentRequest": "appointment.request.v1.json",
}
NULLABLE_STRING = {"type": ["string", "null"]}
MONEY = {"type": "number"}

# ---------------------------------------------------------------------------
# query arguments of the list routes

DEFAULT_PAGE = 50
MAX_PAGE = 200
# Beyond PostgreSQL's OFFSET there is nothing to page through anyway.
MAX_OFFSET = 2**31 - 1
ORDER_STATES = ("draft", "sent", "sale", "cancel")
SHIPMENT_STATUSES = tuple(value for value, _label in milestones.STATUSES)
SERVICE_REQUEST_STATUSES = service_requests.STATUS_CODES
RETURN_STATES = tuple(value for value, _label in customer_returns.STATES)


def _pointer(name):
    """The JSON pointer (RFC 6901) of a query argument."""
    return json_pointer(["query", name])


INTEGER = re.compile(r"^-?[0-9]+$")
MAX_INTEGER_DIGITS = 20
DATE_SCHEMA = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "format": "date-time"},
    ]
}


def _page_parameters():
    return [
        {
            "name": "limit",
            "in": "query",
            "description": "Items per page (default %s)." % DEFAULT_PAGE,
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PAGE,
                "default": DEFAULT_PAGE,
            },
        },
        {
            "name": "offset",
            "in": "query",
            "description": "Items to skip.",
            "schema": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_OFFSET,
                "default": 0,
            },
        },
    ]


def _date_parameters(what):
    return [
        {
            "name": "date_from",
            "in": "query",
            "description": "Only %s from this moment on (RFC 3339 date-time, or a "
            "date: from its start, UTC)." % what,
            "schema": DATE_SCHEMA,
        },
        {
            "name": "date_to",
            "in": "query",
            "description": "Only %s up to this moment (RFC 3339 date-time, or a "
            "date: up to its end, UTC)." % what,
            "schema": DATE_SCHEMA,
        },
    ]


def _status_parameter(values, what):
    return {
        "name": "status",
        "in": "query",
        "description": what,
        "schema": {"type": "string", "enum": list(values)},
    }


class QueryError(ValueError):
    """Query arguments that do not match the description: `details` says which."""

    def __init__(self, details):
        super().__init__("; ".join(d["reason"] for d in details))
        self.details = details


def _parse_integer(text, schema):
    if not INTEGER.match(text) or len(text) > MAX_INTEGER_DIGITS:
        raise ValueError("must be an integer")
    value = int(text)
    if value < schema["minimum"] or value > schema["maximum"]:
        raise ValueError(
            "must be between %s and %s" % (schema["minimum"], schema["maximum"])
        )
    return value


def _parse_date(text, name):
    return timestamps.parse(text, end_of_day=name == "date_to")


def parse_query(parameters, args):
    """The query arguments `args` (name → list of strings), checked against the
    described `parameters`: a dict name → value (defaults filled in), or
    QueryError listing every problem with its `/query/<name>` pointer."""
    described = {p["name"]: p for p in parameters if p["in"] == "query"}
    values, details = {}, []
    for name in sorted(args):
        if name not in described:
            details.append(
                {
                    "pointer": _pointer(name),
                    "reason": "unknown query argument; this route takes %s"
                    % (", ".join(sorted(described)) or "none"),
                }
            )
    for name, parameter in described.items():
        schema = parameter["schema"]
        given = args.get(name) or []
        if not given:
            if "default" in schema:
                values[name] = schema["default"]
            continue
        if len(given) > 1:
            details.append(
                {"pointer": _pointer(name), "reason": "given more than once"}
            )
            continue
        text = given[0]
        try:
            if schema.get("type") == "integer":
                values[name] = _parse_integer(text, schema)
            elif "enum" in schema:
                if text not in schema["enum"]:
                    raise ValueError("must be one of %s" % ", ".join(schema["enum"]))
                values[name] = text
            else:
                values[name] = _parse_date(text, name)
        except ValueError as err:
            details.append({"pointer": _pointer(name), "reason": str(err)})
    if details:
        raise QueryError(details)
    return values


# ---------------------------------------------------------------------------
# answers

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "correlation_id"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["pointer", "reason"],
                        "properties": {
                            "pointer": {
                                "type": "string",
                                "description": "JSON pointer into the request "
                                "body, or /query/<argument> for a query argument",
                            },
                            "reason": {"type": "string"},
                        },
                    },
                },
            },
        },
        "correlation_id": {"type": "string"},
    },
}

ANSWER_SCHEMAS = {
    "Error": ERROR_SCHEMA,
    "OAuthError": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "string",
                "description": "RFC 6749 error code, e.g. invalid_client",
            }
        },
    },
    "Token": {
        "type": "object",
        "required": ["access_token", "token_type", "expires_in", "scope"],
        "properties": {
            "access_token": {"type": "string"},
            "token_type": {"const": "Bearer"},
            "expires_in": {"type": "integer"},
            "scope": {"type": "string"},
        },
    },
    "OrderLine": {
        "type": "object",
        "properties": {
            "product_code": NULLABLE_STRING,
            "description": {"type": "string"},
            "quantity": {"type": "number"},
            "unit": {"type": "string"},
            "unit_price": MONEY,
            "discount": {"type": "number"},
            "taxes": {"type": "array", "items": {"type": "string"}},
            "subtotal": MONEY,
            "total": MONEY,
        },
    },
    "Order": {
        "type": "object",
        "required": ["reference", "status", "state", "lines", "amount_total"],
        "properties": {
            "reference": {"type": "string"},
            "customer_reference": NULLABLE_STRING,
            "status": {
                "type": "string",
                "description": "accepted, held (with reasons), cancelled, or the "
                "order's state",
            },
            "state": {"type": "string", "enum": list(ORDER_STATES)},
            "reasons": {"type": "array", "items": {"type": "object"}},
            "backordered_lines": {"type": "array", "items": {"type": "integer"}},
            "currency": {"type": "string"},
            "lines": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/OrderLine"},
            },
            "amount_untaxed": MONEY,
            "amount_tax": MONEY,
            "amount_total": MONEY,
            "promised_date": NULLABLE_STRING,
            "delivery_address_id": {"type": "integer"},
            "shipments": {"type": "array", "items": {"type": "string"}},
            "invoices": {"type": "array", "items": {"type": "string"}},
            "created_at": {"type": "string"},
            "updated_at": {"type": "string"},
            "requested_delivery": {
                "type": "object",
                "properties": {"start": NULLABLE_STRING, "end": NULLABLE_STRING},
            },
            "delivery_address": {"type": "object"},
            "delivery_contact": {
                "type": "object",
                "properties": {
                    "name": NULLABLE_STRING,
                    "phone": NULLABLE_STRING,
                    "email": NULLABLE_STRING,
                },
            },
            "service_preferences": {
                "type": "object",
                "properties": {
                    "service_level": {"type": "string"},
                    "tail_lift": {"type": "boolean"},
                    "delivery_instructions": NULLABLE_STRING,
                },
            },
            "notes": NULLABLE_STRING,
            "hold_reasons": {"type": "array", "items": {"type": "string"}},
            "pending_review": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Fields of an amendment kept for review: the "
                "ownership matrix gives them to Odoo.",
            },
        },
    },
    "Shipment": {
        "type": "object",
        "required": ["reference", "status"],
        "properties": {
            "reference": {"type": "string"},
            "order_reference": NULLABLE_STRING,
            "customer_reference": NULLABLE_STRING,
            "status": {"type": "string", "enum": list(SHIPMENT_STATUSES)},
            "exception": NULLABLE_STRING,
            "eta": NULLABLE_STRING,
            "promised_delivery_end": NULLABLE_STRING,
            "carrier": {"type": ["object", "null"]},
            "tracking_number": NULLABLE_STRING,
            "tracking_url": NULLABLE_STRING,
            "delivered_at": NULLABLE_STRING,
            "signed_by": NULLABLE_STRING,
            "invoices": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Posted invoices made on the delivery",
            },
            "milestones": {"type": "array", "items": {"type": "object"}},
            "appointment": {
                "type": ["object", "null"],
                "description": "The delivery appointment: state (requested, "
                "proposed, confirmed, rejected, missed), requested_window, dock, "
                "contact, reference, the TMS's slot, missed_cause, note",
            },
        },
    },
    "Document": {
        "type": "object",
        "required": ["id", "name", "mimetype"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "mimetype": {"type": "string"},
            "size": {"type": "integer"},
            "url": {"type": "string"},
            "sha256": {"type": "string", "description": "Only in the upload answer"},
        },
    },
    "Invoice": {
        "type": "object",
        "required": ["number"],
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "string"},
            "type": {"type": "string", "enum": ["invoice", "credit_note"]},
            "date": NULLABLE_STRING,
            "due_date": NULLABLE_STRING,
            "currency": {"type": "string"},
            "amount_untaxed": MONEY,
            "amount_tax": MONEY,
            "amount_total": MONEY,
            "amount_due": MONEY,
            "payment_state": {"type": "string"},
            "orders": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Webhook": {
        "type": "object",
        "required": ["id", "url", "events"],
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "events": {"type": "array", "items": {"type": "string"}},
            "description": NULLABLE_STRING,
            "created_at": {"type": "string"},
            "secret": {"type": "string", "description": "Only in the creation answer"},
        },
    },
    "ServiceRequest": {
        "type": "object",
        "required": ["reference", "type", "status", "description"],
        "properties": {
            "reference": {"type": "string"},
            "type": {"type": "string", "enum": list(service_requests.TYPE_CODES)},
            "status": {"type": "string", "enum": list(SERVICE_REQUEST_STATUSES)},
            "shipment": NULLABLE_STRING,
            "order": NULLABLE_STRING,
            "description": {"type": "string"},
            "answer": {
                "type": ["string", "null"],
                "description": "The team's answer (or the reason of a refusal)",
            },
            "answered_at": NULLABLE_STRING,
            "created_at": {"type": "string"},
        },
    },
    "Return": {
        "type": "object",
        "required": ["reference", "order_reference", "status", "lines"],
        "properties": {
            "reference": {"type": "string"},
            "order_reference": {"type": "string"},
            "status": {"type": "string", "enum": list(RETURN_STATES)},
            "reason": {"type": "string"},
            "refusal_reason": NULLABLE_STRING,
            "lines": {"type": "array", "items": {"type": "object"}},
            "pickup_window": {"type": ["object", "null"]},
            "shipment": {
                "type": ["string", "null"],
                "description": "The reverse shipment (GET /shipments/{reference})",
            },
            "shipment_status": NULLABLE_STRING,
            "created_at": NULLABLE_STRING,
            "received_at": NULLABLE_STRING,
        },
    },
    "WebhookDeleted": {
        "type": "object",
        "required": ["id", "deleted"],
        "properties": {"id": {"type": "integer"}, "deleted": {"const": True}},
    },
    "ClaimReportAnswer": {
        "type": "object",
        "required": ["shipment", "kind", "claim", "claim_opened"],
        "properties": {
            "shipment": {"type": "string"},
            "claim_opened": {
                "type": "boolean",
                "description": "true: the report opened the claim; false: it joined "
                "the shipment's open claim of that kind (or no claim is handled)",
            },
            "kind": {"type": "string", "enum": ["damage", "shortage", "loss"]},
            "claim": {
                "description": "The claim against the carrier the report opened "
                "or joined; null where no claim is handled (the report is noted "
                "on the shipment)",
                "type": ["object", "null"],
                "properties": {
                    "reference": {"type": "string"},
                    "kind": {"type": "string"},
                    "status": {"type": "string"},
                    "currency": {"type": "string"},
                    "amount_claimed": MONEY,
                    "amount_accepted": {"type": ["number", "null"]},
                    "filing_deadline": NULLABLE_STRING,
                    "lines": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
}

# ---------------------------------------------------------------------------
# routes

SCOPES = {
    "orders:write": "Submit, amend and cancel orders; upload order documents; "
    "ask for services (service requests); report damage, shortage or loss "
    "(claims); request returns",
    "orders:read": "Read orders, service requests and returns",
    "invoices:read": "Read invoices",
    "shipments:read": "Read shipments",
    "documents:read": "Download documents",
    "webhooks:manage": "Manage webhook subscriptions",
}
UPLOAD_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
ERRORS = {
    "400": "Malformed request: body not JSON, a multipart body without its "
    "`file`, or a required header missing",
    "401": "Missing, invalid, revoked or expired credentials",
    "403": "The credentials lack the route's scope",
    "404": "Not found for this customer",
    "409": "Conflict: idempotency key reused with another body, or order released",
    "411": "A body sent in chunks without Content-Length",
    "413": "Body too large",
    "415": "Content type not accepted here",
    "422": "Schema violation, business rejection or invalid query argument, "
    "with JSON pointers",
    "429": "Rate limited: retry after the seconds in Retry-After",
    "500": "The request could not be processed; it was logged under the correlation ID",
}
# Every route may answer these (authentication, scope, throttle, failure).
COMMON_ERRORS = ("401", "403", "429", "500")
JSON_BODY_ERRORS = ("400", "411", "413", "422")


def operation(
    method,
    path,
    scope,
    summary,
    answer,
    *,
    code="200",
    body=None,
    errors=(),
    query=(),
    headers=(),
    links=None,
):
    """One operation: what it needs, what it answers, which errors it can give.

    `path` in the description's form (`/orders/{reference}`); `answer` the
    name of a schema of :data:`ANSWER_SCHEMAS` (`Name[]`: a list of them,
    `file`: a download); `body` a request schema name or `binary` (an upload);
    `errors` the status codes beyond those every route or its shape implies.
    """
    all_errors = set(COMMON_ERRORS) | set(errors)
    if "{" in path:
        all_errors.add("404")
    if body and body != "binary":
        all_errors.update(JSON_BODY_ERRORS)
    if query:
        all_errors.add("422")
    return {
        "method": method,
        "path": path,
        "scope": scope,
        "summary": summary,
        "body": body,
        "code": code,
        "answer": answer,
        "errors": sorted(all_errors),
        "query": list(query),
        "headers": list(headers),
        "links": dict(links or {}),
    }


# The operations of the routes, in the order they were registered: filled by
# the routes themselves (`api_route` of controllers/api.py), never by hand, so
# no route exists undocumented. Routes outside the customer's scopes (the
# token endpoint, this description) register the builder of their operation.
ROUTES = []
PUBLIC_OPERATIONS = {}  # (method, path) -> function returning the operation
# `<int:document_id>` → `{id}`, `<string:reference>` → `{reference}`
_INT_ARGUMENT = re.compile(r"<int:\w+>")
_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")


def description_path(route_path):
    """The description's path of an Odoo route path (below the server URL).

    Integer arguments are ids (`{id}`, :data:`ID_SCHEMA`); the others keep
    their name (`{reference}`, :data:`REFERENCE_SCHEMA`).
    """
    return _ARGUMENT.sub(r"{\1}", _INT_ARGUMENT.sub("{id}", route_path))


def register(route, routes=None):
    """Describe `route` (made by :func:`operation`): replaces the operation of
    the same method and path, if any."""
    routes = ROUTES if routes is None else routes
    key = (route["method"], route["path"])
    for index, known in enumerate(routes):
        if (known["method"], known["path"]) == key:
            routes[index] = route
            return route
    routes.append(route)
    return route


def register_public(method, path, build):
    """Describe a route outside the scopes with `build()`, its operation."""
    PUBLIC_OPERATIONS[(method, path)] = build


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "Unique per order: a repeated request answers what the first did.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 128},
}
OPTIONAL_IDEMPOTENCY_KEY = dict(
    IDEMPOTENCY_KEY,
    required=False,
    description="A repeated amendment with the same key answers what the first did.",
    schema={"type": "string"},
)
FILENAME = {
    "name": "X-Filename",
    "in": "header",
    "required": False,
    "description": "The file's name for a raw body (default: document); its "
    "first 128 characters are kept.",
    "schema": {"type": "string"},
}

# The query arguments of the list routes.
ORDER_QUERY = [
    *_page_parameters(),
    _status_parameter(ORDER_STATES, "Only orders in this state."),
    *_date_parameters("orders created"),
]
SHIPMENT_QUERY = [
    *_page_parameters(),
    _status_parameter(SHIPMENT_STATUSES, "Only shipments in this status."),
    *_date_parameters("shipments created"),
]
INVOICE_QUERY = [*_page_parameters(), *_date_parameters("invoices dated")]
SERVICE_REQUEST_QUERY = [
    *_page_parameters(),
    _status_parameter(SERVICE_REQUEST_STATUSES, "Only requests in this status."),
]
RETURN_QUERY = [
    *_page_parameters(),
    _status_parameter(RETURN_STATES, "Only returns in this status."),
    *_date_parameters("returns requested"),
]

# What a customer sends; the contract test seeds the product named here.
EXAMPLE_PRODUCT_CODE = "SAMPLE-PALLET"
REQUEST_EXAMPLES = {
    "OrderSubmission": {
        "customer_reference": "PO-4711",
        "requested_delivery": {
            "start": "2030-05-06T08:00:00Z",
            "end": "2030-05-06T12:00:00Z",
        },
        "lines": [{"product_code": EXAMPLE_PRODUCT_CODE, "quantity": 2}],
    },
    "OrderAmendment": {"notes": "Deliver at the back door."},
    "ReturnRequest": {
        "order_reference": "S00042",
        "lines": [{"product_code": EXAMPLE_PRODUCT_CODE, "quantity": 1}],
        "reason": "Damaged on arrival",
        "pickup_window": {
            "start": "2030-05-08T08:00:00Z",
            "end": "2030-05-08T12:00:00Z",
        },
    },
    "WebhookSubscription": {
        "url": "https://erp.example.com/logistics-events",
        "events": ["shipment.delivered"],
    },
    "ServiceRequestCreation": {
        "type": "appointment_change",
        "shipment": "SHP-2030-00042",
        "description": "Please deliver on Tuesday morning instead.",
    },
    "AppointmentRequest": {
        "window": {"start": "2030-05-07T08:00:00Z", "end": "2030-05-07T10:00:00Z"},
        "dock": "Dock 4",
        "contact": "Mr Peeters, +32 2 555 01 23",
        "reference": "BK-2030-118",
    },
    "ClaimReport": {
        "shipment": "SHP-2026-00042",
        "kind": "damage",
        "description": "Two kegs dented, one leaking.",
        "lines": [{"product_code": EXAMPLE_PRODUCT_CODE, "quantity": 2}],
    },
}
SERVICE_REQUEST_IDEMPOTENCY_KEY = dict(
    IDEMPOTENCY_KEY,
    description="Unique per request: a repeated request answers what the first did.",
)
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
REFERENCE_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 64}


def route_parameters(route, routes=None):
    """The query parameters described for (method, path), or None if unknown."""
    for candidate in ROUTES if routes is None else routes:
        if (candidate["method"], candidate["path"]) == route:
            return candidate["query"]
    return None


@functools.cache
def _request_schema(filename):
    schema = json.loads((SCHEMA_FOLDER / filename).read_text())
    schema.pop("$schema", None)
    schema.pop("$id", None)
    return schema


def _ref(name):
    return {"$ref": "#/components/schemas/%s" % name}


CORRELATION_HEADER = {
    "X-Correlation-ID": {
        "description": "The correlation ID of the request (the one sent, or new)",
        "required": True,
        "schema": {"type": "string"},
    }
}


def _headers(status):
    headers = dict(CORRELATION_HEADER)
    if status == "429":
        headers["Retry-After"] = {
            "description": "Seconds to wait before the next request",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        }
    if status == "401":
        headers["WWW-Authenticate"] = {
            "description": "The authentication scheme to use",
            "schema": {"type": "string"},
        }
    return headers


def _answer(schema_name, code, paged=False):
    if schema_name == "file":
        return {
            "description": "The file, with its own content type",
            "headers": dict(
                CORRELATION_HEADER,
                **{
                    "Content-Disposition": {
                        "description": "attachment, with the file's name",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                },
            ),
            "content": {"*/*": {"schema": {}}},
        }
    if schema_name.endswith("[]"):
        properties = {"items": {"type": "array", "items": _ref(schema_name[:-2])}}
        required = ["items"]
        if paged:
            properties.update(
                total={"type": "integer", "minimum": 0},
                limit={"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                offset={"type": "integer", "minimum": 0},
            )
            required += ["total", "limit", "offset"]
        schema = {"type": "object", "required": required, "properties": properties}
    else:
        schema = _ref(schema_name)
    return {
        "description": "Success",
        "headers": _headers(code),
        "content": {"application/json": {"schema": schema}},
    }


def _error_answer(status):
    return {
        "description": ERRORS[status],
        "headers": _headers(status),
        "content": {"application/json": {"schema": _ref("Error")}},
    }


def _operation_id(method, path):
    cleaned = path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
    return "%s_%s" % (method, cleaned.replace(".", "_"))


def _request_body(body):
    if body == "binary":
        content = {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "contentMediaType": "*/*",
                            "minLength": 1,
                        }
                    },
                },
                "encoding": {"file": {"contentType": ", ".join(UPLOAD_TYPES)}},
            }
        }
        content.update(
            {
                mimetype: {
                    "schema": {
                        "type": "string",
                        "format": "binary",
                        "contentMediaType": mimetype,
                        "minLength": 1,
                    }
                }
                for mimetype in UPLOAD_TYPES
            }
        )
        return {"required": True, "content": content}
    media = {"schema": _ref(body)}
    if body in REQUEST_EXAMPLES:
        media["example"] = REQUEST_EXAMPLES[body]
    return {"required": True, "content": {"application/json": media}}


def _path_parameters(path):
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": ID_SCHEMA if name == "id" else REFERENCE_SCHEMA,
        }
        for name in ("reference", "id")
        if "{%s}" % name in path
    ]


def _operation(route):
    operation = {
        "summary": route["summary"],
        "operationId": _operation_id(route["method"], route["path"]),
        "security": [
            {"apiKey": [route["scope"]]},
            {"bearer": [route["scope"]]},
            {"oauth2": [route["scope"]]},
        ],
        "responses": {
            route["code"]: _answer(
                route["answer"], route["code"], paged=bool(route["query"])
            ),
            **{status: _error_answer(status) for status in route["errors"]},
        },
    }
    parameters = _path_parameters(route["path"]) + route["query"] + route["headers"]
    if parameters:
        operation["parameters"] = parameters
    if route["body"]:
        operation["requestBody"] = _request_body(route["body"])
    if route["links"]:
        # A reference or id in the answer leads to the routes of that resource.
        operation["responses"][route["code"]]["links"] = {
            name: {"operationId": operation_id, "parameters": {argument: value}}
            for name, (operation_id, argument, value) in route["links"].items()
        }
    return operation


def _options(path, methods):
    allowed = ", ".join(sorted(m.upper() for m in (*methods, "options")))
    options = {
        "summary": "The methods of this path",
        "operationId": _operation_id("options", path),
        "security": [],
        "responses": {
            "204": {
                "description": "No content; Allow lists the methods (%s)" % allowed,
                "headers": {
                    "Allow": {
                        "description": "The methods of this path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                },
            }
        },
    }
    if _path_parameters(path):
        options["parameters"] = _path_parameters(path)
        options["responses"]["404"] = _error_answer("404")
    return options


def token_operation():
    form = {
        "type": "object",
        "required": ["grant_type", "client_id", "client_secret"],
        "properties": {
            "grant_type": {"const": "client_credentials"},
            "client_id": {"type": "string", "description": "The key ID"},
            "client_secret": {"type": "string", "description": "The API key"},
            "scope": {"type": "string", "description": "Space-separated scopes"},
        },
    }
    oauth_error = {
        "content": {"application/json": {"schema": _ref("OAuthError")}},
    }
    return {
        "summary": "OAuth2 client credentials: a bearer token for an API key",
        "operationId": "post_oauth_token",
        "security": [],
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": form}},
        },
        "responses": {
            "200": {
                "description": "A bearer token",
                "content": {"application/json": {"schema": _ref("Token")}},
            },
            "400": dict(oauth_error, description="Unsupported grant or scope"),
            "401": dict(oauth_error, description="Unknown client or wrong secret"),
            "429": dict(
                oauth_error,
                description="Too many attempts: retry after Retry-After seconds",
                headers={"Retry-After": _headers("429")["Retry-After"]},
            ),
        },
    }


def description_operation():
    return {
        "summary": "This description",
        "operationId": "get_openapi_json",
        "security": [],
        "responses": {
            "200": {
                "description": "The OpenAPI 3.1 description",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    }


def build_document(routes=None, public=None):
    """The OpenAPI 3.1 document of the registered routes, as a dict.

    `routes` and `public` default to the registries (:data:`ROUTES`,
    :data:`PUBLIC_OPERATIONS`).
    """
    paths = {}
    for route in ROUTES if routes is None else routes:
        paths.setdefault(route["path"], {})[route["method"]] = _operation(route)
    for (method, path), build in (
        PUBLIC_OPERATIONS if public is None else public
    ).items():
        paths.setdefault(path, {})[method] = build()
    for path, operations in paths.items():
        operations["options"] = _options(path, operations)
    schemas = copy.deepcopy(ANSWER_SCHEMAS)
    schemas.update(
        {name: _request_schema(file) for name, file in REQUEST_SCHEMAS.items()}
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Logistics customer API",
            "version": VERSION,
            "description": "Orders, shipments, documents and notifications for "
            "customers. Every answer carries X-Correlation-ID; every error has "
            "the shape of components/schemas/Error. Authenticate with an API key "
            "(X-API-Key) or a bearer token from /oauth/token (OAuth2 client "
            "credentials); each route needs the scope named in its security.",
        },
        "servers": [{"url": SERVER}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from POST /oauth/token",
                },
                "oauth2": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": SERVER + "/oauth/token",
                            "scopes": dict(SCOPES),
                        }
                    },
                },
            },
        },
    }


# ---------------------------------------------------------------------------
# the service-level report (lib/service_report.py)

_RATE = {"type": ["number", "null"], "minimum": 0, "maximum": 100}
SERVICE_LEVEL_FIGURES = {
    "shipments": {
        "type": "integer",
        "minimum": 0,
        "description": "Shipments that ended (delivered, returned, cancelled)",
    },
    "delivered": {"type": "integer", "minimum": 0},
    "on_time_pct": dict(
        _RATE,
        description="Delivered in the promised window, of the shipments "
        "that had one (null: none had)",
    ),
    "in_full_pct": dict(_RATE, description="Every ordered quantity delivered"),
    "otif_pct": dict(_RATE, description="On time and in full"),
    "avg_transit_hours": {
        "type": ["number", "null"],
        "description": "Pickup departure to delivery, on average",
    },
    "exceptions": {
        "type": "integer",
        "minimum": 0,
        "description": "Exception milestones met (declined tender, delay, "
        "failed attempt, refusal, return)",
    },
}
ANSWER_SCHEMAS["ServiceLevelReport"] = {
    "type": "object",
    "required": ["from", "to", "group_by", "rows", "totals"],
    "properties": {
        "from": {"type": "string", "format": "date-time"},
        "to": {"type": "string", "format": "date-time"},
        "group_by": {"type": "string", "enum": list(service_report.GROUP_BYS)},
        "rows": {
            "type": "array",
            "description": "Per month (YYYY-MM, every month of the range, "
            "oldest first) or per lane (origin → destination region, the "
            "busiest first)",
            "items": {
                "type": "object",
                "required": list(SERVICE_LEVEL_FIGURES),
                "properties": {
                    "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                    "lane": NULLABLE_STRING,
                    **SERVICE_LEVEL_FIGURES,
                },
            },
        },
        "totals": {
            "type": "object",
            "required": list(SERVICE_LEVEL_FIGURES),
            "properties": SERVICE_LEVEL_FIGURES,
        },
    },
}
SERVICE_LEVEL_QUERY = [
    {
        "name": "from",
        "in": "query",
        "description": "Shipments delivered (or ended undelivered) from this "
        "moment on (RFC 3339 date-time, or a date: from its start, UTC). "
        "Default: the start of the month eleven months before `to`.",
        "schema": DATE_SCHEMA,
    },
    {
        "name": "to",
        "in": "query",
        "description": "... up to this moment (RFC 3339 date-time, or a date: "
        "up to its end, UTC). Default: now. At most %s days after `from`."
        % service_report.MAX_RANGE_DAYS,
        "schema": DATE_SCHEMA,
    },
    {
        "name": "group_by",
        "in": "query",
        "description": "One row per month (UTC) or per lane.",
        "schema": {
            "type": "string",
            "enum": list(service_report.GROUP_BYS),
            "default": service_report.GROUP_MONTH,
        },
    },
]
