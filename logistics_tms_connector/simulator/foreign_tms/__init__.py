"""A TMS of a foreign JSON dialect, for proving that a partner is connected by
configuration only (issue: a second dialect without dialect code).

Nothing in it matches the suite's own protocol (``tms_simulator``):

* OAuth2 client credentials: ``POST /oauth/token`` (``grant_type=
  client_credentials``, the client id and secret in HTTP Basic or the form)
  gives a Bearer token that expires (``--token-ttl``);
* loads, not shipments, under ``/v2`` with other names and nesting:
  ``POST /v2/loads`` ``{"load": {"customerRef", "pickup": {...}, "delivery":
  {...}, "weightKg"}}`` answers ``201 {"data": {"loadId", "state"}}``;
  ``PUT /v2/loads/{id}`` (an update, until delivered or cancelled);
  ``POST /v2/loads/{id}/cancellation``; ``GET /v2/loads/{id}``; errors are
  ``{"errors": [{"code", "pointer", "detail"}]}``;
* a tracking feed paged by an opaque token: ``GET /v2/tracking?pageSize=&
  pageToken=`` answers ``{"items": [{"load": {"id", "customerRef"},
  "update": {"seq", "statusCode", "epoch", "tz"}}], "nextPageToken"}`` (the
  next page also in a ``Link`` header, ``rel="next"``), its
  status codes numbers of its own (1000 accepted ... 2000 delivered, 9000
  cancelled) and its times epoch seconds with the zone of the place;
* ``/_control`` for tests: ``advance`` a load, ``reset``, list ``loads``,
  ``revoke-tokens``; or ``--auto-advance SECONDS``: every load moves one
  step every SECONDS on its own (the demo's), ``--id-prefix`` keeping load
  ids unique across runs.

Standard library only::

    PYTHONPATH=logistics_tms_connector/simulator python -m foreign_tms \\
        --client-id odoo --client-secret s3cret
"""

from .server import STATUS_CODES, ForeignTms, main

__all__ = ["STATUS_CODES", "ForeignTms", "main"]
