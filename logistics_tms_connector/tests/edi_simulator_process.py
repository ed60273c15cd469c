"""The EDI partner simulator (``simulator/edi_simulator``) as a real process
answering the files of a folder, or interchanges POSTed to it (``http_port=0``;
its answers POSTed to ``post_to``, signed with ``hmac_secret``)."""

import os
import subprocess
import sys
import time
from pathlib import Path

SIMULATOR_DIR = Path(__file__).resolve().parents[1] / "simulator"
START_TIMEOUT = 10


class EdiPartner:
    """``with EdiPartner(root, "x12") as partner:``; ``partner.inbox`` is
    where Odoo writes, ``partner.outbox`` where it picks up."""

    def __init__(self, root, fmt, **options):
        self.root = Path(root)
        self.args = ["--root", str(root), "--format", fmt, "--interval", "0.1"]
        for option, value in options.items():
            flag = "--" + option.replace("_", "-")
            self.args += [flag] if value is True else [flag, str(value)]
        self.inbox = self.root / "to_partner"
        self.outbox = self.root / "from_partner"
        self.process = None
        self.url = None  # where it takes interchanges, in HTTP mode

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "edi_simulator", *self.args],
            env={**os.environ, "PYTHONPATH": str(SIMULATOR_DIR)},
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self.process.stdout.readline().split()
        if ready[:1] != ["ready"]:
            self.process.kill()
            raise RuntimeError("the EDI simulator did not start")
        self.url = ready[1] if len(ready) > 1 else None
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=START_TIMEOUT)

    def wait_for_answers(self, count, timeout=10):
        """The file names in the outbox once there are ``count`` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            names = sorted(p.name for p in self.outbox.glob("[!.]*"))
            if len(names) >= count:
                return names
            time.sleep(0.1)
        raise TimeoutError(f"the carrier wrote {names}, not {count} files")
