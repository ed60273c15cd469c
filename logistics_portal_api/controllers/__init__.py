from . import api
from . import portal
from . import api_claims
from . import portal_claims
