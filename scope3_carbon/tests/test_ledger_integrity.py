# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestLedgerIntegrity(Scope3Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls.create_order([(cls.steel, 10, 1000.0)])
        cls.order.button_confirm()
        cls.run_attribution()
        cls.entry = cls.entries_of(cls.order)

    def test_orm_write_refused_for_admin(self):
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("scope3_carbon.group_scope3_manager"))
        with self.assertRaises(UserError):
            self.entry.with_user(admin).write({"co2e_kg": 1.0})
        with self.assertRaises(UserError):
            self.entry.sudo().write({"co2e_kg": 1.0})
        self.assertEqual(self.entry.co2e_kg, 7870.0)

    def test_orm_unlink_refused_for_admin(self):
        with self.assertRaises(UserError):
            self.entry.with_user(self.env.ref("base.user_admin")).sudo().unlink()
        self.assertTrue(self.entry.exists())

    def test_sql_update_rejected_by_trigger(self):
        with (
            self.assertRaises(psycopg2.errors.RestrictViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE scope3_emission_entry SET co2e_kg = 0 WHERE id = %s",
                [self.entry.id],
            )
        with (
            self.assertRaises(psycopg2.errors.RestrictViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE scope3_emission_entry SET trace = '{}' WHERE id = %s",
                [self.entry.id],
            )
        self.env.cr.execute(
            "SELECT co2e_kg FROM scope3_emission_entry WHERE id = %s", [self.entry.id]
        )
        self.assertEqual(float(self.env.cr.fetchone()[0]), 7870.0)

    def test_sql_delete_rejected_by_trigger(self):
        with (
            self.assertRaises(psycopg2.errors.RestrictViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute("DELETE FROM scope3_emission_entry WHERE id = %s", [self.entry.id])

    def test_entry_reversed_only_once(self):
        vals = self.entry._scope3_reversal_vals(-7870, {"schema": "x"}, self.entry.event_id)
        self.Entry.sudo().create([vals])
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.Entry.sudo().create([vals])

    def test_create_requires_trace_and_computes_hash(self):
        with self.assertRaises(UserError):
            self.Entry.sudo().create([{"activity_id": self.entry.activity_id.id}])
        self.assertEqual(self.entry._scope3_verify(), {self.entry: []})
        action = self.entry.action_verify_trace()
        self.assertEqual(action["params"]["type"], "success")
