from . import logistics_api_key_show
from . import logistics_service_request_answer
