"""setup/run's supervisor: a process that dies is never a silent stop."""

import subprocess
import sys
import time

from .stack import exit_reason

STOP_TIMEOUT = 20
LOG_TAIL_LINES = 15
MAX_RESTARTS = 3
RESTART_WINDOW = 600  # seconds


def stop(processes):
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()


def last_lines(path, count=LOG_TAIL_LINES):
    try:
        return path.read_text(errors="replace").splitlines()[-count:]
    except OSError:
        return []


class Supervised:
    """A process started by `setup/run`: how to (re)start it and where it logs."""

    def __init__(self, name, start, log, restartable):
        self.name = name
        self.start = start
        self.log = log
        self.restartable = restartable
        self.process = start()
        self.restarts = []  # monotonic times of the restarts

    def may_restart(self, now):
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW]
        return self.restartable and len(self.restarts) < MAX_RESTARTS


class Supervisor:
    """Watches what `setup/run` started: a dead process is never a silent stop.

    A process that dies is reported with its exit code and the last lines of its
    log; it is restarted if it can be (Odoo, the scenario driver: their state is
    in the database; the EDI partner simulator: its state is in its folder), at
    most MAX_RESTARTS times in RESTART_WINDOW seconds.
    Otherwise (the TMS simulator keeps the demo's transports in memory), or past
    that budget, everything stops and `setup/run` exits non-zero.
    """

    def __init__(self, out=sys.stdout):
        self.children = []
        self.out = out

    def add(self, name, start, log, restartable):
        child = Supervised(name, start, log, restartable)
        self.children.append(child)
        return child.process

    @property
    def processes(self):
        return [child.process for child in self.children]

    def check(self, now=None):
        """Handle dead children once; return an exit code when setup/run must end."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            returncode = child.process.poll()
            if returncode is None:
                continue
            self.report(child, returncode)
            if not child.may_restart(now):
                why = (
                    "it cannot be restarted"
                    if not child.restartable
                    else f"it died {MAX_RESTARTS} times in {RESTART_WINDOW} s"
                )
                print(f"!! stopping everything: {child.name} {why}.", file=self.out)
                return 1
            child.restarts.append(now)
            print(
                f"!! restarting {child.name} ({len(child.restarts)} of "
                f"{MAX_RESTARTS} restarts allowed in {RESTART_WINDOW} s)",
                file=self.out,
                flush=True,
            )
            child.process = child.start()
        return None

    def report(self, child, returncode):
        print(
            f"\n!! {child.name} (pid {child.process.pid}) {exit_reason(returncode)}; "
            f"last lines of {child.log}:",
            file=self.out,
        )
        for line in last_lines(child.log):
            print(f"   | {line}", file=self.out)
        self.out.flush()

    def watch(self, interval=1):
        while True:
            code = self.check()
            if code is not None:
                return code
            time.sleep(interval)
