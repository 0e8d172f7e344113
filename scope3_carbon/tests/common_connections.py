# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Independent database connections for the tests of real concurrency.

The other tests run in the test transaction, where two transactions never meet. The
tests of workers, races and killed workers commit through connections of their own
(``odoo.sql_db.db_connect``) and delete what they committed at the end.
"""

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tools import SQL

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT


class RealConnectionsMixin:
    """Cursors on their own connection and transaction, and the ledger rows of a test
    deleted despite the append-only trigger. Mixed into a ``TransactionCase``."""

    def _cursor(self):
        """A cursor on its own connection and transaction (not the test transaction).

        Its ORM transaction is given the registry here: ``api.Environment`` would look it
        up with ``Registry(dbname)``, which waits for ``Registry._lock``, and the server
        holds that lock while it runs the tests, so a worker thread would wait forever.
        """
        cr = sql_db.db_connect(self.env.cr.dbname).cursor()
        cr.transaction = api.Transaction(self.registry)
        return cr

    def _env(self, cr, **context):
        return api.Environment(cr, SUPERUSER_ID, dict(DISABLED_MAIL_CONTEXT, **context))

    @staticmethod
    def _delete_ledger_rows(cr, where, params):
        """Delete the test's ledger entries (``where`` on ``scope3_emission_entry``).

        The ledger is append-only: the trigger is lifted in this transaction only
        (ALTER TABLE locks the table until the commit), for the test's rows.
        """
        cr.execute("SET LOCAL lock_timeout = '30s'")
        cr.execute(
            "ALTER TABLE scope3_emission_entry DISABLE TRIGGER scope3_emission_entry_append_only"
        )
        cr.execute(SQL("DELETE FROM scope3_emission_entry WHERE %s", SQL(where, *params)))
        cr.execute(
            "ALTER TABLE scope3_emission_entry ENABLE TRIGGER scope3_emission_entry_append_only"
        )
