# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.scope3_agent import WAKE_DELAY
from .common import AgentsCommon

AGENT_LOGGER = "odoo.addons.scope3_carbon_agents.models.scope3_agent"


@tagged("post_install", "-at_install")
class TestAgentFramework(AgentsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # four orders of unmapped products: four subjects for the first phase
        Product = cls.env["product.product"]
        cls.gadgets = Product.browse()
        cls.orders = cls.env["purchase.order"]
        for i in range(4):
            product = Product.create({"name": f"Gadget {i}", "type": "service"})
            cls.gadgets |= product
            cls.orders |= cls.create_order([(product, 1, 10.0 * (i + 1))])
        cls.confirm(cls.orders)
        cls.run_attribution()

    def test_one_cron_per_agent(self):
        agents = self.dq_agent | self.cls_agent | self.rem_agent | self.policy_agent
        self.assertEqual(len(agents.cron_id), 4)
        for agent in agents:
            self.assertEqual(agent.cron_id.code, f"model._cron_run_agent({agent.id})")
            self.assertEqual(agent.cron_id.model_id.model, "scope3.agent")
        self.assertTrue(self.dq_agent.cron_id.active)
        self.dq_agent.action_pause()
        self.assertFalse(self.dq_agent.cron_id.active)
        self.dq_agent.action_resume()
        self.assertTrue(self.dq_agent.cron_id.active)
        self.dq_agent.autonomy = "off"
        self.assertFalse(self.dq_agent.cron_id.active)
        new = self.env["scope3.agent"].create(
            {"name": "DQ 2", "code": "dq2", "kind": "data_quality", "interval_type": "days"}
        )
        self.assertEqual(new.cron_id.interval_type, "days")
        self.assertEqual(new.cron_id.code, f"model._cron_run_agent({new.id})")

    def test_attribution_wakes_agents(self):
        """An attribution wakes each watching agent once, WAKE_DELAY later; the next ones
        of the same window find it due and add nothing (a burst wakes it once)."""
        Trigger = self.env["ir.cron.trigger"]
        crons = self.dq_agent.cron_id | self.cls_agent.cron_id
        Trigger.search([("cron_id", "in", crons.ids)]).unlink()
        start = fields.Datetime.now()
        self.confirm(self.create_order([(self.steel, 1, 10.0)]))
        self.run_attribution()
        triggers = Trigger.search([("cron_id", "in", crons.ids)])
        self.assertEqual(triggers.cron_id, crons)
        self.assertEqual(len(triggers), 2)
        for trigger in triggers:
            self.assertGreaterEqual(trigger.call_at, start + WAKE_DELAY)
            self.assertLessEqual(trigger.call_at, fields.Datetime.now() + WAKE_DELAY)
        self.confirm(self.create_order([(self.steel, 2, 10.0)]))
        self.run_attribution()
        self.assertEqual(Trigger.search([("cron_id", "in", crons.ids)]), triggers)
        # a paused agent is not woken
        self.cls_agent.action_pause()
        before = Trigger.search_count([("cron_id", "=", self.cls_agent.cron_id.id)])
        self.env["scope3.agent"]._scope3_wake(["classification"])
        self.assertEqual(
            Trigger.search_count([("cron_id", "=", self.cls_agent.cron_id.id)]), before
        )

    def test_bounded_batches_and_progress(self):
        """Batch size 2: the cron entry point reports progress and resumes the run."""
        self.dq_agent.batch_size = 2
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": self.dq_agent.cron_id.id, "remaining": 0, "done": 0}
        )
        Agent = self.env["scope3.agent"].with_context(ir_cron_progress_id=progress.id)
        done = Agent._cron_run_agent(self.dq_agent.id)
        self.assertEqual(done, 2)
        self.assertEqual(progress.done, 2)
        self.assertGreater(progress.remaining, 0)
        run = self.dq_agent.last_run_id
        self.assertEqual(run.state, "running")
        self.assertEqual((run.phase, run.batch_count, run.items_scanned), ("unmapped", 1, 2))
        batches = 1
        while run.state == "running":
            Agent._cron_run_agent(self.dq_agent.id)
            batches += 1
            self.assertLess(batches, 100)
        self.assertEqual(run.state, "done")
        self.assertEqual(progress.remaining, 0)
        self.assertEqual(run.batch_count, batches)
        self.assertGreater(batches, 2)
        self.assertTrue(run.ended_at)
        found = self.findings_about(self.gadgets, agent=self.dq_agent)
        self.assertEqual(found.mapped("kind"), ["unmapped_product"] * 4)
        self.assertEqual(found.run_id, run)

    def test_second_run_is_idempotent(self):
        first = self.run_agent(self.dq_agent)
        decisions = self.Decision.search_count([])
        findings = self.Finding.search_count([])
        second = self.run_agent(self.dq_agent)
        self.assertNotEqual(first, second)
        self.assertEqual(second.findings_count, 0)
        self.assertEqual(self.Finding.search_count([]), findings)
        self.assertEqual(self.Decision.search_count([]), decisions)
        self.assertEqual(
            self.findings_about(self.gadgets, agent=self.dq_agent).last_seen_run_id, second
        )

    def test_stuck_run_is_recovered(self):
        old = fields.Datetime.now() - timedelta(hours=3)
        stuck = self.env["scope3.agent.run"].create(
            {
                "agent_id": self.dq_agent.id,
                "started_at": old,
                "heartbeat": old,
                "phase": "outliers",
                "cursor": 10**9,
            }
        )
        run = self.run_agent(self.dq_agent)
        self.assertEqual(stuck.state, "stuck")
        self.assertIn("closed as stuck", stuck.error)
        self.assertNotEqual(run, stuck)
        self.assertEqual(run.state, "done")
        self.assertEqual(len(self.findings_about(self.gadgets, agent=self.dq_agent)), 4)

    def test_recent_running_run_is_resumed(self):
        now = fields.Datetime.now()
        running = self.env["scope3.agent.run"].create(
            {"agent_id": self.dq_agent.id, "started_at": now, "heartbeat": now}
        )
        self.assertEqual(self.run_agent(self.dq_agent), running)
        self.assertEqual(running.state, "done")

    def test_failure_is_recorded_on_the_run(self):
        def boom(*args, **kwargs):
            raise ValueError("broken rule")

        with (
            patch.object(type(self.env["scope3.agent.data.quality"]), "_dq_unmapped", boom),
            mute_logger(AGENT_LOGGER),
        ):
            done, remaining = self.dq_agent._scope3_run_batch()
        self.assertEqual((done, remaining), (0, 0))
        run = self.dq_agent.last_run_id
        self.assertEqual(run.state, "failed")
        self.assertEqual(run.error, "broken rule")
        self.assertFalse(self.findings_about(self.gadgets, agent=self.dq_agent))

    def test_access(self):
        agent = self.dq_agent.with_user(self.carbon_user)
        self.assertEqual(agent.autonomy, "recommend")
        with self.assertRaises(AccessError):
            agent.autonomy = "act"
        self.dq_agent.with_user(self.carbon_manager).threshold = 0.8
        with self.assertRaises(AccessError):
            self.env["scope3.agent.decision"].with_user(self.carbon_user).search([])
