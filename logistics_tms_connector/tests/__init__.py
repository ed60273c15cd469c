from . import test_release_and_events
from . import test_tms_failures
from . import test_webhook
from . import test_odoo_users
