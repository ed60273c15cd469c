"""The service level report and the dashboards at a million ended shipments."""

from pathlib import Path

from .result import ScenarioResult

SHELL_SCRIPT = Path(__file__).resolve().parents[1] / "shell_service_report.py"


def scenario_service_report(bench):
    """Seed ended shipments with their facts (SQL), rebuild and refresh the
    report, time the views' queries and save their plans
    (``harness/shell_service_report.py``, in ``odoo shell``)."""
    out = bench.results_dir / "service_report"
    figures = bench.stack.shell(
        SHELL_SCRIPT,
        {
            "shipments": bench.sizes.report_shipments,
            "output": str(out),
            "endpoint_id": bench.ids["endpoint_id"],
            "company_id": bench.ids["company_id"],
            "company_partner_id": bench.ids["company_partner_id"],
            "admin_uid": bench.ids["admin_uid"],
        },
        "service_report",
    )
    return ScenarioResult(details=figures)
