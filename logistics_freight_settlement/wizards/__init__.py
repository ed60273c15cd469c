from . import logistics_freight_dispute_wizard
from . import logistics_freight_import_wizard
