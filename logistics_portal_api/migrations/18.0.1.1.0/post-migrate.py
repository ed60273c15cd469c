"""`GET /invoices` needs its own scope `invoices:read` (it needed orders:read).

Keys and live bearer tokens that could read orders keep reading invoices:
they are granted the new scope, so no customer system breaks on upgrade.
"""


def migrate(cr, version):
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
