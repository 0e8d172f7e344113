# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import KILL_SWITCH, AgentsCommon


@tagged("post_install", "-at_install")
class TestAutonomy(AgentsCommon):
    """Act applies only above the threshold; the kill switch stops everything; a person
    can reject, and the rejection is remembered."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        failed_order, stuck_order = cls.confirm(
            cls.create_order([(cls.steel, 1, 10.0)]) | cls.create_order([(cls.cement, 1, 10.0)])
        )
        Event = cls.Event
        cls.failed = Event.search([("aggregateid", "=", str(failed_order.id))])
        cls.stuck = Event.search([("aggregateid", "=", str(stuck_order.id))])
        cls.failed.write({"state": "failed", "attempts": 5, "error": "boom"})
        cls.stuck.flush_recordset()
        cls.env.cr.execute(
            "UPDATE scope3_outbox_event SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(hours=2), cls.stuck.id],
        )
        cls.stuck.invalidate_recordset()
        cls.events = cls.failed | cls.stuck

    def _finding(self, event):
        return self.findings_about(event, agent=self.dq_agent)

    def test_act_applies_only_above_threshold(self):
        """failed event: confidence 1.0 > 0.95, retried by the agent; stuck event: 0.9,
        waits for a person."""
        self.dq_agent.write({"autonomy": "act", "threshold": 0.95})
        run = self.run_agent(self.dq_agent)
        failed, stuck = self._finding(self.failed), self._finding(self.stuck)
        self.assertEqual((failed.confidence, stuck.confidence), (1.0, 0.9))
        self.assertEqual(failed.state, "applied")
        self.assertTrue(failed.applied_by_agent)
        self.assertFalse(failed.reviewer_id)
        self.assertEqual(self.failed.state, "pending")  # the agent retried it
        self.assertEqual(self.failed.attempts, 0)
        self.assertEqual(stuck.state, "proposed")
        self.assertTrue(stuck.activity_ids)
        self.assertFalse(failed.activity_ids)
        self.assertGreaterEqual(run.actions_count, 1)
        types = failed.decision_ids.sorted("id").mapped("decision_type")
        self.assertEqual(types, ["finding", "auto_approve", "apply"])

    def test_threshold_equal_confidence_is_not_above(self):
        self.dq_agent.write({"autonomy": "act", "threshold": 1.0})
        self.run_agent(self.dq_agent)
        self.assertEqual(self._finding(self.failed).state, "proposed")
        self.assertEqual(self.failed.state, "failed")

    def test_person_approves(self):
        self.run_agent(self.dq_agent)
        finding = self._finding(self.failed)
        with self.assertRaises(UserError):
            finding.with_user(self.carbon_user).action_approve()
        finding.with_user(self.carbon_manager).action_approve()
        self.assertEqual(finding.state, "applied")
        self.assertEqual(finding.reviewer_id, self.carbon_manager)
        self.assertFalse(finding.applied_by_agent)
        self.assertEqual(self.failed.state, "pending")
        self.assertEqual(
            finding.decision_ids.sorted("id").mapped("decision_type"),
            ["finding", "approve", "apply"],
        )

    def test_findings_change_only_through_transitions(self):
        self.run_agent(self.dq_agent)
        finding = self._finding(self.failed).with_user(self.carbon_manager)
        with self.assertRaises(UserError):
            finding.write({"state": "applied"})
        with self.assertRaises(UserError):
            finding.write({"confidence": 0.1})
        with self.assertRaises(UserError):
            self.Finding.with_user(self.carbon_manager).create(
                {"name": "x", "agent_id": self.dq_agent.id, "identity_key": "x"}
            )
        finding.message_post(body="Looking into it")  # chatter stays open
        self.assertEqual(finding.state, "proposed")

    def test_rejection_is_remembered(self):
        self.run_agent(self.dq_agent)
        finding = self._finding(self.failed)
        finding.with_user(self.carbon_manager).action_reject(note="retrying will not help")
        self.assertEqual(finding.state, "rejected")
        self.assertEqual(finding.reviewer_id, self.carbon_manager)
        self.assertFalse(finding.activity_ids)
        # act mode afterwards: the rejected proposal is neither re-proposed nor applied
        self.dq_agent.write({"autonomy": "act", "threshold": 0.5})
        self.run_agent(self.dq_agent)
        self.assertEqual(self._finding(self.failed), finding)
        self.assertEqual(finding.state, "rejected")
        self.assertEqual(self.failed.state, "failed")
        with self.assertRaises(AccessError):
            finding.with_user(self.plain_buyer).read(["state"])

    def test_kill_switch_stops_everything(self):
        self.env["ir.config_parameter"].sudo().set_param(KILL_SWITCH, "True")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search_count([])
        self.env["scope3.agent"]._scope3_wake(["data_quality", "classification"])
        self.assertEqual(Trigger.search_count([]), before)
        runs = self.env["scope3.agent.run"].search_count([])
        self.assertEqual(self.dq_agent._scope3_run_batch(), (0, 0))
        self.assertEqual(self.env["scope3.agent.run"].search_count([]), runs)
        self.assertFalse(self._finding(self.events))
        with self.assertRaises(UserError):
            self.dq_agent.action_run_now()

    def test_kill_switch_stops_a_running_run(self):
        self.dq_agent.write({"autonomy": "act", "threshold": 0.5, "batch_size": 1})
        self.dq_agent._scope3_run_batch()
        run = self.dq_agent.last_run_id
        self.assertEqual(run.state, "running")
        # thrown from the settings (another transaction would do the same)
        settings = self.env["res.config.settings"].create({"scope3_agents_kill_switch": True})
        settings.execute()
        self.assertEqual(self.dq_agent._scope3_run_batch(), (0, 0))
        self.assertEqual(run.state, "killed")
        self.assertFalse(self._finding(self.events))
        self.assertEqual(self.failed.state, "failed")
        logged = self.Decision.search([("decision_type", "=", "kill_switch")], limit=1)
        self.assertIn('"kill_switch":true', logged.decision)

    def test_paused_and_off_agents_do_not_run(self):
        self.dq_agent.paused = True
        self.assertEqual(self.dq_agent._scope3_run_batch(), (0, 0))
        self.dq_agent.write({"paused": False, "autonomy": "off"})
        self.assertEqual(self.dq_agent._scope3_run_batch(), (0, 0))
        self.assertFalse(self._finding(self.events))


@tagged("post_install", "-at_install")
class TestAutonomySetting(AgentsCommon):
    def test_settings_set_every_agents_autonomy(self):
        agents = self.env["scope3.agent"].search([])
        agents.write({"autonomy": "recommend"})
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.scope3_agents_autonomy, "recommend")
        settings.scope3_agents_autonomy = "off"
        settings.execute()
        self.assertEqual(set(agents.mapped("autonomy")), {"off"})
        # agents set apart: the setting is empty and saving it changes nothing
        self.dq_agent.autonomy = "act"
        settings = self.env["res.config.settings"].create({})
        self.assertFalse(settings.scope3_agents_autonomy)
        settings.execute()
        self.assertEqual(self.dq_agent.autonomy, "act")
