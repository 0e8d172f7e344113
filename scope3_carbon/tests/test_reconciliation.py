# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The reconciliation sweep finds nothing on a clean ledger, and detects and heals a
drift (an edit made with capture off) through reversal + new entry, with a finding.

Figures: EPA USEEIO v1.3 with margins (shipped ``data/scope3.factor.csv``), NAICS 331110 =
0.787 kg CO2e per 2022 USD; USD orders of 2022: no conversion, no deflation.
"""

import math

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from ..core import calculation
from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestReconciliation(Scope3Common):
    def _sweep(self):
        run = self.env["scope3.reconciliation.run"].create(
            {"partner_id": self.vendor.id, "chunk_size": 2}
        )
        return run._scope3_sweep()

    def _confirmed(self):
        order = self.create_order(
            [(self.steel, 10, 100.0), (self.steel, 2, 50.0), (self.cement, 1, 100.0)]
        )
        order.button_confirm()
        self.run_attribution()
        return order

    def _net(self, order):
        return round(sum(self.entries_of(order).mapped("co2e_kg")), 3)

    def test_clean_ledger_has_no_drift(self):
        self._confirmed()
        run = self._sweep()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.checked_count, 3)
        self.assertEqual((run.drift_count, run.healed_count, run.flagged_count), (0, 0, 0))
        self.assertFalse(run.line_ids)

    def test_drift_detected_healed_and_recorded(self):
        order = self._confirmed()
        # 10 x 100 x 0.787 + 2 x 50 x 0.787 + 100 x 3.924 = 787.000 + 78.700 + 392.400
        self.assertEqual(self._net(order), 1258.1)
        line = order.order_line.sorted("id")[0]
        # an edit that escaped capture (e.g. a script writing with capture off)
        line.with_context(scope3_no_capture=True).product_qty = 20
        self.assertEqual(self._net(order), 1258.1)  # stale
        run = self._sweep()
        self.assertEqual((run.checked_count, run.drift_count, run.healed_count), (3, 1, 1))
        finding = run.line_ids
        self.assertEqual(finding.kind, "drift")
        self.assertEqual(finding.activity_id.purchase_line_id, line)
        self.assertEqual((finding.ledger_kg, finding.fresh_kg), (787.0, 1574.0))
        self.assertEqual(finding.difference_kg, 787.0)
        self.assertIn("quantity: 10.0 -> 20.0", finding.cause)
        self.assertTrue(finding.healed)
        # healed through reversal + new entry, by an event of the order
        self.assertEqual(self._net(order), 2045.1)
        reversal = self.entries_of(order).filtered("is_reversal")
        self.assertEqual(reversal.co2e_kg, -787.0)
        self.assertEqual(reversal.event_id.type, "scope3.reconciliation")
        # after the sweep, ledger == fresh computation: a new sweep finds nothing
        again = self._sweep()
        self.assertEqual((again.checked_count, again.drift_count), (3, 0))

    def _switch_to_other_set(self):
        """The manager chooses another spend-based set (a test edition where NAICS 331110
        is 0.9 kg CO2e per 2022 USD) without restating: what was counted stays on v1.3."""
        factor_set = self.env["scope3.factor.set"].create(
            {
                "name": "EPA supply chain factors, reconciliation test edition",
                "source": "epa_supply_chain",
                "publisher": "US EPA",
                "edition": "v9.8-test",
                "edition_date": "2025-01-01",
                "valid_from": "2022-01-01",
                "gwp_basis": "ar5",
                "factor_type": "spend",
                "currency_id": self.usd.id,
                "price_year": 2022,
                "price_basis": "purchaser",
                "data_year": 2022,
                "region": "US",
                "factor_ids": [
                    (0, 0, {"key": key, "name": name, "value": value, "unit": "kg CO2e/2022 USD"})
                    for key, name, value in (
                        ("331110", "Iron and Steel Mills", 0.9),
                        ("327310", "Cement Manufacturing", 3.5),
                    )
                ],
            }
        )
        manager = new_test_user(
            self.env, login="s3_recon_manager", groups="scope3_carbon.group_scope3_manager"
        )
        factor_set.with_user(manager).action_publish()
        self.company.scope3_spend_factor_set_id = factor_set
        return factor_set

    def test_newer_factor_version_is_not_a_drift(self):
        """The sweep recomputes with the factor versions the entries used: a newer set
        chosen in the settings reaches the ledger through a restatement, never silently."""
        order = self._confirmed()
        self._switch_to_other_set()
        run = self._sweep()
        self.assertEqual((run.checked_count, run.drift_count, run.healed_count), (3, 0, 0))
        self.assertEqual(self._net(order), 1258.1)
        self.assertEqual(self.entries_of(order).factor_set_id, self.epa_v13)
        # nor is a settings change (producer prices: factors without margins)
        self.company.scope3_spend_price_basis = "producer"
        run = self._sweep()
        self.assertEqual((run.checked_count, run.drift_count), (3, 0))
        self.assertEqual(self._net(order), 1258.1)

    def test_drift_healed_with_the_factor_version_the_entries_used(self):
        order = self._confirmed()
        self._switch_to_other_set()
        line = order.order_line.sorted("id")[0]
        line.with_context(scope3_no_capture=True).product_qty = 20
        run = self._sweep()
        self.assertEqual((run.drift_count, run.healed_count), (1, 1))
        # still EPA v1.3 331110 = 0.787: 20 x 100 x 0.787 = 1574.000 (not 0.9 -> 1800)
        self.assertEqual((run.line_ids.ledger_kg, run.line_ids.fresh_kg), (787.0, 1574.0))
        self.assertEqual(self._net(order), 2045.1)
        self.assertEqual(self.entries_of(order).factor_set_id, self.epa_v13)

    def test_negative_quantity_attributed_and_flagged_once(self):
        order = self.create_order([(self.steel, 10, 100.0), (self.steel, -2, 100.0)])
        order.button_confirm()
        self.run_attribution()
        # as the order says: 10 x 100 x 0.787 - 2 x 100 x 0.787 = 629.600
        self.assertEqual(self._net(order), 629.6)
        run = self._sweep()
        self.assertEqual((run.drift_count, run.flagged_count), (0, 1))
        self.assertEqual(run.line_ids.kind, "negative_quantity")
        self.assertEqual(run.line_ids.activity_id.quantity, -2)
        self.assertIn("Negative quantity", run.line_ids.cause)
        self.assertEqual(self._sweep().flagged_count, 0)  # flagged once

    def test_pending_document_is_skipped(self):
        order = self._confirmed()
        order.order_line[0].product_qty = 20  # captured: an event pending
        run = self._sweep()
        self.assertEqual((run.checked_count, run.skipped_count, run.drift_count), (0, 3, 0))

    def test_non_finite_number_refused_by_the_core(self):
        spend = calculation.SpendInput(
            amount=calculation.Decimal("NaN"),
            currency="USD",
            date="2022-06-15",
            rate=calculation.Decimal(1),
            rate_date="2022-06-15",
            factor_rate=calculation.Decimal(1),
            factor_rate_date="2022-06-15",
            company_currency="USD",
            factor_currency_rounding=calculation.Decimal("0.01"),
        )
        self.assertTrue(math.isnan(spend.amount))
        with self.assertRaisesRegex(ValueError, "not a finite number"):
            calculation.check_finite(spend)
        with self.assertRaises(ValidationError):
            self.create_order([(self.steel, 10, 100.0)]).order_line.write(
                {"product_qty": float("-inf")}
            )
