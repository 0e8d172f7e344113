# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Scope 3 Carbon PACT",
    "summary": "PACT V3.0 node: serve approved product footprints to customers and pull "
    "suppliers' footprints over the WBCSD PACT API",
    "version": "18.0.1.0.0",
    "category": "Accounting/Sustainability",
    "website": "https://github.com/scope3-carbon/scope3-carbon",
    "author": "Scope 3 Carbon",
    "maintainers": [],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["scope3_carbon"],
    "external_dependencies": {"python": ["requests", "passlib"]},
    "data": [
        "security/ir.model.access.csv",
        "security/scope3_carbon_pact_security.xml",
        "data/ir_cron_data.xml",
        "views/scope3_product_footprint_views.xml",
        "views/scope3_pact_client_views.xml",
        "views/scope3_pact_connection_views.xml",
        "views/scope3_pact_event_views.xml",
        "views/res_company_views.xml",
        "views/scope3_pact_menus.xml",
    ],
    "demo": ["demo/scope3_carbon_pact_demo.xml"],
    "installable": True,
}
