"""A real OpenSSH server for the SFTP tests, on a free loopback port.

Everything it needs lives in a temporary folder: its configuration, a fresh
host key, the client's key pair and authorized_keys, and the folder files
land in. Key authentication only; SFTP through OpenSSH's internal-sftp. It is
never the system's ssh service. Without /usr/sbin/sshd the tests fail (setup/
bootstrap installs openssh-server): they never skip.
"""

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SSHD = "/usr/sbin/sshd"
SSH_KEYGEN = "ssh-keygen"
# OpenSSH refuses to start as root without its privilege separation folder.
PRIVSEP_DIR = "/run/sshd"
START_TIMEOUT = 15.0
POLL_INTERVAL = 0.05
STOP_TIMEOUT = 10.0

CONFIG = """\
Port {port}
ListenAddress 127.0.0.1
HostKey {root}/host_key
PidFile {root}/sshd.pid
AuthorizedKeysFile {root}/authorized_keys
AllowUsers {user}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
LogLevel ERROR
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _keygen(path, comment):
    keygen = shutil.which(SSH_KEYGEN)
    if keygen is None:
        raise RuntimeError("ssh-keygen is missing: install openssh-client")
    subprocess.run(
        [keygen, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    )


class SshServer:
    """``with SshServer() as server:`` an sshd serving ``server.files``."""

    def __init__(self):
        self.port = None
        self.user = getpass.getuser()
        self.root = None
        self.files = None
        self.process = None
        self.host_key = None  # public host key line, as configured on targets
        self.client_key = None  # client's private key text (OpenSSH format)
        self.other_host_key = None  # a host key the server does not have

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        if not os.access(SSHD, os.X_OK):
            raise RuntimeError(
                "%s is missing: install openssh-server (setup/bootstrap does)" % SSHD
            )
        if os.geteuid() == 0:
            os.makedirs(PRIVSEP_DIR, mode=0o755, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix="logistics-sshd-"))
        self.files = self.root / "files"
        self.files.mkdir()
        _keygen(self.root / "host_key", "test host")
        _keygen(self.root / "client_key", "test client")
        _keygen(self.root / "other_host_key", "another host")
        shutil.copy(self.root / "client_key.pub", self.root / "authorized_keys")
        self.host_key = (self.root / "host_key.pub").read_text().strip()
        self.other_host_key = (self.root / "other_host_key.pub").read_text().strip()
        self.client_key = (self.root / "client_key").read_text()
        self.port = free_port()
        config = self.root / "sshd_config"
        config.write_text(CONFIG.format(port=self.port, root=self.root, user=self.user))
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode(errors="replace")
                self.stop()
                raise RuntimeError("sshd did not start: %s" % error)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(POLL_INTERVAL)
        self.stop()
        raise RuntimeError("sshd did not listen on port %s in time" % self.port)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)
        if self.process and self.process.stderr:
            self.process.stderr.close()
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)
