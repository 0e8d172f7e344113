# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo.tests import new_test_user, tagged

from .common_tour import Scope3TourCase
from .translation_check import KNOWN_STORED_IN_ENGLISH


@tagged("post_install", "-at_install")
class TestUi(Scope3TourCase):
    """The Carbon Manager's tours (static/src/tours/) in Chromium."""

    def _manager(self, lang="en_US"):
        return new_test_user(
            self.env,
            login=f"s3_tour_manager_{lang}",
            groups="scope3_carbon.group_scope3_manager,purchase.group_purchase_user",
            lang=lang,
        )

    def _tour_order(self, manager):
        """A confirmed order of "Tour Steel Mill": steel (NAICS 331110, calculated) and a
        service no factor fits (not calculated); its entries are posted."""
        vendor = self.env["res.partner"].create({"name": "Tour Steel Mill"})
        steel = self.env["product.product"].create(
            {"name": "Tour steel coil", "type": "consu", "scope3_naics_code": "331110"}
        )
        mystery = self.env["product.product"].create(
            {"name": "Tour mystery service", "type": "service"}
        )
        order = self.env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "date_order": fields.Datetime.now(),
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": qty,
                            "price_unit": price,
                            "taxes_id": False,
                        }
                    )
                    for product, qty, price in ((steel, 10, 100.0), (mystery, 1, 50.0))
                ],
            }
        )
        order.with_user(manager).button_confirm()
        self.env["scope3.outbox.event"]._cron_process_events()
        # EPA USEEIO v1.3, NAICS 331110: 0.787 kg CO2e per 2022 USD; the mystery line has none
        self.assertTrue(order.scope3_co2e_kg > 0)
        self.assertEqual(
            order.order_line.mapped("scope3_status")[1:], ["unmapped"], "the tour needs it"
        )
        self.env["scope3.restatement"].create(
            {"reason": "Tour restatement", "scope_date_from": fields.Date.today()}
        )
        return order

    def test_manager_tour(self):
        manager = self._manager()
        self._tour_order(manager)
        self.start_tour(
            "/odoo/action-scope3_carbon.scope3_dashboard_action",
            "scope3_carbon_manager_tour",
            login=manager.login,
            timeout=180,
        )

    def test_screens_en_US(self):
        manager = self._manager()
        self._tour_order(manager)
        self.start_tour(
            "/odoo/action-scope3_carbon.scope3_dashboard_action",
            "scope3_carbon_screens_tour",
            login=manager.login,
            timeout=300,
        )

    def test_screens_fr_FR(self):
        """The same tour for a French manager: no JS error, and no string of the add-on
        in English on the screens it visits (compared with the .pot and fr.po)."""
        self.activate_french()
        # a French company: its inventory report is printed in French
        self.env.company.partner_id.lang = "fr_FR"
        manager = self._manager("fr_FR")
        self._tour_order(manager)
        texts = self.run_tour_seeing(
            "/odoo/action-scope3_carbon.scope3_dashboard_action",
            "scope3_carbon_screens_tour",
            manager.login,
        )
        # the check sees French: a menu of the add-on, as translated in fr.po
        self.assertIn("Registre", texts)
        self.assert_french(texts, known=KNOWN_STORED_IN_ENGLISH)
