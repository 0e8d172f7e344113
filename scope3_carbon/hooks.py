# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column


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
