{
    "name": "Logistics Portal API",
    "summary": "JSON API and portal pages for customers: orders, shipment status, documents and notifications",
    "version": "18.0.1.2.0",
    "author": "Logistics Suite Maintainers",
    "license": "LGPL-3",
    "category": "Website/Website",
    "depends": [
        "logistics_integration_base",
        "logistics_tms_connector",
        "portal",
        "sale",
    ],
    "external_dependencies": {"python": ["jsonschema"]},
    "data": [
        "security/security.xml",
        "security/ir.model.access.csv",
        "data/logistics_flow_data.xml",
        "data/queue_job_function.xml",
        "views/logistics_api_key_views.xml",
        "views/res_partner_views.xml",
        "views/portal_templates.xml",
        "views/portal_return_templates.xml",
        "views/res_config_settings_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "logistics_portal_api/static/src/js/tours/*.js",
        ],
    },
}
