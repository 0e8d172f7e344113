# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import Form, tagged

from .common_bills import Scope3BillCommon


@tagged("post_install", "-at_install")
class TestFreightGuard(Scope3BillCommon):
    """Freight for a receipt counts once: transport activity > carrier bill > freight on
    the goods order or bill.

    EPA v1.3 (kg CO2e per 2022 USD, with margins): 331110 steel 0.787; 484121 General
    Freight Trucking, Long-Distance, Truckload 0.595. Goods: 100 units x 100 USD =
    7,870.000 kg. Freight on the goods bill 500 USD = 297.500 kg; carrier bill 400 USD =
    238.000 kg.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.freight = cls.env["product.product"].create(
            {
                "name": "Freight charge",
                "type": "service",
                "purchase_method": "purchase",
                "scope3_naics_code": "484121",
                "scope3_is_freight": True,
            }
        )

    def received_order(self, lines=None):
        order = self.create_order(lines or [(self.steel, 100, 100.0)])
        order.button_confirm()
        receipt = order.picking_ids
        receipt.move_ids.quantity = 100
        receipt.move_ids.picked = True
        receipt.button_validate()
        # dated in 2025: the expected figures use DESNZ 2025 (factors by reporting year)
        receipt.date_done = "2025-06-16 10:00:00"
        self.run_attribution()
        return order, receipt

    def goods_bill(self, order, with_freight=True):
        bill = self.env["account.move"].browse(order.action_create_invoice()["res_id"])
        with Form(bill.with_user(self.accountant)) as form:
            form.invoice_date = "2022-07-01"
            if with_freight:
                with form.invoice_line_ids.new() as line:
                    line.product_id = self.freight
                    line.quantity = 1
                    line.price_unit = 500.0
                    line.tax_ids.clear()
        return self.post(bill)

    def carrier_bill(self, receipt, post=True):
        bill = self.create_move([(self.freight, 1, 400.0, None)], partner=self.carrier)
        with Form(bill.with_user(self.accountant)) as form:
            form.scope3_receipt_ids.add(receipt)
        return self.post(bill) if post else bill

    def transport_activity(self, receipt):
        # The distance-based transport activity is built by another module's code (not on
        # this branch): created here through the ORM with the fields the guard reads.
        activity = (
            self.env["scope3.activity"]
            .sudo()
            .create(
                {
                    "name": f"{receipt.name} / road transport",
                    "source_type": "transport",
                    "source_key": f"stock.picking:{receipt.id}:transport",
                    "company_id": receipt.company_id.id,
                    "picking_id": receipt.id,
                    "state": "attributed",
                }
            )
        )
        receipt._scope3_recapture_freight()
        self.run_attribution()
        return activity

    def freight_activity(self, move):
        return self.activities_of(move).filtered(lambda a: a.product_id == self.freight)

    def test_goods_bill_freight_and_carrier_bill_count_once(self):
        order, receipt = self.received_order()
        goods_bill = self.goods_bill(order)
        goods_freight = self.freight_activity(goods_bill)
        # alone, the freight on the goods bill counts: 500 x 0.595 = 297.500 kg, category 4
        self.assertEqual((goods_freight.co2e_kg, goods_freight.category_id.number), (297.5, 4))
        carrier_bill = self.carrier_bill(receipt)
        carrier_freight = self.freight_activity(carrier_bill)
        # the carrier bill wins: 400 x 0.595 = 238.000 kg; the goods bill freight is reversed
        self.assertEqual(carrier_freight.co2e_kg, 238.0)
        self.assertEqual((goods_freight.state, goods_freight.co2e_kg), ("excluded", 0.0))
        self.assertIn(carrier_bill.name, goods_freight.message)
        self.assertIn(receipt.name, goods_freight.message)
        self.assertEqual(
            self.move_entries(goods_bill)
            .filtered(lambda e: e.product_id == self.freight)
            .mapped("co2e_kg"),
            [297.5, -297.5],
        )
        # the goods themselves are untouched: 7,870.000 kg on the order
        self.assertEqual(order.scope3_co2e_kg, 7870.0)
        # a transport activity of the receipt outranks both
        transport = self.transport_activity(receipt)
        self.assertEqual((carrier_freight.state, carrier_freight.co2e_kg), ("excluded", 0.0))
        self.assertIn(transport.name, carrier_freight.message)
        self.assertEqual(goods_freight.co2e_kg, 0.0)
        # it goes: the carrier bill counts again, the goods bill freight still not
        transport.sudo().state = "cancelled"
        receipt._scope3_recapture_freight()
        self.run_attribution()
        self.assertEqual((carrier_freight.state, carrier_freight.co2e_kg), ("attributed", 238.0))
        self.assertEqual(goods_freight.co2e_kg, 0.0)

    def test_freight_on_the_order_excluded_by_carrier_bill(self):
        order, receipt = self.received_order([(self.steel, 100, 100.0), (self.freight, 1, 500.0)])
        freight_line = order.order_line.filtered(lambda line: line.product_id == self.freight)
        # commitment of the freight order line: 297.500 kg, category 4
        self.assertEqual(freight_line.scope3_co2e_kg, 297.5)
        self.assertEqual(freight_line.scope3_activity_ids.category_id.number, 4)
        carrier_bill = self.carrier_bill(receipt)
        activity = freight_line.scope3_activity_ids
        self.assertEqual((activity.state, freight_line.scope3_co2e_kg), ("excluded", 0.0))
        self.assertIn(carrier_bill.name, activity.message)
        self.assertEqual(self.freight_activity(carrier_bill).co2e_kg, 238.0)
        # order: steel 7,870.000 kg + freight 0
        self.assertEqual(order.scope3_co2e_kg, 7870.0)
        # the carrier bill reset to draft: the order's freight counts again
        carrier_bill.button_draft()
        self.run_attribution()
        self.assertEqual((activity.state, freight_line.scope3_co2e_kg), ("attributed", 297.5))
        self.assertEqual(self.freight_activity(carrier_bill).co2e_kg, 0.0)

    def test_receipts_linked_after_posting(self):
        order, receipt = self.received_order()
        goods_bill = self.goods_bill(order)
        carrier_bill = self.carrier_bill(receipt)
        carrier_bill.scope3_receipt_ids = [Command.clear()]
        self.run_attribution()
        # unlinked: not a carrier bill of this receipt any more; both count
        # (297.500 + 238.000 kg)
        self.assertEqual(self.freight_activity(goods_bill).co2e_kg, 297.5)
        self.assertEqual(self.freight_activity(carrier_bill).co2e_kg, 238.0)
        carrier_bill.scope3_receipt_ids = [Command.link(receipt.id)]
        self.run_attribution()
        self.assertEqual(self.freight_activity(goods_bill).co2e_kg, 0.0)
        self.assertEqual(self.freight_activity(carrier_bill).co2e_kg, 238.0)

    def test_real_transport_leg_outranks_the_freight_lines(self):
        """With the transport code of this add-on: once the vendor has a distance and the
        goods a weight, the receipt's distance-based leg is counted and the freight lines
        competing for the receipt are excluded by the same cron run."""
        self.steel.weight = 10.0  # kg per unit: 100 units = 1 t
        order, receipt = self.received_order()
        goods_bill = self.goods_bill(order)
        goods_freight = self.freight_activity(goods_bill)
        leg = self.env["scope3.activity"].search(
            [("source_type", "=", "transport"), ("picking_id", "=", receipt.id)]
        )
        # no distance for the vendor yet: the leg is unmapped, the bill's freight counts
        self.assertEqual(leg.state, "unmapped")
        self.assertEqual(goods_freight.co2e_kg, 297.5)
        self.vendor.with_company(receipt.company_id).scope3_transport_distance_km = 100.0
        leg.action_retry_attribution()
        self.run_attribution()  # the leg, then the freight sources it re-attributes
        self.run_attribution()
        # 1 t x 100 km = 100 t.km x 0.10163 (DESNZ 2025 HGV average laden) = 10.163 kg
        self.assertEqual((leg.state, leg.co2e_kg), ("attributed", 10.163))
        self.assertEqual((goods_freight.state, goods_freight.co2e_kg), ("excluded", 0.0))
        self.assertIn(leg.name, goods_freight.message)
