"""Several Odoo nodes behind HAProxy, on the benchmark's database.

Each node is a prefork Odoo of its own (configuration file, HTTP and gevent
ports, log, process group), as on separate hosts; they share the database,
the keys and the filestore. HAProxy (Debian's, started here in the
foreground) balances them round robin and checks ``/web/health``. The
queue_job runner starts on every node; PostgreSQL elects one per database
(a session advisory lock) and the runner sends its jobs to HAProxy.

The configuration files are rendered from the templates of ``deploy/`` (the
ones README.rst shows); the rendered copies go to the log folder, keys
masked. ``Cluster.close`` stops every process it started (by process group),
also after an error; a node may be killed (SIGKILL to its whole group, as a
host dies) and started again in between.
"""

import configparser
import contextlib
import csv
import io
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from string import Template

import psutil
import requests

from . import load
from .stack import (
    CRON_THREADS,
    HTTP_WORKERS,
    LIMIT_TIME_CPU,
    LIMIT_TIME_REAL,
    REPO,
    RssSampler,
    Stack,
    StackError,
    _kill_group,
)

DEPLOY = REPO / "deploy"
HAPROXY_TEMPLATE = DEPLOY / "haproxy.cfg"
NODE_TEMPLATE = DEPLOY / "odoo-node.conf"
HAPROXY = "haproxy"
LOOPBACK = "127.0.0.1"
SERVER_LINE = "    server %s %s:%s check"
# Every node's PostgreSQL sessions are named after it (Odoo reads
# ODOO_PGAPPNAME): the harness finds the node of the elected job runner.
APP_NAME = "odoo-%s-{pid}"
# queue_job's runner lock (jobrunner/runner.py, PG_ADVISORY_LOCK_ID): a
# bigint key, which pg_locks splits in classid (high) and objid (low).
RUNNER_LOCK_ID = 2293787760715711918
MASKED = "<masked>"
SECRET_OPTIONS = ("logistics_secret_keys", "logistics_audit_key")
LB_TIMEOUT = 60
LB_POLL = 0.5
STOP_TIMEOUT = 15


class PortPool:
    """Free TCP ports of 127.0.0.1 taken in turn from ``first``..``last``
    (a port something listens on is skipped); a run that must stay in a
    range of ports passes one (run.py ``--ports``)."""

    def __init__(self, first, last):
        if not 0 < first <= last < 65536:
            raise ValueError("bad port range %s-%s" % (first, last))
        self.first, self.last = first, last
        self._next = first

    @classmethod
    def parse(cls, text):
        """``"8201-8260"`` -> PortPool(8201, 8260)."""
        first, sep, last = text.partition("-")
        if not sep or not first.strip().isdigit() or not last.strip().isdigit():
            raise ValueError("ports must be FIRST-LAST, e.g. 8201-8260: %r" % text)
        return cls(int(first), int(last))

    def __call__(self):
        for _n in range(self.last - self.first + 1):
            port = self._next
            self._next = self.first if port >= self.last else port + 1
            if _bindable(port):
                return port
        raise StackError("no free port left in %s-%s" % (self.first, self.last))


def _bindable(port):
    with socket.socket() as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


# ---------------------------------------------------------------------------
# configuration (pure: rendered from the deploy/ templates)


def channels_for(nodes):
    """queue_job channels of a cluster: one job at a time per node, below the
    HTTP workers of each (the webhook and the API keep a worker)."""
    return "root:%d,root.logistics:%d" % (nodes, nodes)


def render_haproxy(template, *, bind_port, stats_port, nodes, server_timeout):
    """HAProxy's configuration: ``nodes`` is a list of (name, port)."""
    if not nodes:
        raise ValueError("HAProxy needs at least one node")
    servers = "\n".join(SERVER_LINE % (name, LOOPBACK, port) for name, port in nodes)
    return Template(template).substitute(
        bind="%s:%s" % (LOOPBACK, bind_port),
        stats_bind="%s:%s" % (LOOPBACK, stats_port),
        servers=servers,
        server_timeout=int(server_timeout),
    )


