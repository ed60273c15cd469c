"""The set-up package (setup/suite/) importable as ``suite``, as the entry
scripts, bench/ and the end-to-end tests import it."""

import sys
from pathlib import Path

SETUP = Path(__file__).resolve().parents[2]
if str(SETUP) not in sys.path:
    sys.path.insert(0, str(SETUP))
