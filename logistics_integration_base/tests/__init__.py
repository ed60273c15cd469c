from . import test_message_log
from . import test_ownership
from . import test_audit_log
from . import test_endpoint
from . import test_endpoint_transport
from . import test_operations
from . import test_observability
from . import test_rights_rpc
