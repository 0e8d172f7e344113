# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Mutated official files through the Odoo import: a clear UserError and nothing stored,
or a draft set whose stored values are all finite and plausible (no partial data).

The plain-Python readers get the full fuzz run (1,000+ files, tests/test_importers_fuzz.py);
this test runs the same seeded mutations of the small files through ``_scope3_import``.
"""

import pathlib
import unittest

from odoo.exceptions import UserError
from odoo.tests import tagged

from . import factor_fuzz
from .common import Scope3Common

SOURCES = pathlib.Path(__file__).resolve().parents[3] / "shared" / "factor-sources"
LABELS = ("hub_table6", "hub_table9", "hub_table10", "ember_json", "ember_csv", "hub_xlsx")
COUNTS = {"text": 24, "xlsx_bytes_hub_xlsx": 16, "xlsx_xml_hub_xlsx": 24}


@tagged("post_install", "-at_install")
class TestFactorImportFuzz(Scope3Common):
    def test_mutated_files_leave_nothing_or_finite_values(self):
        if not SOURCES.is_dir():
            raise unittest.SkipTest(f"official factor files not found in {SOURCES}")
        Set, Factor = self.env["scope3.factor.set"], self.env["scope3.factor"]
        limits = Set._scope3_import_limits()
        cr = self.env.cr
        accepted = rejected = 0
        for name, parser, files in factor_fuzz.cases(
            lambda relative: (SOURCES / relative).read_bytes(), COUNTS, LABELS
        ):
            sets, factors = Set.search_count([]), Factor.search_count([])
            try:
                factor_set = Set._scope3_import(parser, files, file_name=name)
            except UserError as exc:
                rejected += 1
                self.assertIn("nothing was imported", str(exc), name)
                self.assertEqual(
                    (Set.search_count([]), Factor.search_count([])), (sets, factors), name
                )
                continue
            accepted += 1
            self.env.flush_all()
            cr.execute(
                """SELECT count(*) FROM scope3_factor
                    WHERE set_id = %s
                      AND (value = 'Infinity'::float8 OR value = 'NaN'::float8
                           OR value < 0 OR value > %s)""",
                [factor_set.id, float(limits.max_value)],
            )
            self.assertEqual(cr.fetchone()[0], 0, name)
            self.assertTrue(factor_set.factor_ids, name)
        self.assertEqual(accepted + rejected, 5 * 24 + 16 + 24)
        self.assertGreater(rejected, accepted)
