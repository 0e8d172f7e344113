# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import os
import socket
import threading
import traceback
from datetime import timedelta

import psycopg2
from psycopg2 import errorcodes

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..core.trace import TRACE_LANG

_logger = logging.getLogger(__name__)

#: seconds to wait before the next attempt, by number of attempts so far
RETRY_DELAYS = {1: 30, 2: 120, 3: 600, 4: 3600}
MAX_ATTEMPTS = 5
DEFAULT_BATCH_SIZE = 200
#: seconds a claim is valid: a worker killed mid-batch leaves its events "processing"
#: until then, and the next claim takes them again
DEFAULT_LEASE_SECONDS = 600
DEFAULT_RETENTION_DAYS = 30
PROCESSING_MODE_PARAM = "scope3_carbon.processing_mode"
LEASE_PARAM = "scope3_carbon.lease_seconds"
RETENTION_PARAM = "scope3_carbon.outbox_retention_days"
#: PostgreSQL errors worth another attempt: the same work succeeds once the concurrent
#: transaction is gone (serialization failure, deadlock, lock not available, the same
#: activity inserted by a concurrent worker)
RETRYABLE_PGCODES = {
    errorcodes.SERIALIZATION_FAILURE,
    errorcodes.DEADLOCK_DETECTED,
    errorcodes.LOCK_NOT_AVAILABLE,
    errorcodes.UNIQUE_VIOLATION,
}
#: key of the advisory lock that serialises claims (one claiming transaction at a time,
#: so that two workers never claim events of the same document at once)
CLAIM_LOCK_KEY = 0x53335F4F  # "S3_O"
#: fields only the outbox's own code changes (never by RPC, whatever the access rights)
STATE_FIELDS = {
    "state",
    "attempts",
    "next_attempt_at",
    "processed_at",
    "error",
    "exc_info",
    "worker",
    "lease_until",
    "claimed_at",
}


class RetryableError(Exception):
    """Raised by a handler when its work may succeed later (e.g. a remote service)."""


def is_retryable(exc):
    """Whether another attempt may succeed (OCA ``queue_job``'s ``RetryableJobError``
    idea): concurrency errors of PostgreSQL and :class:`RetryableError`. Anything else
    (``UserError``, ``ValidationError``, bad data, bugs) fails at once: trying again
    gives the same error."""
    if isinstance(exc, RetryableError):
        return True
    return isinstance(exc, psycopg2.Error) and exc.pgcode in RETRYABLE_PGCODES


