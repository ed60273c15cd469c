from . import tms_webhook
