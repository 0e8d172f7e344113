# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""pytest plugin for the pytest-odoo run of ``make test``.

Odoo logs an ERROR when its test framework is imported outside test mode, and pytest-odoo
imports it (and pytest collects the add-ons' test modules) before it turns test mode on
for the tests. So the run is started in test mode (``--odoo-extra test-enable``); but a
registry loaded in test mode runs every installed module's tests while loading: test mode
is turned off again once the tests are collected, before pytest-odoo loads the registry
(its ``enable_odoo_test_flag`` fixture turns it on for the tests themselves).
"""

from odoo.tools import config


def pytest_collection_finish(session):
    config["test_enable"] = False
