"""setup/run's supervisor, with real child processes (no Odoo needed)."""

import io
import subprocess
import sys

import pytest


@pytest.fixture(scope="module")
def suite():
    from suite import supervisor  # noqa: PLC0415  (setup/ on sys.path: conftest)

    return supervisor


def python(code):
    return lambda: subprocess.Popen([sys.executable, "-c", code])


def finished(process):
    process.wait(timeout=30)
    return process


def test_exit_reason_names_code_and_signal(suite):
    assert suite.exit_reason(3) == "exited with code 3"
    assert suite.exit_reason(-9) == "was killed by SIGKILL"
    assert suite.exit_reason(-200) == "was killed by signal 200"


def test_a_dead_process_that_cannot_restart_stops_everything(suite, tmp_path):
    log = tmp_path / "simulator.log"
    log.write_text("starting\nTraceback: boom\n")
    out = io.StringIO()
    supervisor = suite.Supervisor(out)
    alive = supervisor.add("odoo", python("import time; time.sleep(60)"), log, True)
    dead = supervisor.add("tms-simulator", python("raise SystemExit(3)"), log, False)
    finished(dead)
    try:
        assert supervisor.check() == 1
    finally:
        suite.stop(supervisor.processes)
    text = out.getvalue()
    assert f"tms-simulator (pid {dead.pid}) exited with code 3" in text
    assert "   | Traceback: boom" in text
    assert "stopping everything: tms-simulator it cannot be restarted" in text
    assert alive.poll() is not None  # stopped with the others


def test_a_restartable_process_is_restarted_within_its_budget(suite, tmp_path):
    log = tmp_path / "odoo.log"
    log.write_text("ImportError: attempted relative import\n")
    out = io.StringIO()
    supervisor = suite.Supervisor(out)
    first = supervisor.add("odoo", python("raise SystemExit(1)"), log, True)
    try:
        for attempt in range(suite.MAX_RESTARTS):
            finished(supervisor.children[0].process)
            assert supervisor.check(now=100.0 + attempt) is None
            assert supervisor.children[0].process is not first
        finished(supervisor.children[0].process)
        assert supervisor.check(now=110.0) == 1
    finally:
        suite.stop(supervisor.processes)
    text = out.getvalue()
    assert text.count("odoo (pid") == suite.MAX_RESTARTS + 1
    assert "ImportError: attempted relative import" in text
    assert f"restarting odoo (1 of {suite.MAX_RESTARTS}" in text
    assert f"odoo it died {suite.MAX_RESTARTS} times" in text


def test_old_restarts_leave_the_budget(suite, tmp_path):
    log = tmp_path / "driver.log"
    supervisor = suite.Supervisor(io.StringIO())
    supervisor.add("demo-driver", python("raise SystemExit(2)"), log, True)
    try:
        for attempt in range(suite.MAX_RESTARTS + 2):
            finished(supervisor.children[0].process)
            now = attempt * (suite.RESTART_WINDOW + 1.0)
            assert supervisor.check(now=now) is None
    finally:
        suite.stop(supervisor.processes)
