# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import threading
from functools import partial

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..core import (
    GENESIS_HASH,
    HASHED_FIELDS,
    RULE_VERSIONS,
    canonical_json,
    chain_hash,
    digest,
    evaluate,
    verify_chain,
)

_logger = logging.getLogger(__name__)

HUMAN_RULE_VERSION = "human/1"
VERIFY_CHUNK = 5000
#: key of the advisory lock that lets one sealer at a time extend the chain
SEAL_LOCK_KEY = 0x53334443  # "S3DC"


def seal_in_new_transaction(registry):
    """Seal the queued decisions in a transaction of their own (READ COMMITTED, so the
    sealer sees what every other committed transaction queued and sealed). Runs after
    the commit of a transaction that logged decisions, and from the sealing cron."""
    with registry.cursor() as cr:
        cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
        return _environment(registry, cr)["scope3.agent.decision"]._scope3_seal()


def _environment(registry, cr):
    """A superuser environment on ``cr`` for ``registry`` (given, not looked up by name:
    the lookup takes the registries' lock, which a thread loading modules may hold)."""
    cr.transaction = api.Transaction(registry)
    return api.Environment(cr, SUPERUSER_ID, {})


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
    company_id = fields.Many2one("res.company", readonly=True, index=True, ondelete="restrict")
    user_id = fields.Many2one("res.users", string="User", readonly=True, ondelete="restrict")
    decision = fields.Text(readonly=True, help="Canonical JSON of the decision.")
    decision_pretty = fields.Text(string="Decision (JSON)", compute="_compute_decision_pretty")
    inputs_digest = fields.Char(readonly=True)
    rule_version = fields.Char(readonly=True)
    chain_position = fields.Integer(
        readonly=True,
        copy=False,
        help="Place of the decision in the chain, given when it is sealed (empty while the "
        "decision waits in the queue, a moment after its transaction commits).",
    )
    previous_hash = fields.Char(readonly=True)
    hash = fields.Char(readonly=True, index=True)

    _sql_constraints = [
        ("chain_position_uniq", "unique(chain_position)", "A chain position is taken once."),
    ]

    def init(self):
        # constant statements (no parameters, so no %-formatting of the PL/pgSQL)
        self.env.cr.execute(
            """
            CREATE OR REPLACE FUNCTION scope3_agent_decision_append_only()
            RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- the one update allowed: sealing a queued record, once (its links only)
                IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND OLD.chain_position IS NULL
                        AND NEW.hash IS NOT NULL AND NEW.chain_position IS NOT NULL
                        AND to_jsonb(NEW) - 'hash' - 'previous_hash' - 'chain_position'
                            = to_jsonb(OLD) - 'hash' - 'previous_hash' - 'chain_position' THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'scope3_agent_decision % is logged: the agent decision log '
                    'is append-only (% refused)', OLD.id, TG_OP
                    USING ERRCODE = 'restrict_violation';
            END;
            $$;
            CREATE OR REPLACE FUNCTION scope3_agent_decision_no_truncate()
            RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only (TRUNCATE refused)', TG_TABLE_NAME
                    USING ERRCODE = 'restrict_violation';
            END;
            $$;
            DROP TRIGGER IF EXISTS scope3_agent_decision_append_only ON scope3_agent_decision;
            CREATE TRIGGER scope3_agent_decision_append_only
                BEFORE UPDATE OR DELETE ON scope3_agent_decision
                FOR EACH ROW EXECUTE FUNCTION scope3_agent_decision_append_only();
            DROP TRIGGER IF EXISTS scope3_agent_decision_no_truncate ON scope3_agent_decision;
            CREATE TRIGGER scope3_agent_decision_no_truncate
                BEFORE TRUNCATE ON scope3_agent_decision
                FOR EACH STATEMENT EXECUTE FUNCTION scope3_agent_decision_no_truncate();
            -- the head of the chain: one row, moved forward by the sealer only
            CREATE TABLE IF NOT EXISTS scope3_agent_decision_head (
                id integer PRIMARY KEY CHECK (id = 1),
                last_id integer NOT NULL DEFAULT 0,
                hash varchar NOT NULL
            );
            ALTER TABLE scope3_agent_decision_head
                ADD COLUMN IF NOT EXISTS last_position integer NOT NULL DEFAULT 0;
            CREATE OR REPLACE FUNCTION scope3_agent_decision_head_guard()
            RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- the head only moves forward, onto a sealed record with that hash
                IF TG_OP = 'UPDATE' AND NEW.id = OLD.id
                        AND NEW.last_position > OLD.last_position
                        AND EXISTS (
                            SELECT 1 FROM scope3_agent_decision
                             WHERE chain_position = NEW.last_position
                               AND id = NEW.last_id AND hash = NEW.hash) THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'the head of the agent decision log only moves forward to '
                    'a sealed decision (% refused)', TG_OP
                    USING ERRCODE = 'restrict_violation';
            END;
            $$;
            DROP TRIGGER IF EXISTS scope3_agent_decision_head_guard
                ON scope3_agent_decision_head;
            CREATE TRIGGER scope3_agent_decision_head_guard
                BEFORE UPDATE OR DELETE ON scope3_agent_decision_head
                FOR EACH ROW EXECUTE FUNCTION scope3_agent_decision_head_guard();
            DROP TRIGGER IF EXISTS scope3_agent_decision_head_no_truncate
                ON scope3_agent_decision_head;
            CREATE TRIGGER scope3_agent_decision_head_no_truncate
                BEFORE TRUNCATE ON scope3_agent_decision_head
                FOR EACH STATEMENT EXECUTE FUNCTION scope3_agent_decision_no_truncate();
            """
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO scope3_agent_decision_head (id, last_id, last_position, hash) "
                "SELECT 1, 0, 0, %s WHERE NOT EXISTS (SELECT 1 FROM scope3_agent_decision_head)",
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
        """Queue the new records; the sealer chains them after the commit.

        ``decision`` may be given as a dict (it is stored in canonical form). Appending is
        a plain INSERT that locks nothing shared, so agents and people log decisions at
        the same time without waiting for each other or failing to serialise. The chain
        is built by :meth:`_scope3_seal`, one sealer at a time, in a transaction of its
        own (see :func:`seal_in_new_transaction`), right after each commit that queued
        decisions; the order of the chain is the order of sealing (``chain_position``).
        """
        for vals in vals_list:
            decision = vals.get("decision")
            if isinstance(decision, str):
                decision = json.loads(decision)
            vals["decision"] = canonical_json(decision or {})
            for name in ("hash", "previous_hash", "chain_position"):
                vals.pop(name, None)
        records = super().create(vals_list)
        if self._scope3_seal_inline():
            self._scope3_seal()
        else:
            cr = self.env.cr
            if not cr.postcommit.data.get("scope3_agent_decision_seal"):
                cr.postcommit.data["scope3_agent_decision_seal"] = True
                cr.postcommit.add(partial(seal_in_new_transaction, self.env.registry))
        return records

    @api.model
    def _scope3_seal_inline(self):
        """In tests the transaction never commits: seal in it (nothing else appends)."""
        return self.env.registry.in_test_mode() or bool(
            getattr(threading.current_thread(), "testing", False)
        )

    @api.model
    def _scope3_rows(self, where, order="id", limit=None):
        """Stored columns of decisions as dicts (what the hash covers and the links)."""
        self.flush_model()
        columns = SQL(", ").join(
            SQL.identifier(name) for name in (*HASHED_FIELDS, "previous_hash", "hash")
        )
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM scope3_agent_decision WHERE %s ORDER BY %s %s",
                columns,
                where,
                SQL.identifier(order),
                SQL("LIMIT %s", limit) if limit else SQL(),
            )
        )
        return self.env.cr.dictfetchall()

    @api.model
    def _scope3_seal(self):
        """Chain the queued decisions this transaction sees, in id order, after the head.

        Sealers exclude each other with a transaction-level advisory lock; a sealer runs
        in READ COMMITTED (see :func:`seal_in_new_transaction`), so once it holds the lock
        it sees the head and every record the sealer before it committed.

        :return: number of decisions sealed
        """
        cr = self.env.cr
        self.flush_model()
        cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", SEAL_LOCK_KEY))
        cr.execute(SQL("SELECT last_position, hash FROM scope3_agent_decision_head WHERE id = 1"))
        position, previous = cr.fetchone()
        sealed, last_id = 0, None
        while True:
            rows = self._scope3_rows(
                SQL("hash IS NULL AND chain_position IS NULL"), limit=VERIFY_CHUNK
            )
            if not rows:
                break
            values = []
            for row in rows:
                position += 1
                row["chain_position"] = position
                link = chain_hash(previous, row)
                values.append(SQL("(%s, %s, %s, %s)", row["id"], position, previous, link))
                previous, last_id = link, row["id"]
            cr.execute(
                SQL(
                    "UPDATE scope3_agent_decision AS d SET chain_position = v.position, "
                    "previous_hash = v.previous, hash = v.link "
                    "FROM (VALUES %s) AS v(id, position, previous, link) WHERE d.id = v.id",
                    SQL(", ").join(values),
                )
            )
            sealed += len(rows)
        if sealed:
            cr.execute(
                SQL(
                    "UPDATE scope3_agent_decision_head SET last_id = %s, last_position = %s, "
                    "hash = %s WHERE id = 1",
                    last_id,
                    position,
                    previous,
                )
            )
            self.invalidate_model(["chain_position", "previous_hash", "hash"])
        return sealed

    @api.model
    def _cron_seal(self):
        """Safety net: seal what a crash between a commit and its sealer left queued."""
        if self._scope3_seal_inline():
            return self._scope3_seal()
        return seal_in_new_transaction(self.env.registry)

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
        position, previous = 0, GENESIS_HASH
        last_id = 0
        while True:
            rows = self._scope3_rows(
                SQL("chain_position > %s", position), order="chain_position", limit=VERIFY_CHUNK
            )
            if not rows:
                return self._scope3_verify_head(last_id, position, previous)
            broken = verify_chain(rows, start_hash=previous)
            if broken:
                return self.browse(broken[0]), broken[1]
            for expected, row in enumerate(rows, start=position + 1):
                if row["chain_position"] != expected:
                    return self.browse(row["id"]), "a decision before it is missing"
            position, previous = rows[-1]["chain_position"], rows[-1]["hash"]
            last_id = rows[-1]["id"]

    @api.model
    def _scope3_verify_head(self, last_id, last_position, last_hash):
        """The chain must end where its head says: records removed from the end of the
        log (or a rewritten head) are reported at the last record."""
        self.env.cr.execute(
            SQL("SELECT last_position, hash FROM scope3_agent_decision_head WHERE id = 1")
        )
        head = self.env.cr.fetchone()
        if head and (head[0], head[1]) != (last_position, last_hash):
            return self.browse(last_id), "the log does not end at its recorded head"
        return self.browse(), None

    @api.model
    def _scope3_seal_and_verify(self):
        """Seal what is queued, then verify the whole chain, in one READ COMMITTED
        transaction that holds the sealers' lock (nothing moves while it reads).

        :return: ``(id of the first broken decision or 0, reason, decisions verified)``
        """

        def run(env):
            Decision = env["scope3.agent.decision"]
            Decision._scope3_seal()
            record, reason = Decision._scope3_verify_chain()
            env.cr.execute(
                SQL("SELECT count(*) FROM scope3_agent_decision WHERE chain_position > 0")
            )
            return record.id, reason, env.cr.fetchone()[0]

        if self._scope3_seal_inline():
            return run(self.env(su=True))
        with self.env.registry.cursor() as cr:
            cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
            return run(_environment(self.env.registry, cr))

    def action_verify_chain(self):
        """Verify Chain (list header button: called on the selected records, if any, but
        always verifies the whole log)."""
        if not self.env.user.has_group("scope3_carbon.group_scope3_auditor"):
            raise UserError(self.env._("Only auditors and managers can verify the log."))
        record_id, reason, count = self._scope3_seal_and_verify()
        if record_id or reason:
            record = self.browse(record_id).sudo()
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "danger",
                    "sticky": True,
                    "title": self.env._("Decision log broken"),
                    "message": self.env._(
                        "The first broken link is decision %(record)s (id %(id)s): %(reason)s.",
                        record=record.display_name,
                        id=record_id,
                        reason=reason,
                    ),
                },
            }
        if count == 1:
            message = self.env._("1 decision verified: every link of the chain holds.")
        else:
            message = self.env._(
                "%(count)s decisions verified: every link of the chain holds.", count=count
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success", "message": message},
        }

    def _scope3_replay(self):
        """Re-evaluate these logged agent findings from the inputs they record and re-chain
        them from their stored previous hashes.

        :return: list of ``(record, problem)``; empty when every decision and hash is
            reproduced
        """
        problems = []
        rows = {
            row["id"]: row for row in self._scope3_rows(SQL("id IN %s", tuple(self.ids) or (0,)))
        }
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
            row = rows[record.id]
            if row["hash"] is None:
                continue  # queued, not sealed yet
            if row["decision"] != canonical_json(decision) or (
                chain_hash(row["previous_hash"], row) != row["hash"]
            ):
                problems.append((record, "the hash differs"))
        return problems
