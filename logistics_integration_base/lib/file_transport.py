"""File targets: a folder on the server, or a directory on an SFTP server.

Both offer the same four verbs, for any flow that exchanges files (analytics
feeds, EDI): ``put(name, data)``, ``list()``, ``get(name)``, ``remove(name)``.

* A write is atomic: the bytes go to a hidden temporary file beside the target,
  which is then renamed over it. A reader never sees half a file, and writing
  the same name again (a retry) replaces the file: nothing is written twice.
* File names are plain names (no folder part, no leading dot): a target never
  writes outside its folder.
* Failures are raised as :class:`errors.RetryableError` (network, timeouts,
  a full disk...) or :class:`errors.PermanentError` (a refused host key or
  login, a bad name, a missing folder), as the message log expects.

``paramiko`` is imported when an SFTP target is built: a folder target needs
nothing beyond the standard library.
"""

import base64
import binascii
import errno
import io
import os
import re
import socket
import stat
import tempfile
import time

from . import backoff, errors

FOLDER_SYSTEM = "folder"
SFTP_SYSTEM = "sftp"
TEMP_PREFIX = "."
TEMP_SUFFIX = ".part"
DEFAULT_SFTP_PORT = 22
DEFAULT_TIMEOUT = 30.0
# Attempts at one operation within a call, and the waits between them (seconds):
# short, for a connection that drops; the message log retries later ones.
DEFAULT_ATTEMPTS = 3
DEFAULT_RETRY_SCHEDULE = (1, 3)
# errno values that retrying later can fix (space, quota, busy resources).
RETRYABLE_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EAGAIN,
        errno.EBUSY,
        errno.EINTR,
        errno.EIO,
        errno.ETIMEDOUT,
    }
)
HOST_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "rsa-sha2-256",
    "rsa-sha2-512",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
)


_PEM_RE = re.compile(
    r"^(-----BEGIN [A-Z0-9 ]+-----)\s*(.*?)\s*(-----END [A-Z0-9 ]+-----)$", re.DOTALL
)


def normalise_private_key(text):
    """A private key pasted on one line (a form field drops the line breaks)
    put back on lines; a key with its line breaks is returned as it is."""
    stripped = (text or "").strip()
    match = _PEM_RE.match(stripped)
    if not match or "\n" in stripped:
        return stripped + "\n" if stripped else stripped
    begin, body, end = match.groups()
    return "\n".join([begin, *body.split(), end]) + "\n"


def check_name(name):
    """Return ``name`` if it is a plain file name, else raise PermanentError."""
    if (
        not isinstance(name, str)
        or not name
        or name in (".", "..")
        or name.startswith(TEMP_PREFIX)
        or "/" in name
        or "\\" in name
        or "\x00" in name
    ):
        raise errors.PermanentError(
            "Not a plain file name: %r (no folder part, no leading dot)" % (name,),
            system=FOLDER_SYSTEM,
        )
    return name


def _os_error(err, system, what):
    """An OSError as an integration error: retryable when it may pass."""
    error = (
        errors.RetryableError
        if err.errno in RETRYABLE_ERRNOS or isinstance(err, TimeoutError)
        else errors.PermanentError
    )
    return error("%s: %s" % (what, err), system=system)


class FileTarget:
    """What every file target offers (see the module's docstring)."""

    system = None

    def put(self, name, data):
        """Write ``data`` (bytes) as ``name``, atomically; return where it went."""
        raise NotImplementedError

    def list(self):
        """The names of the files there, sorted (temporary files left out)."""
        raise NotImplementedError

    def get(self, name):
        """The bytes of file ``name``."""
        raise NotImplementedError

    def remove(self, name):
        """Delete file ``name``; no error when it is already gone."""
        raise NotImplementedError


