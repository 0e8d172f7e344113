# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Traces and hashes do not depend on the language of whoever processes a document.

The same order is attributed in a French session, then reprocessed in a German session and
by the cron (no language): the traces are byte-identical and nothing is posted again. The
product, its unit and the Scope 3 category have French and German names, so a trace that
stored a display name would differ.

Figures: EPA USEEIO v1.3 with margins (shipped ``data/scope3.factor.csv``), NAICS 331110 =
0.787 kg CO2e per 2022 USD; DESNZ 2025 flat file, "Waste disposal > Commercial and
industrial waste > Landfill" (ID 20_507_5313_15_1) = 520.53270 kg CO2e per tonne.
"""

from odoo.tests import Form, tagged

from .common import Scope3Common

LANGS = ("fr_FR", "de_DE")


@tagged("post_install", "-at_install")
class TestTraceLanguage(Scope3Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in LANGS:
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "uom", "product", "purchase", "scope3_carbon"], list(LANGS)
        )
        # counted in Units ("Unité(s)", "Einheit(en)"), 250 kg each, against a factor per
        # tonne: the conversion goes through the product weight
        cls.landfill = cls.env["product.product"].create(
            {
                "name": "Landfill of mixed waste",
                "type": "consu",
                "weight": 250.0,
                "scope3_factor_id": cls.env.ref(
                    "scope3_carbon.scope3_factor_desnz_2025_20_507_5313_15_1"
                ).id,
            }
        )
        for record, names in (
            (cls.steel.product_tmpl_id, {"fr_FR": "Bobine d'acier", "de_DE": "Stahlcoil"}),
            (cls.landfill.product_tmpl_id, {"fr_FR": "Mise en décharge", "de_DE": "Deponie"}),
            (cls.category_1, {"fr_FR": "Biens et services achetés", "de_DE": "Eingekaufte Waren"}),
        ):
            for code, name in names.items():
                record.with_context(lang=code).name = name
        cls.buyer.lang = "fr_FR"

    def _traces(self, order):
        entries = self.entries_of(order).filtered(lambda e: not e.is_reversal)
        return sorted((e.id, e.trace_hash, e.trace) for e in entries)

    def test_same_traces_in_every_language(self):
        buyer_fr = self.buyer.with_context(lang="fr_FR")
        form = Form(self.env["purchase.order"].with_user(buyer_fr))
        form.partner_id = self.vendor
        form.date_order = "2022-06-15 10:00:00"
        for product, qty, price in ((self.steel, 10, 100.0), (self.landfill, 8, 45.0)):
            with form.order_line.new() as line:
                line.product_id = product
                line.product_qty = qty
                line.price_unit = price
                line.taxes_id.clear()
        order = form.save()
        self.assertEqual(
            order.with_context(lang="fr_FR").order_line[0].product_id.name, "Bobine d'acier"
        )
        order.with_user(buyer_fr).with_context(lang="fr_FR").button_confirm()
        # processed in the French session (as in inline mode)
        self.Event.with_context(lang="fr_FR")._cron_process_events()
        entries = self.entries_of(order)
        # 10 x 100 x 0.787 = 787.000; 8 x 250 kg = 2 t x 520.53270 = 1,041.0654 -> 1,041.065
        self.assertEqual(sorted(entries.mapped("co2e_kg")), [787.0, 1041.065])
        before = self._traces(order)
        for _id, _hash, trace in before:
            for word in ("Bobine", "acier", "décharge", "Biens et services", "Unité"):
                self.assertNotIn(word, trace)
        # reprocessed in a German session, then by the cron without a language
        for lang in ("de_DE", None):
            event_vals = order._scope3_event_vals("scope3.reattribute")
            events, _inserted = self.Event._scope3_record([event_vals])
            context = {"lang": lang} if lang else {}
            self.Event.with_context(**context)._cron_process_events()
            self.assertEqual(events.state, "done")
            self.assertEqual(self._traces(order), before, f"nothing posted again ({lang})")
        # a shadow recalculation in each language proposes nothing
        activities = entries.activity_id
        for lang in (*LANGS, "en_US"):
            plans = activities.with_context(lang=lang)._scope3_plans()
            active = activities._scope3_active_entries({s for p in plans for s in p["stages"]})
            for plan in plans:
                self.assertFalse(
                    activities._scope3_plan_entry_vals(plan, active), f"identical in {lang}"
                )
