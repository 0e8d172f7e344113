# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Scope 3 Carbon Agents",
    "summary": "Autonomous, accountable agents on the cron queue: data quality, "
    "classification, supplier data requests and carbon guardrails, with a hash-chained "
    "decision log and a human in the loop",
    "version": "18.0.1.3.0",
    "category": "Accounting/Sustainability",
    "website": "https://github.com/scope3-carbon/scope3-carbon",
    "author": "Scope 3 Carbon",
    "maintainers": [],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["scope3_carbon", "mail", "portal"],
    "external_dependencies": {"python": ["numpy"]},
    "data": [
        "security/scope3_carbon_agents_security.xml",
        "security/ir.model.access.csv",
        "data/scope3_agent_data.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "views/scope3_agent_views.xml",
        "views/scope3_agent_run_views.xml",
        "views/scope3_agent_finding_views.xml",
        "views/scope3_agent_decision_views.xml",
        "views/scope3_emission_entry_views.xml",
        "views/scope3_supplier_data_request_views.xml",
        "views/purchase_order_views.xml",
        "views/res_config_settings_views.xml",
        "views/scope3_agents_menus.xml",
        "templates/portal_templates.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "scope3_carbon_agents/static/src/tours/*.js",
        ],
    },
    "installable": True,
}
