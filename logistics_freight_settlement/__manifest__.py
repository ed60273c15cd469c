{
    "name": "Logistics Freight Settlement",
    "summary": "Freight charges from the TMS, reconciliation with tolerances, carrier bills, disputes and rebilling",
    "version": "18.0.1.0.0",
    "author": "Logistics Suite Maintainers",
    "license": "LGPL-3",
    "category": "Accounting/Accounting",
    "depends": ["logistics_integration_base", "logistics_tms_connector", "account"],
    "external_dependencies": {"python": []},
    "data": ["security/security.xml", "security/ir.model.access.csv"],
}
