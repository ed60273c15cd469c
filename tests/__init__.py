from . import test_end_to_end
from . import test_suite_install
from . import test_public_methods
