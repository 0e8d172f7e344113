# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestFactorSet(Scope3Common):
    def test_shipped_epa_v13(self):
        """The shipped set holds the whole EPA v1.3 CO2e table (1,016 NAICS-6 rows).

        Oracles (kg CO2e per 2022 USD, purchaser price; without margins / with margins),
        from SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv:
        331110 0.769 / 0.787, 327310 3.846 / 3.924, 541511 0.084 / 0.084.
        """
        s = self.epa_v13
        self.assertEqual(s.state, "published")
        self.assertEqual(s.factor_count, 1016)
        self.assertEqual(
            (s.currency_id, s.price_year, s.gwp_basis, s.price_basis),
            (self.usd, 2022, "ar5", "purchaser"),
        )
        factors = self.env["scope3.factor"]._scope3_lookup(
            s, "naics", ["331110", "327310", "541511"]
        )
        self.assertEqual(
            {k: (f.value_without_margins, f.value) for k, f in factors.items()},
            {
                "331110": (0.769, 0.787),
                "327310": (3.846, 3.924),
                "541511": (0.084, 0.084),
            },
        )
        self.assertEqual(factors["331110"].unit, "kg CO2e/2022 USD, purchaser price")
        self.assertEqual(s.content_checksum, s._scope3_compute_checksum())
        self.assertEqual(len(s.content_checksum), 64)

    def test_shipped_desnz_2025(self):
        """DESNZ 2025 default selection: HGV (all diesel) all HGVs average laden 0.10163 kg
        CO2e per tonne.km with its WTT companion 0.02359; rail freight train 0.02779
        (ghg-conversion-factors-2025-flat-format.csv)."""
        desnz = self.env.ref("scope3_carbon.scope3_factor_set_desnz_2025")
        # valid for the reporting year 2025: the shipped 2026 edition supersedes it from 2026
        self.assertEqual(
            (desnz.state, desnz.factor_type, desnz.factor_count),
            ("superseded", "activity", 2009),
        )
        self.assertEqual((str(desnz.valid_from), str(desnz.valid_to)), ("2025-01-01", "2025-12-31"))
        Factor = self.env["scope3.factor"]
        hgv = Factor.search([("set_id", "=", desnz.id), ("key", "=", "27_304_3140_14_1")])
        self.assertEqual(
            (hgv.value, hgv.uom_id, hgv.wtt_factor_id.value),
            (0.10163, self.env.ref("scope3_carbon.uom_tkm"), 0.02359),
        )
        rail = Factor.search([("set_id", "=", desnz.id), ("key", "=", "27_315_3151_14_1")])
        self.assertEqual(rail.value, 0.02779)

    def test_shipped_desnz_editions_by_reporting_year(self):
        """DESNZ 2024 v1.1, 2025 and 2026 are shipped, each valid for its reporting year;
        the set that applies on a date is that year's edition (2027: still 2026)."""
        editions = {
            year: self.env.ref(f"scope3_carbon.scope3_factor_set_desnz_{year}")
            for year in (2024, 2025, 2026)
        }
        self.assertEqual(
            [(s.state, str(s.valid_from), str(s.valid_to)) for s in editions.values()],
            [
                ("superseded", "2024-01-01", "2024-12-31"),
                ("superseded", "2025-01-01", "2025-12-31"),
                ("published", "2026-01-01", "False"),
            ],
        )
        Set = self.env["scope3.factor.set"]
        for day, year in (("2024-03-01", 2024), ("2025-12-31", 2025), ("2026-01-01", 2026)):
            valid = Set._scope3_sets_valid_at(self.company, day, "activity")
            desnz = valid.filtered(lambda s: s.source == "desnz_flat")[:1]
            self.assertEqual(desnz, editions[year], day)
            self.assertEqual(desnz.data_year, year)
        Factor = self.env["scope3.factor"]
        # workbook 2026, sheet "Freighting goods" row 106 column D; 2024 the same row
        for year, value in ((2024, 0.02779), (2026, 0.02583)):
            rail = Factor.search(
                [
                    ("set_id", "=", editions[year].id),
                    ("level_2", "=", "Rail"),
                    ("level_3", "=", "Freight train"),
                    ("unit", "=", "tonne.km"),
                ]
            )
            self.assertEqual((rail.value, rail.scope3_boundary), (value, "scope3"))
            self.assertTrue(rail.wtt_factor_id)

    def test_published_set_is_frozen(self):
        factor = self.env["scope3.factor"]._scope3_lookup(self.epa_v13, "naics", ["331110"])[
            "331110"
        ]
        with self.assertRaises(UserError):
            factor.value = 0.5
        with self.assertRaises(UserError):
            self.epa_v13.edition = "v9"
        with self.assertRaises(UserError):
            self.env["scope3.factor"].create(
                {
                    "set_id": self.epa_v13.id,
                    "key": "000000",
                    "name": "x",
                    "value": 1,
                    "unit": "kg",
                }
            )
        with self.assertRaises(UserError):
            factor.unlink()
        with self.assertRaises(UserError):
            self.epa_v13.unlink()
        # rewriting identical values (what a module update does) is allowed
        factor.write({"value": 0.787, "name": factor.name, "set_id": self.epa_v13.id})
        self.epa_v13.write({"edition": "v1.3.0"})
        self.assertEqual(factor.value, 0.787)

    def test_draft_set_lifecycle(self):
        draft = self.env["scope3.factor.set"].create(
            {
                "name": "Test set",
                "publisher": "Test",
                "edition": "t1",
                "gwp_basis": "ar6",
                "factor_type": "spend",
                "currency_id": self.usd.id,
                "price_year": 2023,
            }
        )
        with self.assertRaises(UserError):
            draft.action_publish()  # no rows
        row = self.env["scope3.factor"].create(
            {
                "set_id": draft.id,
                "key": "331110",
                "name": "Steel",
                "value": 0.7,
                "unit": "kg CO2e/2023 USD",
            }
        )
        row.value = 0.75  # still a draft: editable
        draft.action_publish()
        self.assertEqual(draft.state, "published")
        self.assertEqual(draft.published_by_id, self.env.user)
        with self.assertRaises(UserError):
            row.value = 0.8
        with self.assertRaises(UserError):
            draft.action_publish()
