"""RFC 3339 timestamps in, naive UTC datetimes out (what Odoo stores).

One parser for every flow: TMS events, order windows and query arguments.
JSON Schema's ``date-time`` format has already checked the syntax of what
comes in a body; this module turns it into a value, and checks the syntax
itself for what no schema saw (query arguments).
"""

import datetime
import re

# RFC 3339 full-date, or date-time (`T`, or a space as RFC 3339 allows).
RFC3339 = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2}))?$"
)


def parse(text, end_of_day=False):
    """An RFC 3339 date or date-time as a naive UTC datetime; ValueError if not.

    A date stands for its start (or, with `end_of_day`, its last microsecond).
    A leap second (:60) is the last instant of its minute. Moments beyond what
    a datetime holds, once moved to UTC, are clamped.
    """
    match = RFC3339.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError("must be an RFC 3339 date or date-time")
    day = datetime.date.fromisoformat(match["date"])
    if not match["time"]:
        moment = datetime.datetime.combine(day, datetime.time())
        if end_of_day:
            return moment.replace(hour=23, minute=59, second=59, microsecond=999999)
        return moment
    hour, minute, second = (int(part) for part in match["time"].split(":"))
    moment = datetime.datetime.combine(
        day,
        datetime.time(
            hour,
            minute,
            min(second, 59),
            int((match["fraction"] or ".0")[1:7].ljust(6, "0")),
        ),
    )
    offset = match["offset"].upper()
    if offset == "Z":
        return moment
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    if hours > 23 or minutes > 59:
        raise ValueError("has an impossible UTC offset")
    try:
        return moment - sign * datetime.timedelta(hours=hours, minutes=minutes)
    except OverflowError:
        return datetime.datetime.min if sign > 0 else datetime.datetime.max


def parse_or_none(value):
    """:func:`parse` of an optional value: None when absent or not RFC 3339."""
    if not value:
        return None
    try:
        return parse(value)
    except ValueError:
        return None


def as_utc(moment, name="moment"):
    """``moment`` as an aware UTC datetime; naive values are UTC (how Odoo
    stores them).

    :raises TypeError: ``moment`` is not a datetime (``name`` says which)
    """
    if not isinstance(moment, datetime.datetime):
        raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)
