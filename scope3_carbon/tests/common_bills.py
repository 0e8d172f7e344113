# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
from decimal import Decimal
from pathlib import Path

from odoo.tests import Form, new_test_user

from .common import Scope3Common

OFFICIAL_DESNZ_2025 = (
    Path(__file__).parents[3]
    / "shared"
    / "factor-sources"
    / "desnz_ghg_conversion_factors_2025"
    / "ghg-conversion-factors-2025-flat-format.csv"
)


class Scope3BillCommon(Scope3Common):
    """Vendor bills and customer invoices typed in the form by an accountant."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id += cls.env.ref("account.group_account_manager")
        cls.accountant = new_test_user(
            cls.env,
            login="s3_accountant",
            groups="account.group_account_manager,account.group_account_user,"
            "purchase.group_purchase_user,"
            "stock.group_stock_user,scope3_carbon.group_scope3_user",
        )
        Account = cls.env["account.account"]
        cls.consulting_account = Account.create(
            {"name": "Consulting fees", "code": "613900", "account_type": "expense"}
        )
        cls.asset_account = Account.create(
            {"name": "IT equipment", "code": "151900", "account_type": "asset_fixed"}
        )
        cls.customer = cls.env["res.partner"].create({"name": "Retail Customer Ltd"})
        cls.carrier = cls.env["res.partner"].create({"name": "Road Carrier Ltd"})

    @classmethod
    def desnz(cls, key):
        """A shipped DESNZ 2025 factor by its official ID."""
        return cls.env.ref(f"scope3_carbon.scope3_factor_desnz_2025_{key}")

    @staticmethod
    def official_desnz_value(key):
        """The value of a row of the official DESNZ 2025 flat file, or None when the file
        is not available here."""
        if not OFFICIAL_DESNZ_2025.exists():
            return None
        with open(OFFICIAL_DESNZ_2025, newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                if row["ID"] == key:
                    return Decimal(row["GHG Conversion Factor 2025"])
        return None

    @classmethod
    def create_move(cls, lines, partner=None, date="2022-07-01", move_type="in_invoice"):
        """A draft move typed in the form by the accountant.

        :param lines: ``(product or label, quantity, price, account or None)`` tuples
        """
        form = Form(
            cls.env["account.move"]
            .with_user(cls.accountant)
            .with_context(default_move_type=move_type)
        )
        form.partner_id = partner or (cls.customer if move_type.startswith("out") else cls.vendor)
        form.invoice_date = date
        for product, qty, price, account in lines:
            with form.invoice_line_ids.new() as line:
                if isinstance(product, str):
                    line.name = product
                else:
                    line.product_id = product
                line.quantity = qty
                line.price_unit = price
                if account:
                    line.account_id = account
                line.tax_ids.clear()
        return form.save()

    def post(self, move):
        move.action_post()
        self.run_attribution()
        return move

    def refund(self, move, date="2022-07-20"):
        """A full credit note of ``move`` through the reversal wizard, posted."""
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"journal_id": move.journal_id.id, "date": date, "reason": "test"})
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        return self.post(refund)

    def move_entries(self, moves):
        return self.Entry.search([("account_move_id", "in", moves.ids)], order="id")

    def net(self, entries):
        return round(sum(entries.mapped("co2e_kg")), 3)

    def activities_of(self, moves):
        return self.env["scope3.activity"].search(
            [("account_move_id", "in", moves.ids)], order="id"
        )
