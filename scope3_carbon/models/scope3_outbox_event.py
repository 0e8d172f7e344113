# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import threading
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

#: seconds to wait before the next attempt, by number of failed attempts so far
RETRY_DELAYS = {1: 30, 2: 120, 3: 600, 4: 3600}
MAX_ATTEMPTS = 5
DEFAULT_BATCH_SIZE = 200
PROCESSING_MODE_PARAM = "scope3_carbon.processing_mode"


class Scope3OutboxEvent(models.Model):
    """Transactional outbox of the ERP events that carry Scope 3 meaning.

    Business hooks (order confirmed, cancelled, ...) insert one row per document in the
    same transaction as the document change, then wake the attribution cron. The cron
    claims pending rows with ``FOR UPDATE SKIP LOCKED`` so several cron workers share
    the backlog safely, computes the emissions and marks the rows done in the same
    transaction.

    The columns ``aggregatetype``, ``aggregateid``, ``type`` and ``payload`` are those
    of Debezium's outbox event router, so the table can also be streamed to Kafka as it
    is.
    """

    _name = "scope3.outbox.event"
    _description = "Scope 3 Outbox Event"
    _order = "id desc"
    _rec_name = "idempotency_key"

    aggregatetype = fields.Char(
        string="Aggregate Type",
        required=True,
        readonly=True,
        index=True,
        help="Model of the document the event is about, e.g. purchase.order.",
    )
    aggregateid = fields.Char(string="Aggregate ID", required=True, readonly=True, index=True)
    type = fields.Char(string="Event Type", required=True, readonly=True)
    payload = fields.Json(readonly=True, help="Snapshot of the document when the event occurred.")
    payload_text = fields.Text(string="Payload (JSON)", compute="_compute_payload_text")
    idempotency_key = fields.Char(required=True, readonly=True)
    correlation_id = fields.Char(
        readonly=True,
        index=True,
        help="Identifies the document chain (order, receipts, bills) the event belongs to.",
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done"), ("failed", "Failed")],
        required=True,
        default="pending",
        readonly=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    processed_at = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)
    entry_ids = fields.One2many("scope3.emission.entry", "event_id", string="Entries")
    entry_count = fields.Integer(compute="_compute_entry_count")

    _sql_constraints = [
        (
            "idempotency_key_uniq",
            "unique(idempotency_key)",
            "This event was already recorded.",
        ),
    ]

    def init(self):
        # the claim query: pending rows in id order
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS scope3_outbox_event_pending_idx "
                "ON scope3_outbox_event (id) WHERE state = 'pending'"
            )
        )

    @api.depends("payload")
    def _compute_payload_text(self):
        for event in self:
            event.payload_text = json.dumps(event.payload, indent=2, sort_keys=True)

    def _compute_entry_count(self):
        counts = dict(
            self.env["scope3.emission.entry"]._read_group(
                [("event_id", "in", self.ids)], ["event_id"], ["__count"]
            )
        )
        for event in self:
            event.entry_count = counts.get(event, 0)

    # ------------------------------------------------------------------------------------
    # Capture
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_enqueue(self, events):
        """Record events in the outbox and wake the attribution cron.

        :param list[dict] events: each with ``aggregatetype``, ``aggregateid``, ``type``,
            ``payload`` (JSON-serialisable), ``company_id`` and optionally
            ``correlation_id``.

        Coalescing: an event is not recorded while one of the same type for the same
        document is still pending, since processing reconciles the ledger with the
        document's state at that time. The idempotency key is the aggregate, the type,
        the database transaction id and a sequence number, so that a consumer of the
        outbox (e.g. Debezium) can de-duplicate redeliveries.
        The context key ``scope3_no_capture`` turns capture off, e.g. for a bulk import
        whose history is attributed separately, and for benchmarks.

        :return: number of rows inserted
        """
        if not events or self.env.context.get("scope3_no_capture"):
            return 0
        self.env.cr.execute("SELECT txid_current()")
        txid = self.env.cr.fetchone()[0]
        values = [
            SQL(
                "(%s, %s, %s, %s::jsonb, %s, %s, %s)",
                event["aggregatetype"],
                str(event["aggregateid"]),
                event["type"],
                json.dumps(event["payload"], sort_keys=True),
                f"{event['aggregatetype']}:{event['aggregateid']}:{event['type']}:{txid}",
                event.get("correlation_id") or f"{event['aggregatetype']}:{event['aggregateid']}",
                event["company_id"],
            )
            for event in events
        ]
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO scope3_outbox_event (aggregatetype, aggregateid, type, payload,
                    idempotency_key, correlation_id, company_id, state, attempts, create_uid,
                    write_uid, create_date, write_date)
                SELECT v.aggregatetype, v.aggregateid, v.type, v.payload,
                       v.key_prefix || ':' || (
                           SELECT count(*) FROM scope3_outbox_event e
                            WHERE e.aggregatetype = v.aggregatetype
                              AND e.aggregateid = v.aggregateid
                              AND starts_with(e.idempotency_key, v.key_prefix || ':')),
                       v.correlation_id, v.company_id, 'pending', 0, %s, %s,
                       now() at time zone 'UTC', now() at time zone 'UTC'
                  FROM (VALUES %s) AS v(aggregatetype, aggregateid, type, payload, key_prefix,
                                        correlation_id, company_id)
                 WHERE NOT EXISTS (
                       SELECT 1 FROM scope3_outbox_event e
                        WHERE e.aggregatetype = v.aggregatetype
                          AND e.aggregateid = v.aggregateid
                          AND e.type = v.type
                          AND e.state = 'pending')
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING id
                """,
                self.env.uid,
                self.env.uid,
                SQL(", ").join(values),
            )
        )
        inserted = [row[0] for row in self.env.cr.fetchall()]
        if inserted:
            self._scope3_after_enqueue(self.browse(inserted))
        return len(inserted)

    @api.model
    def _scope3_processing_mode(self):
        return (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(PROCESSING_MODE_PARAM, "near_real_time")
        )

    @api.model
    def _scope3_after_enqueue(self, events):
        """What follows the capture, by processing mode (Settings):

        - ``near_real_time`` (default): wake the attribution cron, which runs within
          seconds after the commit;
        - ``inline``: attribute the events now, in the user's transaction (small
          documents; a failing event is recorded as failed and retried by the cron, the
          user's operation is not blocked);
        - ``batch``: leave them to the cron's next scheduled run.
        """
        mode = self._scope3_processing_mode()
        if mode == "inline":
            events.sudo()._scope3_process()
        elif mode != "batch":
            self._scope3_wake_cron()

    @api.model
    def _scope3_wake_cron(self, at=None):
        cron = self.env.ref("scope3_carbon.ir_cron_scope3_attribute", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at=at)

    # ------------------------------------------------------------------------------------
    # Attribution
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_handlers(self):
        """Map an aggregate type to the method of that model that attributes its events.

        The method is called on the aggregate records with the events as argument and
        must be idempotent: it reconciles the ledger with the current state of the
        documents.
        """
        return {
            "purchase.order": "_scope3_attribute_events",
            "scope3.restatement": "_scope3_compute_events",
            "stock.picking": "_scope3_attribute_events",
            "account.move": "_scope3_attribute_events",
            "scope3.manual.activity": "_scope3_attribute_events",
        }

    @api.model
    def _scope3_claim(self, limit):
        """Lock and return up to ``limit`` due pending events (skipping locked ones)."""
        self.env["scope3.outbox.event"].flush_model()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM scope3_outbox_event WHERE state = 'pending' AND "
                        "(next_attempt_at IS NULL OR next_attempt_at <= now() at time zone 'UTC') "
                        "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                        limit,
                    ),
                    log_exceptions=False,
                )
                ids = [row[0] for row in self.env.cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            # a row was processed by another worker after this transaction's snapshot:
            # claim nothing now, the next batch (a new transaction) sees the current state
            _logger.info("Scope 3 outbox: concurrent worker, claiming again next batch")
            return self.browse()
        return self.browse(ids)

    @api.model
    def _scope3_count_due(self):
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM scope3_outbox_event WHERE state = 'pending' "
                "AND (next_attempt_at IS NULL OR next_attempt_at <= now() at time zone 'UTC')"
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _cron_process_events(self, batch_size=None):
        """Cron entry point: attribute one bounded batch of pending events.

        Reports progress with ``_notify_progress`` so the scheduler runs it again at
        once while events remain. Each batch is committed when running as a real cron
        job.
        """
        if batch_size is None:
            batch_size = int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param("scope3_carbon.batch_size", DEFAULT_BATCH_SIZE)
            )
        events = self._scope3_claim(batch_size)
        if events:
            events._scope3_process()
        remaining = self._scope3_count_due()
        self.env["ir.cron"]._notify_progress(done=len(events), remaining=remaining)
        if self.env.context.get("ir_cron_progress_id") and not getattr(
            threading.current_thread(), "testing", False
        ):
            # A cron batch is a unit of work: commit it so that the events and the
            # entries they produced become visible together and the row locks are
            # released.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return len(events)

    def _scope3_process(self):
        """Attribute these (locked) events; a failing event does not block the others."""
        try:
            with self.env.cr.savepoint():
                self._scope3_dispatch()
                self._scope3_mark_done()
            return
        except Exception:  # noqa: BLE001 - isolate the failing event(s) below
            _logger.info("Scope 3 batch of %s events failed, retrying one by one", len(self))
        for event in self:
            try:
                with self.env.cr.savepoint():
                    event._scope3_dispatch()
                    event._scope3_mark_done()
            except Exception as exc:  # noqa: BLE001 - recorded on the event, retried later
                event._scope3_mark_failed(exc)

    def _scope3_dispatch(self):
        handlers = self._scope3_handlers()
        by_type = {}
        for event in self:
            by_type.setdefault(event.aggregatetype, self.browse())
            by_type[event.aggregatetype] |= event
        for aggregatetype, events in by_type.items():
            method = handlers.get(aggregatetype)
            if not method:
                raise UserError(
                    self.env._(
                        "No Scope 3 handler for events about %(model)s.",
                        model=aggregatetype,
                    )
                )
            model = self.env[aggregatetype].sudo()
            records = model.browse({int(e.aggregateid) for e in events}).exists()
            getattr(records, method)(events)

    def _scope3_mark_done(self):
        if not self:
            return
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE scope3_outbox_event SET state = 'done', attempts = attempts + 1, "
                "processed_at = now() at time zone 'UTC', error = NULL, next_attempt_at = NULL, "
                "write_uid = %s, write_date = now() at time zone 'UTC' WHERE id IN %s",
                self.env.uid,
                tuple(self.ids),
            )
        )
        self.invalidate_recordset()

    def _scope3_mark_failed(self, exc):
        self.ensure_one()
        attempts = self.attempts + 1
        message = str(exc) or exc.__class__.__name__
        vals = {"attempts": attempts, "error": message}
        if attempts >= MAX_ATTEMPTS:
            vals.update(state="failed", next_attempt_at=False)
            _logger.warning(
                "Scope 3 event %s failed after %s attempts: %s",
                self.idempotency_key,
                attempts,
                message,
            )
        else:
            next_at = fields.Datetime.now() + timedelta(seconds=RETRY_DELAYS[attempts])
            vals["next_attempt_at"] = next_at
            self._scope3_wake_cron(at=next_at)
        self.write(vals)

    # ------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------
    def action_retry(self):
        """Put failed (or waiting) events back in the queue, now."""
        self.check_access("write")
        todo = self.filtered(lambda e: e.state in ("failed", "pending"))
        todo.write({"state": "pending", "next_attempt_at": False, "attempts": 0})
        if todo:
            self._scope3_wake_cron()
        return True

    def action_view_entries(self):
        self.ensure_one()
        return self.env["scope3.emission.entry"]._scope3_action([("event_id", "=", self.id)])
