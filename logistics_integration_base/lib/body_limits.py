"""Refuse a request body on its announced size, before a byte of it is read.

Used by the HTTP endpoints the suite exposes (TMS webhook, customer API), in
their handlers and before Odoo parses a form body for them.
"""

LENGTH_REQUIRED = (411, "length_required", "Send the body with a Content-Length.")


def refusal(content_length, transfer_encoding, limit):
    """None if the body may be read, else (status, code, message).

    :param content_length: the request's Content-Length (int), or None
    :param transfer_encoding: its Transfer-Encoding header ("" when absent)
    :param limit: the largest body accepted, in bytes (None: no limit)

    A chunked body without Content-Length cannot be bounded before it is
    read: it is refused (411). Without either header there is no body.
    """
    if content_length is None:
        if "chunked" in (transfer_encoding or "").lower():
            return LENGTH_REQUIRED
        return None
    if limit is not None and content_length > limit:
        return (413, "payload_too_large", "At most %s bytes." % limit)
    return None
