# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestPartnerProductOperations(Scope3Common):
    """Deleting, archiving and merging partners and products the ledger names: a clear
    outcome, the ledger untouched, never a raw trigger error."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls.create_order([(cls.steel, 10, 1000.0)])
        cls.order.button_confirm()
        cls.run_attribution()
        cls.entry = cls.entries_of(cls.order)
        cls.Entry._scope3_seal()

    def _ledger_intact(self):
        self.env.invalidate_all()
        self.assertEqual(self.entry.partner_id, self.vendor)
        self.assertEqual(self.entry.product_id, self.steel)
        self.assertEqual(self.entry.co2e_kg, 7870.0)
        self.assertEqual(self.Entry._scope3_verify_chain(self.company)[self.company], [])

    def test_delete_used_partner_refused_archive_works(self):
        with self.assertRaisesRegex(UserError, "Archive them instead"):
            self.vendor.unlink()
        self.vendor.action_archive()
        self.assertFalse(self.vendor.active)
        self._ledger_intact()

    def test_delete_used_product_refused_archive_works(self):
        with self.assertRaisesRegex(UserError, "Archive them instead"):
            self.steel.unlink()
        with self.assertRaisesRegex(UserError, "Archive them instead"):
            self.steel.product_tmpl_id.unlink()
        self.steel.action_archive()
        self.assertFalse(self.steel.active)
        self._ledger_intact()

    def test_unused_partner_and_product_deleted(self):
        partner = self.env["res.partner"].create({"name": "Never bought from"})
        product = self.env["product.product"].create({"name": "Never bought"})
        partner.unlink()
        product.unlink()
        self.assertFalse(partner.exists() or product.exists())

    def test_merge_away_used_partner_refused(self):
        duplicate = self.env["res.partner"].create({"name": "Steel Mill Inc. (dup)"})
        wizard = self.env["base.partner.merge.automatic.wizard"].create(
            {
                "partner_ids": [(6, 0, [self.vendor.id, duplicate.id])],
                "dst_partner_id": duplicate.id,
            }
        )
        with self.assertRaisesRegex(UserError, "cannot be merged"):
            wizard.action_merge()
        self.assertTrue(self.vendor.exists())
        self._ledger_intact()

    def test_merge_into_used_partner_works(self):
        duplicate = self.env["res.partner"].create({"name": "Steel Mill Inc. (dup)"})
        wizard = self.env["base.partner.merge.automatic.wizard"].create(
            {
                "partner_ids": [(6, 0, [self.vendor.id, duplicate.id])],
                "dst_partner_id": self.vendor.id,
            }
        )
        wizard.action_merge()
        self.assertFalse(duplicate.exists())
        self._ledger_intact()
