from . import test_orders
from . import test_portal_pages
from . import test_security
from . import test_shipments_webhooks
from . import test_key_rights
