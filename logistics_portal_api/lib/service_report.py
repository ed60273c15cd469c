"""The customer's service-level report: its query, its rows, its chart.

`GET /api/logistics/v1/reports/service-level?from&to&group_by=month|lane` and
the portal page `/my/service-level` ask the same thing: how the customer's
shipments that ended between `from` and `to` were served, per month or per
lane. The shipments' facts are stored once they end (logistics_tms_connector,
`logistics_shipment_performance.py`): `on_time`, `in_full` and `otif` are 1 / 0
(NULL: unknown), so a rate is their sum over the shipments that know them.

A shipment counts in the month it was delivered; one that ended without a
delivery (returned, cancelled) in the month it ended (`service_facts_at`).

The database sums and counts per group (one `_read_group`); this module
checks the query, merges the groups into rows, computes the rates and the
totals, and lays out the chart. Pure Python: tested in
``tests/unit/test_service_report.py``.
"""

import datetime
from dataclasses import dataclass

from odoo.addons.logistics_integration_base.lib import timestamps

GROUP_MONTH = "month"
GROUP_LANE = "lane"
GROUP_BYS = (GROUP_MONTH, GROUP_LANE)
ARGUMENTS = ("from", "to", "group_by")
# Without `from`: the twelve calendar months up to `to` (this one included).
DEFAULT_MONTHS = 12
# The longest range one report covers: two years (and a leap day).
MAX_RANGE_DAYS = 731
PERCENT = 100
RATE_DECIMALS = 1
HOURS_DECIMALS = 1

# What the database gives per group: `(field, aggregate)` of `_read_group`,
# under the name this module reads them by.
AGGREGATES = {
    "shipments": ("__count", None),
    "delivered": ("delivered_at", "count"),
    "on_time_sum": ("on_time", "sum"),
    "on_time_known": ("on_time", "count"),
    "in_full_sum": ("in_full", "sum"),
    "in_full_known": ("in_full", "count"),
    "otif_sum": ("otif", "sum"),
    "otif_known": ("otif", "count"),
    "transit_hours_sum": ("transit_hours", "sum"),
    "transit_hours_known": ("transit_hours", "count"),
    "exceptions": ("exception_count", "sum"),
}
RATES = ("on_time", "in_full", "otif")


class ReportQueryError(ValueError):
    """A query the report cannot answer: `details` lists each problem as
    `{"pointer": "/query/<argument>", "reason"}` (the API's error shape)."""

    def __init__(self, details):
        super().__init__("; ".join(d["reason"] for d in details))
        self.details = details


@dataclass(frozen=True)
class ReportQuery:
    """The moments (naive UTC, both included) and the grouping of a report."""

    start: datetime.datetime
    end: datetime.datetime
    group_by: str


def _problem(name, reason):
    return {"pointer": "/query/%s" % name, "reason": reason}


def _month_index(moment):
    return moment.year * 12 + moment.month - 1


