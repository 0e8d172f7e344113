# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..core import (
    GENESIS_HASH,
    RULE_VERSIONS,
    canonical_json,
    chain_hash,
    digest,
    evaluate,
    verify_chain,
)

HUMAN_RULE_VERSION = "human/1"
VERIFY_CHUNK = 5000


class Scope3AgentDecision(models.Model):
    """The append-only, hash-chained log of every agent and reviewer decision.

    Each record stores the canonical JSON of the decision, the digest of the inputs it
    was taken on, the version of the rules that took it, the hash of the record before
    it and its own hash: ``sha256(previous hash, decision, inputs digest, rule version)``.
    The ORM refuses ``write`` and ``unlink`` for everyone and a PostgreSQL trigger
    rejects any UPDATE or DELETE; "Verify Chain" recomputes every link and names the
    first record that does not hold.
    """

    _name = "scope3.agent.decision"
    _description = "Scope 3 Agent Decision"
    _order = "id desc"

    decision_type = fields.Selection(
        [
            ("finding", "Finding recorded"),
            ("auto_approve", "Approved by the agent"),
            ("approve", "Approved by a person"),
            ("reject", "Rejected by a person"),
            ("dismiss", "Dismissed by a person"),
            ("apply", "Applied"),
            ("resolved", "Resolved"),
            ("policy_hold", "Order held by a guardrail"),
            ("policy_approve", "Carbon approval"),
            ("kill_switch", "Kill switch"),
            ("governance", "Governance decision"),
        ],
        required=True,
        readonly=True,
        index=True,
    )
    agent_id = fields.Many2one("scope3.agent", readonly=True, index=True, ondelete="restrict")
    run_id = fields.Many2one(
        "scope3.agent.run", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    finding_id = fields.Many2one(
        "scope3.agent.finding", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    user_id = fields.Many2one("res.users", string="User", readonly=True)
    decision = fields.Text(readonly=True, help="Canonical JSON of the decision.")
    decision_pretty = fields.Text(string="Decision (JSON)", compute="_compute_decision_pretty")
    inputs_digest = fields.Char(readonly=True)
    rule_version = fields.Char(readonly=True)
    previous_hash = fields.Char(readonly=True)
    hash = fields.Char(readonly=True, index=True)

    def init(self):
        # a constant statement (no parameters, so no %-formatting of the PL/pgSQL)
        self.env.cr.execute(
            """
            CREATE OR REPLACE FUNCTION scope3_agent_decision_append_only()
            RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'scope3_agent_decision % is logged: the agent decision log '
                    'is append-only (% refused)', OLD.id, TG_OP
                    USING ERRCODE = 'restrict_violation';
            END;
            $$;
            DROP TRIGGER IF EXISTS scope3_agent_decision_append_only ON scope3_agent_decision;
            CREATE TRIGGER scope3_agent_decision_append_only
                BEFORE UPDATE OR DELETE ON scope3_agent_decision
                FOR EACH ROW EXECUTE FUNCTION scope3_agent_decision_append_only();
            -- the head of the chain: one row, locked by every append
            CREATE TABLE IF NOT EXISTS scope3_agent_decision_head (
                id integer PRIMARY KEY CHECK (id = 1),
                last_id integer NOT NULL DEFAULT 0,
                hash varchar NOT NULL
            );
            """
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO scope3_agent_decision_head (id, last_id, hash) "
                "SELECT 1, 0, %s WHERE NOT EXISTS (SELECT 1 FROM scope3_agent_decision_head)",
                GENESIS_HASH,
            )
        )

    @api.depends("decision")
    def _compute_decision_pretty(self):
        for record in self:
            record.decision_pretty = (
                json.dumps(json.loads(record.decision), indent=2, sort_keys=True)
                if record.decision
                else False
            )

    @api.depends("decision_type")
    def _compute_display_name(self):
        labels = dict(self._fields["decision_type"]._description_selection(self.env))
        for record in self:
            record.display_name = f"D{record.id or 0:07d} {labels.get(record.decision_type, '')}"

    # ------------------------------------------------------------------------------------
    # Append
    # ------------------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """Chain the new records: each gets the hash of the one before it.

        ``decision`` may be given as a dict (it is stored in canonical form). Appends are
        serialised on the head row, so the id order is the chain order.
        """
        if not vals_list:
            return self.browse()
        # Lock the head row: appends are serialised, and under Odoo's REPEATABLE READ a
        # transaction whose snapshot predates another append fails with a serialization
        # error (and is retried) instead of forking the chain.
        self.env.cr.execute(
            SQL("SELECT hash FROM scope3_agent_decision_head WHERE id = 1 FOR UPDATE")
        )
        previous = self.env.cr.fetchone()[0]
        for vals in vals_list:
            decision = vals.get("decision")
            if isinstance(decision, str):
                decision = json.loads(decision)
            text = canonical_json(decision or {})
            vals["decision"] = text
            vals["previous_hash"] = previous
            vals["hash"] = previous = chain_hash(
                previous, text, vals.get("inputs_digest") or "", vals.get("rule_version") or ""
            )
        records = super().create(vals_list)
        records.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE scope3_agent_decision_head SET hash = %s, last_id = %s WHERE id = 1",
                previous,
                max(records.ids),
            )
        )
        return records

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("The agent decision log is append-only."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The agent decision log is append-only."))

    @api.model
    def _scope3_log(self, entries):
        """Append decisions.

        :param list[dict] entries: each with ``type``, ``agent``, ``run``, ``finding``
            (records, possibly empty), ``decision`` (dict) and ``inputs`` (what the
            decision was taken on, digested); optional ``company`` and ``rule_version``
            (default: the agent's, or ``human/1`` for a person's decision)
        """
        vals_list = []
        for entry in entries:
            agent, finding = entry["agent"], entry["finding"]
            rule_version = entry.get("rule_version")
            if not rule_version:
                if entry["type"] in ("approve", "reject", "dismiss", "kill_switch", "governance"):
                    rule_version = HUMAN_RULE_VERSION
                else:
                    rule_version = RULE_VERSIONS.get(agent.kind, HUMAN_RULE_VERSION)
            company = entry.get("company") or finding.company_id
            vals_list.append(
                {
                    "decision_type": entry["type"],
                    "agent_id": agent.id,
                    "run_id": entry["run"].id,
                    "finding_id": finding.id,
                    "company_id": company.id if company else False,
                    "user_id": self.env.uid,
                    "decision": dict(
                        entry["decision"],
                        type=entry["type"],
                        agent=agent.code or None,
                    ),
                    "inputs_digest": digest(entry["inputs"]),
                    "rule_version": rule_version,
                }
            )
        return self.sudo().create(vals_list)  # the log is written by code only

    @api.model
    def _scope3_log_governance(self, action, record, company, decision):
        """Log a person's governance decision (factor set published, restatement
        approved / rejected / posted) under the policy agent, whatever its autonomy: the
        log is the audit trail of what changed reported figures and who decided it."""
        agent = self.env["scope3.agent"].sudo().search([("kind", "=", "policy")], limit=1)
        return self._scope3_log(
            [
                {
                    "type": "governance",
                    "agent": agent,
                    "run": self.env["scope3.agent.run"],
                    "finding": self.env["scope3.agent.finding"],
                    "company": company,
                    "decision": dict(
                        decision, action=action, model=record._name, record_id=record.id
                    ),
                    "inputs": {"model": record._name, "id": record.id, **decision},
                }
            ]
        )

    # ------------------------------------------------------------------------------------
    # Verify
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_verify_chain(self):
        """Recompute every link, in chain order, straight from the table.

        :return: ``(record, reason)`` for the first broken link, or ``(empty, None)``
        """
        self.flush_model()
        last_id, previous = 0, GENESIS_HASH
        while True:
            self.env.cr.execute(
                SQL(
                    "SELECT id, previous_hash, decision, inputs_digest, rule_version, hash "
                    "FROM scope3_agent_decision WHERE id > %s ORDER BY id LIMIT %s",
                    last_id,
                    VERIFY_CHUNK,
                )
            )
            rows = self.env.cr.dictfetchall()
            if not rows:
                return self._scope3_verify_head(last_id, previous)
            broken = verify_chain(
                [
                    dict(
                        row,
                        inputs_digest=row["inputs_digest"] or "",
                        rule_version=row["rule_version"] or "",
                    )
                    for row in rows
                ],
                start_hash=previous,
            )
            if broken:
                return self.browse(broken[0]), broken[1]
            last_id, previous = rows[-1]["id"], rows[-1]["hash"]

    @api.model
    def _scope3_verify_head(self, last_id, last_hash):
        """The chain must end where its head says: records removed from the end of the
        log (or a rewritten head) are reported at the last record."""
        self.env.cr.execute(
            SQL("SELECT last_id, hash FROM scope3_agent_decision_head WHERE id = 1")
        )
        head = self.env.cr.fetchone()
        if head and (head[0], head[1]) != (last_id, last_hash):
            return self.browse(last_id), "the log does not end at its recorded head"
        return self.browse(), None

    @api.model
    def action_verify_chain(self):
        if not self.env.user.has_group("scope3_carbon.group_scope3_auditor"):
            raise UserError(self.env._("Only auditors and managers can verify the log."))
        record, reason = self._scope3_verify_chain()
        if record:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "danger",
                    "sticky": True,
                    "title": self.env._("Decision log broken"),
                    "message": self.env._(
                        "The first broken link is decision %(record)s (id %(id)s): %(reason)s.",
                        record=record.sudo().display_name,
                        id=record.id,
                        reason=reason,
                    ),
                },
            }
        self.env.cr.execute(SQL("SELECT count(*) FROM scope3_agent_decision"))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s decisions verified: every link of the chain holds.",
                    count=self.env.cr.fetchone()[0],
                ),
            },
        }

    def _scope3_replay(self):
        """Re-evaluate these logged agent findings from the inputs they record and re-chain
        them from their stored previous hashes.

        :return: list of ``(record, problem)``; empty when every decision and hash is
            reproduced
        """
        problems = []
        for record in self.sorted("id"):
            decision = json.loads(record.decision)
            if record.decision_type == "finding":
                result = evaluate(decision["check"], decision["inputs"], decision["params"])
                if canonical_json(result) != canonical_json(decision["result"]):
                    problems.append((record, "the rule gives another result"))
                    continue
                if digest(decision["inputs"]) != record.inputs_digest:
                    problems.append((record, "the inputs digest differs"))
                    continue
            rehashed = chain_hash(
                record.previous_hash,
                canonical_json(decision),
                record.inputs_digest,
                record.rule_version,
            )
            if rehashed != record.hash:
                problems.append((record, "the hash differs"))
        return problems
