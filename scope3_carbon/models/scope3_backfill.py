# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .account_move import CUSTOMER_INVOICE_TYPES, VENDOR_BILL_TYPES
from .purchase_order import CONFIRMED_STATES

DEFAULT_CHUNK_SIZE = 50
#: document kinds, in the order they are attributed
KINDS = [
    ("purchase.order", "Purchase orders"),
    ("stock.picking", "Transfers"),
    ("account.move", "Bills and invoices"),
]


class Scope3Backfill(models.Model):
    """Historical attribution: the documents of a company since a date, attributed as
    live capture would have attributed them.

    Each document gets an outbox event (type ``scope3.backfill``) processed by the same
    handler as live events, in bounded chunks of one transaction each (the backfill
    cron): confirmed purchase orders (with their receipts, returns and bills: staged
    refinement), done receipts and deliveries (transport legs), posted bills and
    invoices (lines without an order, sold products). The position reached is stored
    with each chunk, so a run interrupted (crash, restart) goes on where it stopped;
    handlers reconcile the ledger with the documents' current state, so a document
    attributed twice changes nothing.
    """

    _name = "scope3.backfill"
    _description = "Scope 3 Historical Attribution"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )
    date_from = fields.Date(
        string="Since",
        required=True,
        default=lambda self: fields.Date.today().replace(
            month=1, day=1, year=fields.Date.today().year - 1
        ),
        help="Documents dated on or after this day are attributed (order date, transfer "
        "date, accounting date).",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Running"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
    )
    chunk_size = fields.Integer(
        default=DEFAULT_CHUNK_SIZE, help="Documents per chunk (one transaction each)."
    )
    kind = fields.Selection(KINDS, string="Current Documents", readonly=True)
    last_id = fields.Integer(readonly=True, help="Last document id attributed of that kind.")
    total_count = fields.Integer(string="Documents", readonly=True)
    done_count = fields.Integer(string="Documents Done", readonly=True)
    line_count = fields.Integer(string="Lines Done", readonly=True)
    failed_count = fields.Integer(
        string="Failed Documents",
        readonly=True,
        help="Documents whose event failed (see the outbox events of type scope3.backfill).",
    )
    chunk_count = fields.Integer(string="Chunks", readonly=True)
    started_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)
    progress = fields.Float(compute="_compute_progress", string="Progress (%)")
    eta = fields.Datetime(string="Expected End", compute="_compute_progress")

    @api.depends("date_from", "company_id")
    def _compute_name(self):
        for run in self:
            run.name = self.env._(
                "History since %(date)s (%(company)s)",
                date=run.date_from,
                company=run.company_id.name,
            )

    @api.depends("done_count", "total_count", "started_at", "state")
    def _compute_progress(self):
        now = fields.Datetime.now()
        for run in self:
            run.progress = 100.0 * run.done_count / run.total_count if run.total_count else 0.0
            run.eta = False
            if run.state == "running" and run.started_at and run.done_count:
                elapsed = now - run.started_at
                remaining = run.total_count - run.done_count
                run.eta = now + elapsed * remaining / run.done_count

    # ------------------------------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------------------------------
    def _scope3_domain(self, kind):
        self.ensure_one()
        company = [("company_id", "=", self.company_id.id)]
        if kind == "purchase.order":
            return company + [
                ("state", "in", CONFIRMED_STATES),
                ("date_order", ">=", fields.Datetime.to_datetime(self.date_from)),
            ]
        if kind == "stock.picking":
            return company + [
                ("state", "=", "done"),
                ("picking_type_code", "in", ("incoming", "outgoing")),
                ("date_done", ">=", fields.Datetime.to_datetime(self.date_from)),
            ]
        return company + [
            ("state", "=", "posted"),
            ("move_type", "in", VENDOR_BILL_TYPES + CUSTOMER_INVOICE_TYPES),
            ("date", ">=", self.date_from),
        ]

    @api.model
    def _scope3_line_count(self, records):
        if records._name == "purchase.order":
            return len(records.order_line.filtered(lambda line: not line.display_type))
        if records._name == "stock.picking":
            return len(records.move_ids)
        return len(records.invoice_line_ids.filtered(lambda line: line.display_type == "product"))

    # ------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------
    def action_start(self):
        for run in self:
            if run.state not in ("draft", "cancelled"):
                raise UserError(self.env._("This historical attribution already started."))
            if run.chunk_size <= 0:
                raise UserError(self.env._("The chunk size must be positive."))
            total = sum(
                self.env[kind].sudo().search_count(run._scope3_domain(kind)) for kind, _l in KINDS
            )
            run.write(
                {
                    "state": "running",
                    "kind": KINDS[0][0],
                    "last_id": 0,
                    "total_count": total,
                    "done_count": 0,
                    "line_count": 0,
                    "failed_count": 0,
                    "chunk_count": 0,
                    "started_at": fields.Datetime.now(),
                    "finished_at": False,
                }
            )
        cron = self.env.ref("scope3_carbon.ir_cron_scope3_backfill", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
        return True

    def action_cancel(self):
        self.filtered(lambda r: r.state == "running").write({"state": "cancelled"})
        return True

    def action_view_events(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Historical attribution events"),
            "res_model": "scope3.outbox.event",
            "view_mode": "list,form",
            "domain": [("type", "=", "scope3.backfill"), ("company_id", "=", self.company_id.id)],
        }

    # ------------------------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------------------------
    @api.model
    def _cron_run(self):
        """One chunk of the oldest running historical attribution; the scheduler runs the
        cron again at once while documents remain (``_notify_progress``)."""
        run = self.search([("state", "=", "running")], order="id", limit=1)
        if not run:
            return 0
        done = run._scope3_run_chunk()
        self.env["ir.cron"]._notify_progress(
            done=done, remaining=max(run.total_count - run.done_count, 0) + (run.state == "running")
        )
        if self.env["scope3.outbox.event"]._scope3_may_commit():
            # a chunk is a unit of work: its entries and the position reached together
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return done

    def _scope3_run_chunk(self):
        """Attribute the next chunk of documents; returns how many were attributed.

        The documents go through the outbox (one ``scope3.backfill`` event each,
        processed at once by the live handlers), so the figures are those of live
        capture: same stages, same factors by date, same traces.
        """
        self.ensure_one()
        if self.state != "running":
            return 0
        kinds = [kind for kind, _label in KINDS]
        kind = self.kind or kinds[0]
        Model = self.env[kind].sudo()
        records = Model.search(
            self._scope3_domain(kind) + [("id", ">", self.last_id)],
            order="id",
            limit=self.chunk_size,
        )
        if not records:
            index = kinds.index(kind)
            if index + 1 < len(kinds):
                self.write({"kind": kinds[index + 1], "last_id": 0})
                return self._scope3_run_chunk()
            self.write({"state": "done", "finished_at": fields.Datetime.now()})
            return 0
        Event = self.env["scope3.outbox.event"].sudo()
        events, _inserted = Event._scope3_record(
            [record._scope3_event_vals("scope3.backfill") for record in records]
        )
        events._scope3_mark_processing(f"backfill:{self.id}", Event._scope3_lease_seconds())
        events._scope3_process()
        self.write(
            {
                "last_id": records[-1].id,
                "done_count": self.done_count + len(records),
                "line_count": self.line_count + self._scope3_line_count(records),
                "failed_count": self.failed_count
                + len(events.filtered(lambda e: e.state == "failed")),
                "chunk_count": self.chunk_count + 1,
            }
        )
        return len(records)
