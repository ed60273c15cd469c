from . import api
from . import portal
from . import api_returns
from . import portal_returns
