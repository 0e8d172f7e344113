# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json
import pathlib
import unittest

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import Scope3Common

#: the official files, beside the repository (see data/README.md)
SOURCES = pathlib.Path(__file__).resolve().parents[3] / "shared" / "factor-sources"
EPA_V12 = SOURCES / "epa_supply_chain_ghg_factors_v1.2"
EPA_V13 = SOURCES / "epa_supply_chain_ghg_factors_v1.3.0"
DESNZ_2025 = (
    SOURCES / "desnz_ghg_conversion_factors_2025" / "ghg-conversion-factors-2025-flat-format.csv"
)


def read(path):
    return path.read_bytes()


@tagged("post_install", "-at_install")
class TestFactorLibrary(Scope3Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not SOURCES.is_dir():
            raise unittest.SkipTest(f"official factor files not found in {SOURCES}")
        cls.Set = cls.env["scope3.factor.set"]
        cls.manager = new_test_user(
            cls.env, login="s3_manager", groups="scope3_carbon.group_scope3_manager"
        )
        cls.manager2 = new_test_user(
            cls.env, login="s3_manager2", groups="scope3_carbon.group_scope3_manager"
        )
        cls.v12 = cls.Set.with_user(cls.manager)._scope3_import(
            "epa_supply_chain",
            {"co2e": read(EPA_V12 / "SupplyChainGHGEmissionFactors_v1.2_NAICS_CO2e_USD2021.csv")},
            file_name="SupplyChainGHGEmissionFactors_v1.2_NAICS_CO2e_USD2021.csv",
        )

    def factor(self, factor_set, key):
        return self.env["scope3.factor"]._scope3_lookup(factor_set, "naics", [key])[key]

    def test_same_file_twice_is_one_set(self):
        """The official v1.3 CO2e file is the one the shipped set was generated from."""
        data = read(EPA_V13 / "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv")
        again = self.Set._scope3_import("epa_supply_chain", {"co2e": data})
        self.assertEqual(again, self.epa_v13)
        v12_again = self.Set._scope3_import(
            "epa_supply_chain",
            {"co2e": read(EPA_V12 / "SupplyChainGHGEmissionFactors_v1.2_NAICS_CO2e_USD2021.csv")},
        )
        self.assertEqual(v12_again, self.v12)

    def test_epa_v12_import_and_oracle(self):
        """EPA v1.2 NAICS 111150 with margins = 3.007 kg CO2e per 2021 USD (the published
        total, not 2.874 + 0.134); 10,000 USD of 2021 -> 30,070.000 kg."""
        s = self.v12
        self.assertEqual(s.state, "draft")
        self.assertEqual(
            (s.edition, s.gwp_basis, s.price_year, s.currency_id), ("v1.2", "ar4", 2021, self.usd)
        )
        self.assertEqual(
            (s.row_count, s.factor_count, s.imported_by_id), (1016, 1016, self.manager)
        )
        self.assertEqual(len(s.file_checksum), 64)
        f = self.factor(s, "111150")
        self.assertEqual((f.value_without_margins, f.margin_value, f.value), (2.874, 0.134, 3.007))
        # 331110 in v1.2: 0.945 / 0.033 / 0.979 (SOURCE.txt oracle)
        self.assertEqual(self.factor(s, "331110").value, 0.979)
        s.with_user(self.manager2).action_publish()
        # v1.3 (edition of 2024) is newer: v1.2 is superseded at once
        self.assertEqual(s.state, "superseded")
        self.assertEqual(s.superseded_by_id, self.epa_v13)
        self.company.scope3_spend_factor_set_id = s
        wheat = self.env["product.product"].create(
            {"name": "Grain", "type": "consu", "scope3_naics_code": "111150"}
        )
        order = self.create_order([(wheat, 10, 1000.0)], date="2021-05-03 09:00:00")
        order.button_confirm()
        self.run_attribution()
        entry = self.entries_of(order)
        self.assertEqual(entry.co2e_kg, 30070.0)
        self.assertEqual(entry.factor_set_id, s)
        self.assertNotIn("price_index", json.loads(entry.trace)["inputs"])

    def test_publishing_a_newer_edition_changes_no_entry(self):
        """Entries computed with v1.2 keep pointing at v1.2 when a v1.3 set is published."""
        self.v12.with_user(self.manager2).action_publish()
        self.company.scope3_spend_factor_set_id = self.v12
        order = self.create_order([(self.steel, 10, 1000.0)], date="2021-06-01 10:00:00")
        order.button_confirm()
        self.run_attribution()
        before = self.Entry.search_read([], ["id", "co2e_kg", "factor_set_id", "trace_hash"])
        events_before = self.Event.search_count([])
        # 10,000 USD of 2021 x 0.979 (EPA v1.2 331110) = 9,790.000 kg
        self.assertEqual(self.entries_of(order).co2e_kg, 9790.0)

        newer = self.Set.with_user(self.manager)._scope3_import(
            "epa_supply_chain",
            {
                "co2e": read(
                    EPA_V13 / "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv"
                ),
                "by_ghg": read(
                    EPA_V13 / "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_byGHG_USD2022.csv"
                ),
            },
        )
        self.assertNotEqual(newer, self.epa_v13)  # CO2e + by-gas files: another checksum
        gas = self.factor(newer, "331110").gas_values
        self.assertTrue(gas, "per-gas values are kept")
        newer.with_user(self.manager2).action_publish()
        self.assertEqual(newer.state, "published")
        self.assertEqual(self.v12.state, "superseded")
        self.assertEqual(
            self.Entry.search_read([], ["id", "co2e_kg", "factor_set_id", "trace_hash"]), before
        )
        self.assertEqual(self.Event.search_count([]), events_before)

    def test_desnz_2025_flat_file(self):
        """DESNZ 2025 flat file: 8,740 rows, 7,029 with a value (imported as factors or as
        the per-gas values of their total), 1,711 empty ones skipped and counted.
        Oracles (ghg-conversion-factors-2025): HGV (all diesel) All HGVs average laden
        0.10163 kg CO2e per tonne.km (WTT 0.02359); rail freight train 0.02779."""
        s = self.Set._scope3_import("desnz_flat", {"data": read(DESNZ_2025)})
        self.assertEqual((s.row_count, s.skipped_count), (8740, 1711))
        self.assertEqual(
            (s.factor_type, s.edition, s.region, s.data_year), ("activity", "2025", "GB", 2025)
        )
        Factor = self.env["scope3.factor"]
        hgv = Factor.search([("set_id", "=", s.id), ("key", "=", "27_304_3140_14_1")])
        self.assertEqual(
            (hgv.value, hgv.level_2, hgv.level_3, hgv.column_text),
            (0.10163, "HGV (all diesel)", "All HGVs", "Average laden"),
        )
        self.assertEqual(hgv.uom_id, self.env.ref("scope3_carbon.uom_tkm"))
        self.assertEqual(hgv.wtt_factor_id.value, 0.02359)
        self.assertTrue(hgv.wtt_factor_id.is_wtt)
        rail = Factor.search([("set_id", "=", s.id), ("key", "=", "27_315_3151_14_1")])
        self.assertEqual(rail.value, 0.02779)
        # every valued row is either a factor, a per-gas value of one, or read but not a
        # factor (energy conversions, outside-of-scopes CO2)
        factors = Factor.search([("set_id", "=", s.id)])
        gas_count = sum(len(f.gas_values or {}) for f in factors)
        self.assertEqual(len(factors), 2616)
        self.assertEqual(gas_count, 3906)

        # 20 t over 100 km by HGV = 2,000 t.km x 0.10163 = 203.260 kg CO2e
        s.with_user(self.manager2).action_publish()
        freight = self.env["product.product"].create(
            {
                "name": "HGV freight",
                "type": "service",
                "scope3_factor_id": hgv.id,
                "uom_id": self.env.ref("scope3_carbon.uom_tkm").id,
                "uom_po_id": self.env.ref("scope3_carbon.uom_tkm").id,
            }
        )
        order = self.create_order([(freight, 2000, 0.05)], date="2025-07-01 10:00:00")
        order.button_confirm()
        self.run_attribution()
        entry = self.entries_of(order)
        self.assertEqual(
            (entry.co2e_kg, entry.method, entry.resolution_level),
            (203.26, "average_data", "product"),
        )
        # with well-to-wheel: 2,000 x (0.10163 + 0.02359) = 250.440 kg
        self.company.scope3_well_to_wheel = True
        order2 = self.create_order([(freight, 2000, 0.05)], date="2025-07-01 10:00:00")
        order2.button_confirm()
        self.run_attribution()
        wtw = self.entries_of(order2)
        self.assertEqual(wtw.co2e_kg, 250.44)
        self.assertEqual(json.loads(wtw.trace)["factor"]["wtt"]["value"], "0.02359")

    def test_malformed_file_leaves_nothing(self):
        data = read(DESNZ_2025).decode("utf-8-sig").splitlines()
        # line 3 gets a non-numeric factor, line 5 a negative one
        data[2] = data[2].rsplit(",", 1)[0] + ",abc"
        data[4] = data[4].rsplit(",", 1)[0] + ",-1.5"
        sets_before = self.Set.search_count([])
        factors_before = self.env["scope3.factor"].search_count([])
        with self.assertRaises(UserError) as caught:
            self.Set._scope3_import("desnz_flat", {"data": "\n".join(data).encode()})
        message = str(caught.exception)
        self.assertIn("line 3", message)
        self.assertIn("line 5", message)
        self.assertIn("nothing was imported", message)
        missing = "\n".join([data[0].replace(",UOM,", ",Unit,")] + data[1:]).encode()
        with self.assertRaises(UserError) as caught:
            self.Set._scope3_import("desnz_flat", {"data": missing})
        self.assertIn("UOM", str(caught.exception))
        self.assertEqual(self.Set.search_count([]), sets_before)
        self.assertEqual(self.env["scope3.factor"].search_count([]), factors_before)

    def test_wizard_upload(self):
        Wizard = self.env["scope3.factor.import.wizard"].with_user(self.manager)
        wizard = Wizard.create(
            {
                "file": base64.b64encode(read(DESNZ_2025)),
                "file_name": "ghg-conversion-factors-2025-flat-format.csv",
            }
        )
        self.assertEqual(wizard.source, "auto")
        action = wizard.action_import()
        factor_set = self.Set.browse(action["res_id"])
        self.assertEqual(factor_set.source, "desnz_flat")
        self.assertEqual(factor_set.state, "draft")
        self.assertEqual(factor_set.factor_count, 2616)
        bad = Wizard.create(
            {"file": base64.b64encode(b"hello,world\n1,2\n"), "file_name": "notes.csv"}
        )
        with self.assertRaises(UserError):
            bad.action_import()

    def test_ember_and_epa_hub_imports(self):
        """Ember grid intensities (GBR 2024 215.79 gCO2e/kWh = 0.21579 kg/kWh) and EPA Hub
        table 8 (7 transport rows; medium/heavy-duty truck per short ton-mile
        0.186 kg CO2 + 0.0016 g CH4 x 28 + 0.0054 g N2O x 265 = 0.1874758 kg CO2e)."""
        ember_dir = SOURCES / "ember_grid_intensity_via_co2js"
        ember = self.Set._scope3_import(
            "ember", {"data": read(ember_dir / "average-intensities.json")}
        )
        self.assertEqual((ember.factor_count, ember.factor_type), (222, "activity"))
        gbr = self.env["scope3.factor"].search([("set_id", "=", ember.id), ("key", "=", "GBR")])
        self.assertEqual((gbr.value, gbr.key_type, gbr.data_year), (0.21579, "grid", 2024))
        self.assertEqual(gbr.uom_id, self.env.ref("scope3_carbon.uom_kwh"))
        hub_dir = SOURCES / "epa_ghg_emission_factors_hub_2025"
        hub = self.Set._scope3_import(
            "epa_hub", {"data": read(hub_dir / "DERIVED_table8_scope3_cat4_cat9_transport.csv")}
        )
        self.assertEqual((hub.factor_count, hub.region), (7, "US"))
        truck = self.env["scope3.factor"].search(
            [
                ("set_id", "=", hub.id),
                ("uom_code", "=", "short_ton.mile"),
                ("name", "ilike", "Medium- and Heavy-Duty Truck"),
            ]
        )
        self.assertEqual(truck.value, 0.1874758)
        self.assertEqual(truck.uom_id, self.env.ref("scope3_carbon.uom_short_ton_mile"))

    def test_four_eyes_publication(self):
        self.company.scope3_four_eyes_publish = True
        with self.assertRaises(UserError):
            self.v12.with_user(self.manager).action_publish()
        self.assertEqual(self.v12.state, "draft")
        self.v12.with_user(self.manager2).action_publish()
        self.assertEqual(self.v12.published_by_id, self.manager2)

    def test_spend_of_2024_is_deflated_to_2022(self):
        """10,000 USD of 2024 x 292.655 / 313.689 (US CPI-U) = 9,329.46 2022 USD;
        x 0.787 (EPA v1.3 331110) = 7,342.28502 -> 7,342.285 kg."""
        order = self.create_order([(self.steel, 10, 1000.0)], date="2024-03-01 10:00:00")
        order.button_confirm()
        self.run_attribution()
        entry = self.entries_of(order)
        self.assertEqual(entry.co2e_kg, 7342.285)
        index = json.loads(entry.trace)["inputs"]["price_index"]
        self.assertEqual((index["spend_index"], index["factor_index"]), ("313.689", "292.655"))
        self.assertEqual(entry.activity_amount, 9329.46)

    def test_eur_spend_of_2024_converted_then_deflated(self):
        """9,000 EUR on 2024-03-01 at 0.9 EUR/USD = 10,000.00 USD of 2024, then as above."""
        self.env["res.currency.rate"].create(
            {
                "name": "2024-01-01",
                "rate": 0.9,
                "currency_id": self.eur.id,
                "company_id": self.company.id,
            }
        )
        order = self.create_order(
            [(self.steel, 9, 1000.0)], date="2024-03-01 10:00:00", currency=self.eur
        )
        order.button_confirm()
        self.run_attribution()
        entry = self.entries_of(order)
        self.assertEqual(json.loads(entry.trace)["conversion"]["amount"], "10000.00")
        self.assertEqual(entry.co2e_kg, 7342.285)

    def test_years_beyond_the_index_table(self):
        """2026 is not in the CPI table: the 2024 value is used and the trace says so."""
        order = self.create_order([(self.steel, 10, 1000.0)], date="2026-02-01 10:00:00")
        order.button_confirm()
        self.run_attribution()
        index = json.loads(self.entries_of(order).trace)["inputs"]["price_index"]
        self.assertEqual(index["spend_index_year"], 2024)
        self.assertIn("2026 not in the table: value of 2024 used", index["rule"])
        # the trace warns of the extrapolation and says where the latest value comes from
        self.assertTrue(index["rule"].startswith("EXTRAPOLATED: "), index["rule"])
        self.assertIn("latest year of US CPI-U; Annual average 2024, final", index["rule"])
        self.assertEqual(self.entries_of(order).co2e_kg, 7342.285)
