"""18.0.1.1.0: the scope `invoices:read`, and customer documents marked.

* `GET /invoices` needs its own scope `invoices:read` (it needed orders:read).
  Keys and live bearer tokens that could read orders keep reading invoices:
  they are granted the new scope, so no customer system breaks on upgrade.
* Customer documents are now marked (ir.attachment.logistics_portal_kind):
  mark those created before the mark existed, from what created them.
* Customer webhook endpoints of a production database become production.
  They were made as test endpoints, which the production guard never applies
  to: a copy of the database would have called the customers' systems.
"""


def migrate(cr, version):
    if not version:
        return
    _grant_invoices_read(cr)
    _mark_customer_documents(cr)
    _promote_customer_webhook_endpoints(cr)


def _grant_invoices_read(cr):
    cr.execute(
        r"""UPDATE logistics_api_key
               SET scopes = scopes || ' invoices:read'
             WHERE 'orders:read' = ANY(regexp_split_to_array(scopes, '[\s,]+'))
               AND NOT 'invoices:read' = ANY(regexp_split_to_array(scopes, '[\s,]+'))"""
    )
    cr.execute(
        r"""UPDATE logistics_api_token
               SET scopes = scopes || ' invoices:read'
             WHERE 'orders:read' = ANY(regexp_split_to_array(scopes, '[\s,]+'))
               AND NOT 'invoices:read' = ANY(regexp_split_to_array(scopes, '[\s,]+'))"""
    )


def _mark_customer_documents(cr):
    # Proofs of delivery the TMS connector attached to shipments ...
    cr.execute(
        """UPDATE ir_attachment a
              SET logistics_portal_kind = 'pod'
             FROM logistics_shipment s
            WHERE s.pod_attachment_id = a.id
              AND a.logistics_portal_kind IS NULL"""
    )
    # ... and their copies on the shipments' delivery orders.
    cr.execute(
        """UPDATE ir_attachment c
              SET logistics_portal_kind = 'pod'
             FROM logistics_shipment s
             JOIN ir_attachment a ON a.id = s.pod_attachment_id
             JOIN stock_picking p ON p.logistics_shipment_id = s.id
            WHERE c.res_model = 'stock.picking'
              AND c.res_id = p.id
              AND c.name = a.name
              AND c.checksum = a.checksum
              AND c.logistics_portal_kind IS NULL"""
    )
    # The customers' uploads (flow order.document keeps the attachment id).
    cr.execute(
        """UPDATE ir_attachment a
              SET logistics_portal_kind = 'customer_upload'
             FROM logistics_message m
            WHERE m.flow_code = 'order.document'
              AND m.state = 'done'
              AND jsonb_typeof(m.payload -> 'attachment_id') = 'number'
              AND (m.payload ->> 'attachment_id')::integer = a.id
              AND a.res_model = 'sale.order'
              AND a.logistics_portal_kind IS NULL"""
    )
    # The PDFs of customer invoices (Odoo keeps them in invoice_pdf_report_file).
    cr.execute(
        """UPDATE ir_attachment a
              SET logistics_portal_kind = 'invoice'
             FROM account_move m
            WHERE a.res_model = 'account.move'
              AND a.res_field = 'invoice_pdf_report_file'
              AND a.res_id = m.id
              AND m.move_type IN ('out_invoice', 'out_refund')
              AND a.logistics_portal_kind IS NULL"""
    )


def _promote_customer_webhook_endpoints(cr):
    cr.execute(
        """UPDATE logistics_endpoint
              SET environment = 'production'
            WHERE system = 'customer'
              AND environment = 'test'
              AND EXISTS (
                  SELECT 1
                    FROM ir_config_parameter mark
                    JOIN ir_config_parameter db
                      ON db.key = 'database.uuid' AND db.value = mark.value
                   WHERE mark.key =
                         'logistics_integration_base.production_database_uuid'
              )"""
    )
