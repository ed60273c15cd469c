"""A job node: a second Odoo on the run's database that only runs jobs.

queue_job's runner sends every job as an HTTP request (``/queue_job/runjob``)
to the ``[queue_job] host`` and ``port`` of its configuration. Pointed at a
node of its own, the jobs leave the HTTP workers that answer webhooks and the
API: the front node keeps the runner and the crons, the job node (its own
configuration, port, prefork workers and log; no cron worker, no runner) runs
the jobs. ``bench/run.py --job-node`` starts one beside the stack's Odoo; its
configuration is rendered from ``deploy/odoo-job-node.conf`` (the copy of a
run is ``<results>/logs/jobnode.conf``, keys masked).
"""

from string import Template

from .cluster import REPO, Node, read_options, shared_node_values
from .stack import HTTP_WORKERS

JOB_NODE_TEMPLATE = REPO / "deploy" / "odoo-job-node.conf"
NAME = "jobnode"
# Job capacity of the runs (stack.JOB_CHANNELS) is 1: a second worker lets a
# job start while the other worker is recycled (limit_memory, time limits).
JOB_NODE_WORKERS = HTTP_WORKERS


def render_job_node(template, base_options, *, http_port, gevent_port):
    """The job node's configuration: the database, addons, filestore and keys
    of ``base_options`` (the front node's ``[options]``), its own ports."""
    values = dict(
        shared_node_values(base_options, http_port, gevent_port),
        workers=JOB_NODE_WORKERS,
    )
    return Template(template).substitute(values)


class JobNode(Node):
    """The job node of a stack: started before the front node (whose runner
    sends it jobs from its first seconds), stopped after it."""

    def __init__(self, stack):
        super().__init__(NAME, stack, port=stack.ports(), gevent_port=stack.ports())

    def configure(self, front_config):
        """Render this node's file from the front node's ``[options]``."""
        return self.write_config(
            render_job_node(
                JOB_NODE_TEMPLATE.read_text(),
                read_options(front_config),
                http_port=self.port,
                gevent_port=self.gevent_port,
            )
        )

    def _workers_up(self):
        """Its HTTP workers, and no runner (capacity 0 on ``root``)."""
        kinds = list(self.worker_roles().values())
        return kinds.count("WorkerHTTP") >= JOB_NODE_WORKERS
