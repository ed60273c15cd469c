"""The stack launcher (setup/suite/stack.py): ports, keys, Odoo configuration
and command, the TMS simulator process."""

import configparser
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from suite import stack


def test_free_port_is_free_on_loopback():
    port = stack.free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # nothing holds it


def test_keys_come_from_the_suite_generators():
    crypto = pytest.importorskip("cryptography.fernet")
    key = stack.fernet_key()
    crypto.Fernet(key.encode())  # a valid Fernet key
    assert key != stack.fernet_key()
    audit = stack.audit_key()
    assert len(audit) >= 32
    assert audit != stack.audit_key()


def test_audit_key_needs_no_third_party_package():
    """The set-up runs with the machine's Python: no cryptography there."""
    code = (
        "import sys; sys.modules['cryptography'] = None; "
        f"sys.path.insert(0, {str(stack.REPO / 'setup')!r}); "
        "from suite import stack; print(len(stack.audit_key()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert int(out.stdout) >= 32


def test_odoo_config_has_the_suite_options_and_the_channels(tmp_path):
    path = stack.write_odoo_config(
        tmp_path / "sub dir" / "odoo.conf",
        addons="/a,/b",
        data_dir=tmp_path / "filestore",
        db_name="db1",
        http_port=8123,
        secret_keys="S",
        audit_key="A",
        job_channels="root:2",
        extra={"workers": 3, "http_port": 9000},
    )
    parser = configparser.ConfigParser()
    parser.read(path)
    options = parser["options"]
    assert options["addons_path"] == "/a,/b"
    assert options["db_name"] == "db1"
    assert options["http_interface"] == "127.0.0.1"
    assert options["http_port"] == "9000"  # extra options win
    assert options["workers"] == "3"
    assert options["list_db"] == "False"
    assert options["server_wide_modules"] == "base,web,queue_job"
    assert options["without_demo"] == "all"
    assert options["logistics_secret_keys"] == "S"
    assert options["logistics_audit_key"] == "A"
    assert parser["queue_job"]["channels"] == "root:2"


def test_addons_path_puts_odoo_addons_first_when_there(tmp_path):
    package = tmp_path / "odoo"
    (tmp_path / "addons" / "web").mkdir(parents=True)
    paths = stack.addons_path(package).split(",")
    assert paths == [
        str(tmp_path / "addons"),
        str(stack.ADDONS_LINK_DIR),
        str(stack.REPO),
    ]
    assert stack.addons_path(None).split(",") == paths[1:]


def test_odoo_command_goes_through_the_launcher_file():
    command = stack.odoo_command("/py", "/c.conf", "-d", "db", 8, subcommand="shell")
    assert command == [
        "/py",
        str(stack.SERVER_LAUNCHER),
        "shell",
        "-c",
        "/c.conf",
        "-d",
        "db",
        "8",
    ]


def test_simulator_command_and_environment():
    command = stack.simulator_command("--port", 0, python="/py")
    assert command == ["/py", "-m", "tms_simulator", "--port", "0"]
    env = stack.simulator_env({"PYTHONPATH": "/x", "A": "1"})
    assert env["PYTHONPATH"] == os.pathsep.join([str(stack.SIMULATOR_DIR), "/x"])
    assert env["A"] == "1"
    assert stack.simulator_env({})["PYTHONPATH"] == str(stack.SIMULATOR_DIR)


def test_the_simulator_starts_and_stops():
    process, url = stack.start_simulator(
        ["--port", "0", "--no-auto-advance"], timeout=30
    )
    try:
        assert url.startswith("http://127.0.0.1:")
    finally:
        stack.stop_process(process)
    assert process.poll() is not None


def test_a_simulator_that_does_not_start_is_an_error():
    with pytest.raises(stack.SimulatorError, match="exited with code 2"):
        stack.start_simulator(["--no-such-option"], timeout=30)


def test_secrets_that_begin_with_a_dash_reach_the_simulator():
    """Generated secrets (``secrets.token_urlsafe``) may begin with "-": given
    as ``--option=value`` they are values, not options, and the key is the
    one the simulator asks for."""
    process, url = stack.start_simulator(
        ["--port", "0", "--api-key=-key", "--webhook-secret=-secret"], timeout=30
    )
    try:
        assert _status(f"{url}/api/v1/shipments/none", "-key") == 404
        assert _status(f"{url}/api/v1/shipments/none", "key") == 401
    finally:
        stack.stop_process(process)


def test_the_foreign_tms_starts_and_stops():
    process, url = stack.start_foreign_tms(
        ["--port", "0", "--client-id", "odoo", "--client-secret", "s"], timeout=30
    )
    try:
        assert url.startswith("http://127.0.0.1:")
    finally:
        stack.stop_process(process)
    assert process.poll() is not None


def _status(url, api_key):
    request = urllib.request.Request(url, headers={"X-API-Key": api_key})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
