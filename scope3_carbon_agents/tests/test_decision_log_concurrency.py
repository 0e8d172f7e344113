# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import TransactionCase, tagged

ROUNDS = 10


@tagged("post_install", "-at_install")
class TestDecisionLogConcurrency(TransactionCase):
    """An agent and a person log decisions at the same moment, on two real database
    connections (each its own committed transaction): no serialization failure, no ERROR
    line, and the sealed chain proves the whole history."""

    def _real_cursor(self):
        return sql_db.db_connect(self.env.cr.dbname).cursor()

    def _env(self, cr):
        # the registry itself (a lookup by name would wait for the test runner's lock)
        cr.transaction = api.Transaction(self.env.registry)
        return api.Environment(cr, SUPERUSER_ID, {})

    def _state(self):
        with self._real_cursor() as cr:
            cr.execute("SELECT last_id, last_position, hash FROM scope3_agent_decision_head")
            head = cr.fetchone()
            cr.execute("SELECT COALESCE(max(id), 0) FROM scope3_agent_decision")
            return head, cr.fetchone()[0]

    def _restore(self, head, max_id):
        """Leave the database as it was (the rows were committed by this test)."""
        with self._real_cursor() as cr:
            cr.execute("ALTER TABLE scope3_agent_decision DISABLE TRIGGER USER")
            cr.execute("ALTER TABLE scope3_agent_decision_head DISABLE TRIGGER USER")
            cr.execute("DELETE FROM scope3_agent_decision WHERE id > %s", [max_id])
            cr.execute(
                "UPDATE scope3_agent_decision_head SET last_id = %s, last_position = %s, "
                "hash = %s",
                list(head),
            )
            cr.execute("ALTER TABLE scope3_agent_decision ENABLE TRIGGER USER")
            cr.execute("ALTER TABLE scope3_agent_decision_head ENABLE TRIGGER USER")

    def test_agent_and_governance_log_at_once(self):
        head, max_id = self._state()
        self.addCleanup(self._restore, head, max_id)
        barrier = threading.Barrier(2, timeout=60)
        errors = []

        def agent_appends(env, i):
            agent = env.ref("scope3_carbon_agents.scope3_agent_data_quality")
            env["scope3.agent.decision"]._scope3_log(
                [
                    {
                        "type": "finding",
                        "agent": agent,
                        "run": env["scope3.agent.run"],
                        "finding": env["scope3.agent.finding"],
                        "company": env.company,
                        "decision": {"round": i, "check": "concurrency"},
                        "inputs": {"round": i},
                    }
                ]
            )

        def governance_appends(env, i):
            env["scope3.agent.decision"]._scope3_log_governance(
                "test_concurrency", env.company, env.company, {"round": i}
            )

        def worker(append):
            try:
                for i in range(ROUNDS):
                    with self._real_cursor() as cr:
                        env = self._env(cr)
                        # both transactions take their snapshot before either appends
                        env["scope3.agent"].search([], limit=1)
                        barrier.wait()
                        append(env, i)
                        barrier.wait()
                    # leaving the block commits; the sealer runs after the commit
            except Exception as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
                barrier.abort()

        threads = [
            threading.Thread(target=worker, args=(append,))
            for append in (agent_appends, governance_appends)
        ]
        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
        self.assertEqual(errors, [])
        with self._real_cursor() as cr:
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            env = self._env(cr)
            Decision = env["scope3.agent.decision"]
            cr.execute(
                "SELECT count(*), count(chain_position) FROM scope3_agent_decision "
                "WHERE id > %s",
                [max_id],
            )
            # every decision of both connections was sealed by the sealers after commit
            self.assertEqual(cr.fetchone(), (2 * ROUNDS, 2 * ROUNDS))
            self.assertEqual(Decision._scope3_seal(), 0)
            record, reason = Decision._scope3_verify_chain()
            self.assertFalse(record, reason)
            self.assertIsNone(reason)
            cr.rollback()