class FolderTarget(FileTarget):
    """A folder on the server (local disk, or a share mounted there)."""

    system = FOLDER_SYSTEM

    def __init__(self, path):
        if not path or not os.path.isabs(path):
            raise errors.PermanentError(
                "A folder target needs an absolute path, not %r" % (path,),
                system=self.system,
            )
        self.path = path

    def _check_folder(self):
        # Retryable: a share that is not mounted (yet) is often the cause.
        if not os.path.isdir(self.path):
            raise errors.RetryableError(
                "Folder %s does not exist" % self.path, system=self.system
            )

    def put(self, name, data):
        target = os.path.join(self.path, check_name(name))
        self._check_folder()
        temp_path = None
        try:
            fd, temp_path = tempfile.mkstemp(
                prefix=TEMP_PREFIX + name + ".", suffix=TEMP_SUFFIX, dir=self.path
            )
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            # mkstemp creates 0600: the file is for another tool to read.
            os.chmod(temp_path, 0o644)
            os.replace(temp_path, target)
            temp_path = None
        except OSError as err:
            raise _os_error(err, self.system, "Writing %s" % target) from err
        finally:
            if temp_path and os.path.exists(temp_path):
                os.unlink(temp_path)
        return target

    def list(self):
        self._check_folder()
        try:
            return sorted(
                entry.name
                for entry in os.scandir(self.path)
                if entry.is_file() and not entry.name.startswith(TEMP_PREFIX)
            )
        except OSError as err:
            raise _os_error(err, self.system, "Listing %s" % self.path) from err

    def get(self, name):
        target = os.path.join(self.path, check_name(name))
        try:
            with open(target, "rb") as handle:
                return handle.read()
        except OSError as err:
            raise _os_error(err, self.system, "Reading %s" % target) from err

    def remove(self, name):
        target = os.path.join(self.path, check_name(name))
        try:
            os.unlink(target)
        except FileNotFoundError:
            return
        except OSError as err:
            raise _os_error(err, self.system, "Removing %s" % target) from err


def parse_host_key(text):
    """``(key_type, key_bytes)`` of a public host key line.

    Accepts ``ssh-ed25519 AAAA... [comment]`` (a ``.pub`` file) and a
    known_hosts line (``host ssh-ed25519 AAAA...``).

    :raises errors.PermanentError: if no key can be read from the text
    """
    tokens = (text or "").split()
    for position, token in enumerate(tokens[:-1]):
        if token in HOST_KEY_TYPES:
            try:
                return token, base64.b64decode(tokens[position + 1], validate=True)
            except (binascii.Error, ValueError) as err:
                raise errors.PermanentError(
                    "The SFTP host key is not valid base64: %s" % err,
                    system=SFTP_SYSTEM,
                ) from err
    raise errors.PermanentError(
        "No SFTP host key found: expected a line such as 'ssh-ed25519 AAAA...'",
        system=SFTP_SYSTEM,
    )


