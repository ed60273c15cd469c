"""The scenarios: each runs our path and its baseline in the same run.

One module per scenario; a scenario measures and returns a
:class:`ScenarioResult` (its details): ``harness.report`` writes its table
rows and notes from them. Every loop is bounded twice: by a count (the
sizes) and by a deadline. "TMS events applied" means the message reached state ``done``
(its milestone is stored and the shipment changed), read from the database
with SQL. What they share is in ``common``.
"""

from .accept import scenario_accept
from .apply import scenario_apply
from .burst import scenario_burst
from .cluster_faults import scenario_fault_pg_restart_multi, scenario_fault_worker_kill
from .common import Bench, Sizes
from .fault_pg_restart import scenario_fault_pg_restart
from .fault_tms_down import scenario_fault_tms_down
from .growth import scenario_growth
from .multinode import scenario_fault_node_kill, scenario_scale_out
from .orders import scenario_orders
from .profile import scenario_profile
from .release import scenario_release
from .result import ScenarioResult
from .service_report import scenario_service_report
from .settlement import scenario_settlement
from .shipment_get import scenario_shipment_get
from .visibility import scenario_visibility
from .webhook_latency import scenario_webhook_latency


SCENARIOS = {
    "apply": scenario_apply,
    "accept": scenario_accept,
    "webhook_latency": scenario_webhook_latency,
    "visibility": scenario_visibility,
    "orders": scenario_orders,
    "shipment_get": scenario_shipment_get,
    "release": scenario_release,
    "burst": scenario_burst,
    "fault_pg_restart": scenario_fault_pg_restart,
    "scale_out": scenario_scale_out,
    "fault_node_kill": scenario_fault_node_kill,
    "fault_pg_restart_multi": scenario_fault_pg_restart_multi,
    "fault_tms_down": scenario_fault_tms_down,
    "fault_worker_kill": scenario_fault_worker_kill,
    "settlement": scenario_settlement,
    "growth": scenario_growth,
    "profile": scenario_profile,
    "service_report": scenario_service_report,
}
DEFAULT_ORDER = tuple(SCENARIOS)

__all__ = [
    "DEFAULT_ORDER",
    "SCENARIOS",
    "Bench",
    "ScenarioResult",
    "Sizes",
]
