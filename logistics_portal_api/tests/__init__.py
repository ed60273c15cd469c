from . import test_orders
from . import test_portal_pages
from . import test_security
from . import test_shipments_webhooks
from . import test_hardening
from . import test_webhook_url_guard
from . import test_documents
from . import test_tracking_link