def render_node(template, base_options, *, http_port, gevent_port, lb_port, channels):
    """One node's configuration: the database, addons, filestore and keys of
    ``base_options`` (the single-node stack's ``[options]``), its own ports,
    prefork sizes of the stack, jobs through the load balancer."""
    values = dict(
        shared_node_values(base_options, http_port, gevent_port),
        workers=HTTP_WORKERS,
        max_cron_threads=CRON_THREADS,
        channels=channels,
        lb_host=LOOPBACK,
        lb_port=lb_port,
    )
    return Template(template).substitute(values)


def shared_node_values(base_options, http_port, gevent_port):
    """What every Odoo process of a run shares with the stack's own (database,
    addons, filestore, keys, time limits), with its own ports."""
    return {
        "addons_path": base_options["addons_path"],
        "data_dir": base_options["data_dir"],
        "db_name": base_options["db_name"],
        "http_interface": base_options.get("http_interface", LOOPBACK),
        "logistics_secret_keys": base_options["logistics_secret_keys"],
        "logistics_audit_key": base_options["logistics_audit_key"],
        "http_port": http_port,
        "gevent_port": gevent_port,
        "limit_time_real": LIMIT_TIME_REAL,
        "limit_time_cpu": LIMIT_TIME_CPU,
    }


def read_options(path):
    """The ``[options]`` of an Odoo configuration file, as a dict."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return dict(parser["options"])


def masked(config_text):
    """``config_text`` with the values of the key options replaced."""
    lines = []
    for line in config_text.splitlines():
        key = line.split("=", 1)[0].strip()
        lines.append("%s = %s" % (key, MASKED) if key in SECRET_OPTIONS else line)
    return "\n".join(lines) + "\n"


def backend_states(stats_csv):
    """{server name: status} of the backend ``odoo_nodes`` from HAProxy's
    ``/stats;csv`` (status: UP, DOWN, MAINT, ``UP 1/2``...)."""
    text = stats_csv.lstrip("# ")
    return {
        row["svname"]: row["status"]
        for row in csv.DictReader(io.StringIO(text))
        if row.get("pxname") == "odoo_nodes"
        and row.get("svname") not in ("FRONTEND", "BACKEND")
    }


# ---------------------------------------------------------------------------
# processes


class Node(Stack):
    """One Odoo node: the single-node stack's start, stop and worker
    bookkeeping, on its own configuration file, ports and log."""

    # pylint: disable-next=super-init-not-called
    def __init__(self, name, stack, *, port, gevent_port, tag=""):
        # Not Stack.__init__: a node shares the stack's database and
        # filestore (data_dir) and owns neither.
        self.name = name
        prefix = "%s-%s" % (tag, name) if tag else name
        self.db = stack.db
        self.log_dir = stack.log_dir
        self.data_dir = stack.data_dir
        self.config = stack.data_dir / ("%s.conf" % prefix)
        self.port = port
        self.gevent_port = gevent_port
        self.url = "http://%s:%s" % (LOOPBACK, port)
        self.odoo = None
        self.simulator = None
        self.database_created = False
        self.rss = RssSampler()
        self.server_log = self.log_dir / ("odoo-%s.log" % prefix)
        self._log_offset = 0
        self._roles = {}
        self._time_report = self.log_dir / ("odoo-%s-time-v.txt" % prefix)
        self.env = dict(os.environ, ODOO_PGAPPNAME=APP_NAME % name)
        self.kills = 0

    def write_config(self, text):
        self.config.write_text(text)
        (self.log_dir / self.config.name).write_text(masked(text))
        return self.config

    def kill(self):
        """SIGKILL to the whole process group at once, as when a host dies;
        keeps the log (``odoo-<node>.killed-<n>.log``) for the restart."""
        if self.odoo is None:
            return
        self.rss.stop()
        _kill_group(self.odoo.pid)
        self.odoo.wait(timeout=STOP_TIMEOUT)
        self.odoo = None
        self.kills += 1
        if self.server_log.exists():
            self.server_log.rename(
                self.server_log.with_suffix(".killed-%s.log" % self.kills)
            )


class Cluster:
    """``size`` Odoo nodes + HAProxy on the database of ``stack`` (whose own
    Odoo must be stopped: its runner would take part in the election).
    ``tag`` prefixes the nodes' log files (``odoo-<tag>-node1.log``)."""

    def __init__(self, stack, size, ports, tag=""):
        self.stack = stack
        self.size = size
        self.ports = ports
        self.channels = channels_for(size)
        self.nodes = [
            Node("node%d" % (n + 1), stack, port=ports(), gevent_port=ports(), tag=tag)
            for n in range(size)
        ]
        self.lb_port = ports()
        self.stats_port = ports()
        self.url = "http://%s:%s" % (LOOPBACK, self.lb_port)
        self.haproxy = None
        # Set by close(): a node start racing with it (a scenario's thread)
        # stops the node again instead of leaving it running.
        self.closing = threading.Event()
        self.tag = tag
        self.haproxy_config = stack.data_dir / "haproxy.cfg"
        self.haproxy_log = stack.log_dir / "haproxy.log"

    # -- configuration ----------------------------------------------------

    def write_configs(self):
        base = read_options(self.stack.config)
        template = NODE_TEMPLATE.read_text()
        for node in self.nodes:
            node.write_config(
                render_node(
                    template,
                    base,
                    http_port=node.port,
                    gevent_port=node.gevent_port,
                    lb_port=self.lb_port,
                    channels=self.channels,
                )
            )
        text = render_haproxy(
            HAPROXY_TEMPLATE.read_text(),
            bind_port=self.lb_port,
            stats_port=self.stats_port,
            nodes=[(node.name, node.port) for node in self.nodes],
            server_timeout=LIMIT_TIME_REAL,
        )
        self.haproxy_config.write_text(text)
        name = "haproxy-%s.cfg" % self.tag if self.tag else "haproxy.cfg"
        shutil.copyfile(self.haproxy_config, self.stack.log_dir / name)

    # -- processes --------------------------------------------------------

    def start(self):
        """Configuration, HAProxy, every node; returns once HAProxy sees
        every node up."""
        self.write_configs()
        self.start_haproxy()
        # Together, as separate hosts would: a node's start is mostly waiting.
        errors = []

        def start(node):
            try:
                self.start_node(node)
            except Exception as err:  # raised below, after every start ended
                errors.append(err)

        threads = [threading.Thread(target=start, args=(n,)) for n in self.nodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return self.url

    def start_haproxy(self):
        binary = shutil.which(HAPROXY) or "/usr/sbin/haproxy"
        if not Path(binary).exists():
            raise StackError("HAProxy is not installed: run setup/bootstrap (as root)")
        check = subprocess.run(
            [binary, "-c", "-q", "-f", str(self.haproxy_config)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode:
            raise StackError("HAProxy rejects its configuration: %s" % check.stderr)
        log = self.haproxy_log.open("a")
        self.haproxy = subprocess.Popen(
            [binary, "-db", "-f", str(self.haproxy_config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + LB_TIMEOUT
        while time.monotonic() < deadline:
            if self.haproxy.poll() is not None:
                raise StackError("HAProxy exited at start-up; see haproxy.log")
            with contextlib.suppress(requests.RequestException):
                self.backend_states()
                return
            time.sleep(LB_POLL)
        raise StackError("HAProxy's stats did not answer within %ss" % LB_TIMEOUT)

    def start_node(self, node):
        if self.closing.is_set():
            raise StackError("the cluster is closing: %s not started" % node.name)
        try:
            node.start_odoo(env=node.env)
        finally:
            if self.closing.is_set():
                node.stop_odoo()
        if self.closing.is_set():
            raise StackError("the cluster closed while %s started" % node.name)
        self.wait_backend(node.name, "UP")

    def stop_node(self, node):
        node.stop_odoo()

    def kill_node(self, node):
        node.kill()

    def backend_states(self):
        answer = requests.get(
            "http://%s:%s/stats;csv" % (LOOPBACK, self.stats_port), timeout=5
        )
        answer.raise_for_status()
        return backend_states(answer.text)

    def wait_backend(self, name, status, bound=LB_TIMEOUT):
        """Wait until HAProxy reports node ``name`` as ``status`` (UP/DOWN)."""
        deadline = time.monotonic() + bound
        while True:
            state = self.backend_states().get(name, "")
            if state.split(" ")[0] == status:
                return
            if time.monotonic() > deadline:
                raise StackError(
                    "HAProxy still sees %s as %r after %ss" % (name, state, bound)
                )
            time.sleep(LB_POLL)

    def http(self):
        """A client of the load balancer."""
        return load.Http(self.url)

    def pids(self):
        """{group: pids}: each node's processes and HAProxy's."""
        groups = {node.name: node.pids() for node in self.nodes}
        if self.haproxy is not None and self.haproxy.poll() is None:
            groups["haproxy"] = {self.haproxy.pid}
        return groups

    def close(self):
        """Stop every node and HAProxy; return the problems met."""
        self.closing.set()
        errors = []
        for node in self.nodes:
            try:
                node.stop_odoo()
            except Exception as err:  # stop the others all the same
                errors.append("%s: %s" % (node.name, err))
        if self.haproxy is not None:
            if self.haproxy.poll() is None:
                self.haproxy.terminate()
            try:
                self.haproxy.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                errors.append("haproxy: did not stop on SIGTERM")
            _kill_group(self.haproxy.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.haproxy.wait(timeout=STOP_TIMEOUT)
            self.haproxy = None
        return errors

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        for problem in self.close():
            print("bench: cluster clean-up: %s" % problem, flush=True)


def runner_node(bench):
    """The node whose job runner holds queue_job's lock now, or None."""
    rows = bench.query(
        """SELECT a.application_name FROM pg_locks l
             JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted
              AND l.classid = %s AND l.objid = %s AND a.datname = current_database()""",
        (RUNNER_LOCK_ID >> 32, RUNNER_LOCK_ID & 0xFFFFFFFF),
    )
    if not rows:
        return None
    # odoo-<node>-<pid>
    return rows[0][0].split("-")[1] if rows[0][0].count("-") >= 2 else rows[0][0]


def keep_log(stack):
    """Rename the stack's server log (``odoo-server.before-cluster-<n>.log``),
    and its job node's (``odoo-jobnode.before-cluster-<n>.log``), before its
    Odoo starts again and writes a new one."""
    for log in (stack.server_log, getattr(stack.job_node, "server_log", None)):
        if log is None or not log.exists():
            continue
        for number in range(1, 100):
            kept = log.with_name("%s.before-cluster-%d.log" % (log.stem, number))
            if not kept.exists():
                log.rename(kept)
                break


class CpuGroups:
    """CPU seconds used by groups of processes, sampled every second.

    ``groups()`` returns {group: set of pids} now; a process counts from its
    first sample, and one that ends loses its last interval (a killed node).
    """

    def __init__(self, groups, period=1.0):
        self.groups = groups
        self.period = period
        self.last = {}  # pid -> cpu seconds at the last sample
        self.totals = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join(timeout=10)
        self.sample()

    def _run(self):
        while not self._stop.wait(self.period):
            self.sample()

    def seconds(self):
        """CPU seconds per group so far, rounded."""
        return {group: round(used, 1) for group, used in sorted(self.totals.items())}

    def sample(self):
        for group, pids in self.groups().items():
            for pid in pids:
                try:
                    times = psutil.Process(pid).cpu_times()
                except psutil.Error:
                    continue
                used = times.user + times.system
                delta = max(0.0, used - self.last.get(pid, used))
                self.last[pid] = used
                self.totals[group] = self.totals.get(group, 0.0) + delta
        return dict(self.totals)


def postgres_pids(db):
    """The PostgreSQL backends of ``db`` (their title names it)."""
    pids = set()
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info.get("cmdline") or ())
        if process.info.get("name") == "postgres" and (" %s " % db) in cmdline:
            pids.add(process.pid)
    return pids
