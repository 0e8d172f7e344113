# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common_bills import Scope3BillCommon


@tagged("post_install", "-at_install")
class TestSoldProducts(Scope3BillCommon):
    """Categories 10, 11 and 12 from customer invoices x per-product factors.

    A space heater of 2 kW used 600 hours a year for 5 years uses 6,000 kWh; at a
    (company-chosen) 0.2 kg CO2e/kWh that is a use-phase factor of 1,200 kg CO2e per unit;
    its end of life 2.5 kg CO2e per unit. Per dozen (12 units) sold: 14,400 and 30 kg.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.heater = cls.env["product.product"].create(
            {
                "name": "Space heater 2 kW",
                "type": "consu",
                "scope3_use_phase_kg": 1200.0,
                "scope3_end_of_life_kg": 2.5,
            }
        )
        cls.plain = cls.env["product.product"].create({"name": "Gift card", "type": "service"})

    def test_invoice_and_refund(self):
        invoice = self.post(
            self.create_move(
                [(self.heater, 10, 150.0, None), (self.plain, 1, 20.0, None)],
                move_type="out_invoice",
            )
        )
        line = invoice.invoice_line_ids.filtered(lambda x: x.product_id == self.heater)
        activities = self.activities_of(invoice)
        # one activity per (line, category) with a factor; none for the gift card
        self.assertEqual(
            sorted(activities.mapped("source_key")),
            [f"account.move.line:{line.id}:11", f"account.move.line:{line.id}:12"],
        )
        entries = self.move_entries(invoice)
        # 10 units x 1,200 = 12,000.000 kg (category 11); 10 x 2.5 = 25.000 kg (category 12)
        self.assertEqual(
            sorted((e.category_id.number, e.co2e_kg) for e in entries),
            [(11, 12000.0), (12, 25.0)],
        )
        self.assertEqual(set(entries.mapped("stage")), {"bill"})
        self.assertEqual(line.scope3_co2e_kg, 12025.0)
        # the company's own factors: technological 3, temporal 3 and geographical 3
        # (no data year nor region), completeness 4, reliability 4 -> 3.4 -> DQ 3
        self.assertEqual(set(entries.mapped("dq_reliability")), {4})
        self.assertEqual(set(entries.mapped("dq_score")), {3})
        self.assertEqual(line.scope3_dq_score, 3.0)
        for entry in entries:
            self.assertEqual(entry._scope3_verify()[entry], [])
        # a credit note for 2 units: -2,400.000 and -5.000 kg
        refund = self.post(
            self.create_move(
                [(self.heater, 2, 150.0, None)], move_type="out_refund", date="2022-07-10"
            )
        )
        self.assertEqual(
            sorted((e.category_id.number, e.co2e_kg) for e in self.move_entries(refund)),
            [(11, -2400.0), (12, -5.0)],
        )
        net = self.move_entries(invoice | refund)
        self.assertEqual(self.net(net.filtered(lambda e: e.category_id.number == 11)), 9600.0)
        self.assertEqual(self.net(net.filtered(lambda e: e.category_id.number == 12)), 20.0)

    def test_units_of_sale_converted_and_draft_reversed(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        invoice = self.create_move([(self.heater, 1, 1800.0, None)], move_type="out_invoice")
        invoice.invoice_line_ids.product_uom_id = dozen
        self.post(invoice)
        # 1 dozen = 12 units: 14,400.000 + 30.000 kg
        self.assertEqual(self.net(self.move_entries(invoice)), 14430.0)
        invoice.button_draft()
        self.run_attribution()
        self.assertEqual(self.net(self.move_entries(invoice)), 0.0)
        self.assertEqual(set(self.activities_of(invoice).mapped("state")), {"pending"})
