"""``python -m foreign_tms``: serve until SIGTERM or SIGINT."""

import sys

from .server import main

sys.exit(main())
