"""The multi-node harness's pure parts: the configuration files rendered from
deploy/, the port range, HAProxy's stats, and run.py's new arguments."""

import configparser
import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCH = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BENCH))

from harness import cluster  # noqa: E402  (the harness lives in bench/)
from harness.stack import launcher  # noqa: E402

BASE = {
    "addons_path": "/odoo/addons,/repo/.addons,/repo",
    "data_dir": "/tmp/logistics-bench-x/filestore",
    "db_name": "cluster_x",
    "http_interface": "127.0.0.1",
    "logistics_secret_keys": "fernet-key=",
    "logistics_audit_key": "audit-key",
}


def _node(http_port=8211, lb_port=8220, channels="root:2,root.logistics:2"):
    return cluster.render_node(
        cluster.NODE_TEMPLATE.read_text(),
        BASE,
        http_port=http_port,
        gevent_port=http_port + 1,
        lb_port=lb_port,
        channels=channels,
    )


def _parse(text):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def test_node_config_keeps_the_stack_s_database_keys_and_filestore():
    options = _parse(_node())["options"]
    for key, value in BASE.items():
        assert options[key] == value, key
    assert options["http_port"] == "8211"
    assert options["gevent_port"] == "8212"
    assert options["proxy_mode"] == "True"
    assert options["workers"] == str(cluster.HTTP_WORKERS)
    assert options["limit_time_real"] == str(cluster.LIMIT_TIME_REAL)


def test_node_config_sends_jobs_through_the_load_balancer():
    queue_job = _parse(_node(lb_port=8230))["queue_job"]
    assert dict(queue_job) == {
        "channels": "root:2,root.logistics:2",
        "host": "127.0.0.1",
        "port": "8230",
    }


def test_node_config_has_every_option_of_the_single_node_stack():
    """The template does not drift from the suite's launcher: every option
    the single-node stack writes is in a node's file too."""
    single = launcher.config_text(
        {
            "addons_path": "a",
            "data_dir": "d",
            "db_name": "x",
            "http_interface": "127.0.0.1",
            "http_port": 1,
            "list_db": "False",
            "server_wide_modules": launcher.SERVER_WIDE_MODULES,
            "without_demo": "all",
            "logistics_secret_keys": "k",
            "logistics_audit_key": "a",
            "gevent_port": 2,
            "workers": 2,
            "max_cron_threads": 1,
            "limit_time_real": 1,
            "limit_time_cpu": 1,
            "log_level": "info",
        },
        "root:1",
    )
    node = _parse(_node())["options"]
    assert set(_parse(single)["options"]) <= set(node)
    assert node["server_wide_modules"] == launcher.SERVER_WIDE_MODULES


def test_node_config_needs_every_value():
    with pytest.raises(KeyError):
        cluster.render_node(
            cluster.NODE_TEMPLATE.read_text(),
            {k: v for k, v in BASE.items() if k != "logistics_audit_key"},
            http_port=1,
            gevent_port=2,
            lb_port=3,
            channels="root:1",
        )


def test_masked_config_hides_the_keys_only():
    text = cluster.masked(_node())
    options = _parse(text)["options"]
    assert options["logistics_secret_keys"] == cluster.MASKED
    assert options["logistics_audit_key"] == cluster.MASKED
    assert options["db_name"] == "cluster_x"
    assert "fernet-key=" not in text


def test_haproxy_config_lists_every_node_with_its_health_check():
    text = cluster.render_haproxy(
        cluster.HAPROXY_TEMPLATE.read_text(),
        bind_port=8220,
        stats_port=8221,
        nodes=[("node1", 8211), ("node2", 8213)],
        server_timeout=900,
    )
    lines = [line.strip() for line in text.splitlines()]
    assert "bind 127.0.0.1:8220" in lines
    assert "bind 127.0.0.1:8221" in lines
    assert "server node1 127.0.0.1:8211 check" in lines
    assert "server node2 127.0.0.1:8213 check" in lines
    health = "http-check send meth GET uri /web/health ver HTTP/1.1 hdr Host odoo"
    assert health in lines
    assert "balance roundrobin" in lines
    assert "timeout server 900s" in lines
    assert "$" not in text


def test_haproxy_config_needs_a_node():
    with pytest.raises(ValueError):
        cluster.render_haproxy(
            cluster.HAPROXY_TEMPLATE.read_text(),
            bind_port=1,
            stats_port=2,
            nodes=[],
            server_timeout=900,
        )


