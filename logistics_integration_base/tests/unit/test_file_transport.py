"""Tests of the file targets: a folder, and a real OpenSSH server on loopback."""

import os

import pytest

from logistics_integration_base.lib import errors, file_transport
from logistics_integration_base.tests.sshd_process import SshServer, free_port

# -- names --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["", ".", "..", ".hidden", "a/b", "../x", "a\\b", "nul\x00", None]
)
def test_check_name_refuses_anything_but_a_plain_name(name):
    with pytest.raises(errors.PermanentError):
        file_transport.check_name(name)


def test_check_name_accepts_a_plain_name():
    assert file_transport.check_name("feed_x_1.csv") == "feed_x_1.csv"


# -- folder -------------------------------------------------------------------


def test_folder_put_list_get_remove(tmp_path):
    target = file_transport.FolderTarget(str(tmp_path))
    assert target.put("b.csv", b"2") == str(tmp_path / "b.csv")
    target.put("a.csv", b"1")
    assert target.list() == ["a.csv", "b.csv"]
    assert target.get("a.csv") == b"1"
    target.remove("a.csv")
    target.remove("a.csv")  # already gone: no error
    assert target.list() == ["b.csv"]
    assert oct((tmp_path / "b.csv").stat().st_mode & 0o777) == oct(0o644)


def test_folder_put_again_replaces_the_file_and_leaves_no_temp_file(tmp_path):
    target = file_transport.FolderTarget(str(tmp_path))
    target.put("x.csv", b"first")
    target.put("x.csv", b"second")
    assert os.listdir(tmp_path) == ["x.csv"]
    assert target.get("x.csv") == b"second"


def test_folder_list_skips_files_being_written(tmp_path):
    (tmp_path / ".x.csv.123.part").write_bytes(b"half")
    (tmp_path / "sub").mkdir()
    assert file_transport.FolderTarget(str(tmp_path)).list() == []


def test_folder_write_failure_leaves_nothing_behind(tmp_path, monkeypatch):
    target = file_transport.FolderTarget(str(tmp_path))

    def full_disk(_src, _dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(file_transport.os, "replace", full_disk)
    with pytest.raises(errors.RetryableError, match="No space left"):
        target.put("x.csv", b"data")
    assert os.listdir(tmp_path) == []


def test_folder_must_be_absolute_and_exist(tmp_path):
    with pytest.raises(errors.PermanentError, match="absolute"):
        file_transport.FolderTarget("relative/dir")
    with pytest.raises(errors.RetryableError, match="does not exist"):
        file_transport.FolderTarget(str(tmp_path / "missing")).put("x.csv", b"")


def test_folder_get_of_a_missing_file_is_permanent(tmp_path):
    with pytest.raises(errors.PermanentError):
        file_transport.FolderTarget(str(tmp_path)).get("missing.csv")


# -- host keys ----------------------------------------------------------------


def test_parse_host_key_reads_pub_and_known_hosts_lines():
    line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 comment"
    assert file_transport.parse_host_key(line)[0] == "ssh-ed25519"
    assert file_transport.parse_host_key("[h]:2222 " + line)[0] == "ssh-ed25519"
    with pytest.raises(errors.PermanentError, match="No SFTP host key"):
        file_transport.parse_host_key("just text")
    with pytest.raises(errors.PermanentError, match="base64"):
        file_transport.parse_host_key("ssh-ed25519 not*base64")


# -- SFTP against a real sshd --------------------------------------------------


@pytest.fixture(scope="module")
def sshd():
    with SshServer() as server:
        yield server


def _target(server, **overrides):
    options = {
        "port": server.port,
        "username": server.user,
        "private_key": server.client_key,
        "host_key": server.host_key,
        "directory": str(server.files),
        "timeout": 10,
        "sleep": lambda _seconds: None,
    }
    options.update(overrides)
    return file_transport.SftpTarget("127.0.0.1", **options)


def test_sftp_put_list_get_remove(sshd):
    target = _target(sshd)
    assert target.put("a.csv", b"one") == "%s/a.csv" % sshd.files
    target.put("a.csv", b"two")  # a retry replaces it
    target.put("b.parquet", b"\x00PAR1")
    assert target.list() == ["a.csv", "b.parquet"]
    assert (sshd.files / "a.csv").read_bytes() == b"two"
    assert target.get("b.parquet") == b"\x00PAR1"
    target.remove("a.csv")
    target.remove("a.csv")
    assert sorted(os.listdir(sshd.files)) == ["b.parquet"]
    target.remove("b.parquet")


def test_sftp_refuses_a_server_with_another_host_key(sshd):
    target = _target(sshd, host_key=sshd.other_host_key)
    with pytest.raises(errors.PermanentError):
        target.put("x.csv", b"secret")
    assert not (sshd.files / "x.csv").exists()


def test_sftp_refuses_a_key_the_server_does_not_know(sshd):
    with SshServer() as other:  # its client key is not authorised on sshd
        target = _target(sshd, private_key=other.client_key)
        with pytest.raises(errors.PermanentError, match="Authentication"):
            target.list()


def test_sftp_missing_folder_is_permanent(sshd):
    with pytest.raises(errors.PermanentError):
        _target(sshd, directory=str(sshd.files / "missing")).put("x.csv", b"")


def test_sftp_unreachable_server_is_retried_then_retryable(sshd):
    waits = []
    target = _target(
        sshd, port=free_port(), attempts=3, retry_schedule=(1, 2), sleep=waits.append
    )
    with pytest.raises(errors.RetryableError):
        target.put("x.csv", b"")
    assert waits == [1, 2]


def test_sftp_key_pasted_on_one_line_still_logs_in(sshd):
    one_line = " ".join(sshd.client_key.split("\n"))
    assert "\n" not in one_line.strip()
    assert file_transport.normalise_private_key(one_line) == sshd.client_key
    sshd.files.joinpath("seen.csv").write_bytes(b"x")
    assert _target(sshd, private_key=one_line).list() == ["seen.csv"]
    sshd.files.joinpath("seen.csv").unlink()


def test_sftp_needs_every_setting():
    with pytest.raises(errors.PermanentError, match="host key"):
        file_transport.SftpTarget(
            "127.0.0.1", username="u", private_key="k", host_key=""
        )
