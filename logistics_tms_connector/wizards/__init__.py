from . import logistics_tms_mapping_preview
