"""The job node: its configuration rendered from deploy/, the front node's
runner target, the A/B scenario's rows."""

import configparser
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BENCH))

from harness import cluster, job_node, report, stack  # noqa: E402  (in bench/)
from harness.scenarios.common import Sizes  # noqa: E402

BASE = {
    "addons_path": "/odoo/addons,/repo/.addons,/repo",
    "data_dir": "/tmp/logistics-bench-x/filestore",
    "db_name": "jobs_x",
    "http_interface": "127.0.0.1",
    "logistics_secret_keys": "fernet-key=",
    "logistics_audit_key": "audit-key",
}
FRONT = """[options]
db_name = jobs_x
logistics_secret_keys = fernet-key=

[queue_job]
channels = root:1,root.logistics:1
"""


def _parse(text):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def test_job_node_runs_no_cron_and_no_runner_on_the_front_database():
    text = job_node.render_job_node(
        job_node.JOB_NODE_TEMPLATE.read_text(), BASE, http_port=8511, gevent_port=8512
    )
    parser = _parse(text)
    options = parser["options"]
    assert options["max_cron_threads"] == "0"
    # queue_job starts no runner when the root channel's capacity is 0
    assert parser["queue_job"]["channels"].startswith("root:0")
    assert options["http_port"] == "8511"
    assert options["gevent_port"] == "8512"
    assert options["workers"] == str(job_node.JOB_NODE_WORKERS)
    for key in ("db_name", "data_dir", "logistics_secret_keys", "logistics_audit_key"):
        assert options[key] == BASE[key]
    assert "queue_job" in options["server_wide_modules"].split(",")


class _Node:
    port = 8533

    def __init__(self):
        self.configured = []

    def configure(self, path):
        self.configured.append(path)


def _front(tmp_path):
    front = stack.Stack.__new__(stack.Stack)  # only its configuration file
    front.config = tmp_path / "odoo.conf"
    front.config.write_text(FRONT)
    return front


def test_front_node_sends_jobs_to_the_job_node_and_back(tmp_path):
    front = _front(tmp_path)
    node = _Node()
    front.set_job_node(node)
    queue_job = _parse(front.config.read_text())["queue_job"]
    assert (queue_job["host"], queue_job["port"]) == ("127.0.0.1", "8533")
    assert queue_job["channels"] == "root:1,root.logistics:1"
    assert node.configured == [front.config]
    # twice: still one target
    front.set_job_node(node)
    assert front.config.read_text().count("port = ") == 1
    front.set_job_node(None)
    parser = _parse(front.config.read_text())
    assert "host" not in parser["queue_job"] and "port" not in parser["queue_job"]
    assert parser["options"]["logistics_secret_keys"] == "fernet-key="


def _run(mode, repetition, p95, health_p95):
    latency = {
        "ours": {
            "p50_ms": p95 / 2,
            "p95_ms": p95,
            "p99_ms": p95 * 2,
            "errors": 0,
            "requests": 1000,
            "achieved_rate": 50.0,
        },
        "health": {"p95_ms": health_p95},
        "rate": 50,
    }
    return {"mode": mode, "repetition": repetition, "webhook_latency": latency}


def test_ab_rows_one_per_mode_met_only_when_every_repetition_is():
    details = {
        "runs": [
            _run("http workers", 1, 140.0, 10.0),
            _run("job node", 1, 18.0, 10.0),
            _run("job node", 2, 25.0, 10.0),
            _run("http workers", 2, 90.0, 10.0),
        ]
    }
    rows = report.rows("job_node_ab", details, Sizes())
    assert [row["scenario"] for row in rows] == [
        "Single-event webhook, jobs on the http workers",
        "Single-event webhook, jobs on the job node",
    ]
    assert rows[0]["result"] == report.MISSED
    assert rows[0]["ratio"] == "p95 14.0x, 9.0x"
    # one repetition above 2x: missed
    assert rows[1]["result"] == report.MISSED
    assert rows[1]["ours"].startswith("p50/p95/p99 9.0/18.0/36.0 ms; ")
    details["runs"][2] = _run("job node", 2, 19.0, 10.0)
    assert report.rows("job_node_ab", details, Sizes())[1]["result"] == report.HIT


def test_logs_of_before_a_restart_are_kept_for_both_nodes(tmp_path):
    # cluster.keep_log: the multi-node scenarios restart the run's Odoo (and
    # its job node) after their cluster; neither log is overwritten.
    front = stack.Stack.__new__(stack.Stack)
    front.log_dir = tmp_path
    front.server_log = tmp_path / "odoo-server.log"
    front.job_node = type("Node", (), {"server_log": tmp_path / "odoo-jobnode.log"})
    for _n in range(2):
        front.server_log.write_text("front")
        front.job_node.server_log.write_text("jobs")
        cluster.keep_log(front)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "odoo-jobnode.before-cluster-1.log",
        "odoo-jobnode.before-cluster-2.log",
        "odoo-server.before-cluster-1.log",
        "odoo-server.before-cluster-2.log",
    ]
