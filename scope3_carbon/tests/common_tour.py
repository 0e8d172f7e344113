# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tours of the add-ons' screens in a language, and the texts they saw (a base class, with
no test of its own: the add-ons' tests/test_ui.py use it)."""

import json
import logging

from odoo.tests import HttpCase

from .translation_check import UntranslatedFinder

#: the console line of static/src/tours/scope3_tour_utils.js with the texts a tour saw
TEXTS_PREFIX = "scope3-texts "


class Scope3TourCase(HttpCase):
    """Tours of the add-ons' screens in a language, and the texts they saw."""

    #: the add-ons whose .po files the French session loads (and whose strings are checked)
    modules = ("scope3_carbon",)

    def activate_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        # the add-ons' terms (views, fields, selections, menus, data) and purchase's, whose
        # order form the tour opens; JS and Python strings are read from the .po files
        self.env["ir.module.module"]._load_module_terms(["purchase", *self.modules], ["fr_FR"])

    def run_tour_seeing(self, url, tour, login):
        """Run ``tour`` and return the texts it saw (its last step logs them)."""
        texts = {}

        class Collector(logging.Handler):
            def emit(self, record):
                message = record.getMessage()
                if message.startswith(TEXTS_PREFIX):
                    texts.update(json.loads(message[len(TEXTS_PREFIX) :]))

        # the browser's console is logged there (odoo.tests.common.ChromeBrowser), at INFO:
        # the logger must let INFO through whatever the run's log level (pytest-odoo runs
        # with --odoo-log-level=warn)
        logger = self._logger.getChild("browser")
        collector = Collector(logging.INFO)
        level = logger.level
        if not logger.isEnabledFor(logging.INFO):
            logger.setLevel(logging.INFO)
        logger.addHandler(collector)
        try:
            self.start_tour(url, tour, login=login, timeout=300)
        finally:
            logger.removeHandler(collector)
            logger.setLevel(level)
        self.assertTrue(texts, "the tour did not report the texts it saw")
        # {text: the step of the tour where it was first seen}
        return texts

    def assert_french(self, texts, known=()):
        """No text of ``texts`` is an add-on string shown in English, but the ``known``
        ones, which must still be seen so (remove one once fixed)."""
        finder = UntranslatedFinder(self.env, self.modules)
        problems = [
            f"{text!r} ({where}): {why}"
            for text, where in sorted(texts.items())
            if (why := finder.why(text)) and text not in known
        ]
        for text in known:
            self.assertTrue(
                text in texts and finder.why(text), f"fixed? remove it from the known: {text}"
            )
        self.assertFalse(
            problems, "add-on strings shown in English in fr_FR:\n" + "\n".join(problems)
        )
