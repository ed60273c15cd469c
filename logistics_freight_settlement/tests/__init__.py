from . import test_charges
from . import test_disputes
from . import test_carrier_invoices
from . import test_settlement
from . import test_security
from . import test_tms_end_to_end
from . import test_invoice_on_delivery_refs
from . import test_claims
