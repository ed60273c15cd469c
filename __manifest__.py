{
    "name": "Logistics Synchronization Suite",
    "summary": "Keeps Odoo, a Transportation Management System and a customer portal "
    "in step: installs the whole suite",
    "version": "18.0.1.0.0",
    "author": "Logistics Suite Maintainers",
    "license": "LGPL-3",
    "category": "Inventory/Delivery",
    "depends": [
        "logistics_integration_base",
        "logistics_tms_connector",
        "logistics_portal_api",
        "logistics_freight_settlement",
    ],
    "data": [],
    "installable": True,
    "application": True,
}
