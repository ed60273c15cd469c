"""The service-level report and the operations tiles: the pure parts.

The report stores daily aggregates (one row per day and dimensions) with sums
and counts, never averages of averages: a rate over any group of rows is the
sum of its 1s over the count of its known values (``weighted``).
"""

from datetime import timedelta

# Averaged measures: the report row's column of sums and its column of counts
# of known values (a NULL fact is unknown: not in the count).
WEIGHTED_MEASURES = {
    "on_time": ("on_time_sum", "on_time_known"),
    "in_full": ("in_full_sum", "in_full_known"),
    "otif": ("otif_sum", "otif_known"),
    "transit_hours": ("transit_sum", "transit_known"),
    "pickup_dwell_minutes": ("pickup_dwell_sum", "pickup_dwell_known"),
    "delivery_dwell_minutes": ("delivery_dwell_sum", "delivery_dwell_known"),
}
# What the report groups by: the shipment's columns, fixed as it ended.
DIMENSIONS = (
    "company_id",
    "partner_id",
    "carrier_id",
    "warehouse_id",
    "origin_region",
    "destination_region",
    "lane",
    "service_level",
    "status",
)

# Open exceptions by age (hours since the exception milestone): upper bounds,
# the last one open-ended.
AGE_BUCKETS = [
    ("lt_1d", "Less than a day", 24),
    ("1d_3d", "1 to 3 days", 72),
    ("gt_3d", "More than 3 days", None),
]
# On-time % this week: below these, the tile is orange, then red.
ON_TIME_WARNING = 95.0
ON_TIME_DANGER = 90.0

OK, WARNING, DANGER = "ok", "warning", "danger"
LEVELS = [(OK, "OK"), (WARNING, "Warning"), (DANGER, "Danger")]


def weighted(total, known):
    """The average of the known values: None when none is known."""
    if not known:
        return None
    return total / known


def age_bucket(hours):
    """The bucket code of an exception open for ``hours``."""
    for code, _label, bound in AGE_BUCKETS:
        if bound is None or hours < bound:
            return code
    raise ValueError(hours)  # pragma: no cover - the last bound is None


def age_bucket_sql(hours_sql):
    """The same buckets as a SQL CASE over an expression in hours."""
    cases = " ".join(
        "WHEN %s < %d THEN '%s'" % (hours_sql, bound, code)
        for code, _label, bound in AGE_BUCKETS
        if bound is not None
    )
    return "CASE %s ELSE '%s' END" % (cases, AGE_BUCKETS[-1][0])


def tile_level(kind, value, count, key=None):
    """The colour of an operations tile.

    ``status``: an open status; shipments in exception are red, others OK.
    ``exception_age``: any open exception older than a day is orange, older
    than three days red. ``on_time``: the on-time % this week (``value``)
    against the thresholds, OK while no delivery of the week is known.
    """
    if kind == "status":
        return DANGER if key == "exception" and count else OK
    if kind == "exception_age":
        if not count or key == AGE_BUCKETS[0][0]:
            return OK
        return DANGER if key == AGE_BUCKETS[-1][0] else WARNING
    if kind == "on_time":
        if value is None or not count:
            return OK
        if value < ON_TIME_DANGER:
            return DANGER
        return WARNING if value < ON_TIME_WARNING else OK
    raise ValueError(kind)


def week_start(day):
    """The Monday of ``day``'s week (ISO weeks, as the report's filters)."""
    return day - timedelta(days=day.weekday())


def month_start(day):
    return day.replace(day=1)


def next_month(day):
    """The first of the month after ``day``'s."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def daily_cutoff(today):
    """The first day the report keeps by day: the first of last month (this
    month and the last are by day, for this week's and this month's
    figures; before, rows are summed by month)."""
    return month_start(month_start(today) - timedelta(days=1))


def periods(days, cutoff):
    """The days to sum by day, and the months (firsts) to sum again whole,
    for the touched ``days``."""
    daily = sorted({d for d in days if d >= cutoff})
    months = sorted({month_start(d) for d in days if d < cutoff})
    return daily, months