class SftpTarget(FileTarget):
    """A directory on an SFTP server, reached with a private key.

    The server must present exactly the configured host key (no trust on first
    use); every socket operation has ``timeout``; an operation whose connection
    fails is tried ``attempts`` times, waiting per ``backoff``.
    """

    system = SFTP_SYSTEM

    def __init__(
        self,
        host,
        *,
        username,
        private_key,
        host_key,
        port=DEFAULT_SFTP_PORT,
        directory=".",
        timeout=DEFAULT_TIMEOUT,
        attempts=DEFAULT_ATTEMPTS,
        retry_schedule=DEFAULT_RETRY_SCHEDULE,
        sleep=time.sleep,
    ):
        if not host or not username or not private_key or not host_key:
            raise errors.PermanentError(
                "An SFTP target needs a host, a user, a private key and the "
                "server's host key",
                system=self.system,
            )
        self.host = host
        self.port = int(port or DEFAULT_SFTP_PORT)
        self.username = username
        self.private_key = normalise_private_key(private_key)
        self.host_key = parse_host_key(host_key)
        self.directory = directory or "."
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.retry_schedule = tuple(retry_schedule) or DEFAULT_RETRY_SCHEDULE
        self.sleep = sleep

    # -- the verbs --------------------------------------------------------

    def put(self, name, data):
        check_name(name)
        final = self._path(name)
        temp = self._path(TEMP_PREFIX + name + TEMP_SUFFIX)

        def write(sftp):
            sftp.putfo(io.BytesIO(data), temp, file_size=len(data), confirm=True)
            # posix-rename replaces an existing file (a retry) in one step.
            sftp.posix_rename(temp, final)
            return final

        return self._run(write, "Writing %s" % final)

    def list(self):
        def listing(sftp):
            return sorted(
                entry.filename
                for entry in sftp.listdir_attr(self.directory)
                if stat.S_ISREG(entry.st_mode or 0)
                and not entry.filename.startswith(TEMP_PREFIX)
            )

        return self._run(listing, "Listing %s" % self.directory)

    def get(self, name):
        path = self._path(check_name(name))

        def read(sftp):
            buffer = io.BytesIO()
            sftp.getfo(path, buffer)
            return buffer.getvalue()

        return self._run(read, "Reading %s" % path)

    def remove(self, name):
        path = self._path(check_name(name))

        def unlink(sftp):
            try:
                sftp.remove(path)
            except FileNotFoundError:
                return None
            return None

        return self._run(unlink, "Removing %s" % path)

    # -- connection -------------------------------------------------------

    def _path(self, name):
        return "%s/%s" % (self.directory.rstrip("/") or "/", name)

    def _run(self, operation, what):
        """``operation(sftp)`` on a fresh connection, tried up to ``attempts``
        times while the failure is retryable."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(operation, what)
            except errors.RetryableError:
                if not backoff.should_retry(attempt, self.attempts):
                    raise
                self.sleep(
                    backoff.next_delay(attempt, self.retry_schedule, jitter_ratio=0)
                )

    def _once(self, operation, what):
        import paramiko  # noqa: PLC0415 (only SFTP targets need it)

        client = paramiko.SSHClient()
        host_name = (
            self.host
            if self.port == DEFAULT_SFTP_PORT
            else "[%s]:%d" % (self.host, self.port)
        )
        key_type, key_bytes = self.host_key
        try:
            client.get_host_keys().add(
                host_name, key_type, paramiko.PKey.from_type_string(key_type, key_bytes)
            )
        except (paramiko.SSHException, ValueError) as err:
            raise errors.PermanentError(
                "The SFTP host key cannot be read: %s" % err, system=self.system
            ) from err
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(
                self.host,
                port=self.port,
                username=self.username,
                pkey=self._private_key(paramiko),
                timeout=self.timeout,
                banner_timeout=self.timeout,
                auth_timeout=self.timeout,
                channel_timeout=self.timeout,
                allow_agent=False,
                look_for_keys=False,
            )
            sftp = client.open_sftp()
            sftp.get_channel().settimeout(self.timeout)
            return operation(sftp)
        except (paramiko.BadHostKeyException, paramiko.AuthenticationException) as err:
            raise errors.PermanentError(
                "%s on %s: %s" % (what, host_name, err), system=self.system
            ) from err
        except paramiko.SSHException as err:
            # The server refused the host key we expect (RejectPolicy) or the
            # negotiation failed: a setting to fix, or a connection that broke.
            kind = (
                errors.PermanentError
                if "not found in known_hosts" in str(err)
                else errors.RetryableError
            )
            raise kind(
                "%s on %s: %s" % (what, host_name, err), system=self.system
            ) from err
        except (
            socket.gaierror,
            TimeoutError,
            ConnectionError,
            EOFError,
            paramiko.ssh_exception.NoValidConnectionsError,
        ) as err:
            raise errors.RetryableError(
                "%s on %s: %s" % (what, host_name, err or type(err).__name__),
                system=self.system,
            ) from err
        except OSError as err:
            # SFTP statuses come as OSError too (no such folder, denied).
            kind = (
                errors.RetryableError
                if err.errno in RETRYABLE_ERRNOS
                else errors.PermanentError
            )
            raise kind(
                "%s on %s: %s" % (what, host_name, err), system=self.system
            ) from err
        finally:
            client.close()

    def _private_key(self, paramiko):
        """The private key object of the configured key text (OpenSSH or PEM)."""
        problems = []
        for key_class in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
            try:
                return key_class.from_private_key(io.StringIO(self.private_key))
            except (paramiko.SSHException, ValueError) as err:
                problems.append("%s: %s" % (key_class.__name__, err))
        raise errors.PermanentError(
            "The SFTP private key cannot be read (%s)" % "; ".join(problems),
            system=self.system,
        )
