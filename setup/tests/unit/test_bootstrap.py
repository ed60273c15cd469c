"""setup/bootstrap from any folder: pip's constraint file in a path with a
space, and the Odoo remembered in the virtualenv."""

import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from suite import bootstrap


def test_the_build_constraint_survives_a_space_in_the_path(monkeypatch, tmp_path):
    odd = tmp_path / "odd folder" / "x"
    monkeypatch.setattr(bootstrap, "BUILD_CONSTRAINTS", odd / "build-constraints.txt")
    env = bootstrap.pip_env(base={"PATH": "/bin"})
    value = env["PIP_CONSTRAINT"]
    # pip splits an environment value on whitespace: one word, its file.
    assert value.split() == [value]
    path = urllib.request.url2pathname(urllib.parse.urlsplit(value).path)
    assert Path(path) == odd / "build-constraints.txt"
    assert env["PIP_DISABLE_PIP_VERSION_CHECK"] == "1"
    assert env["PATH"] == "/bin"


def test_the_runtime_setuptools_is_not_constrained():
    env = bootstrap.pip_env(constrained=False, base={"PIP_CONSTRAINT": "/x y"})
    assert "PIP_CONSTRAINT" not in env


def test_pip_reads_the_constraint_from_a_folder_with_a_space(tmp_path):
    """The real pip of this interpreter, offline: the constraint is read (and
    applied: it conflicts with the requirement), not split at the space."""
    odd = tmp_path / "odd folder"
    odd.mkdir()
    constraints = odd / "constraints.txt"
    constraints.write_text("pip==0.0.1\n")
    requirements = odd / "requirements.txt"
    requirements.write_text("pip\n")
    env = dict(os.environ, PIP_CONSTRAINT=constraints.as_uri(), PIP_NO_INDEX="1")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "-r", requirements],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert "Could not open requirements file" not in result.stderr
    assert "pip==0.0.1" in result.stdout + result.stderr


def fake_odoo_tree(path):
    (path / "odoo").mkdir(parents=True)
    (path / "odoo" / "release.py").write_text("version_info = (18, 0, 0, 'final', 0)\n")
    (path / "setup.py").write_text("")
    return path


def test_the_odoo_installed_into_the_venv_is_found_again(monkeypatch, tmp_path):
    """setup/run after `ODOO_SRC=... setup/test`: no ODOO_SRC needed."""
    tree = fake_odoo_tree(tmp_path / "odoo src")
    monkeypatch.delenv("ODOO_SRC", raising=False)
    monkeypatch.setattr(bootstrap, "host_odoo_package", lambda: None)
    monkeypatch.setattr(bootstrap, "venv_odoo_package", lambda: tree / "odoo")
    monkeypatch.setattr(bootstrap, "download_upstream", pytest.fail)
    assert bootstrap.locate_odoo() == (tree, False)


def test_odoo_src_wins_over_the_venv(monkeypatch, tmp_path):
    tree = fake_odoo_tree(tmp_path / "new")
    old = fake_odoo_tree(tmp_path / "old")
    monkeypatch.setenv("ODOO_SRC", str(tree))
    monkeypatch.setattr(bootstrap, "host_odoo_package", lambda: None)
    monkeypatch.setattr(bootstrap, "venv_odoo_package", lambda: old / "odoo")
    assert bootstrap.locate_odoo() == (tree.resolve(), False)


def test_without_any_odoo_the_message_is_a_sentence(monkeypatch, capsys):
    monkeypatch.delenv("ODOO_SRC", raising=False)
    monkeypatch.setattr(bootstrap, "host_odoo_package", lambda: None)
    monkeypatch.setattr(bootstrap, "venv_odoo_package", lambda: None)
    monkeypatch.setattr(bootstrap, "download_upstream", lambda: None)
    with pytest.raises(SystemExit):
        bootstrap.locate_odoo()
    assert "Odoo 18.0 was not found" in capsys.readouterr().err.replace("\n", " ")


def test_a_failed_command_ends_in_a_sentence_not_a_traceback(monkeypatch, capsys):
    from suite import __main__ as cli  # noqa: PLC0415

    def broken():
        raise subprocess.CalledProcessError(1, ["/a b/python", "-m", "pip", "install"])

    monkeypatch.setattr(cli, "bootstrap", broken)
    monkeypatch.chdir(Path.cwd())  # main() changes into the repository
    with pytest.raises(SystemExit) as stopped:
        cli.main(["bootstrap"])
    assert stopped.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "setup/bootstrap stopped: this command failed with exit code 1" in err
    assert "'/a b/python' -m pip install" in err
    assert "Traceback" not in err
