"""A shipment's outbound messages are ordered on the shipment (aggregate key
`logistics.shipment/<id>`): key the ones logged before that are still pending
or dead, so that they are sequenced with the new ones and a cancel can
supersede a release that never left Odoo."""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """UPDATE logistics_message
              SET aggregate_key = 'logistics.shipment/' || res_id
            WHERE direction = 'outbound'
              AND res_model = 'logistics.shipment'
              AND res_id IS NOT NULL
              AND aggregate_key IS NULL
              AND flow_code IN ('shipment.release', 'shipment.amend', 'shipment.cancel')
              AND state IN ('queued', 'processing', 'failed', 'dead')"""
    )
    _logger.info("keyed %s pending shipment messages on their shipment", cr.rowcount)
