"""The OpenAPI 3.1 description of /api/logistics/v1.

Request bodies are the very JSON Schemas the API validates with (the addon's
`schemas/` folder); answers are described here, next to the routes.
"""

import copy
import functools
import json
from pathlib import Path

SCHEMA_FOLDER = Path(__file__).resolve().parent.parent / "schemas"
SERVER = "/api/logistics/v1"
VERSION = "1.0.0"
REQUEST_SCHEMAS = {
    "OrderSubmission": "order.submit.v1.json",
    "OrderAmendment": "order.amend.v1.json",
    "WebhookSubscription": "webhook.subscribe.v1.json",
}
NULLABLE_STRING = {"type": ["string", "null"]}
MONEY = {"type": "number"}

ANSWER_SCHEMAS = {
    "Error": {
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
                            "properties": {
                                "pointer": {
                                    "type": "string",
                                    "description": "JSON pointer into the request body",
                                },
                                "reason": {"type": "string"},
                            },
                        },
                    },
                },
            },
            "correlation_id": {"type": "string"},
        },
    },
    "OrderLine": {
        "type": "object",
        "properties": {
            "product_code": {"type": "string"},
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
        "required": ["reference", "status", "lines", "amount_total"],
        "properties": {
            "reference": {"type": "string"},
            "customer_reference": NULLABLE_STRING,
            "status": {
                "type": "string",
                "description": "accepted, held (with reasons), or the order's state",
            },
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
            "shipments": {"type": "array", "items": {"type": "string"}},
            "invoices": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Shipment": {
        "type": "object",
        "required": ["reference", "status"],
        "properties": {
            "reference": {"type": "string"},
            "order_reference": NULLABLE_STRING,
            "status": {"type": "string"},
            "exception": NULLABLE_STRING,
            "eta": NULLABLE_STRING,
            "carrier": {"type": ["object", "null"]},
            "tracking_number": NULLABLE_STRING,
            "tracking_url": NULLABLE_STRING,
            "milestones": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Document": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "mimetype": {"type": "string"},
            "size": {"type": "integer"},
            "url": {"type": "string"},
        },
    },
    "Invoice": {"type": "object", "properties": {"number": {"type": "string"}}},
    "Webhook": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "events": {"type": "array", "items": {"type": "string"}},
            "secret": {"type": "string", "description": "Only in the creation answer"},
        },
    },
}

# (method, path, scope, summary, request schema, success code, answer schema)
ROUTES = [
    (
        "post",
        "/orders",
        "orders:write",
        "Submit an order (Idempotency-Key required)",
        "OrderSubmission",
        "201",
        "Order",
    ),
    (
        "get",
        "/orders",
        "orders:read",
        "List the customer's orders",
        None,
        "200",
        "Order[]",
    ),
    ("get", "/orders/{reference}", "orders:read", "One order", None, "200", "Order"),
    (
        "patch",
        "/orders/{reference}",
        "orders:write",
        "Amend an order before its release (409 after)",
        "OrderAmendment",
        "200",
        "Order",
    ),
    (
        "post",
        "/orders/{reference}/cancel",
        "orders:write",
        "Cancel an order before its release (409 after)",
        None,
        "200",
        "Order",
    ),
    (
        "post",
        "/orders/{reference}/documents",
        "orders:write",
        "Upload a document (raw body, Content-Type, X-Filename)",
        "binary",
        "201",
        "Document",
    ),
    (
        "get",
        "/shipments",
        "shipments:read",
        "List the customer's shipments",
        None,
        "200",
        "Shipment[]",
    ),
    (
        "get",
        "/shipments/{reference}",
        "shipments:read",
        "Status, milestone timeline, ETA, carrier and tracking",
        None,
        "200",
        "Shipment",
    ),
    (
        "get",
        "/shipments/{reference}/documents",
        "documents:read",
        "Proof of delivery, delivery slips",
        None,
        "200",
        "Document[]",
    ),
    (
        "get",
        "/documents/{id}",
        "documents:read",
        "Download a document",
        None,
        "200",
        "binary",
    ),
    (
        "get",
        "/invoices",
        "orders:read",
        "List the customer's posted invoices",
        None,
        "200",
        "Invoice[]",
    ),
    (
        "post",
        "/webhooks",
        "webhooks:manage",
        "Subscribe a URL to events",
        "WebhookSubscription",
        "201",
        "Webhook",
    ),
    (
        "get",
        "/webhooks",
        "webhooks:manage",
        "List subscriptions",
        None,
        "200",
        "Webhook[]",
    ),
    (
        "delete",
        "/webhooks/{id}",
        "webhooks:manage",
        "Remove a subscription",
        None,
        "200",
        None,
    ),
]
ERRORS = {
    "400": "Malformed request (JSON, query, missing Idempotency-Key)",
    "401": "Missing, invalid, revoked or expired credentials",
    "403": "The credentials lack the scope",
    "404": "Not found for this customer",
    "409": "Conflict: idempotency key reused with another body, or order released",
    "413": "Body too large",
    "422": "Schema violation or business rejection, with JSON pointers",
    "429": "Rate limited: see Retry-After",
}


