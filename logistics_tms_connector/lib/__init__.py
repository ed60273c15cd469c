"""Plain-Python building blocks of the TMS connector (no Odoo imports)."""
