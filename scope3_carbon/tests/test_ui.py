# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestUi(HttpCase):
    """The Carbon Manager's tour (static/src/tours/scope3_carbon_tour.js) in Chromium."""

    def test_manager_tour(self):
        manager = new_test_user(
            self.env,
            login="s3_tour_manager",
            groups="scope3_carbon.group_scope3_manager,purchase.group_purchase_user",
        )
        vendor = self.env["res.partner"].create({"name": "Tour Steel Mill"})
        steel = self.env["product.product"].create(
            {"name": "Tour steel coil", "type": "consu", "scope3_naics_code": "331110"}
        )
        order = self.env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "date_order": fields.Datetime.now(),
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": steel.id,
                            "product_qty": 10,
                            "price_unit": 100.0,
                            "taxes_id": False,
                        }
                    )
                ],
            }
        )
        order.with_user(manager).button_confirm()
        self.env["scope3.outbox.event"]._cron_process_events()
        self.assertTrue(order.scope3_co2e_kg > 0)
        self.start_tour(
            "/odoo/action-scope3_carbon.scope3_dashboard_action",
            "scope3_carbon_manager_tour",
            login=manager.login,
            timeout=180,
        )
