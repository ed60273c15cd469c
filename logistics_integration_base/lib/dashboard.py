"""The integration dashboard's colours: thresholds on a flow's figures.

One place decides when a flow's tile turns orange or red, so that the kanban
and its tests agree.
"""

OK, WARNING, DANGER = "ok", "warning", "danger"
LEVELS = [(OK, "OK"), (WARNING, "Warning"), (DANGER, "Danger")]

BACKLOG_WARNING = 1_000  # messages waiting
OLDEST_PENDING_WARNING_S = 5 * 60
OLDEST_PENDING_DANGER_S = 30 * 60
ERROR_RATE_DANGER = 5.0  # % of the last hour's processed messages


def flow_health(*, failed, dead, backlog, oldest_pending_s, error_rate_1h):
    """Red: dead letters waiting for someone, a backlog older than half an
    hour or more than 5 % errors in the last hour. Orange: messages failing
    (being retried), a backlog over 1,000 or older than five minutes."""
    if (
        dead
        or oldest_pending_s >= OLDEST_PENDING_DANGER_S
        or error_rate_1h >= ERROR_RATE_DANGER
    ):
        return DANGER
    if (
        failed
        or backlog >= BACKLOG_WARNING
        or oldest_pending_s >= OLDEST_PENDING_WARNING_S
    ):
        return WARNING
    return OK


def metric_line(name, labels, value):
    """One sample in Prometheus's text format: ``name{k="v",...} value``, the
    label values escaped as the format wants (backslash, quote, line feed)."""
    rendered = ",".join(
        '%s="%s"' % (key, _label_value(text)) for key, text in labels.items()
    )
    return "%s{%s} %s" % (name, rendered, value)


def _label_value(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
