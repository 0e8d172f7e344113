# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import Decimal

from odoo.tests import tagged

from .common_bills import Scope3BillCommon


@tagged("post_install", "-at_install")
class TestEnergyWasteTravel(Scope3BillCommon):
    """Categories 3, 5 and 6 from vendor bills, with the shipped DESNZ 2025 factors.

    DESNZ 2025 rows used (official flat file, kg CO2e per unit):
    7_400_4000_5_1 UK electricity generated 0.17700 /kWh (Scope 2, not counted);
    15_917_4000_5_1 WTT- UK electricity (generation) 0.04590 /kWh;
    13_402_4000_5_1 T&D- UK electricity 0.01853 /kWh;
    15_918_4000_5_1 WTT- UK electricity (T&D) 0.00397 /kWh;
    1_101_1011_8_1 Diesel (average biofuel blend) 2.57082 /litre (Scope 1, not counted);
    11_101_1011_8_1 WTT- Diesel (average biofuel blend) 0.61101 /litre;
    20_507_5313_15_1 Commercial and industrial waste, landfill 520.53270 /tonne;
    29_600_4000_13_1 Hotel stay, UK 10.40000 /room per night;
    21_316_3164_11_1 Flights, short-haul to/from UK, economy, with RF 0.12576 /passenger.km.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.kwh = cls.env.ref("scope3_carbon.uom_kwh")
        cls.electricity = Product.create(
            {
                "name": "Grid electricity",
                "type": "service",
                "uom_id": cls.kwh.id,
                "uom_po_id": cls.kwh.id,
                "scope3_energy_factor_id": cls.desnz("7_400_4000_5_1").id,
            }
        )
        litre = cls.env.ref("uom.product_uom_litre")
        cls.diesel = Product.create(
            {
                "name": "Diesel for the generator",
                "type": "consu",
                "uom_id": litre.id,
                "uom_po_id": litre.id,
                "scope3_energy_factor_id": cls.desnz("1_101_1011_8_1").id,
            }
        )
        Category = cls.env["product.category"]
        waste_categ = Category.create(
            {
                "name": "Waste services",
                "scope3_category_id": cls.env.ref("scope3_carbon.scope3_category_05").id,
            }
        )
        travel_categ = Category.create(
            {
                "name": "Business travel",
                "scope3_category_id": cls.env.ref("scope3_carbon.scope3_category_06").id,
            }
        )
        tonne = cls.env.ref("uom.product_uom_ton")
        cls.landfill = Product.create(
            {
                "name": "Commercial waste collection (landfill)",
                "type": "service",
                "categ_id": waste_categ.id,
                "uom_id": tonne.id,
                "uom_po_id": tonne.id,
                "scope3_factor_id": cls.desnz("20_507_5313_15_1").id,
            }
        )
        night = cls.env.ref("scope3_carbon.uom_room_night")
        cls.hotel = Product.create(
            {
                "name": "Hotel night (UK)",
                "type": "service",
                "categ_id": travel_categ.id,
                "uom_id": night.id,
                "uom_po_id": night.id,
                "scope3_factor_id": cls.desnz("29_600_4000_13_1").id,
            }
        )
        pkm = cls.env.ref("scope3_carbon.uom_pkm")
        cls.flight = Product.create(
            {
                "name": "Flight, short-haul economy",
                "type": "service",
                "categ_id": travel_categ.id,
                "uom_id": pkm.id,
                "uom_po_id": pkm.id,
                "scope3_factor_id": cls.desnz("21_316_3164_11_1").id,
            }
        )

    def assert_official(self, key, value):
        """The shipped factor equals the official DESNZ 2025 row (when the file is here)."""
        official = self.official_desnz_value(key)
        if official is not None:
            self.assertEqual(Decimal(str(self.desnz(key).value)), official, key)
        self.assertEqual(self.desnz(key).value, value)

    def test_electricity_bill_counts_wtt_and_td(self):
        for key, value in (
            ("15_917_4000_5_1", 0.0459),
            ("13_402_4000_5_1", 0.01853),
            ("15_918_4000_5_1", 0.00397),
        ):
            self.assert_official(key, value)
        # the T&D factor is found for the product's grid
        self.assertEqual(self.electricity.scope3_td_factor_id, self.desnz("13_402_4000_5_1"))
        bill = self.post(
            self.create_move([(self.electricity, 10000, 0.25, None)], date="2025-03-31")
        )
        entries = self.move_entries(bill)
        # 10,000 kWh x 0.04590 = 459.000 (WTT of generation)
        # 10,000 kWh x 0.01853 = 185.300 (T&D losses)
        # 10,000 kWh x 0.00397 =  39.700 (WTT of T&D)         total 684.000 kg CO2e
        self.assertEqual(
            sorted((e.factor_id.key, e.co2e_kg) for e in entries),
            [("13_402_4000_5_1", 185.3), ("15_917_4000_5_1", 459.0), ("15_918_4000_5_1", 39.7)],
        )
        self.assertEqual(self.net(entries), 684.0)
        self.assertEqual(set(entries.mapped("category_id.number")), {3})
        self.assertEqual(set(entries.mapped("method")), {"average_data"})
        self.assertEqual(bill.invoice_line_ids.scope3_co2e_kg, 684.0)
        for entry in entries:
            self.assertEqual(entry._scope3_verify()[entry], [])
        # the Scope 2 generation factor itself (0.177 kWh -> 1,770 kg) is not counted
        self.assertNotIn(self.desnz("7_400_4000_5_1"), entries.factor_id)
        # well-to-wheel does not add the WTT companions twice
        self.company.scope3_well_to_wheel = True
        bill.button_draft()
        bill.action_post()
        self.run_attribution()
        self.assertEqual(self.net(self.move_entries(bill)), 684.0)

    def test_fuel_bill_counts_wtt(self):
        self.assert_official("11_101_1011_8_1", 0.61101)
        bill = self.post(self.create_move([(self.diesel, 1000, 1.6, None)], date="2025-03-31"))
        entry = self.move_entries(bill)
        # 1,000 litres x 0.61101 = 611.010 kg CO2e (the 2,570.820 kg burnt are Scope 1)
        self.assertEqual(entry.co2e_kg, 611.01)
        self.assertEqual(entry.category_id.number, 3)
        self.assertEqual(entry.factor_id, self.desnz("11_101_1011_8_1"))

    def test_electricity_bought_on_an_order_is_category_3(self):
        order = self.create_order([(self.electricity, 1000, 0.25)], date="2025-01-10 10:00:00")
        order.button_confirm()
        self.run_attribution()
        # commitment: 1,000 kWh x (0.04590 + 0.01853 + 0.00397) = 68.400 kg CO2e
        entries = self.entries_of(order)
        self.assertEqual(self.net(entries), 68.4)
        self.assertEqual(order.order_line.scope3_activity_ids.category_id.number, 3)

    def test_waste_by_treatment(self):
        self.assert_official("20_507_5313_15_1", 520.5327)
        bill = self.post(self.create_move([(self.landfill, 2, 180.0, None)], date="2025-04-30"))
        entry = self.move_entries(bill)
        # 2 t x 520.53270 = 1,041.065 kg CO2e (1,041.0654 rounded half-up to the gram)
        self.assertEqual(entry.co2e_kg, 1041.065)
        self.assertEqual(entry.category_id.number, 5)

    def test_business_travel(self):
        self.assert_official("29_600_4000_13_1", 10.4)
        self.assert_official("21_316_3164_11_1", 0.12576)
        bill = self.post(
            self.create_move(
                [(self.hotel, 3, 120.0, None), (self.flight, 1000, 0.2, None)],
                partner=self.env["res.partner"].create({"name": "Travel Agency"}),
                date="2025-05-15",
            )
        )
        entries = self.move_entries(bill)
        # 3 room nights x 10.40 = 31.200 kg; 1,000 passenger.km x 0.12576 = 125.760 kg
        self.assertEqual(sorted(entries.mapped("co2e_kg")), [31.2, 125.76])
        self.assertEqual(set(entries.mapped("category_id.number")), {6})
