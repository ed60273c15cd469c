"""What Odoo's own access log says each request cost on the server.

With ``log_level = info`` Odoo ends every werkzeug access line with three
figures: the SQL statements the request ran, the seconds spent in them, and
the other seconds of the request (Python, rendering, waiting on locks). The
client measures latency from outside (queueing included); these lines say
whether the server did more work per request, independent of how busy the
machine was.

Standard library only: also run on a saved log,
``python bench/harness/access_log.py odoo-server.log``.
"""

import re
import statistics
import sys

ACCESS_LINE = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>[^ ?"]+)[^"]*" (?P<status>\d{3}) - '
    r"(?P<statements>\d+) (?P<sql>[\d.]+) (?P<other>[\d.]+)"
)
NUMBER = re.compile(r"/\d+(?=/|$)")


def requests_in(text):
    """One record per access line: method, route (ids as N), status, costs."""
    for match in ACCESS_LINE.finditer(text):
        yield {
            "route": "%s %s" % (match["method"], NUMBER.sub("/N", match["path"])),
            "status": int(match["status"]),
            "statements": int(match["statements"]),
            "sql_ms": float(match["sql"]) * 1000,
            "other_ms": float(match["other"]) * 1000,
        }


def _percentile(ordered, fraction):
    return ordered[round(fraction * (len(ordered) - 1))]


def summary(records):
    """Per route: requests, mean statements, mean SQL/other ms, server p50/p95."""
    routes = {}
    for record in records:
        routes.setdefault(record["route"], []).append(record)
    result = {}
    for route, rows in routes.items():
        server = sorted(r["sql_ms"] + r["other_ms"] for r in rows)
        result[route] = {
            "requests": len(rows),
            "statements_mean": round(
                statistics.fmean(r["statements"] for r in rows), 1
            ),
            "sql_ms_mean": round(statistics.mean(r["sql_ms"] for r in rows), 2),
            "other_ms_mean": round(statistics.mean(r["other_ms"] for r in rows), 2),
            "server_ms_p50": round(_percentile(server, 0.5), 1),
            "server_ms_p95": round(_percentile(server, 0.95), 1),
        }
    return result


def main(argv):
    for path in argv:
        with open(path, errors="replace") as log:
            routes = summary(requests_in(log.read()))
        print(path)
        for route, row in sorted(routes.items(), key=lambda kv: -kv[1]["requests"]):
            print(
                "  %-50s %6d requests, %5.1f statements, SQL %.2f ms + other %.2f"
                " ms; server p50 %.1f ms, p95 %.1f ms"
                % (
                    route[:50],
                    row["requests"],
                    row["statements_mean"],
                    row["sql_ms_mean"],
                    row["other_ms_mean"],
                    row["server_ms_p50"],
                    row["server_ms_p95"],
                )
            )


if __name__ == "__main__":
    main(sys.argv[1:])