@functools.cache
def _request_schema(filename):
    schema = json.loads((SCHEMA_FOLDER / filename).read_text())
    schema.pop("$schema", None)
    schema.pop("$id", None)
    return schema


def _answer(schema_name):
    if schema_name is None:
        return {"description": "Done"}
    if schema_name == "binary":
        return {
            "description": "The file",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    if schema_name.endswith("[]"):
        schema = {
            "type": "object",
            "properties": {
                "items": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/%s" % schema_name[:-2]},
                },
                "total": {"type": "integer"},
                "limit": {"type": "integer"},
                "offset": {"type": "integer"},
            },
        }
    else:
        schema = {"$ref": "#/components/schemas/%s" % schema_name}
    return {
        "description": "Success",
        "content": {"application/json": {"schema": schema}},
    }


def _operation(method, path, *route):
    scope, summary, body, code, answer = route
    operation = {
        "summary": summary,
        "operationId": "%s_%s"
        % (method, path.strip("/").replace("/", "_").replace("{", "").replace("}", "")),
        "security": [{"apiKey": []}, {"oauth2": [scope]}],
        "responses": {
            code: _answer(answer),
            **{
                status: {
                    "description": text,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Error"}
                        }
                    },
                }
                for status, text in ERRORS.items()
            },
        },
    }
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if name == "id" else "string"},
        }
        for name in ("reference", "id")
        if "{%s}" % name in path
    ]
    if method == "get" and not parameters:
        parameters += [
            {
                "name": "limit",
                "in": "query",
                "schema": {"type": "integer", "maximum": 200},
            },
            {"name": "offset", "in": "query", "schema": {"type": "integer"}},
            {"name": "status", "in": "query", "schema": {"type": "string"}},
            {"name": "date_from", "in": "query", "schema": {"type": "string"}},
            {"name": "date_to", "in": "query", "schema": {"type": "string"}},
        ]
    if path == "/orders" and method == "post":
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "maxLength": 128},
            }
        )
    if parameters:
        operation["parameters"] = parameters
    if body == "binary":
        operation["requestBody"] = {
            "required": True,
            "content": {"application/pdf": {"schema": {"type": "string"}}},
        }
    elif body:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/%s" % body}
                }
            },
        }
    return operation


def build_document():
    """The OpenAPI 3.1 document, as a dict."""
    paths = {}
    for method, path, *rest in ROUTES:
        paths.setdefault(path, {})[method] = _operation(method, path, *rest)
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
            "customers. Every answer carries X-Correlation-ID.",
        },
        "servers": [{"url": SERVER}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "oauth2": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": SERVER + "/oauth/token",
                            "scopes": {
                                "orders:write": "Submit, amend and cancel orders",
                                "orders:read": "Read orders and invoices",
                                "shipments:read": "Read shipments",
                                "documents:read": "Download documents",
                                "webhooks:manage": "Manage webhook subscriptions",
                            },
                        }
                    },
                },
            },
        },
    }