def _month_of_index(index):
    """The first instant of a month by its index, clamped to what a datetime
    holds (years 1 to 9999)."""
    lowest, highest = (
        _month_index(datetime.datetime.min),
        _month_index(datetime.datetime.max),
    )
    index = min(max(index, lowest), highest)
    return datetime.datetime(index // 12, index % 12 + 1, 1)


def month_start(moment, months_back=0):
    """The first instant of the month of `moment`, `months_back` months earlier."""
    return _month_of_index(_month_index(moment) - months_back)


def parse_query(args, now):
    """The :class:`ReportQuery` of the query arguments `args` (name → a list
    of strings, or one string), else :class:`ReportQueryError` naming every
    problem.

    `from` and `to` are RFC 3339 dates or date-times (a date: from its start,
    up to its end, UTC); without `to`, up to `now`; without `from`, the
    :data:`DEFAULT_MONTHS` calendar months up to `to`. `group_by` is `month`
    (the default) or `lane`. At most :data:`MAX_RANGE_DAYS` days.
    """
    details = [
        _problem(name, "unknown query argument; this report takes from, to, group_by")
        for name in sorted(args)
        if name not in ARGUMENTS
    ]
    values = {}
    for name in ARGUMENTS:
        given = args.get(name)
        given = [given] if isinstance(given, str) else list(given or [])
        if not given:
            continue
        if len(given) > 1:
            details.append(_problem(name, "given more than once"))
            continue
        values[name] = given[0]
    moments = {}
    for name in ("from", "to"):
        if name in values:
            try:
                moments[name] = timestamps.parse(values[name], end_of_day=name == "to")
            except ValueError as err:
                details.append(_problem(name, "not a valid date: %s" % err))
    group_by = values.get("group_by", GROUP_MONTH)
    if group_by not in GROUP_BYS:
        details.append(_problem("group_by", "must be one of %s" % ", ".join(GROUP_BYS)))
    if details:
        raise ReportQueryError(details)
    end = moments.get("to", now)
    start = moments.get("from", month_start(end, DEFAULT_MONTHS - 1))
    if start > end:
        raise ReportQueryError([_problem("to", "must not be before from")])
    if end - start > datetime.timedelta(days=MAX_RANGE_DAYS):
        raise ReportQueryError(
            [
                _problem(
                    "from",
                    "the report covers at most %s days (from %s to %s is longer)"
                    % (MAX_RANGE_DAYS, start.date(), end.date()),
                )
            ]
        )
    return ReportQuery(start, end, group_by)


def ended_in_range_domain(query):
    """The domain of the shipments this report counts: ended (their facts
    stored), delivered in the range, or ended undelivered in the range."""
    return [
        ("service_facts_at", "!=", False),
        "|",
        "&",
        ("delivered_at", ">=", query.start),
        ("delivered_at", "<=", query.end),
        "&",
        ("delivered_at", "=", False),
        "&",
        ("service_facts_at", ">=", query.start),
        ("service_facts_at", "<=", query.end),
    ]


def read_group_spec(group_by):
    """(groupby, aggregates) of the one `_read_group` of a report: per month,
    the delivery month and the month ended (an undelivered shipment has only
    the latter); per lane, the lane."""
    groupby = (
        ["delivered_at:month", "service_facts_at:month"]
        if group_by == GROUP_MONTH
        else ["lane"]
    )
    aggregates = [
        field if aggregate is None else "%s:%s" % (field, aggregate)
        for field, aggregate in AGGREGATES.values()
    ]
    return groupby, aggregates


def group_key(group_by, keys):
    """The row a `_read_group` group belongs to: its month (`YYYY-MM`, the
    delivery's, else the end's) or its lane (None when unknown)."""
    if group_by == GROUP_MONTH:
        delivered, ended = keys
        moment = delivered or ended
        return _month_label(moment) if moment else None
    return keys[0] or None


def _month_label(moment):
    return "%04d-%02d" % (moment.year, moment.month)


def months(start, end):
    """The months (`YYYY-MM`) from the one of `start` to the one of `end`."""
    return [
        _month_label(_month_of_index(index))
        for index in range(_month_index(start), _month_index(end) + 1)
    ]


def _empty():
    return dict.fromkeys(AGGREGATES, 0)


def _add(total, counts):
    for name in AGGREGATES:
        total[name] += counts.get(name) or 0
    return total


def _rate(total, name):
    known = total["%s_known" % name]
    if not known:
        return None
    return round(PERCENT * total["%s_sum" % name] / known, RATE_DECIMALS)


def _shape(total):
    """The figures of a row (or of the totals) from its sums and counts."""
    known_transit = total["transit_hours_known"]
    return {
        "shipments": int(total["shipments"]),
        "delivered": int(total["delivered"]),
        **{"%s_pct" % name: _rate(total, name) for name in RATES},
        "avg_transit_hours": (
            round(total["transit_hours_sum"] / known_transit, HOURS_DECIMALS)
            if known_transit
            else None
        ),
        "exceptions": int(total["exceptions"]),
    }


def report(query, groups):
    """The report's answer from the `_read_group` groups.

    :param groups: `(keys, counts)` pairs: the group's keys in the order of
        :func:`read_group_spec`'s groupby, and its counts by the names of
        :data:`AGGREGATES`
    :returns: `{from, to, group_by, rows, totals}`; per month every month of
        the range has a row (empty ones too, for the chart), oldest first; per
        lane the lanes with the most shipments first
    """
    merged = {}
    for keys, counts in groups:
        key = group_key(query.group_by, keys)
        _add(merged.setdefault(key, _empty()), counts)
    if query.group_by == GROUP_MONTH:
        keys = months(query.start, query.end)
        keys += sorted(k for k in merged if k not in keys and k is not None)
    else:
        keys = sorted(
            merged, key=lambda k: (-merged[k]["shipments"], k is None, k or "")
        )
    totals = _empty()
    for counts in merged.values():
        _add(totals, counts)
    return {
        "from": _iso(query.start),
        "to": _iso(query.end),
        "group_by": query.group_by,
        "rows": [
            {query.group_by: key, **_shape(merged.get(key, _empty()))} for key in keys
        ],
        "totals": _shape(totals),
    }


def _iso(moment):
    return moment.replace(microsecond=0).isoformat() + "Z"


# ---------------------------------------------------------------------------
# the chart of the portal page: bars of on-time % and OTIF % per month

CHART_WIDTH = 720
CHART_HEIGHT = 240
CHART_MARGIN = {"left": 40, "right": 10, "top": 10, "bottom": 30}
CHART_TICKS = (0, 25, 50, 75, 100)
CHART_SERIES = (("on_time_pct", "on time"), ("otif_pct", "OTIF"))
NO_FIGURE = "\u2013"  # an en dash


def rate_label(value):
    """A rate as the portal shows it: `66.7 %`, or a dash when unknown."""
    return NO_FIGURE if value is None else "%.1f %%" % value


def hours_label(value):
    """Hours as the portal shows them: `12.5`, or a dash when unknown."""
    return NO_FIGURE if value is None else "%.1f" % value


BAR_GAP = 0.2  # of a slot, between two slots


def chart(rows, label_key):
    """The geometry of an SVG bar chart of on-time % and OTIF % per row.

    :returns: `{width, height, ticks: [{y, label}], slots: [{label, x, bars:
        [{series, x, y, width, height, value}]}]}`: coordinates in SVG user
        units; a row without a rate has no bar of it
    """
    left, top = CHART_MARGIN["left"], CHART_MARGIN["top"]
    plot_width = CHART_WIDTH - left - CHART_MARGIN["right"]
    plot_height = CHART_HEIGHT - top - CHART_MARGIN["bottom"]
    base = top + plot_height

    def y_of(value):
        return round(base - plot_height * value / PERCENT, 1)

    slot = plot_width / max(len(rows), 1)
    bar_width = slot * (1 - BAR_GAP) / len(CHART_SERIES)
    slots = []
    for index, row in enumerate(rows):
        x = left + index * slot + slot * BAR_GAP / 2
        bars = []
        label = row.get(label_key) or "?"
        for position, (series, series_label) in enumerate(CHART_SERIES):
            value = row.get(series)
            if value is None:
                continue
            bars.append(
                {
                    "series": series,
                    "x": round(x + position * bar_width, 1),
                    "y": y_of(value),
                    "width": round(bar_width, 1),
                    "height": round(base - y_of(value), 1),
                    "value": value,
                    "title": "%s %s: %s" % (label, series_label, rate_label(value)),
                }
            )
        slots.append(
            {
                "label": label,
                "x": round(left + (index + 0.5) * slot, 1),
                "bars": bars,
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": left,
        "right": CHART_WIDTH - CHART_MARGIN["right"],
        "base": base,
        "label_y": base + CHART_MARGIN["bottom"] - 10,
        "ticks": [{"y": y_of(tick), "label": "%s%%" % tick} for tick in CHART_TICKS],
        "slots": slots,
    }
