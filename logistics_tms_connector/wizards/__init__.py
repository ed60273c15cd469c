from . import logistics_tms_mapping_preview
from . import logistics_shipment_redelivery
from . import logistics_mapping_preview
from . import logistics_endpoint_template_wizard
