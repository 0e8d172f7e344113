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
        self.assertEqual(
            (desnz.state, desnz.factor_type, desnz.factor_count), ("published", "activity", 2009)
        )
        Factor = self.env["scope3.factor"]
        hgv = Factor.search([("set_id", "=", desnz.id), ("key", "=", "27_304_3140_14_1")])
        self.assertEqual(
            (hgv.value, hgv.uom_id, hgv.wtt_factor_id.value),
            (0.10163, self.env.ref("scope3_carbon.uom_tkm"), 0.02359),
        )
        rail = Factor.search([("set_id", "=", desnz.id), ("key", "=", "27_315_3151_14_1")])
        self.assertEqual(rail.value, 0.02779)

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
