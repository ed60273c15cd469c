from . import logistics_api_key_show
