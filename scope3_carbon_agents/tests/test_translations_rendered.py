# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from odoo.addons.scope3_carbon.tests import test_translations_rendered as base


@tagged("post_install", "-at_install")
class TestTranslationsRendered(base.TestTranslationsRendered):
    """The agents' menus, views and fields in fr_FR (see scope3_carbon's test)."""

    modules = ("scope3_carbon", "scope3_carbon_agents")
    allow_inherited_tests_method = True  # Odoo's loader runs only a class's own tests
