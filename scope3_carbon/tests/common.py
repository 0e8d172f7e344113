# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import Form, new_test_user

from odoo.addons.base.tests.common import BaseCommon


class Scope3Common(BaseCommon):
    """Shared fixtures: a USD company pinned to EPA v1.3, EUR rates, mapped products."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.env.ref("base.USD")
        # EUR per 1 USD (company currency), set by the test so the expected figures are
        # exact
        cls.eur = cls.setup_other_currency("EUR", rates=[("2022-01-01", 0.9), ("2022-07-01", 0.8)])
        cls.epa_v13 = cls.env.ref("scope3_carbon.scope3_factor_set_epa_useeio_v1_3")
        # the company as configured before anything was counted: not a change to restate
        # (the database may hold activities of demo documents)
        cls.company.with_context(scope3_no_restatement=True).write(
            {
                "scope3_spend_factor_set_id": cls.epa_v13.id,
                "scope3_default_naics_code": False,
            }
        )
        cls.category_1 = cls.env.ref("scope3_carbon.scope3_category_01")
        cls.vendor = cls.env["res.partner"].create({"name": "Steel Mill Inc."})
        Product = cls.env["product.product"]
        cls.steel = Product.create(
            {
                "name": "Hot-rolled steel coil",
                "type": "consu",
                "scope3_naics_code": "331110",
            }
        )
        cls.cement = Product.create(
            {"name": "Portland cement", "type": "consu", "scope3_naics_code": "327310"}
        )
        cls.unmapped = Product.create({"name": "Mystery service", "type": "service"})
        cls.cron = cls.env.ref("scope3_carbon.ir_cron_scope3_attribute")
        cls.buyer = new_test_user(
            cls.env,
            login="s3_buyer",
            groups="purchase.group_purchase_user,scope3_carbon.group_scope3_user",
        )
        cls.Event = cls.env["scope3.outbox.event"]
        cls.Entry = cls.env["scope3.emission.entry"]

    @classmethod
    def create_order(cls, lines, date="2022-06-15 10:00:00", currency=None, user=None):
        """A draft purchase order typed in the form by ``user`` (the buyer by default)."""
        form = Form(cls.env["purchase.order"].with_user(user or cls.buyer))
        form.partner_id = cls.vendor
        form.date_order = date
        if currency:
            form.currency_id = currency
        for product, qty, price in lines:
            with form.order_line.new() as line:
                line.product_id = product
                line.product_qty = qty
                line.price_unit = price
                line.taxes_id.clear()
        return form.save()

    @classmethod
    def run_attribution(cls):
        """Run the attribution cron's method, as the cron job does."""
        return cls.Event._cron_process_events()

    @classmethod
    def entries_of(cls, order):
        return cls.Entry.search([("purchase_order_id", "=", order.id)], order="id")
