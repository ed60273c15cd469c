"""Customer documents as downloads: one way for the API and the portal pages.

Odoo's own stream (`ir.binary`) serves the file, with its ETag, conditional
requests, `nosniff` and a restrictive Content-Security-Policy. Only the
Content-Disposition is ours (`lib/documents.content_disposition`): the exact
name in `filename*` (RFC 6266 / 5987) and a plain-ASCII `filename` fallback
that old clients can save (Odoo's gives no fallback, werkzeug's keeps
characters a file system refuses).
"""

from odoo.http import request

from ..lib import documents


def attachment_download(attachment):
    """The download response of `attachment` (read as superuser), or None when
    it has no content (e.g. a proof of delivery announced without its file)."""
    attachment = attachment.sudo()
    if not attachment.file_size and not attachment.raw:
        return None
    response = (
        request.env["ir.binary"]
        .sudo()
        ._get_stream_from(attachment)
        .get_response(as_attachment=True)
    )
    response.headers["Content-Disposition"] = documents.content_disposition(
        attachment.name
    )
    return response
