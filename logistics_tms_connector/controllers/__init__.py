from . import tms_webhook
from . import edi_http
