# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import KILL_SWITCH, AgentsCommon


@tagged("post_install", "-at_install")
class TestPolicyGuardrail(AgentsCommon):
    """Cement (EPA v1.3 327310: 3.924 kg CO2e/USD) is above a 2.0 threshold; steel
    (331110: 0.787) is not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy_agent.write({"autonomy": "act", "intensity_threshold": 2.0})
        cls.purchase_manager = new_test_user(
            cls.env, login="s3_purchase_manager", groups="purchase.group_purchase_manager"
        )

    def test_plain_purchase_user_cannot_confirm(self):
        order = self.create_order([(self.cement, 10, 100.0), (self.steel, 1, 100.0)])
        order.with_user(self.plain_buyer).button_confirm()
        self.assertEqual(order.state, "to approve")
        self.assertTrue(order.scope3_carbon_hold)
        self.assertIn(
            "3.924 kg CO2e per USD is above the 2 threshold", order.scope3_carbon_hold_reason
        )
        self.assertNotIn("Hot-rolled", order.scope3_carbon_hold_reason)
        self.assertIn("needs a Carbon Manager's approval", order.message_ids[0].body)
        finding = self.Finding.browse(order.scope3_carbon_finding_id.id)
        self.assertEqual(
            (finding.kind, finding.state, finding.severity),
            ("carbon_guardrail", "proposed", "high"),
        )
        self.assertEqual(finding.activity_ids.user_id, self.carbon_manager)
        # neither the buyer nor a purchase manager can push it through
        with self.assertRaises(UserError):
            order.with_user(self.plain_buyer).button_approve()
        with self.assertRaises(UserError):
            order.with_user(self.purchase_manager).button_approve()
        self.assertEqual(order.state, "to approve")
        self.assertFalse(self.entries_of(order))
        # the Carbon Manager approves: the order is confirmed, the approval logged
        order.with_user(self.carbon_manager).action_scope3_carbon_approve()
        self.assertEqual(order.state, "purchase")
        self.assertEqual(order.scope3_carbon_approved_by_id, self.carbon_manager)
        self.assertEqual(finding.state, "applied")
        self.assertEqual(finding.reviewer_id, self.carbon_manager)
        self.assertEqual(
            finding.decision_ids.sorted("id").mapped("decision_type"),
            ["finding", "approve", "apply"],
        )
        self.run_attribution()
        self.assertTrue(self.entries_of(order))

    def test_approving_the_finding_approves_the_order(self):
        order = self.create_order([(self.cement, 1, 100.0)])
        order.with_user(self.plain_buyer).button_confirm()
        order.scope3_carbon_finding_id.with_user(self.carbon_manager).action_approve()
        self.assertEqual(order.state, "purchase")

    def test_carbon_manager_confirms_directly_and_it_is_logged(self):
        order = self.create_order([(self.cement, 1, 100.0)], user=self.carbon_manager)
        order.with_user(self.carbon_manager).button_confirm()
        self.assertEqual(order.state, "purchase")
        self.assertEqual(order.scope3_carbon_approved_by_id, self.carbon_manager)
        self.assertEqual(order.scope3_carbon_finding_id.state, "applied")
        self.assertIn(
            "approve", order.scope3_carbon_finding_id.decision_ids.mapped("decision_type")
        )

    def test_below_threshold_goes_through(self):
        order = self.create_order([(self.steel, 10, 100.0)])
        order.with_user(self.plain_buyer).button_confirm()
        self.assertEqual(order.state, "purchase")
        self.assertFalse(order.scope3_carbon_hold)
        self.assertFalse(order.scope3_carbon_finding_id)

    def test_recommend_mode_warns_only(self):
        self.policy_agent.autonomy = "recommend"
        order = self.create_order([(self.cement, 1, 100.0)])
        order.with_user(self.plain_buyer).button_confirm()
        self.assertEqual(order.state, "purchase")
        self.assertFalse(order.scope3_carbon_hold)
        self.assertIn("recommendation only", order.message_ids[0].body)

    def test_kill_switch_lifts_the_guardrail(self):
        self.env["ir.config_parameter"].sudo().set_param(KILL_SWITCH, "True")
        order = self.create_order([(self.cement, 1, 100.0)])
        order.with_user(self.plain_buyer).button_confirm()
        self.assertEqual(order.state, "purchase")

    def test_policy_runs_never_release_holds(self):
        order = self.create_order([(self.cement, 1, 100.0)])
        order.with_user(self.plain_buyer).button_confirm()
        run = self.run_agent(self.policy_agent)
        self.assertEqual(run.state, "done")
        self.assertEqual(order.scope3_carbon_finding_id.state, "proposed")
        self.assertEqual(order.state, "to approve")

    def test_top_emitting_vendor_with_poor_data(self):
        """The vendor's history (spend-based, DQ 4) makes it the top emitter: its next
        order needs a carbon approval even though steel is below the threshold."""
        self.policy_agent.write({"top_vendor_count": 3, "top_vendor_dq": 4})
        history = self.create_order([(self.steel, 100, 1000.0)])
        history.with_user(self.plain_buyer).button_confirm()
        self.run_attribution()
        entry = self.entries_of(history)
        self.assertEqual((entry.method, entry.dq_score), ("spend_based", 4))
        order = self.create_order([(self.steel, 1, 10.0)])
        order.with_user(self.plain_buyer).button_confirm()
        self.assertEqual(order.state, "to approve")
        self.assertIn(
            "top-3 emitting vendor #1 with data quality 4.0", order.scope3_carbon_hold_reason
        )

    def _age_ranking(self, minutes=11):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE scope3_agent_vendor_rank "
            "SET computed_at = computed_at - %s * interval '1 minute'",
            [minutes],
        )
        self.env.invalidate_all()

    def test_vendor_ranking_is_stored_and_refreshed_by_the_run(self):
        """The top-vendor check reads the stored ranking (one bounded query), made at the
        first confirmation of the day, and again by a run of the policy agent once it is
        ten minutes old."""
        self.policy_agent.write({"top_vendor_count": 3, "top_vendor_dq": 4})
        Rank = self.env["scope3.agent.vendor.rank"]
        today = fields.Datetime.now().replace(microsecond=0)
        history = self.create_order([(self.steel, 100, 1000.0)], date=today)
        history.with_user(self.plain_buyer).button_confirm()
        self.run_attribution()
        # the attribution woke the policy agent
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count(
                [("cron_id", "=", self.policy_agent.cron_id.id)]
            )
        )
        # a run within ten minutes of the ranking (made at the history's confirmation,
        # before its entries) keeps it
        first = Rank.search([])
        self.run_agent(self.policy_agent)
        self.assertEqual(Rank.search([]), first)
        self._age_ranking()
        self.run_agent(self.policy_agent)
        order = self.create_order([(self.steel, 1, 10.0)], date=today)
        order.with_user(self.plain_buyer).button_confirm()
        ranking = Rank.search([("company_id", "=", self.company.id), ("rank", ">", 0)])
        self.assertIn(self.vendor, ranking.partner_id)
        self.assertLessEqual(len(ranking), 3)
        inputs = order.scope3_carbon_finding_id.evidence["inputs"]
        self.assertEqual(inputs["ranked_at"], str(ranking[0].computed_at))
        # the ranking of the day is read, not made again: the same rows answer
        Policy = self.env["scope3.agent.policy"]
        before = Rank.search_count([])
        with self.assertQueryCount(1):
            rank, dq, _day = Policy._policy_vendor_rank(order, self.policy_agent)
        self.assertEqual(Rank.search_count([]), before)
        self.assertEqual(
            (rank, dq), (ranking.filtered(lambda r: r.partner_id == self.vendor).rank, 4.0)
        )
        vendor_rank = ranking.filtered(lambda r: r.partner_id == self.vendor).rank
        # a run of the agent ten minutes later ranks again and keeps only its own ranking
        self._age_ranking()
        self.run_agent(self.policy_agent)
        latest = Rank.search([("company_id", "=", self.company.id)])
        self.assertFalse(latest & ranking)
        self.assertEqual(latest.filtered(lambda r: r.partner_id == self.vendor).rank, vendor_rank)


@tagged("post_install", "-at_install")
class TestLockDate(AgentsCommon):
    def test_locked_period_refuses_entries(self):
        self.company.scope3_lock_date = "2022-12-31"
        locked = self.confirm(self.create_order([(self.steel, 1, 100.0)]))
        open_ = self.confirm(
            self.create_order([(self.steel, 1, 100.0)], date="2023-02-01 10:00:00")
        )
        self.run_attribution()
        self.assertFalse(self.entries_of(locked))
        event = self.Event.search([("aggregateid", "=", str(locked.id))])
        self.assertIn("locked up to 2022-12-31", event.error)
        self.assertTrue(self.entries_of(open_))

    def test_restatement_of_a_locked_period(self):
        """An approved restatement posts the figures of a locked period on the day after
        the lock date; only its entries may pass the lock."""
        # 10 x 100 USD on 2022-06-15 x 0.787 (EPA v1.3 331110) = 787.000 kg
        order = self.confirm(self.create_order([(self.steel, 10, 100.0)]))
        self.run_attribution()
        self.company.scope3_lock_date = "2022-12-31"
        footprint = self.env["scope3.supplier.footprint"].create(
            {
                "partner_id": self.vendor.id,
                "product_id": self.steel.id,
                "pcf_kg": 1.85,
                "declared_unit": "kilogram",
                "valid_from": "2022-01-01",
            }
        )
        footprint.action_accept()
        self.run_attribution()
        restatement = self.env["scope3.restatement"].search(
            [("supplier_footprint_id", "=", footprint.id)]
        )
        restatement.with_user(self.carbon_manager).action_approve()
        Entry = self.env["scope3.emission.entry"]
        locked_vals = {
            "company_id": self.company.id,
            "date": "2022-06-15",
            "restatement_id": restatement.id,
        }
        Entry._scope3_check_lock_dates([locked_vals])  # approved: may pass
        restatement.with_user(self.carbon_manager).action_post()
        # 10 units x 1 kg per unit (declared) x 1.85 = 18.500 kg, posted on 2023-01-01
        self.assertEqual(
            [(str(e.date), e.co2e_kg) for e in self.entries_of(order)],
            [("2022-06-15", 787.0), ("2023-01-01", -787.0), ("2023-01-01", 18.5)],
        )
        # once posted, its id no longer opens the locked period
        with self.assertRaisesRegex(UserError, "locked up to 2022-12-31"):
            Entry._scope3_check_lock_dates([locked_vals])
        with self.assertRaisesRegex(UserError, "locked up to 2022-12-31"):
            Entry._scope3_check_lock_dates([dict(locked_vals, restatement_id=False)])


@tagged("post_install", "-at_install")
class TestGovernanceLog(AgentsCommon):
    """Factor-set publication and restatement decisions land in the decision log."""

    def _governance(self, action):
        return (
            self.env["scope3.agent.decision"]
            .search([("decision_type", "=", "governance")], order="id")
            .filtered(lambda d: json.loads(d.decision)["action"] == action)
        )

    def test_factor_set_publication_is_logged_with_four_eyes(self):
        self.company.scope3_four_eyes_publish = True
        factor_set = self.env["scope3.factor.set"].create(
            {
                "name": "Test activity factors",
                "publisher": "Test",
                "edition": "g1",
                "gwp_basis": "ar6",
                "factor_type": "activity",
                "factor_ids": [
                    Command.create(
                        {
                            "key_type": "manual",
                            "key": "g-1",
                            "name": "Test factor",
                            "value": 1.0,
                            "unit": "kg CO2e/kg",
                            "uom_id": self.env.ref("uom.product_uom_kgm").id,
                        }
                    )
                ],
            }
        )
        factor_set.with_user(self.carbon_manager).action_publish()
        decision = self._governance("factor_set_published")
        self.assertEqual(len(decision), 1)
        self.assertEqual(decision.user_id, self.carbon_manager)
        self.assertEqual(decision.agent_id, self.policy_agent)
        self.assertEqual(
            {
                k: json.loads(decision.decision)[k]
                for k in ("decided_by", "four_eyes_required", "four_eyes_held")
            },
            {
                "decided_by": self.carbon_manager.login,
                "four_eyes_required": True,
                "four_eyes_held": True,
            },
        )
        self.assertEqual(
            json.loads(decision.decision)["content_checksum"], factor_set.content_checksum
        )
        self.assertIsNone(self.env["scope3.agent.decision"]._scope3_verify_chain()[1])

    def test_restatement_decisions_are_logged(self):
        order = self.confirm(self.create_order([(self.steel, 10, 100.0)]))
        self.run_attribution()
        footprint = self.env["scope3.supplier.footprint"].create(
            {
                "partner_id": self.vendor.id,
                "product_id": self.steel.id,
                "pcf_kg": 1.85,
                "declared_unit": "kilogram",
                "valid_from": "2022-01-01",
            }
        )
        footprint.action_accept()  # proposed by the administrator
        self.run_attribution()
        restatement = self.env["scope3.restatement"].search(
            [("supplier_footprint_id", "=", footprint.id)]
        )
        restatement.with_user(self.carbon_manager).action_approve()
        restatement.with_user(self.carbon_manager).action_post()
        approved = self._governance("restatement_approved")
        posted = self._governance("restatement_posted")
        self.assertEqual((len(approved), len(posted)), (1, 1))
        # 787.000 kg -> 10 x 1 kg x 1.85 = 18.500 kg: delta -768.500
        self.assertEqual(json.loads(approved.decision)["delta_kg"], -768.5)
        self.assertEqual(json.loads(approved.decision)["shadow_hash"], restatement.shadow_hash)
        self.assertTrue(json.loads(approved.decision)["four_eyes_held"])
        self.assertEqual(json.loads(posted.decision)["decided_by"], self.carbon_manager.login)
        self.assertEqual(sum(self.entries_of(order).mapped("co2e_kg")), 18.5)
        self.assertIsNone(self.env["scope3.agent.decision"]._scope3_verify_chain()[1])
