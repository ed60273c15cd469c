"""The processes a benchmark run owns: database, Odoo (prefork), TMS simulator.

Everything listens on 127.0.0.1, every wait has a deadline, and ``Stack.close``
stops what was started (by process id) and drops the database, also after an
error or Ctrl-C.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import psycopg2
import requests

import odoo

REPO = Path(__file__).resolve().parents[2]
# The suite's one stack launcher (setup/suite/stack.py, standard library only).
if str(REPO / "setup") not in sys.path:
    sys.path.insert(0, str(REPO / "setup"))
from suite import stack as launcher  # noqa: E402

SUITE_MODULE = launcher.SUITE_MODULE
HTTP_WORKERS = 2
# queue_job runs each job as an HTTP request of a worker: job capacity stays
# below the number of workers, or webhooks and the API queue behind the jobs.
JOB_CHANNELS = "root:1,root.logistics:1"
CRON_THREADS = 1
# A batch job applies up to a flow's batch size of messages in one request of
# an HTTP worker (queue_job runs jobs through /queue_job/runjob).
LIMIT_TIME_REAL = 900
LIMIT_TIME_CPU = 600
ADMIN = ("admin", "admin")
SERVER_LAUNCHER = launcher.SERVER_LAUNCHER
GNU_TIME = Path("/usr/bin/time")

INSTALL_TIMEOUT = 900
SHELL_TIMEOUT = 900
START_TIMEOUT = 180
SIMULATOR_TIMEOUT = 30
STOP_TIMEOUT = 30
HEALTH_POLL = 0.5
RSS_POLL = 0.5
MIB = 1024 * 1024
WORKER_ALIVE = re.compile(r"Worker (\w+) \((\d+)\) alive")
ROLES = {
    "WorkerHTTP": "http worker",
    "WorkerCron": "cron worker",
    "WorkerJobRunner": "job runner",
}


class StackError(RuntimeError):
    """A process of the stack did not start or a set-up step failed."""


free_port = launcher.free_port
LOOPBACK = "127.0.0.1"
QUEUE_JOB_SECTION = "\n[queue_job]\n"


def runner_target(host, port):
    """The ``[queue_job]`` lines that send the runner's jobs to ``host:port``
    (queue_job's ``host`` and ``port`` options; default: this node)."""
    return "host = %s\nport = %s\n" % (host, port)


def odoo_addons_path():
    """Odoo's own addons, the umbrella link made by setup/bootstrap, the repo."""
    link = launcher.ADDONS_LINK_DIR
    if not (link / SUITE_MODULE).exists():
        raise StackError(
            "%s/%s is missing: run setup/bootstrap first." % (link, SUITE_MODULE)
        )
    return launcher.addons_path(Path(odoo.__file__).resolve().parent)


class Stack:
    """Database + Odoo prefork (2 HTTP workers, cron, job runner) + simulator.

    With a ``job_node`` (harness.job_node.JobNode, set before
    ``write_config``) the runner sends its jobs there, and the job node starts
    and stops with this Odoo.
    """

    # Nodes of a cluster (cluster.Node) are Stacks too and have none.
    job_node = None
    # Added to the run's own niceness (a job node may yield its cores).
    niceness = 0

    def __init__(self, db, log_dir, ports=None):
        self.db = db
        # Where its ports come from: any free one, or a range (cluster.PortPool).
        self.ports = ports or free_port
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = Path(tempfile.mkdtemp(prefix="logistics-bench-"))
        self.config = self.data_dir / "odoo.conf"
        self.port = self.ports()
        self.url = "http://127.0.0.1:%s" % self.port
        self.odoo = None  # the Popen (GNU time or Odoo itself)
        self.simulator = None
        self.simulator_url = None
        self.simulator_api_key = os.urandom(16).hex()
        self.database_created = False
        self.rss = RssSampler()
        self.server_log = self.log_dir / "odoo-server.log"
        self._log_offset = 0
        self._roles = {}
        self._time_report = self.log_dir / "odoo-time-v.txt"

    # ------------------------------------------------------------------
    # configuration and database

    def write_config(self):
        self._write_front_config()
        self.set_job_node(self.job_node)
        return self.config

    def set_job_node(self, job_node):
        """Send the runner's jobs to ``job_node`` (None: to this node's own
        HTTP workers): the ``[queue_job]`` target of the configuration, keys
        and everything else unchanged. Takes effect at the next start."""
        self.job_node = job_node
        head, sep, section = self.config.read_text().partition(QUEUE_JOB_SECTION)
        lines = [
            line
            for line in section.splitlines()
            if line.split("=", 1)[0].strip() not in ("host", "port")
        ]
        text = head + sep + "\n".join(lines) + "\n"
        if job_node is not None:
            text += runner_target(LOOPBACK, job_node.port)
            job_node.configure(self.config)
        self.config.write_text(text)

    def _write_front_config(self):
        return launcher.write_odoo_config(
            self.config,
            addons=odoo_addons_path(),
            data_dir=self.data_dir / "filestore",
            db_name=self.db,
            http_port=self.port,
            secret_keys=launcher.fernet_key(),
            audit_key=launcher.audit_key(),
            job_channels=JOB_CHANNELS,
            extra={
                "gevent_port": self.ports(),
                "workers": HTTP_WORKERS,
                "max_cron_threads": CRON_THREADS,
                "limit_time_real": LIMIT_TIME_REAL,
                "limit_time_cpu": LIMIT_TIME_CPU,
                "log_level": "info",
            },
        )

    def odoo_command(self, *args, subcommand=None):
        return launcher.odoo_command(
            sys.executable, self.config, *args, subcommand=subcommand
        )

    def create_database(self):
        """A fresh database with the whole suite (no demo data)."""
        self.drop_database()
        self.database_created = True
        log = self.log_dir / "install.log"
        with log.open("w") as out:
            proc = subprocess.run(
                self.odoo_command(
                    "-d",
                    self.db,
                    "-i",
                    SUITE_MODULE,
                    "--stop-after-init",
                    "--workers=0",
                    "--max-cron-threads=0",
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=INSTALL_TIMEOUT,
                check=False,
            )
        if proc.returncode:
            raise StackError("installing %s failed; see %s" % (SUITE_MODULE, log))

    def drop_database(self):
        subprocess.run(
            ["dropdb", "--if-exists", "--force", self.db],
            check=False,
            capture_output=True,
            timeout=120,
        )

    def shell(self, script, params, name):
        """Run ``script`` in ``odoo shell``; return the JSON it prints last.

        The script reads its parameters from BENCH_PARAMS and prints one line
        ``BENCH_RESULT <json>``.
        """
        log = self.log_dir / ("%s.log" % name)
        env = dict(os.environ, BENCH_PARAMS=json.dumps(params))
        returncode = launcher.run_odoo_shell(
            sys.executable,
            self.config,
            self.db,
            script,
            log,
            env=env,
            timeout=SHELL_TIMEOUT,
        )
        text = log.read_text(errors="replace")
        results = [
            line.split(" ", 1)[1]
            for line in text.splitlines()
            if line.startswith("BENCH_RESULT ")
        ]
        if returncode or not results:
            raise StackError("odoo shell script %s failed; see %s" % (name, log))
        return json.loads(results[-1])

    def pg(self):
        connection = psycopg2.connect(dbname=self.db)
        connection.autocommit = True
        return connection

    # ------------------------------------------------------------------
    # processes

    def start_simulator(self, port=None, extra_args=()):
        """The TMS simulator, on ``port`` (default: a new one); ``extra_args``
        for a restart (``--id-prefix``: its ids restart at 1)."""
        if port is None:
            port = 0 if self.ports is free_port else self.ports()
        log = (self.log_dir / "tms-simulator.log").open("a")
        try:
            self.simulator, self.simulator_url = launcher.start_simulator(
                [
                    *extra_args,
                    "--port",
                    str(port),
                    "--host",
                    "127.0.0.1",
                    f"--api-key={self.simulator_api_key}",
                    "--no-auto-advance",
                    "--log-level",
                    "WARNING",
                ],
                stderr=log,
                timeout=SIMULATOR_TIMEOUT,
                start_new_session=True,
            )
        except launcher.SimulatorError as err:
            raise StackError("the TMS simulator did not start; see its log") from err
        return self.simulator_url

    def server_command(self):
        """Through the suite's launcher file (setup/odoo_server.py): Odoo
        re-executes ``sys.argv`` on reload and for prefork's gevent process."""
        return launcher.odoo_command(sys.executable, self.config)

    def start_odoo(self, env=None):
        if self.job_node is not None and not self.job_node.running():
            # First: the runner sends jobs from its first seconds.
            self.job_node.start_odoo(env=self.job_node.env)
        command = self.server_command()
        if GNU_TIME.exists():
            command = [str(GNU_TIME), "-v", "-o", str(self._time_report), *command]
        if self.niceness:
            # nice execs its command: the process ids stay those of above.
            command = ["nice", "-n", str(self.niceness), *command]
        self._log_offset, self._roles = 0, {}
        log = self.server_log.open("w")
        self.odoo = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # Ctrl-C reaches us; we stop Odoo in order
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.odoo.poll() is not None:
                raise StackError("Odoo exited at start-up; see odoo-server.log")
            if self._healthy() and self._workers_up():
                self.rss.start(self.odoo_master(), self.worker_roles)
                return self.url
            time.sleep(HEALTH_POLL)
        raise StackError("Odoo did not answer /web/health within %ss" % START_TIMEOUT)

    def _healthy(self):
        try:
            return requests.get(self.url + "/web/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def worker_roles(self):
        """pid -> worker class, from the "Worker <class> (<pid>) alive" log lines.

        The log is read incrementally (it grows to tens of MB under load).
        """
        with self.server_log.open("rb") as log:
            log.seek(self._log_offset)
            chunk = log.read()
        # Only whole lines: a line being written is read again next time.
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._log_offset += len(complete)
        for kind, pid in WORKER_ALIVE.findall(complete.decode(errors="replace")):
            self._roles[int(pid)] = kind
        return dict(self._roles)

    def server_log_size(self):
        """Where the server log ends now: pass it to `server_log_since`."""
        return self.server_log.stat().st_size if self.server_log.exists() else 0

    def server_log_since(self, offset):
        """The server log's text written after `offset` (whole lines)."""
        with self.server_log.open("rb") as log:
            log.seek(offset)
            chunk = log.read()
        return chunk[: chunk.rfind(b"\n") + 1].decode(errors="replace")

    def _workers_up(self):
        kinds = list(self.worker_roles().values())
        return kinds.count("WorkerHTTP") >= HTTP_WORKERS and any(
            "JobRunner" in kind for kind in kinds
        )

    def running(self):
        return self.odoo is not None and self.odoo.poll() is None

    def pids(self):
        """This Odoo's processes now (GNU time, master, workers)."""
        if not self.running():
            return set()
        try:
            root = psutil.Process(self.odoo.pid)
            return {root.pid, *(p.pid for p in root.children(recursive=True))}
        except psutil.Error:
            return set()

    def odoo_master(self):
        """The Odoo prefork master (the child of GNU time when it wraps Odoo)."""
        if self.odoo is None or self.odoo.poll() is not None:
            return None
        process = psutil.Process(self.odoo.pid)
        if GNU_TIME.exists():
            children = process.children()
            return children[0] if children else None
        return process

    def stop_odoo(self):
        """SIGTERM to the master (graceful), then the whole group if it lingers;
        the job node after it (no job is sent to a stopped node)."""
        try:
            self._stop_own_odoo()
        finally:
            if self.job_node is not None:
                self.job_node.stop_odoo()

    def _stop_own_odoo(self):
        self.rss.stop()
        if self.odoo is None:
            return
        master = self.odoo_master()
        if master is not None:
            master.send_signal(signal.SIGTERM)
        try:
            self.odoo.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _kill_group(self.odoo.pid)
            self.odoo.wait(timeout=STOP_TIMEOUT)
        # Workers that outlived the master (e.g. killed mid-job) go too.
        _kill_group(self.odoo.pid)
        self.odoo = None

    def stop_simulator(self):
        if self.simulator is None:
            return
        if self.simulator.poll() is None:
            self.simulator.terminate()
            try:
                self.simulator.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.simulator.kill()
        self.simulator = None

    def time_report(self):
        """Max RSS and CPU of the Odoo process tree, from ``/usr/bin/time -v``."""
        if not self._time_report.is_file():
            return None
        wanted = {
            "Maximum resident set size (kbytes)": "max_rss_kib",
            "User time (seconds)": "user_seconds",
            "System time (seconds)": "system_seconds",
            "Elapsed (wall clock) time (h:mm:ss or m:ss)": "elapsed",
        }
        report = {}
        for line in self._time_report.read_text(errors="replace").splitlines():
            label, _sep, value = line.strip().rpartition(": ")
            if label in wanted:
                report[wanted[label]] = value
        return report or None

    def close(self, keep_db=False):
        errors = []
        for step in (self.stop_odoo, self.stop_simulator):
            try:
                step()
            except Exception as err:  # clean up as much as possible, then report
                errors.append("%s: %s" % (step.__name__, err))
        if self.database_created and not keep_db:
            self.drop_database()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return errors


class RssSampler:
    """Peak resident memory of every Odoo process, sampled from /proc."""

    def __init__(self):
        self.peaks = {}  # pid -> (role, peak bytes)
        self._master = None
        self._roles = dict
        self._stop = None
        self._thread = None

    def start(self, master, roles):
        self._master = master
        self._roles = roles
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self):
        if self._thread:
            self._stop.set()
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self):
        self.peaks = {}

    def _run(self):
        while not self._stop.wait(RSS_POLL):
            self.sample()

    def sample(self):
        if self._master is None:
            return
        try:
            processes = [self._master, *self._master.children(recursive=True)]
        except psutil.Error:
            return
        roles = self._roles()
        for process in processes:
            try:
                rss = process.memory_info().rss
            except psutil.Error:
                continue
            if process.pid == self._master.pid:
                role = "master"
            else:
                role = ROLES.get(roles.get(process.pid), "gevent (websocket)")
            old = self.peaks.get(process.pid, (role, 0))[1]
            self.peaks[process.pid] = (role, max(old, rss))

    def summary(self):
        """Peak RSS per role (MiB): the largest process of each kind."""
        by_role = {}
        for role, peak in self.peaks.values():
            by_role[role] = max(by_role.get(role, 0), peak)
        return {role: round(peak / MIB, 1) for role, peak in sorted(by_role.items())}


def _kill_group(pid):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
