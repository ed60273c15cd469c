"""setup/'s Odoo configuration (setup/suite/config.py) through the launcher."""

import configparser

from suite import common, config


def test_write_config_keeps_the_local_keys_and_the_channels(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "RUN_DIR", tmp_path)
    monkeypatch.setattr(config, "addons_path", lambda: "/odoo/addons,/repo")
    monkeypatch.delenv("LOGISTICS_SECRET_KEYS", raising=False)
    monkeypatch.delenv("LOGISTICS_AUDIT_KEY", raising=False)
    (tmp_path / "secret-keys").write_text("FERNET\n")
    path = config.write_config(tmp_path / "t.conf", "db1", 8999, {"workers": 3})
    parser = configparser.ConfigParser()
    parser.read(path)
    options = parser["options"]
    assert options["addons_path"] == "/odoo/addons,/repo"
    assert options["data_dir"] == str(tmp_path / "filestore")
    assert options["db_name"] == "db1"
    assert options["http_port"] == "8999"
    assert options["workers"] == "3"
    assert options["logistics_secret_keys"] == "FERNET"
    # Made once by the suite's generator, then read again.
    audit = (tmp_path / "audit-key").read_text().strip()
    assert len(audit) >= 32
    assert options["logistics_audit_key"] == audit
    assert (tmp_path / "audit-key").stat().st_mode & 0o777 == 0o600
    assert parser["queue_job"]["channels"] == common.JOB_CHANNELS


def test_environment_keys_win(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "RUN_DIR", tmp_path)
    (tmp_path / "secret-keys").write_text("LOCAL\n")
    (tmp_path / "audit-key").write_text("LOCAL-AUDIT\n")
    monkeypatch.setenv("LOGISTICS_SECRET_KEYS", "FROM-ENV")
    monkeypatch.setenv("LOGISTICS_AUDIT_KEY", "AUDIT-FROM-ENV")
    assert config.secret_keys() == "FROM-ENV"
    assert config.audit_key() == "AUDIT-FROM-ENV"


def test_odoo_command_uses_the_venv_python():
    command = config.odoo_command("/c.conf", "-d", "db", subcommand="shell")
    assert command[0] == str(common.venv_python())
    assert command[1:] == [
        str(common.REPO / "setup" / "odoo_server.py"),
        "shell",
        "-c",
        "/c.conf",
        "-d",
        "db",
    ]


def test_uninstall_script_is_a_real_file_fed_the_order():
    from suite import testing  # noqa: PLC0415

    text = testing.UNINSTALL_SCRIPT.read_text()
    assert testing.UNINSTALL_MODULES_ENV in text
    assert common.UNINSTALL_ORDER[0] == common.SUITE_MODULE
    assert common.UNINSTALL_ORDER[-1] == "logistics_integration_base"
    compile(text, str(testing.UNINSTALL_SCRIPT), "exec")
