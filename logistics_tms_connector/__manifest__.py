{
    "name": "Logistics TMS Connector",
    "summary": "Release shipments to a Transportation Management System over REST and SOAP and apply its events",
    "version": "18.0.1.0.0",
    "author": "Logistics Suite Maintainers",
    "license": "LGPL-3",
    "category": "Inventory/Delivery",
    "depends": [
        "logistics_integration_base",
        "stock_delivery",
        "sale_stock",
        "queue_job",
    ],
    "external_dependencies": {"python": ["requests", "zeep"]},
    "data": ["security/security.xml", "security/ir.model.access.csv"],
}
