# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

import psycopg2

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from ..core import GENESIS_HASH, canonical_json, chain_hash
from .common import AgentsCommon


@tagged("post_install", "-at_install")
class TestDecisionLog(AgentsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.widgets = Product.browse()
        orders = cls.env["purchase.order"]
        for name in ("Widget A", "Widget B", "Widget C"):
            product = Product.create({"name": name, "type": "service"})
            cls.widgets |= product
            orders |= cls.create_order([(product, 2, 100.0)])
        orders |= cls.create_order([(cls.steel, 1, 10.0)])
        orders[-1].partner_ref = "DUP"
        orders |= cls.create_order([(cls.steel, 1, 20.0)])
        orders[-1].partner_ref = "DUP"
        cls.orders = orders
        cls.confirm(orders)
        cls.run_attribution()

    def _chain(self, decisions):
        # what was decided, on which inputs, under which rules (the hashes cover the ids
        # of the run and findings too, which differ between two runs)
        return [(d.decision, d.inputs_digest, d.rule_version) for d in decisions]

    def test_chain_links(self):
        run = self.run_agent(self.dq_agent)
        decisions = run.decision_ids.sorted("id")
        self.assertGreaterEqual(len(decisions), 4)
        for before, after in zip(decisions, decisions[1:], strict=False):
            self.assertEqual(after.previous_hash, before.hash)
        first = self.Decision.search([], order="id", limit=1)
        self.assertEqual(first.previous_hash, GENESIS_HASH)
        rows = {r["id"]: r for r in self.Decision._scope3_rows(SQL("id IN %s", decisions._ids))}
        for decision in decisions:
            self.assertEqual(decision.hash, chain_hash(decision.previous_hash, rows[decision.id]))
            self.assertEqual(rows[decision.id]["user_id"], self.env.uid)
            self.assertEqual(decision.rule_version, "data_quality/1")
            self.assertEqual(canonical_json(json.loads(decision.decision)), decision.decision)
        record, reason = self.Decision._scope3_verify_chain()
        self.assertFalse(record, reason)
        action = self.Decision.with_user(self.carbon_manager).action_verify_chain()
        self.assertEqual(action["params"]["type"], "success")

    def test_log_is_append_only(self):
        self.run_agent(self.dq_agent)
        decision = self.Decision.search([], order="id desc", limit=1)
        with self.assertRaises(UserError):
            decision.sudo().write({"hash": "x"})
        with self.assertRaises(UserError):
            decision.sudo().unlink()
        for statement in (
            "UPDATE scope3_agent_decision SET decision = '{}' WHERE id = %s",
            "DELETE FROM scope3_agent_decision WHERE id = %s",
        ):
            with (
                self.assertRaises(psycopg2.errors.RestrictViolation),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(statement, [decision.id])

    def test_sql_tampering_is_pinpointed(self):
        run = self.run_agent(self.dq_agent)
        decisions = run.decision_ids.sorted("id")
        target = decisions[2]
        tampered = target.decision.replace('"severity":"medium"', '"severity":"low"')
        self.assertNotEqual(tampered, target.decision)
        # someone with database access disables the trigger and edits a decision
        self.env.cr.execute("ALTER TABLE scope3_agent_decision DISABLE TRIGGER USER")
        self.env.cr.execute(
            "UPDATE scope3_agent_decision SET decision = %s WHERE id = %s", [tampered, target.id]
        )
        self.env.cr.execute("ALTER TABLE scope3_agent_decision ENABLE TRIGGER USER")
        target.invalidate_recordset()
        record, reason = self.Decision._scope3_verify_chain()
        self.assertEqual(record, target)
        self.assertEqual(reason, "hash does not match the decision")
        action = self.Decision.with_user(self.carbon_manager).action_verify_chain()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn(f"(id {target.id})", action["params"]["message"])
        # replaying the run finds it too
        self.assertEqual(
            run.decision_ids._scope3_replay()[0], (target, "the rule gives another result")
        )

    def test_rewritten_hash_breaks_the_next_link(self):
        run = self.run_agent(self.dq_agent)
        first, second = run.decision_ids.sorted("id")[:2]
        self.env.cr.execute("ALTER TABLE scope3_agent_decision DISABLE TRIGGER USER")
        # a consistent forgery of one record: its own hash recomputed...
        forged = first.decision.replace('"severity":"medium"', '"severity":"high"')
        row = self.Decision._scope3_rows(SQL("id = %s", first.id))[0]
        self.env.cr.execute(
            "UPDATE scope3_agent_decision SET decision = %s, hash = %s WHERE id = %s",
            [forged, chain_hash(first.previous_hash, dict(row, decision=forged)), first.id],
        )
        self.env.cr.execute("ALTER TABLE scope3_agent_decision ENABLE TRIGGER USER")
        # ... breaks the link of the record after it
        self.assertEqual(
            self.Decision._scope3_verify_chain(),
            (second, "previous hash does not match the record before it"),
        )

    def test_removed_tail_is_detected(self):
        run = self.run_agent(self.dq_agent)
        last = run.decision_ids.sorted("id")[-1]
        before = self.Decision.search([("id", "<", last.id)], order="id desc", limit=1)
        self.env.cr.execute("ALTER TABLE scope3_agent_decision DISABLE TRIGGER USER")
        self.env.cr.execute("DELETE FROM scope3_agent_decision WHERE id = %s", [last.id])
        self.env.cr.execute("ALTER TABLE scope3_agent_decision ENABLE TRIGGER USER")
        self.assertEqual(
            self.Decision._scope3_verify_chain(),
            (before, "the log does not end at its recorded head"),
        )

    def test_same_inputs_same_hashes(self):
        """Two runs on the same data (the first rolled back) log identical decisions;
        replaying the logged run reproduces its decisions and hashes."""
        savepoint = self.env.cr.savepoint()
        first = self._chain(self.run_agent(self.dq_agent).decision_ids.sorted("id"))
        self.env.flush_all()
        savepoint.rollback()
        savepoint.close(rollback=False)
        self.env.invalidate_all()
        run = self.run_agent(self.dq_agent)
        second = self._chain(run.decision_ids.sorted("id"))
        self.assertTrue(first)
        self.assertEqual(first, second)
        self.assertEqual(run.decision_ids._scope3_replay(), [])
        action = run.action_replay()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(run.inputs_digest)

    def test_reviewer_decisions_are_logged(self):
        self.run_agent(self.dq_agent)
        finding = self.findings_about(self.orders, agent=self.dq_agent).filtered(
            lambda f: f.kind == "duplicate_vendor_ref"
        )
        self.assertEqual(len(finding), 1)
        finding.with_user(self.carbon_manager).action_dismiss(
            note="split delivery, not a duplicate"
        )
        logged = finding.decision_ids.sorted("id")
        self.assertEqual(logged.mapped("decision_type"), ["finding", "dismiss"])
        self.assertEqual(logged[-1].rule_version, "human/1")
        self.assertEqual(logged[-1].user_id, self.carbon_manager)
        self.assertEqual(json.loads(logged[-1].decision)["by"], "s3_carbon_manager")
        self.assertFalse(self.Decision._scope3_verify_chain()[0])

    def _tamper(self, sql, params):
        """Someone with database access disables the triggers and runs ``sql``."""
        self.env.cr.execute("ALTER TABLE scope3_agent_decision DISABLE TRIGGER USER")
        self.env.cr.execute(sql, params)
        result = self.env.cr.fetchall() if self.env.cr.description else None
        self.env.cr.execute("ALTER TABLE scope3_agent_decision ENABLE TRIGGER USER")
        self.env.invalidate_all()
        return result

    def test_every_stored_column_is_covered(self):
        """Any column rewritten by SQL (who decided, what type, which company, agent, run,
        finding, rules, inputs, when) names that exact decision."""
        run = self.run_agent(self.dq_agent)
        self.dq_agent.flush_recordset()
        target = run.decision_ids.sorted("id")[1]
        other_company = self.env["res.company"].create({"name": "S3 Other Co"})
        edits = {
            "user_id": self.carbon_manager.id,
            "decision_type": "approve",
            "company_id": other_company.id,
            "agent_id": self.cls_agent.id,
            "run_id": None,
            "finding_id": None,
            "rule_version": "data_quality/0",
            "inputs_digest": "0" * 64,
            "create_date": "2020-01-01 00:00:00",
            "create_uid": self.carbon_manager.id,
        }
        for column, value in edits.items():
            with self.subTest(column=column), self.env.cr.savepoint() as savepoint:
                self._tamper(
                    f"UPDATE scope3_agent_decision SET {column} = %s WHERE id = %s",
                    [value, target.id],
                )
                self.assertEqual(
                    self.Decision._scope3_verify_chain(),
                    (target, "hash does not match the decision"),
                )
                action = self.Decision.with_user(self.carbon_manager).action_verify_chain()
                self.assertIn(f"(id {target.id})", action["params"]["message"])
                savepoint.rollback()
        self.assertFalse(self.Decision._scope3_verify_chain()[0])

    def test_inserted_and_deleted_rows_are_named(self):
        run = self.run_agent(self.dq_agent)
        decisions = run.decision_ids.sorted("id")
        self.assertGreaterEqual(len(decisions), 3)
        with self.env.cr.savepoint() as savepoint:
            self._tamper("DELETE FROM scope3_agent_decision WHERE id = %s", [decisions[1].id])
            self.assertEqual(
                self.Decision._scope3_verify_chain(),
                (decisions[2], "previous hash does not match the record before it"),
            )
            savepoint.rollback()
        # a forged record added after the last one, with a coherent link and hash
        last = self.Decision.search(
            [("chain_position", "!=", False)], order="chain_position desc", limit=1
        )
        (forged_id,) = self._tamper(
            "INSERT INTO scope3_agent_decision (decision_type, decision, inputs_digest, "
            "rule_version, chain_position, previous_hash, create_date) "
            "VALUES ('approve', '{}', '', 'human/1', %s, %s, now()) RETURNING id",
            [last.chain_position + 1, last.hash],
        )[0]
        row = self.Decision._scope3_rows(SQL("id = %s", forged_id))[0]
        self._tamper(
            "UPDATE scope3_agent_decision SET hash = %s WHERE id = %s",
            [chain_hash(last.hash, row), forged_id],
        )
        self.assertEqual(
            self.Decision._scope3_verify_chain(),
            (self.Decision.browse(forged_id), "the log does not end at its recorded head"),
        )

    def test_sql_refuses_rewrites_truncate_and_head_moves(self):
        self.run_agent(self.dq_agent)
        decision = self.Decision.search([], order="id desc", limit=1)
        self.assertTrue(decision.hash)
        refused = [
            ("UPDATE scope3_agent_decision SET user_id = NULL WHERE id = %s", [decision.id]),
            (
                "UPDATE scope3_agent_decision SET hash = NULL, chain_position = NULL "
                "WHERE id = %s",
                [decision.id],
            ),
            ("TRUNCATE scope3_agent_decision CASCADE", []),
            ("TRUNCATE scope3_agent_decision_head", []),
            ("DELETE FROM scope3_agent_decision_head", []),
            ("UPDATE scope3_agent_decision_head SET hash = %s", ["0" * 64]),
            (
                "UPDATE scope3_agent_decision_head SET last_position = 0, last_id = 0, hash = %s",
                ["0" * 64],
            ),
            ("UPDATE scope3_agent_decision_head SET last_position = last_position + 1", []),
        ]
        for statement, params in refused:
            with (
                self.subTest(statement=statement),
                self.assertRaises(psycopg2.errors.RestrictViolation),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(statement, params)
        self.assertFalse(self.Decision._scope3_verify_chain()[0])

    def test_rewritten_head_is_detected(self):
        self.run_agent(self.dq_agent)
        last = self.Decision.search(
            [("chain_position", "!=", False)], order="chain_position desc", limit=1
        )
        self.env.cr.execute("ALTER TABLE scope3_agent_decision_head DISABLE TRIGGER USER")
        self.env.cr.execute("UPDATE scope3_agent_decision_head SET hash = %s", ["f" * 64])
        self.env.cr.execute("ALTER TABLE scope3_agent_decision_head ENABLE TRIGGER USER")
        self.assertEqual(
            self.Decision._scope3_verify_chain(),
            (last, "the log does not end at its recorded head"),
        )
