"""``python -m edi_simulator``: answer EDI files until SIGTERM or SIGINT."""

import sys

from .partner import main

sys.exit(main())
