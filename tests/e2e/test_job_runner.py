"""The queue_job runner of a real server picks up and performs our jobs."""

import time

JOB_TIMEOUT = 60
HEARTBEAT_PARAM = "logistics_integration_base.job_runner_heartbeat"


def _job_state(odoo_server, uuid):
    jobs = odoo_server.execute(
        "queue.job", "search_read", [("uuid", "=", uuid)], fields=["state"]
    )
    assert len(jobs) == 1, f"job {uuid} not found"
    return jobs[0]["state"]


def test_heartbeat_job_goes_from_pending_to_done(odoo_server):
    before = odoo_server.execute("ir.config_parameter", "get_param", HEARTBEAT_PARAM)
    uuid = odoo_server.execute("logistics.job.runner.heartbeat", "action_enqueue")
    states = [_job_state(odoo_server, uuid)]
    deadline = time.monotonic() + JOB_TIMEOUT
    while states[-1] != "done" and time.monotonic() < deadline:
        time.sleep(0.2)
        state = _job_state(odoo_server, uuid)
        if state != states[-1]:
            states.append(state)
    assert states[0] in ("pending", "enqueued", "started", "done")
    assert states[-1] == "done", f"job stuck: went through {states}"
    after = odoo_server.execute("ir.config_parameter", "get_param", HEARTBEAT_PARAM)
    assert after and after != before
