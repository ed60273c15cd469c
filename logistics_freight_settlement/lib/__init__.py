"""Plain-Python building blocks of freight settlement (no Odoo imports)."""
