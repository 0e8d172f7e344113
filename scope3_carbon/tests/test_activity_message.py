# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An unmapped activity's message: stored in source terms, read in the reader's language."""

from odoo.tests import tagged

from ..models import unmapped_messages as messages
from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestActivityMessage(Scope3Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["scope3_carbon"], ["fr_FR"])

    def test_every_template_is_parsed_back(self):
        values = {
            "set": "EPA v1.3 (USEEIO, 2022 USD)",
            "keys": "331110 (product), 33 (category)",
            "product": "Diesel, fleet",
            "factor": "Diesel (average biofuel blend)",
        }
        for template in messages.UNMAPPED_MESSAGES:
            text = (
                messages.source_text(template, **values)
                if "%(" in template._source
                else (messages.source_text(template))
            )
            [(found, found_values)] = messages.parse(text)
            self.assertIs(found, template)
            self.assertEqual(messages.source_text(found, **found_values), text)
        two = " ".join(
            [
                messages.source_text(messages.NO_FACTOR_IN_SET, set="EPA v1.3", keys="1 (product)"),
                messages.source_text(messages.UNIT_MISMATCH, keys="2 (product)"),
            ]
        )
        self.assertEqual(
            [template for template, _values in messages.parse(two)],
            [messages.NO_FACTOR_IN_SET, messages.UNIT_MISMATCH],
        )
        self.assertIsNone(messages.parse("Counted by the freight guard."))

    def test_unmapped_line_reads_in_french(self):
        order = self.create_order([(self.unmapped, 3, 50.0)])
        order.with_context(lang="fr_FR").button_confirm()
        self.run_attribution()
        line = order.order_line
        activity = line.scope3_activity_ids
        self.assertEqual(activity.state, "unmapped")
        # stored in source terms, whoever confirmed the order
        self.assertEqual(activity.message, messages.NO_FACTOR._source)
        french = (
            "Aucun facteur d'émission pour cette ligne : donnez au produit (ou à sa "
            "catégorie) un code NAICS ou un facteur d'activité, ajoutez une règle de "
            "correspondance, ou définissez un code NAICS par défaut pour la société."
        )  # scope3_carbon/i18n/fr.po
        self.assertEqual(activity.with_context(lang="fr_FR").message_display, french)
        self.assertEqual(activity.with_context(lang="en_US").message_display, activity.message)
        self.assertEqual(line.with_context(lang="fr_FR").scope3_status_reason, french)
        # a message that no template made is shown as stored
        self.assertEqual(
            activity._scope3_translate_message("Counted by the freight guard."),
            "Counted by the freight guard.",
        )
