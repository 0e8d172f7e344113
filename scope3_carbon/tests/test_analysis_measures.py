# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Emission Analysis pivot's measures: t CO2e and the kg-weighted DQ score, computed in
SQL from the ledger (non-stored fields: the ledger's columns are frozen), on the scenario of
tests/test_inventory_report.py (its own tests are not run again here)."""

from lxml import etree

from odoo.tests import tagged

from . import test_inventory_report


@tagged("post_install", "-at_install")
class TestAnalysisMeasures(test_inventory_report.TestInventoryReport):
    def test_pivot_measures(self):
        rows = self.Entry._read_group(
            self.domain, ["category_id"], ["co2e_t:sum", "dq_weighted:avg", "__count"]
        )
        self.assertEqual(
            [(category, round(t, 6), round(dq, 4), count) for category, t, dq, count in rows],
            [
                # 7,870 + 1,800 + 787 - 787 = 9,670 kg = 9.670 t;
                # DQ (4 x 7,870 + 1 x 1,800 + 4 x 787 - 4 x 787) / 9,670 = 3.44157...
                (self.category_1, 9.67, 3.4416, 4),
                # 3,924 kg = 3.924 t, DQ 4
                (self.capital_goods, 3.924, 4.0, 1),
            ],
        )
        # the whole period: 13,594 kg; DQ 48,976 / 13,594 = 3.60276...: the inventory
        # report's figures (test_method_mix_dq_and_primary_data)
        [(t, dq)] = self.Entry._read_group(self.domain, [], ["co2e_t:sum", "dq_weighted:avg"])
        self.assertEqual((round(t, 6), round(dq, 4)), (13.594, 3.6028))
        self.assertEqual(round(dq, 2), self.data()["totals"]["dq_score"])

    def test_pivot_as_the_web_client_reads_it(self):
        """The pivot's call (read_group with "field:aggregator"), and what tells the web
        client these are measures (fields_get's aggregator)."""
        [total] = self.Entry.read_group(
            self.domain, ["co2e_t:sum", "dq_weighted:avg"], [], lazy=False
        )
        self.assertEqual(
            (round(total["co2e_t"], 6), round(total["dq_weighted"], 4)), (13.594, 3.6028)
        )
        fields = self.Entry.fields_get(["co2e_t", "dq_weighted", "dq_weighted_kg"])
        self.assertEqual(fields["co2e_t"]["aggregator"], "sum")
        self.assertEqual(fields["dq_weighted"]["aggregator"], "avg")
        # a selection whose kg cancel out: its weighted DQ reads 0 (no division by zero)
        reversed_pair = self.Entry.search(self.domain + [("co2e_kg", "in", (787.0, -787.0))])
        self.assertEqual(len(reversed_pair), 2)
        [(t, dq)] = self.Entry._read_group(
            [("id", "in", reversed_pair.ids)], [], ["co2e_t:sum", "dq_weighted:avg"]
        )
        self.assertEqual((t, dq), (0.0, 0.0))
        # one entry's own values
        entry = self.Entry.search(self.domain + [("co2e_kg", "=", 1800.0)])
        self.assertEqual((entry.co2e_t, entry.dq_weighted), (1.8, 1.0))

    def test_analysis_defaults(self):
        """What a manager opens: this year, in t CO2e with the weighted DQ (not the helper
        "DQ x kg" column)."""
        action = self.env.ref("scope3_carbon.scope3_emission_entry_action_analysis")
        self.assertEqual(action.view_mode.split(",")[0], "pivot")
        self.assertEqual(action.context, "{'search_default_date': 'year'}")
        arch = self.Entry.get_views([(False, "pivot")])["views"]["pivot"]["arch"]
        measures = [
            node.get("name")
            for node in etree.fromstring(arch).iter("field")
            if node.get("type") == "measure"
        ]
        self.assertEqual(measures, ["co2e_t", "dq_weighted"])