def test_channels_give_one_job_per_node():
    assert cluster.channels_for(1) == "root:1,root.logistics:1"
    assert cluster.channels_for(2) == "root:2,root.logistics:2"


STATS = """# pxname,svname,qcur,status,weight,
odoo,FRONTEND,0,OPEN,,
odoo_nodes,node1,0,UP,1,
odoo_nodes,node2,0,DOWN,1,
odoo_nodes,BACKEND,0,UP,1,
stats,FRONTEND,0,OPEN,,
"""


def test_backend_states_read_haproxy_stats_csv():
    assert cluster.backend_states(STATS) == {"node1": "UP", "node2": "DOWN"}


def test_port_pool_stays_in_its_range_and_skips_busy_ports():
    pool = cluster.PortPool.parse("8241-8243")
    with cluster.socket.socket() as busy:
        busy.bind((cluster.LOOPBACK, 0))
        port = busy.getsockname()[1]
        busy.listen()
        taken = cluster.PortPool(port, port + 1)
        assert taken() == port + 1 or not cluster._bindable(port + 1)
    ports = [pool() for _n in range(4)]
    assert set(ports) <= {8241, 8242, 8243}
    assert ports[:3] == sorted(set(ports[:3]))  # in turn, before wrapping


@pytest.mark.parametrize("text", ["8201", "a-b", "8260-8201", "0-10", "1-70000"])
def test_port_pool_rejects_bad_ranges(text):
    with pytest.raises(ValueError):
        cluster.PortPool.parse(text)


def _run_module():
    spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_run_takes_a_database_name_and_a_port_range():
    run = _run_module()
    args = run.parse_args(
        [
            "--smoke",
            "--scenarios",
            "scale_out,fault_node_kill",
            "--db",
            "cluster_a",
            "--ports",
            "8201-8260",
        ]
    )
    assert args.names == ["scale_out", "fault_node_kill"]
    assert args.db == "cluster_a"
    assert (args.ports.first, args.ports.last) == (8201, 8260)
    default = run.parse_args([])
    assert default.db.startswith("logistics_bench_")
    assert default.ports is None


def test_run_rejects_a_bad_port_range(capsys):
    run = _run_module()
    with pytest.raises(SystemExit):
        run.parse_args(["--ports", "8260"])
    assert "FIRST-LAST" in capsys.readouterr().err


def _stack(tmp_path):
    """What a Cluster reads of the single-node stack: its database, folders
    and configuration file (written by the suite's launcher)."""
    config = launcher.write_odoo_config(
        tmp_path / "odoo.conf",
        addons=BASE["addons_path"],
        data_dir=tmp_path / "filestore",
        db_name="cluster_x",
        http_port=8201,
        secret_keys="fernet-key=",
        audit_key="audit-key",
        job_channels="root:1",
    )
    (tmp_path / "logs").mkdir()
    return SimpleNamespace(
        db="cluster_x", data_dir=tmp_path, log_dir=tmp_path / "logs", config=config
    )


def test_cluster_writes_a_config_per_node_and_haproxy_s(tmp_path):
    pool = cluster.PortPool(8241, 8259)
    two = cluster.Cluster(_stack(tmp_path), 2, pool, tag="t")
    two.write_configs()
    ports = set()
    for node in two.nodes:
        options = _parse(node.config.read_text())["options"]
        assert options["db_name"] == "cluster_x"
        assert options["logistics_secret_keys"] == "fernet-key="
        ports |= {options["http_port"], options["gevent_port"]}
        logged = (tmp_path / "logs" / node.config.name).read_text()
        assert "fernet-key=" not in logged
        queue_job = _parse(node.config.read_text())["queue_job"]
        assert queue_job["port"] == str(two.lb_port)
        assert queue_job["channels"] == "root:2,root.logistics:2"
    assert len(ports) == 4
    assert {n.config.name for n in two.nodes} == {"t-node1.conf", "t-node2.conf"}
    text = (tmp_path / "logs" / "haproxy-t.cfg").read_text()
    for node in two.nodes:
        assert "server %s 127.0.0.1:%s check" % (node.name, node.port) in text


def test_a_closing_cluster_starts_no_node(tmp_path):
    one = cluster.Cluster(_stack(tmp_path), 1, cluster.PortPool(8241, 8259))
    assert one.close() == []
    with pytest.raises(cluster.StackError):
        one.start_node(one.nodes[0])
    assert one.nodes[0].odoo is None
