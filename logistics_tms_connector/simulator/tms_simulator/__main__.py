"""``python -m tms_simulator``: run the simulator until SIGTERM or SIGINT."""

import sys

from .cli import main

sys.exit(main())
