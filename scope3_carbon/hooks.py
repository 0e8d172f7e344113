# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tools import SQL, config
from odoo.tools.sql import column_exists, create_column

from .demo.scope3_demo_story import load_demo_story


def pre_init_hook(env):
    """Pre-create the stored kg CO2e columns on the large purchase tables.

    The ORM would otherwise recompute the new stored fields for every existing order
    line at install time; they are all zero until the attribution cron has run, so one
    column default does the same work in a single statement.
    """
    cr = env.cr
    for table in ("purchase_order", "purchase_order_line"):
        if not column_exists(cr, table, "scope3_co2e_kg"):
            create_column(cr, table, "scope3_co2e_kg", "numeric")
            cr.execute(
                SQL(
                    "UPDATE %s SET scope3_co2e_kg = 0 WHERE scope3_co2e_kg IS NULL",
                    SQL.identifier(table),
                )
            )


def post_init_hook(env):
    """With demo data: load the demo story (months of purchases, receipts, bills and
    deliveries, attributed by the cron's method).

    Not when Odoo runs its tests (``--test-enable``): the tests build their own
    fixtures, and ``tests/test_demo_story.py`` loads the story inside a test.
    """
    if config["test_enable"]:
        return
    if env.ref("scope3_carbon.purchase_order_steel_demo", raise_if_not_found=False):
        load_demo_story(env)
