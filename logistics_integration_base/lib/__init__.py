"""Plain-Python building blocks of the integration engine (no Odoo imports)."""
