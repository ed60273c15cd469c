from . import api
from . import portal
from . import portal_service_requests
from . import api_service_requests
from . import api_claims
from . import portal_claims
from . import api_returns
from . import portal_returns
