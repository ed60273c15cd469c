from . import test_release_and_events
from . import test_tms_failures
from . import test_webhook
from . import test_tracking_url
from . import test_context_switches
from . import test_secret_rotation
from . import test_odoo_users
from . import test_stock_validation
