# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import html

from odoo.tests import Form, new_test_user, tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestCalculationDisplay(Scope3Common):
    """The entry form's calculation, in words, from the trace.

    Steel (NAICS 331110, EPA v1.3 with margins: 0.787 kg CO2e per 2022 USD), 10 x 100 USD on
    2026-03-02. The shipped CPI-U table (data/scope3_price_index_data.xml) has no 2026 value:
    the 2024 value 313.689 is used, 2022 is 292.655:
    1,000 x 292.655 / 313.689 = 932.95 USD (to the cent) x 0.787 = 734.232 kg CO2e.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls.create_order([(cls.steel, 10, 100.0)], date="2026-03-02 10:00:00")
        cls.order.button_confirm()
        cls.run_attribution()
        cls.entry = cls.entries_of(cls.order)
        cls.carbon_user = new_test_user(
            cls.env, login="s3_calc_user", groups="scope3_carbon.group_scope3_user"
        )

    def steps(self, entry):
        doc = html.fromstring(str(entry.calculation_html))
        return (
            {
                " ".join(row.xpath("th")[0].text_content().split()): (
                    " ".join(row.xpath("td")[0].text_content().split()),
                    " ".join(row.xpath("td")[1].text_content().split()),
                )
                for row in doc.find_class("o_scope3_calculation_step")
            },
            [
                " ".join(w.text_content().split())
                for w in doc.find_class("o_scope3_calculation_warning")
            ],
        )

    def test_steps_with_values_sources_and_warnings(self):
        self.assertEqual(self.entry.co2e_kg, 734.232)
        steps, warnings = self.steps(self.entry.with_user(self.carbon_user))
        self.assertEqual(steps["Amount spent"][0], "1,000.00 USD")
        self.assertIn(self.order.name, steps["Amount spent"][1])
        self.assertEqual(steps["In the factor's price year"][0], "932.95 USD")
        self.assertIn("US CPI-U", steps["In the factor's price year"][1])
        self.assertIn("313.689", steps["In the factor's price year"][1])
        self.assertEqual(steps["Emission factor"][0], "0.787000 kg CO2e/2022 USD, purchaser price")
        self.assertIn("US EPA", steps["Emission factor"][1])
        self.assertEqual(steps["Result"][0], "734.232 kg CO2e")
        self.assertIn("US CPI-U of 2026 missing: the value of 2024 is used.", warnings)
        self.assertEqual(self.entry.calculation_warning_count, len(warnings))
        # the form shows it
        with Form(self.entry.with_user(self.carbon_user)) as form:
            self.assertIn("o_scope3_calculation_step", str(form.calculation_html))

    def test_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        steps, __ = self.steps(self.entry.with_context(lang="fr_FR"))
        values = [value for value, __ in steps.values()]
        # French number format: decimal comma (the labels are translated by i18n/fr.po)
        self.assertIn("932,95 USD", values)
        self.assertIn("734,232 kg CO2e", values)
