"""Tracking URLs are http(s) links only: clear any other value stored before
(a javascript: URL was rendered as a link to customers)."""

import logging

from odoo.addons.logistics_integration_base.lib import url_guard

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "SELECT id, tracking_url FROM logistics_shipment WHERE tracking_url <> ''"
    )
    unsafe = [row[0] for row in cr.fetchall() if not url_guard.is_web_url(row[1])]
    if unsafe:
        cr.execute(
            "UPDATE logistics_shipment SET tracking_url = NULL WHERE id IN %s",
            (tuple(unsafe),),
        )
        _logger.info(
            "Cleared %s tracking URLs that were not http(s) links: shipments %s",
            len(unsafe),
            unsafe,
        )
