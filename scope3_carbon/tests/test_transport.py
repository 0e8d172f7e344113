# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import Scope3Common

# DESNZ 2025 (shipped selection, official flat file ID 27_304_3140_14_1): Freighting goods >
# HGV (all diesel) > All HGVs > Average laden = 0.10163 kg CO2e per tonne.km; its WTT
# companion (28_907_3140_14_1) = 0.02359.
HGV_KEY = "27_304_3140_14_1"
# the figures below use DESNZ 2025: the transfers and trips are dated in 2025 (DESNZ factors
# apply by reporting year; a 2026 transfer uses the shipped DESNZ 2026 selection)
TRANSFER_DATE = "2025-06-16 10:00:00"


@tagged("post_install", "-at_install")
class TestTransport(Scope3Common):
    """Categories 4 (receipts) and 9 (deliveries): weight x distance x DESNZ freight factor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category_4 = cls.env.ref("scope3_carbon.scope3_category_04")
        cls.category_9 = cls.env.ref("scope3_carbon.scope3_category_09")
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.site = cls.warehouse.partner_id
        # a 1,000 kg coil: 20 units = 20 t
        cls.steel.write({"is_storable": True, "weight": 1000.0})
        cls.Route = cls.env["scope3.transport.route"]
        cls.route = cls.Route.create(
            {
                "from_partner_id": cls.vendor.id,
                "to_partner_id": cls.site.id,
                "mode": "road",
                "distance_km": 100.0,
            }
        )
        cls.Activity = cls.env["scope3.activity"]

    # --------------------------------------------------------------------------------
    # helpers
    # --------------------------------------------------------------------------------
    def run_attribution(self):
        """Run the cron's method; every event must succeed."""
        processed = super().run_attribution()
        failed = self.Event.search([("error", "!=", False)])
        self.assertFalse(failed.mapped("error"))
        return processed

    def receive(self, picking, qty=None):
        """Validate the picking (``qty`` of its move: a backorder for the rest)."""
        if qty is not None:
            picking.move_ids.quantity = qty
        picking.move_ids.picked = True
        action = picking.button_validate()
        if isinstance(action, dict) and action.get("res_model") == "stock.backorder.confirmation":
            Form(
                self.env["stock.backorder.confirmation"].with_context(**action["context"])
            ).save().process()
        picking.date_done = TRANSFER_DATE
        self.run_attribution()

    def received_order(self, qty=20, partner=None):
        order = self.create_order([(self.steel, qty, 100.0)])
        if partner:
            order.partner_id = partner
        order.button_confirm()
        self.receive(order.picking_ids, qty)
        return order

    def deliver(self, partner, qty, product=None):
        product = product or self.steel
        out_type = self.warehouse.out_type_id
        customers = self.env.ref("stock.stock_location_customers")
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse.lot_stock_id, qty
        )
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": out_type.id,
                "partner_id": partner.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "location_dest_id": customers.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": self.warehouse.lot_stock_id.id,
                            "location_dest_id": customers.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        picking.move_ids.quantity = qty
        self.receive(picking)
        return picking

    def transport_of(self, picking):
        return self.Activity.search(
            [("source_type", "=", "transport"), ("picking_id", "=", picking.id)]
        )

    def net(self, activity):
        return round(sum(activity.entry_ids.mapped("co2e_kg")), 3)

    def active_entry(self, activity):
        return activity.entry_ids.filtered(lambda e: not e.is_reversal and not e.is_reversed)

    # --------------------------------------------------------------------------------
    # category 4: receipts
    # --------------------------------------------------------------------------------
    def test_receipt_over_a_road_route(self):
        order = self.received_order(20)
        receipt = order.picking_ids
        activity = self.transport_of(receipt)
        self.assertEqual(activity.source_key, f"stock.picking:{receipt.id}")
        self.assertEqual(activity.state, "attributed", activity.message)
        self.assertEqual(activity.category_id, self.category_4)
        self.assertEqual(activity.purchase_order_id, order)
        # 20 x 1,000 kg = 20 t x 100 km = 2,000 t.km x 0.10163 = 203.260 kg CO2e
        self.assertEqual(activity.co2e_kg, 203.26)
        self.assertEqual(activity.quantity, 2000.0)
        entry = activity.entry_ids
        self.assertEqual(len(entry), 1)
        self.assertEqual(
            (entry.method, entry.stage, entry.category_id, entry.picking_id),
            ("distance_based", "transport", self.category_4, receipt),
        )
        self.assertEqual((entry.activity_amount, entry.activity_unit), (2000.0, "t.km"))
        self.assertEqual((entry.factor_id.key, entry.factor_value), (HGV_KEY, 0.10163))
        self.assertEqual(entry.resolution_level, "transport")
        trace = json.loads(entry.trace)
        self.assertEqual(trace["transport"]["distance_source"], "route")
        self.assertEqual(trace["transport"]["route"]["id"], self.route.id)
        self.assertEqual(trace["transport"]["weight_kg"], "20000")
        self.assertEqual(trace["transport"]["distance_km"], "100")
        self.assertEqual(trace["transport"]["mode"], "road")
        self.assertNotIn("wtt", trace["factor"])
        self.assertEqual(trace["data_quality"]["completeness"], 3)
        self.assertEqual(entry._scope3_verify()[entry], [])
        # the receipt shows it: category 4 kg, and its entries button includes it
        self.assertEqual(receipt.scope3_transport_co2e_kg, 203.26)
        self.assertEqual(receipt.scope3_transport_category_id, self.category_4)
        entries = self.Entry.search(receipt.action_view_scope3_entries()["domain"])
        self.assertIn(entry, entries)
        self.assertEqual(receipt.scope3_entry_count, len(entries))
        # re-processing the same transfer changes nothing
        receipt._scope3_capture("stock.picking.reattribute")
        activity.action_retry_attribution()
        self.run_attribution()
        self.assertEqual(activity.entry_ids, entry)
        # a restatement's shadow run of the activity: the same figure, nothing to post
        plans = activity._scope3_plans()
        self.assertEqual(len(plans), 1)
        self.assertEqual(
            self.Activity._scope3_plan_entry_vals(
                plans[0], activity._scope3_active_entries({"transport"})
            ),
            [],
        )

    def test_receipt_well_to_wheel(self):
        self.company.scope3_well_to_wheel = True
        activity = self.transport_of(self.received_order(20).picking_ids)
        # 2,000 t.km x (0.10163 + 0.02359) = 2,000 x 0.12522 = 250.440 kg CO2e
        self.assertEqual(activity.co2e_kg, 250.44)
        trace = json.loads(activity.entry_ids.trace)
        self.assertEqual(trace["factor"]["wtt"]["value"], "0.02359")
        self.assertTrue(trace["conversion"]["well_to_wheel"])

    def test_cancelled_receipt_and_return(self):
        # a receipt cancelled before it is done moved nothing: no transport leg
        order = self.create_order([(self.steel, 20, 100.0)])
        order.button_confirm()
        order.picking_ids.action_cancel()
        self.run_attribution()
        self.assertFalse(self.transport_of(order.picking_ids))
        # received, then 5 coils returned to the vendor: the return is its own leg of the
        # purchase flow (category 4), over the same route in the other direction
        order = self.received_order(20)
        receipt = order.picking_ids
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_id=receipt.id, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = 5
        back = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        self.receive(back)
        returned = self.transport_of(back)
        self.assertEqual(returned.category_id, self.category_4)
        # 5 t x 100 km = 500 t.km x 0.10163 = 50.815 kg CO2e
        self.assertEqual(returned.co2e_kg, 50.815)
        self.assertEqual(json.loads(returned.entry_ids.trace)["transport"]["return_of"], receipt.id)
        # the receipt's own leg is untouched: 203.260 kg, one entry
        self.assertEqual(len(self.transport_of(receipt).entry_ids), 1)
        self.assertEqual(self.transport_of(receipt).co2e_kg, 203.26)

    def test_missing_weight_then_fixed(self):
        crate = self.env["product.product"].create(
            {"name": "Crate of bolts", "is_storable": True, "scope3_naics_code": "332722"}
        )
        order = self.create_order([(crate, 3, 50.0)])
        order.button_confirm()
        self.receive(order.picking_ids)
        activity = self.transport_of(order.picking_ids)
        self.assertEqual(activity.state, "unmapped")
        self.assertIn("No weight for Crate of bolts", activity.message)
        self.assertFalse(activity.entry_ids)
        # weigh the product, attribute again: 3 x 250 kg = 0.75 t x 100 km = 75 t.km
        # x 0.10163 = 7.62225 -> 7.622 kg CO2e
        crate.weight = 250.0
        activity.action_retry_attribution()
        self.run_attribution()
        self.assertEqual((activity.state, activity.co2e_kg), ("attributed", 7.622))

    def test_missing_distance(self):
        far = self.env["res.partner"].create({"name": "Unknown Forge"})
        activity = self.transport_of(self.received_order(20, partner=far).picking_ids)
        self.assertEqual(activity.state, "unmapped")
        self.assertIn("No distance for", activity.message)
        self.assertIn("No coordinates for Unknown Forge", activity.message)
        self.assertFalse(activity.entry_ids)
        # a sea partner gets no great-circle estimate even with coordinates
        self.site.write({"partner_latitude": 45.0, "partner_longitude": 5.0})
        far.write({"partner_latitude": 46.0, "partner_longitude": 5.0})
        far.scope3_transport_mode = "sea"
        activity.action_retry_attribution()
        self.run_attribution()
        self.assertEqual(activity.state, "unmapped")
        self.assertIn("cannot be estimated from coordinates", activity.message)

    def test_great_circle_fallback(self):
        # site at 45 N 5 E, vendor at 46 N 5 E: one degree of meridian = 6,371.0088 km x
        # pi / 180 = 111.195 km; x road detour 1.2 = 133.434 km. 20 t -> 2,668.68 t.km
        # x 0.10163 = 271.2179484 -> 271.218 kg CO2e
        self.site.write({"partner_latitude": 45.0, "partner_longitude": 5.0})
        mill = self.env["res.partner"].create(
            {"name": "Alpine Mill", "partner_latitude": 46.0, "partner_longitude": 5.0}
        )
        activity = self.transport_of(self.received_order(20, partner=mill).picking_ids)
        self.assertEqual(activity.state, "attributed", activity.message)
        self.assertEqual(activity.co2e_kg, 271.218)
        trace = json.loads(activity.entry_ids.trace)
        leg = trace["transport"]
        self.assertEqual(leg["distance_source"], "great_circle")
        self.assertEqual(leg["great_circle"]["km"], "111.195")
        self.assertEqual(leg["great_circle"]["detour_factor"], "1.2")
        self.assertEqual(leg["distance_km"], "133.434")
        self.assertEqual(leg["mode_source"], "default")
        # an estimated distance: completeness one step worse than a route's (3)
        self.assertEqual(trace["data_quality"]["completeness"], 4)
        # a partner distance wins over coordinates (for transfers attributed from now on)
        mill.scope3_transport_distance_km = 150.0
        activity.action_retry_attribution()
        self.run_attribution()
        # 20 t x 150 km = 3,000 t.km x 0.10163 = 304.890 kg CO2e
        self.assertEqual(activity.co2e_kg, 304.89)
        self.assertEqual(len(activity.entry_ids), 3)  # first, its reversal, the new one

    # --------------------------------------------------------------------------------
    # category 9: deliveries, consolidated shipments
    # --------------------------------------------------------------------------------
    def customer(self, name, distance_km):
        return self.env["res.partner"].create(
            {"name": name, "scope3_transport_distance_km": distance_km}
        )

    def test_delivery_is_category_9(self):
        client = self.customer("Build Co", 40.0)
        delivery = self.deliver(client, 5)
        activity = self.transport_of(delivery)
        self.assertEqual(activity.category_id, self.category_9)
        # 5 t x 40 km (partner setting) = 200 t.km x 0.10163 = 20.326 kg CO2e
        self.assertEqual(activity.co2e_kg, 20.326)
        self.assertEqual(
            json.loads(activity.entry_ids.trace)["transport"]["distance_source"], "partner"
        )
        self.assertEqual(delivery.scope3_transport_category_id, self.category_9)
        self.assertEqual(delivery.scope3_transport_category_number, 9)
        # an internal transfer is no transport leg: no event, no activity
        internal = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.int_type_id.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "location_dest_id": self.warehouse.lot_stock_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": self.steel.name,
                            "product_id": self.steel.id,
                            "product_uom_qty": 1,
                            "location_id": self.warehouse.lot_stock_id.id,
                            "location_dest_id": self.warehouse.lot_stock_id.id,
                        }
                    )
                ],
            }
        )
        internal.action_confirm()
        internal.move_ids.quantity = 1
        self.receive(internal)
        self.assertEqual(internal.state, "done")
        self.assertFalse(self.transport_of(internal))
        self.assertFalse(
            self.Event.search(
                [("aggregatetype", "=", "stock.picking"), ("aggregateid", "=", str(internal.id))]
            )
        )

    def test_consolidated_delivery_ghg_protocol_example(self):
        """GHG Protocol technical guidance, category 4: three shipments of 240, 150 and
        100 t.km share 31.5 kg CO2e -> 15.43 / 9.64 / 6.43 kg (15.429 / 9.643 / 6.428)."""
        # 2 t each to customers at 120, 75 and 50 km: 240, 150 and 100 t.km
        pickings = self.env["stock.picking"]
        for name, distance in (("North", 120.0), ("East", 75.0), ("South", 50.0)):
            pickings |= self.deliver(self.customer(name, distance), 2)
        # alone, each is its own leg: 240 x 0.10163 = 24.3912 -> 24.391 kg
        self.assertEqual(self.transport_of(pickings[0]).co2e_kg, 24.391)
        shipment = self.env["scope3.transport.consolidation"].create(
            {
                "date": TRANSFER_DATE[:10],
                "name": "Trip 1",
                "mode": "road",
                "reported_co2e_kg": 31.5,
                "picking_ids": [Command.set(pickings.ids)],
            }
        )
        self.run_attribution()
        activities = [self.transport_of(p) for p in pickings]
        self.assertEqual([a.co2e_kg for a in activities], [15.429, 9.643, 6.428])
        self.assertEqual(round(sum(a.co2e_kg for a in activities), 3), 31.5)
        entry = self.active_entry(activities[0])
        self.assertEqual((entry.method, entry.activity_amount), ("supplier_specific", 240.0))
        trace = json.loads(entry.trace)
        self.assertEqual(trace["method"], "allocation")
        self.assertEqual(trace["inputs"]["keys"], ["240", "150", "100"])
        self.assertEqual(trace["inputs"]["total_source"], "reported")
        self.assertEqual(trace["result"]["share"], "240/490")
        self.assertEqual(
            [m["name"] for m in trace["transport"]["consolidation"]["members"]],
            pickings.mapped("name"),
        )
        self.assertEqual(entry._scope3_verify()[entry], [])
        self.assertEqual(shipment.total_co2e_kg, 31.5)
        self.assertIn("15.429", shipment.allocation_html)
        self.assertEqual(pickings[1].scope3_consolidation_id, shipment)
        # no carrier figure: the trip, 6 t over 130 km = 780 t.km x 0.10163 = 79.2714
        # -> 79.271 kg, shared 240 / 150 / 100: exact 38.8266 / 24.2666 / 16.1778, floors
        # 38.826 / 24.266 / 16.177 (79.269), 2 g to the largest remainders (0.78, 0.67)
        shipment.write({"reported_co2e_kg": 0.0, "distance_km": 130.0})
        self.run_attribution()
        self.assertEqual([a.co2e_kg for a in activities], [38.826, 24.267, 16.178])
        entry = self.active_entry(activities[2])
        trace = json.loads(entry.trace)
        self.assertEqual(trace["total"]["result"]["co2e_kg"], "79.271")
        self.assertEqual((entry.method, entry.factor_id.key), ("distance_based", HGV_KEY))
        self.assertEqual(entry._scope3_verify()[entry], [])
        # out of the shipment again: back to its own leg (50 km x 2 t x 0.10163 = 10.163)
        shipment.picking_ids = [Command.unlink(pickings[2].id)]
        self.run_attribution()
        self.assertEqual(activities[2].co2e_kg, 10.163)
        # the two left share the trip: 4 t x 130 km = 520 t.km x 0.10163 = 52.8476 ->
        # 52.848 kg by 240 / 150: 32.5218 / 20.3262 -> 32.522 / 20.326
        self.assertEqual([a.co2e_kg for a in activities[:2]], [32.522, 20.326])

    def test_consolidated_shipment_waits_for_its_transfers(self):
        done = self.deliver(self.customer("West", 60.0), 1)
        out_type = self.warehouse.out_type_id
        pending = self.env["stock.picking"].create(
            {
                "picking_type_id": out_type.id,
                "partner_id": self.customer("Late", 10.0).id,
                "location_id": self.warehouse.lot_stock_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
            }
        )
        shipment = self.env["scope3.transport.consolidation"].create(
            {
                "date": TRANSFER_DATE[:10],
                "name": "Trip 2",
                "reported_co2e_kg": 10.0,
                "picking_ids": [Command.set((done | pending).ids)],
            }
        )
        self.run_attribution()
        activity = self.transport_of(done)
        self.assertEqual(activity.state, "pending")
        self.assertIn(f"Waiting for {pending.name}", activity.message)
        # what was counted stays until the shipment can be shared: 1 t x 60 km x 0.10163
        self.assertEqual(activity.co2e_kg, 6.098)
        self.assertIn(f"Waiting for {pending.name}", shipment.allocation_html)
        self.assertEqual(shipment.total_co2e_kg, 0.0)

    def test_access(self):
        # Carbon users read routes and shipments; only Carbon Managers change them
        route = self.route.with_user(self.buyer)
        self.assertEqual(route.distance_km, 100.0)
        with self.assertRaises(AccessError):
            route.write({"distance_km": 90.0})
        with self.assertRaises(AccessError):
            self.env["scope3.transport.consolidation"].with_user(self.buyer).create(
                {"name": "Trip 3", "reported_co2e_kg": 1.0}
            )
        # another company's routes are not visible
        other = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.Route.create(
            {
                "company_id": other.id,
                "from_partner_id": self.vendor.id,
                "to_partner_id": other.partner_id.id,
                "distance_km": 10.0,
            }
        )
        visible = self.Route.with_user(self.buyer).search(
            [("id", "in", (self.route | foreign).ids)]
        )
        self.assertEqual(visible, self.route)
