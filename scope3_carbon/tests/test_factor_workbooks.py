# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The publishers' workbooks through the import wizard, in a real Odoo.

The workbooks are read from ``../shared/factor-sources`` beside the repository (never
copied into it); the class is skipped when that folder is absent. Every value asserted is
the published cell, with its sheet, row and column in a comment.
"""

import base64
import pathlib
import unittest
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import Scope3Common

SOURCES = pathlib.Path(__file__).resolve().parents[3] / "shared" / "factor-sources"
DESNZ_XLSX = {
    2024: SOURCES
    / "desnz_ghg_conversion_factors_2024"
    / "ghg-conversion-factors-2024-full_set__for_advanced_users__v1_1.xlsx",
    2025: SOURCES
    / "desnz_ghg_conversion_factors_2025"
    / "ghg-conversion-factors-2025-full-set.xlsx",
    2026: SOURCES
    / "desnz_ghg_conversion_factors_2026"
    / "ghg-conversion-factors-2026-full-set.xlsx",
}
DESNZ_2025_FLAT = (
    SOURCES / "desnz_ghg_conversion_factors_2025" / "ghg-conversion-factors-2025-flat-format.csv"
)
HUB_XLSX = SOURCES / "epa_ghg_emission_factors_hub_2025" / "ghg-emission-factors-hub-2025.xlsx"


@tagged("post_install", "-at_install")
class TestFactorWorkbooks(Scope3Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not SOURCES.is_dir():
            raise unittest.SkipTest(f"official factor files not found in {SOURCES}")
        cls.Set = cls.env["scope3.factor.set"]
        cls.Factor = cls.env["scope3.factor"]
        cls.manager = new_test_user(
            cls.env, login="s3_wb_manager", groups="scope3_carbon.group_scope3_manager"
        )

    def upload(self, path, **values):
        """Import ``path`` through the wizard's form, as a Carbon Manager does."""
        # the web client sends the file name with the file (the name field is invisible)
        wizard = self.env["scope3.factor.import.wizard"].with_context(default_file_name=path.name)
        form = Form(wizard.with_user(self.manager))
        form.file = base64.b64encode(path.read_bytes())
        for name, value in values.items():
            setattr(form, name, value)
        wizard = form.save()
        self.assertEqual(wizard.source, "auto")
        action = wizard.action_import()
        return self.Set.browse(action["res_id"])

    def value(self, factor_set, level_1, level_2, level_3, level_4, column, unit):
        factor = self.Factor.search(
            [
                ("set_id", "=", factor_set.id),
                ("level_1", "=", level_1),
                ("level_2", "=", level_2),
                ("level_3", "=", level_3),
                ("level_4", "=", level_4 or False),
                ("column_text", "=", column or False),
                ("unit", "=", unit),
            ]
        )
        self.assertEqual(len(factor), 1, (level_1, level_2, level_3, level_4, column, unit))
        return factor

    def test_desnz_2026_workbook(self):
        s = self.upload(DESNZ_XLSX[2026])
        self.assertEqual(
            (s.source, s.edition, s.version, s.file_format, s.state),
            ("desnz_flat", "2026", "1.0", "xlsx", "draft"),
        )
        self.assertEqual((s.valid_from, s.data_year, s.region), (date(2026, 1, 1), 2026, "GB"))
        self.assertEqual((s.row_count, s.factor_count), (7051, 2638))
        self.assertIn("Freighting goods: 1156", s.table_counts)
        self.assertEqual(len(s.file_checksum), 64)
        # sheet "UK electricity" row 25 column E
        electricity = self.value(
            s, "UK electricity", "Electricity generated", "Electricity: UK", "", "", "kWh"
        )
        self.assertEqual(electricity.value, 0.13096)
        # sheet "UK electricity" row 25 columns F-H
        self.assertEqual(
            electricity.gas_values, {"CO2": "0.12943", "CH4": "0.00067", "N2O": "0.00086"}
        )
        self.assertEqual(electricity.scope3_boundary, "proxy")  # Scope 2
        # sheet "Freighting goods" row 63 column D, and its WTT companion (WTT sheet)
        hgv = self.value(
            s,
            "Freighting goods",
            "HGV (non-refrigerated, all diesel)",
            "Average non-refrigerated HGVs",
            "",
            "Average laden",
            "tonne.km",
        )
        self.assertEqual((hgv.value, hgv.wtt_factor_id.value), (0.10356, 0.02359))
        self.assertEqual((hgv.scope, hgv.scope3_boundary), ("Scope 3", "scope3"))
        self.assertEqual(hgv.uom_id, self.env.ref("scope3_carbon.uom_tkm"))
        # sheet "Freighting goods" row 106 column D
        rail = self.value(s, "Freighting goods", "Rail", "Freight train", "", "", "tonne.km")
        self.assertEqual(rail.value, 0.02583)
        # sheet "Freighting goods" row 159 column E
        ship = self.value(
            s, "Freighting goods", "Cargo ship", "Container ship", "Average", "", "tonne.km"
        )
        self.assertEqual(ship.value, 0.01612)
        # sheet "Fuels" row 72 column D
        diesel = self.value(
            s, "Fuels", "Liquid fuels", "Diesel (average biofuel blend)", "", "", "litres"
        )
        self.assertEqual((diesel.value, diesel.wtt_factor_id.value), (2.58354, 0.61101))
        # sheet "Waste disposal" row 52 column I
        landfill = self.value(
            s,
            "Waste disposal",
            "Refuse",
            "Commercial and industrial waste",
            "",
            "Landfill",
            "tonnes",
        )
        self.assertEqual(landfill.value, 520.58023)
        # sheet "Material use" row 67 column D
        steel = self.value(
            s,
            "Material use",
            "Metal",
            "Metal: steel cans",
            "",
            "Primary material production",
            "tonnes",
        )
        self.assertEqual(steel.value, 2861.58251)
        # the same workbook again: the set it created
        self.assertEqual(self.upload(DESNZ_XLSX[2026]), s)

    def test_desnz_2024_workbook(self):
        s = self.upload(DESNZ_XLSX[2024])
        self.assertEqual((s.edition, s.version, s.valid_from), ("2024", "1.1", date(2024, 1, 1)))
        self.assertEqual((s.row_count, s.factor_count), (7029, 2616))
        cases = [
            # sheet "UK electricity" row 25 column E
            (
                ("UK electricity", "Electricity generated", "Electricity: UK", "", "", "kWh"),
                0.20705,
            ),
            # sheet "Transmission and distribution" row 22 column E
            (
                (
                    "Transmission and distribution",
                    "T&D- UK electricity",
                    "Electricity: UK",
                    "",
                    "",
                    "kWh",
                ),
                0.0183,
            ),
            # sheet "Freighting goods" row 63 column P
            (
                (
                    "Freighting goods",
                    "HGV (all diesel)",
                    "All HGVs",
                    "",
                    "Average laden",
                    "tonne.km",
                ),
                0.09752,
            ),
            # sheet "Freighting goods" row 106 column D
            (("Freighting goods", "Rail", "Freight train", "", "", "tonne.km"), 0.02779),
            # sheet "Fuels" row 72 column D
            (
                ("Fuels", "Liquid fuels", "Diesel (average biofuel blend)", "", "", "litres"),
                2.51279,
            ),
            # sheet "Fuels" row 42 column D
            (("Fuels", "Gaseous fuels", "Natural gas", "", "", "kWh (Gross CV)"), 0.1829),
        ]
        for labels, expected in cases:
            self.assertEqual(self.value(s, *labels).value, expected, labels)

    def test_desnz_2025_workbook_and_official_flat_file_agree(self):
        """The same row of the 2025 workbook and of DESNZ's own flat file holds the same
        value (the flat file keys rows by ID, the workbook by labels)."""
        book = self.upload(DESNZ_XLSX[2025])
        flat = self.Set.with_user(self.manager)._scope3_import(
            "desnz_flat", {"data": DESNZ_2025_FLAT.read_bytes()}
        )
        self.assertEqual((book.edition, flat.edition), ("2025", "2025"))
        self.assertEqual(book.factor_count, flat.factor_count)
        cases = [
            # sheet "Freighting goods" row 63 column P; flat file ID 27_304_3140_14_1
            ("Freighting goods", "HGV (all diesel)", "All HGVs", "", "Average laden", "tonne.km"),
            # sheet "Freighting goods" row 106 column D; flat file ID 27_315_3151_14_1
            ("Freighting goods", "Rail", "Freight train", "", "", "tonne.km"),
            # sheet "Freighting goods" row 159 column E
            ("Freighting goods", "Cargo ship", "Container ship", "Average", "", "tonne.km"),
            # sheet "Fuels" row 72 column D
            ("Fuels", "Liquid fuels", "Diesel (average biofuel blend)", "", "", "litres"),
            # sheet "Fuels" row 42 column D
            ("Fuels", "Gaseous fuels", "Natural gas", "", "", "kWh (Gross CV)"),
        ]
        expected = [0.10163, 0.02779, 0.01612, 2.57082, 0.18296]
        for labels, value in zip(cases, expected, strict=True):
            self.assertEqual(self.value(book, *labels).value, value, labels)
            self.assertEqual(self.value(flat, *labels).value, value, labels)
        self.assertEqual(
            self.value(flat, *cases[0]).key, "27_304_3140_14_1"
        )  # the flat file's own ID

    def test_epa_hub_workbook(self):
        s = self.upload(HUB_XLSX)
        self.assertEqual(
            (s.source, s.edition, s.edition_date, s.file_format, s.region),
            ("epa_hub", "2025", date(2025, 1, 15), "xlsx", "US"),
        )
        self.assertEqual((s.row_count, s.skipped_count, s.factor_count), (194, 188, 362))
        self.assertIn("Table 9, Scope 3 Category 5 and 12", s.table_counts)

        def key(k):
            return self.Factor.search([("set_id", "=", s.id), ("key", "=", k)])

        # row 17 (table 1): Anthracite per short ton, 2602 kg CO2, 276 g CH4, 40 g N2O
        self.assertEqual(key("table1|anthracite|short-ton").value, 2620.328)
        # row 107 (table 2): Diesel Fuel 10.21 kg CO2 per gallon
        self.assertEqual(key("table2|diesel-fuel|gallon").value, 10.21)
        # row 342 (table 6): CAMX 436.655 / 0.025 / 0.003 lb per MWh
        camx = key("CAMX")
        self.assertAlmostEqual(
            camx.value, (436.655 + 0.025 * 28 + 0.003 * 265) * 0.45359237 / 1000, places=12
        )
        self.assertEqual((camx.key_type, camx.scope3_boundary), ("grid", "proxy"))
        # row 425 (table 8): truck per short ton-mile 0.186 kg, 0.0016 g, 0.0054 g
        truck = key("table8|medium-and-heavy-duty-truck|short_ton.mile")
        self.assertEqual((truck.value, truck.scope3_boundary), (0.1874758, "scope3"))
        # row 438 (table 9): Steel Cans recycled 0.32 t CO2e per short ton
        self.assertEqual(key("table9|steel-cans|recycled").value, 320.0)
        # row 512 (table 10): Bus per passenger-mile 0.066 kg, 0.0046 g, 0.0019 g
        self.assertEqual(key("table10|bus|passenger.mile").value, 0.0666323)

    def test_bad_files_leave_nothing(self):
        sets, factors = self.Set.search_count([]), self.Factor.search_count([])
        data = HUB_XLSX.read_bytes()
        wizard = self.env["scope3.factor.import.wizard"].with_user(self.manager)
        cases = {
            "truncated.xlsx": data[: len(data) // 3],
            "nul.csv": DESNZ_2025_FLAT.read_bytes()[:5000] + b"\x00\x00" + b"1" * 100,
            "huge.csv": DESNZ_2025_FLAT.read_bytes().replace(b",3033.38067", b",1e999999999", 1),
        }
        for name, content in cases.items():
            upload = wizard.create({"file": base64.b64encode(content), "file_name": name})
            with self.assertRaises(UserError, msg=name) as caught:
                upload.action_import()
            self.assertIn("nothing was imported", str(caught.exception), name)
        self.assertIn("plausible maximum", str(caught.exception))
        self.assertEqual((self.Set.search_count([]), self.Factor.search_count([])), (sets, factors))

    def test_size_limit_is_configurable(self):
        self.env["ir.config_parameter"].sudo().set_param("scope3_carbon.factor_import_max_mb", "1")
        wizard = self.env["scope3.factor.import.wizard"].with_user(self.manager)
        upload = wizard.create(
            {"file": base64.b64encode(DESNZ_XLSX[2026].read_bytes()), "file_name": "x.xlsx"}
        )
        with self.assertRaises(UserError) as caught:
            upload.action_import()
        self.assertIn("more than the limit of 1,000,000 bytes", str(caught.exception))

    def test_edition_comparison(self):
        """The complete 2026 workbook against what it supersedes (the shipped 2026 selection:
        same rows and values, the rest added), then against the shipped 2025 selection: rail
        freight 0.02779 -> 0.02583 (-7.05 %); rows renamed in 2026 are removed + added."""
        new = self.upload(DESNZ_XLSX[2026])
        action = new.with_user(self.manager).action_compare_editions()
        Comparison = self.env["scope3.factor.set.comparison"]
        comparison = Comparison.browse(action["res_id"])
        selection_2026 = self.env.ref("scope3_carbon.scope3_factor_set_desnz_2026")
        self.assertEqual(comparison.base_set_id, selection_2026)
        self.assertEqual(
            (
                comparison.added_count,
                comparison.removed_count,
                comparison.changed_count,
                comparison.unchanged_count,
            ),
            (new.factor_count - selection_2026.factor_count, 0, 0, selection_2026.factor_count),
        )
        comparison.base_set_id = self.env.ref("scope3_carbon.scope3_factor_set_desnz_2025")
        comparison.action_compute()
        rail = comparison.line_ids.filtered(
            lambda line: line.new_factor_id.level_2 == "Rail"
            and line.new_factor_id.level_3 == "Freight train"
            and line.new_factor_id.unit == "tonne.km"
        )
        self.assertEqual(
            (rail.status, rail.old_value, rail.new_value), ("changed", 0.02779, 0.02583)
        )
        # (0.02583 - 0.02779) / 0.02779 = -7.0529 % (stored to 4 decimals)
        self.assertEqual(rail.change_pct, -7.0529)
        self.assertGreater(comparison.added_count, 0)
        self.assertGreater(comparison.removed_count, 0)  # e.g. "HGV (all diesel)" rows
        self.assertEqual(
            comparison.added_count + comparison.changed_count + comparison.unchanged_count,
            new.factor_count,
        )
        self.assertTrue(comparison.restatement_note)