def worker_name():
    """Identity of this worker process and thread, stored on the events it claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"[:128]


class Scope3OutboxEvent(models.Model):
    """Transactional outbox of the ERP events that carry Scope 3 meaning.

    Business hooks (order confirmed, a line of a confirmed order edited, a done move's
    quantity changed, ...) insert one row per document and transaction, in the same
    transaction as the document change, then wake the attribution cron.

    Processing follows OCA ``queue_job``: a worker *claims* due events (``FOR UPDATE
    SKIP LOCKED``), marks them ``processing`` with its name and a lease, counts the
    attempt and commits that before any work, so a failed or killed attempt is still
    counted and a killed worker's events are claimed again once the lease expires.
    Events of one document are coalesced at claim time (the handler reconciles the
    ledger with the document's current state); a document whose event is being
    processed is not claimed by another worker, and a change made meanwhile gets an
    event of its own, never merged into the one being processed.

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
        [
            ("pending", "Pending"),
            ("processing", "Processing"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        required=True,
        default="pending",
        readonly=True,
        index=True,
    )
    attempts = fields.Integer(
        readonly=True, help="Attempts started (counted when claimed, before the work)."
    )
    next_attempt_at = fields.Datetime(readonly=True)
    processed_at = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)
    exc_info = fields.Text(string="Traceback", readonly=True)
    worker = fields.Char(readonly=True, help="Worker that claimed the event last.")
    claimed_at = fields.Datetime(readonly=True)
    lease_until = fields.Datetime(
        readonly=True,
        help="A processing event whose lease has expired (its worker died) is claimed again.",
    )
    document_ref = fields.Reference(
        selection="_selection_document_ref",
        string="Document",
        compute="_compute_document_ref",
    )
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
        # the claim query: pending and processing rows in id order
        self.env.cr.execute(
            SQL(
                "DROP INDEX IF EXISTS scope3_outbox_event_pending_idx; "
                "CREATE INDEX IF NOT EXISTS scope3_outbox_event_todo_idx "
                "ON scope3_outbox_event (id) WHERE state IN ('pending', 'processing'); "
                "CREATE INDEX IF NOT EXISTS scope3_outbox_event_aggregate_idx "
                "ON scope3_outbox_event (aggregatetype, aggregateid); "
                "CREATE INDEX IF NOT EXISTS scope3_outbox_event_done_idx "
                "ON scope3_outbox_event (processed_at) WHERE state = 'done'"
            )
        )

    @api.depends("payload")
    def _compute_payload_text(self):
        for event in self:
            event.payload_text = json.dumps(event.payload, indent=2, sort_keys=True)

    @api.model
    def _selection_document_ref(self):
        return [
            # the model's name in the reader's language (_description is not translated)
            (model, self.env["ir.model"]._get(model).name)
            for model in self._scope3_handlers()
            if model in self.env
        ]

    @api.depends("aggregatetype", "aggregateid")
    def _compute_document_ref(self):
        for event in self:
            model = event.aggregatetype
            ok = model in self.env and model in self._scope3_handlers()
            ok = ok and (event.aggregateid or "").isdigit()
            event.document_ref = f"{model},{event.aggregateid}" if ok else False

    def _compute_entry_count(self):
        counts = dict(
            self.env["scope3.emission.entry"]._read_group(
                [("event_id", "in", self.ids)], ["event_id"], ["__count"]
            )
        )
        for event in self:
            event.entry_count = counts.get(event, 0)

    def write(self, vals):
        """The processing state is the outbox's own: nobody marks an event done, failed or
        pending by RPC (only code running as superuser, e.g. ``action_retry``)."""
        if not self.env.su and STATE_FIELDS.intersection(vals):
            raise AccessError(
                self.env._(
                    "The state of Scope 3 outbox events is managed by the attribution "
                    "cron; use Retry on a failed event."
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------------------------------
    # Capture
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_enqueue(self, events):
        """Record events in the outbox and wake the attribution cron.

        :param list[dict] events: each with ``aggregatetype``, ``aggregateid``, ``type``,
            ``payload`` (JSON-serialisable), ``company_id`` and optionally
            ``correlation_id``.

        One event per document and transaction: when this transaction already recorded
        a pending event for the document, that event takes the new payload instead (it
        is this transaction's own row: no worker can have claimed it). Events of other
        transactions are never merged into at insert time; the claim coalesces them.
        The idempotency key is the aggregate, the database transaction id and a
        sequence number, so that a consumer of the outbox (e.g. Debezium) can
        de-duplicate redeliveries.
        The context key ``scope3_no_capture`` turns capture off, e.g. for a bulk import
        whose history is attributed separately (historical attribution), and for
        benchmarks.

        :return: number of rows inserted (events merged into this transaction's pending
            event are not counted)
        """
        if not events or self.env.context.get("scope3_no_capture"):
            return 0
        recorded, inserted = self._scope3_record(events)
        if recorded:
            self._scope3_after_enqueue(recorded)
        return inserted

    @api.model
    def _scope3_record(self, events):
        """Insert (or merge into this transaction's pending event) one event per document,
        without waking anything.

        :return: (the events recorded or merged into, number inserted)
        """
        self.flush_model()
        self.env.cr.execute("SELECT txid_current()")
        txid = self.env.cr.fetchone()[0]
        unique = {}
        for event in events:
            unique[(event["aggregatetype"], str(event["aggregateid"]))] = event
        values = [
            SQL(
                "(%s, %s, %s, %s::jsonb, %s, %s, %s)",
                aggregatetype,
                aggregateid,
                event["type"],
                json.dumps(event["payload"], sort_keys=True),
                f"{aggregatetype}:{aggregateid}:{txid}",
                event.get("correlation_id") or f"{aggregatetype}:{aggregateid}",
                event["company_id"],
            )
            for (aggregatetype, aggregateid), event in unique.items()
        ]
        self.env.cr.execute(
            SQL(
                """
                WITH v(aggregatetype, aggregateid, type, payload, key_prefix, correlation_id,
                       company_id) AS (VALUES %s),
                merged AS (
                    UPDATE scope3_outbox_event e
                       SET payload = v.payload, write_uid = %s,
                           write_date = now() at time zone 'UTC'
                      FROM v
                     WHERE e.aggregatetype = v.aggregatetype
                       AND e.aggregateid = v.aggregateid
                       AND e.state = 'pending'
                       AND starts_with(e.idempotency_key, v.key_prefix || ':')
                 RETURNING e.id, e.aggregatetype, e.aggregateid
                ),
                inserted AS (
                    INSERT INTO scope3_outbox_event (aggregatetype, aggregateid, type,
                        payload, idempotency_key, correlation_id, company_id, state,
                        attempts, create_uid, write_uid, create_date, write_date)
                    SELECT v.aggregatetype, v.aggregateid, v.type, v.payload,
                           v.key_prefix || ':' || (
                               SELECT count(*) FROM scope3_outbox_event e
                                WHERE e.aggregatetype = v.aggregatetype
                                  AND e.aggregateid = v.aggregateid
                                  AND starts_with(e.idempotency_key, v.key_prefix || ':')),
                           v.correlation_id, v.company_id, 'pending', 0, %s, %s,
                           now() at time zone 'UTC', now() at time zone 'UTC'
                      FROM v
                     WHERE NOT EXISTS (
                           SELECT 1 FROM merged m
                            WHERE m.aggregatetype = v.aggregatetype
                              AND m.aggregateid = v.aggregateid)
                    ON CONFLICT (idempotency_key) DO NOTHING
                 RETURNING id
                )
                SELECT id, true FROM inserted UNION ALL SELECT id, false FROM merged
                """,
                SQL(", ").join(values),
                self.env.uid,
                self.env.uid,
                self.env.uid,
            )
        )
        rows = self.env.cr.fetchall()
        self.invalidate_model(["payload"])
        return self.browse([row[0] for row in rows]), sum(1 for row in rows if row[1])

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
          documents; a failing event is recorded as failed or retried by the cron, the
          user's operation is not blocked);
        - ``batch``: leave them to the cron's next scheduled run.
        """
        mode = self._scope3_processing_mode()
        if mode == "inline":
            events = events.sudo()
            events._scope3_mark_processing(worker_name(), self._scope3_lease_seconds())
            events._scope3_process()
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
    def _scope3_lease_seconds(self):
        return int(
            self.env["ir.config_parameter"].sudo().get_param(LEASE_PARAM, DEFAULT_LEASE_SECONDS)
        )

    @api.model
    def _scope3_claim(self, limit, worker=None):
        """Claim up to ``limit`` due events for this worker and return them.

        Due: pending events whose retry time has come, and processing events whose
        lease has expired (their worker died). Locked rows are skipped (another worker
        is claiming them); documents with an event under a live lease are left alone
        (another worker is processing them; their new events wait). The other pending
        events of the claimed documents are claimed with them (coalescing: one
        processing reconciles the document with its current state). Claimed events are
        marked ``processing`` with the worker and a lease, and their attempt is
        counted: the caller commits that before the work (``_cron_process_events``).
        """
        self.flush_model()
        worker = worker or worker_name()
        now = SQL("(now() at time zone 'UTC')")
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", CLAIM_LOCK_KEY))
                if not self.env.cr.fetchone()[0]:
                    # another worker is claiming: its events are committed in a moment,
                    # claim again at the next batch
                    return self.browse()
                self.env.cr.execute(
                    SQL(
                        """
                        SELECT e.id, e.aggregatetype, e.aggregateid
                          FROM scope3_outbox_event e
                         WHERE ((e.state = 'pending'
                                 AND (e.next_attempt_at IS NULL OR e.next_attempt_at <= %(now)s))
                                OR (e.state = 'processing' AND e.lease_until <= %(now)s))
                           AND NOT EXISTS (
                               SELECT 1 FROM scope3_outbox_event b
                                WHERE b.state = 'processing' AND b.lease_until > %(now)s
                                  AND b.aggregatetype = e.aggregatetype
                                  AND b.aggregateid = e.aggregateid)
                         ORDER BY e.id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
                        """,
                        now=now,
                        limit=limit,
                    ),
                    log_exceptions=False,
                )
                rows = self.env.cr.fetchall()
                if not rows:
                    return self.browse()
                ids = [row[0] for row in rows]
                documents = SQL(", ").join(
                    SQL("(%s, %s)", aggregatetype, aggregateid)
                    for aggregatetype, aggregateid in {(row[1], row[2]) for row in rows}
                )
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM scope3_outbox_event "
                        "WHERE state = 'pending' AND (aggregatetype, aggregateid) IN (%s) "
                        "AND id NOT IN %s FOR UPDATE SKIP LOCKED",
                        documents,
                        tuple(ids),
                    ),
                    log_exceptions=False,
                )
                ids += [row[0] for row in self.env.cr.fetchall()]
                events = self.browse(sorted(ids))
                events._scope3_mark_processing(worker, self._scope3_lease_seconds())
        except psycopg2.errors.SerializationFailure:
            # a row was claimed or processed by another worker after this transaction's
            # snapshot: claim nothing now, the next batch (a new transaction) sees the
            # current state
            _logger.info("Scope 3 outbox: concurrent worker, claiming again next batch")
            return self.browse()
        return events

    def _scope3_mark_processing(self, worker, lease_seconds):
        if not self:
            return
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE scope3_outbox_event SET state = 'processing', worker = %s, "
                "attempts = attempts + 1, claimed_at = now() at time zone 'UTC', "
                "lease_until = now() at time zone 'UTC' + make_interval(secs => %s), "
                "write_date = now() at time zone 'UTC' WHERE id IN %s",
                worker,
                lease_seconds,
                tuple(self.ids),
            )
        )
        self.invalidate_recordset()

    @api.model
    def _scope3_count_due(self):
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM scope3_outbox_event WHERE (state = 'pending' "
                "AND (next_attempt_at IS NULL OR next_attempt_at <= now() at time zone 'UTC')) "
                "OR (state = 'processing' AND lease_until <= now() at time zone 'UTC')"
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _scope3_may_commit(self):
        """Whether this call runs as a unit of work of its own (a cron job, or a worker
        given ``scope3_commit``), never inside a test's or a user's transaction."""
        if getattr(threading.current_thread(), "testing", False):
            return False
        return bool(
            self.env.context.get("ir_cron_progress_id") or self.env.context.get("scope3_commit")
        )

    @api.model
    def _cron_process_events(self, batch_size=None):
        """Cron entry point: claim one bounded batch of due events, commit the claim,
        attribute them and commit the result.

        Reports progress with ``_notify_progress`` so the scheduler runs it again at
        once while events remain.
        """
        if batch_size is None:
            batch_size = int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param("scope3_carbon.batch_size", DEFAULT_BATCH_SIZE)
            )
        may_commit = self._scope3_may_commit()
        events = self._scope3_claim(batch_size)
        if events and may_commit:
            # the claim (processing, worker, lease, attempt) is durable before the work:
            # a failed or killed attempt is still counted, its lease expires
            self.env.cr.commit()  # pylint: disable=invalid-commit
        if events:
            events._scope3_process()
        remaining = self._scope3_count_due()
        self.env["ir.cron"]._notify_progress(done=len(events), remaining=remaining)
        if may_commit:
            # A cron batch is a unit of work: commit it so that the events and the
            # entries they produced become visible together.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return len(events)

    def _scope3_process(self):
        """Attribute these claimed events; a failing document does not block the others.

        All at once first; when that fails, document by document, each in a savepoint,
        so that only the failing documents' events are retried or failed.
        """
        try:
            with self.env.cr.savepoint():
                self._scope3_dispatch()
                self._scope3_mark_done()
            return
        except Exception:  # noqa: BLE001 - isolate the failing document(s) below
            _logger.info("Scope 3 batch of %s events failed, retrying one by one", len(self))
        groups = {}
        for event in self:
            key = (event.aggregatetype, event.aggregateid)
            groups[key] = groups.get(key, self.browse()) | event
        for events in groups.values():
            try:
                with self.env.cr.savepoint():
                    events._scope3_dispatch()
                    events._scope3_mark_done()
            except Exception as exc:  # noqa: BLE001 - recorded on the events
                for event in events:
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
            # traces store source terms, never the session's translations
            model = self.env[aggregatetype].sudo().with_context(lang=TRACE_LANG)
            records = model.browse({int(e.aggregateid) for e in events}).exists()
            getattr(records, method)(events)

    def _scope3_mark_done(self):
        if not self:
            return
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE scope3_outbox_event SET state = 'done', "
                "processed_at = now() at time zone 'UTC', error = NULL, exc_info = NULL, "
                "next_attempt_at = NULL, lease_until = NULL, "
                "write_uid = %s, write_date = now() at time zone 'UTC' WHERE id IN %s",
                self.env.uid,
                tuple(self.ids),
            )
        )
        self.invalidate_recordset()

    def _scope3_mark_failed(self, exc):
        """Record a failed attempt with its message and full traceback: retryable errors
        go back to pending with backoff (and fail after ``MAX_ATTEMPTS``), deterministic
        ones fail at once."""
        message = str(exc) or exc.__class__.__name__
        exc_info = "".join(traceback.format_exception(exc))
        retry = is_retryable(exc)
        by_attempts = {}
        for event in self:
            by_attempts.setdefault(max(event.attempts, 1), self.browse())
            by_attempts[max(event.attempts, 1)] |= event
        for attempts, events in by_attempts.items():
            if retry and attempts < MAX_ATTEMPTS:
                next_at = fields.Datetime.now() + timedelta(seconds=RETRY_DELAYS[attempts])
                state = "pending"
                self._scope3_wake_cron(at=next_at)
            else:
                next_at, state = None, "failed"
                # a deterministic error is the document's (shown with it in the UI); an
                # error still there after every retry is the system's
                log = _logger.warning if retry else _logger.info
                log(
                    "Scope 3 events %s failed after %s attempts: %s",
                    ", ".join(events.mapped("idempotency_key")),
                    attempts,
                    message,
                )
            self.env.cr.execute(
                SQL(
                    "UPDATE scope3_outbox_event SET state = %s, next_attempt_at = %s, "
                    "error = %s, exc_info = %s, lease_until = NULL, "
                    "write_date = now() at time zone 'UTC' WHERE id IN %s",
                    state,
                    next_at,
                    message,
                    exc_info or message,
                    tuple(events.ids),
                )
            )
        self.invalidate_recordset()

    # ------------------------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------------------------
    @api.model
    def _cron_purge_done(self, days=None, limit=10000):
        """Delete done events processed more than ``days`` ago (Settings, 30 by default;
        0 keeps them forever). The entries they produced keep the event's idempotency
        key and correlation id; their link to the event is cleared by the database.

        :return: number of events deleted
        """
        if days is None:
            days = int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param(RETENTION_PARAM, DEFAULT_RETENTION_DAYS)
            )
        if days <= 0:
            return 0
        self.flush_model()
        self.env["scope3.emission.entry"].flush_model()
        self.env["scope3.activity"].flush_model()
        self.env.cr.execute(
            SQL(
                "DELETE FROM scope3_outbox_event WHERE id IN ("
                "SELECT id FROM scope3_outbox_event WHERE state = 'done' "
                "AND processed_at < now() at time zone 'UTC' - make_interval(days => %s) "
                "ORDER BY id LIMIT %s)",
                days,
                limit,
            )
        )
        count = self.env.cr.rowcount
        self.env.invalidate_all()
        return count

    # ------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------
    def action_retry(self):
        """Put failed (or waiting) events back in the queue, now (Carbon Managers)."""
        if not (self.env.su or self.env.user.has_group("scope3_carbon.group_scope3_manager")):
            raise AccessError(self.env._("Only Carbon Managers can retry Scope 3 events."))
        self.check_access("read")
        todo = self.filtered(lambda e: e.state in ("failed", "pending"))
        if todo:
            todo.sudo().write(
                {"state": "pending", "next_attempt_at": False, "attempts": 0, "error": False}
            )
            self._scope3_wake_cron()
        return True

    def action_view_entries(self):
        self.ensure_one()
        return self.env["scope3.emission.entry"]._scope3_action([("event_id", "=", self.id)])

    def action_open_document(self):
        self.ensure_one()
        if not self.document_ref:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.document_ref._name,
            "res_id": self.document_ref.id,
            "view_mode": "form",
        }
