# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class Scope3PeriodClose(models.Model):
    """A period close: freezes the ledger of a company up to a date and records the head
    of its hash chain at that moment.

    Closing seals every committed entry into the chain, records the chain position and
    hash (printed in the inventory report) and moves the company's Scope 3 lock date to
    the close date: no entry is posted dated in the closed period afterwards (later
    corrections are dated on the first open day). Anyone holding the report can check,
    later, that the chain still has that hash at that position: a rewrite of closed
    history, even coherent, changes it. A done close is append-only (database trigger).
    Four-eyes: when the company asks for it on restatements, the Carbon Manager who
    requested the close cannot also approve it.
    """

    _name = "scope3.period.close"
    _description = "Scope 3 Period Close"
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        ondelete="restrict",
    )
    date_from = fields.Date(help="First day of the period (informative; empty: since the start).")
    date_to = fields.Date(required=True, help="Last day of the period closed.")
    state = fields.Selection(
        [("draft", "Draft"), ("to_approve", "To Approve"), ("done", "Closed")],
        default="draft",
        required=True,
        readonly=True,
        index=True,
    )
    requested_by_id = fields.Many2one("res.users", readonly=True)
    requested_date = fields.Datetime(readonly=True)
    approved_by_id = fields.Many2one("res.users", string="Closed By", readonly=True)
    closed_date = fields.Datetime(readonly=True)
    chain_seq = fields.Integer(
        string="Chain Position", readonly=True, help="Position of the chain head at closing."
    )
    chain_hash = fields.Char(
        string="Chain Head SHA-256", readonly=True, help="Hash of the chain head at closing."
    )
    entry_count = fields.Integer(
        string="Entries in the Period", readonly=True, help="Entries dated in the period."
    )
    co2e_kg = fields.Float(
        string="kg CO2e in the Period", digits=(16, 3), readonly=True, aggregator="sum"
    )

    def init(self):
        self.env.cr.execute(
            """
            CREATE OR REPLACE FUNCTION scope3_period_close_append_only()
            RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'TRUNCATE' OR OLD.state = 'done' THEN
                    RAISE EXCEPTION 'scope3_period_close: %',
                        'a done period close is append-only'
                        USING ERRCODE = 'restrict_violation';
                END IF;
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                END IF;
                RETURN NEW;
            END;
            $$;
            DROP TRIGGER IF EXISTS scope3_period_close_append_only ON scope3_period_close;
            CREATE TRIGGER scope3_period_close_append_only
                BEFORE UPDATE OR DELETE ON scope3_period_close
                FOR EACH ROW EXECUTE FUNCTION scope3_period_close_append_only();
            DROP TRIGGER IF EXISTS scope3_period_close_no_truncate ON scope3_period_close;
            CREATE TRIGGER scope3_period_close_no_truncate
                BEFORE TRUNCATE ON scope3_period_close
                FOR EACH STATEMENT EXECUTE FUNCTION scope3_period_close_append_only();
            """
        )

    @api.depends("company_id", "date_to")
    def _compute_name(self):
        for close in self:
            close.name = f"{close.company_id.name or ''} / {close.date_to or ''}"

    def write(self, vals):
        if any(close.state == "done" for close in self):
            raise UserError(self.env._("A closed period cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(close.state == "done" for close in self):
            raise UserError(self.env._("A closed period cannot be deleted."))

    def _scope3_check_manager(self):
        if not self.env.user.has_group("scope3_carbon.group_scope3_manager"):
            raise AccessError(self.env._("Only a Carbon Manager can close a period."))

    def action_request(self):
        """Ask for the close: closed at once, or awaiting a second Carbon Manager when
        the company asks four-eyes."""
        self._scope3_check_manager()
        for close in self:
            if close.state != "draft":
                raise UserError(self.env._("Only a draft close can be requested."))
            close.write(
                {
                    "state": "to_approve",
                    "requested_by_id": self.env.uid,
                    "requested_date": fields.Datetime.now(),
                }
            )
            if not close.company_id.scope3_four_eyes_restatement:
                close._scope3_close()
        return True

    def action_approve(self):
        self._scope3_check_manager()
        for close in self:
            if close.state != "to_approve":
                raise UserError(self.env._("Only a close awaiting approval can be approved."))
            if (
                close.company_id.scope3_four_eyes_restatement
                and close.requested_by_id == self.env.user
            ):
                raise UserError(
                    self.env._(
                        "Four-eyes rule: %(user)s requested this close and cannot also approve "
                        "it. Another Carbon Manager must approve it.",
                        user=self.env.user.name,
                    )
                )
            close._scope3_close()
        return True

    def action_reset(self):
        self._scope3_check_manager()
        self.filtered(lambda c: c.state == "to_approve").write({"state": "draft"})
        return True

    def _scope3_close(self):
        """Seal the company's ledger, record its head and freeze the period."""
        self.ensure_one()
        company = self.company_id
        if company._scope3_frozen_date() and self.date_to <= company._scope3_frozen_date():
            raise UserError(
                self.env._(
                    "The ledger of %(company)s is already frozen up to %(date)s.",
                    company=company.name,
                    date=company._scope3_frozen_date(),
                )
            )
        Entry = self.env["scope3.emission.entry"].sudo()
        # the whole company, whatever another sealer does: wait for its lock
        self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [53311, company.id])
        while Entry._scope3_seal(company, limit=None):
            pass
        chain_hash, chain_seq = self.env["scope3.ledger.head"].sudo()._scope3_head(company)
        domain = [("company_id", "=", company.id), ("date", "<=", self.date_to)]
        if self.date_from:
            domain.append(("date", ">=", self.date_from))
        ((count, kg),) = Entry._read_group(domain, [], ["__count", "co2e_kg:sum"])
        self.write(
            {
                "state": "done",
                "approved_by_id": self.env.uid,
                "closed_date": fields.Datetime.now(),
                "chain_seq": chain_seq,
                "chain_hash": chain_hash,
                "entry_count": count,
                "co2e_kg": kg or 0.0,
            }
        )
        if not company.scope3_lock_date or company.scope3_lock_date < self.date_to:
            company.sudo().scope3_lock_date = self.date_to

    def _scope3_late_entries(self):
        """Entries dated in one of these closed periods but sealed after its close (or
        not sealed yet): the application never posts them, so they were inserted."""
        Entry = self.env["scope3.emission.entry"].sudo()
        late = Entry.browse()
        for close in self.filtered(lambda c: c.state == "done"):
            late |= Entry.search(
                [
                    ("company_id", "=", close.company_id.id),
                    ("date", "<=", close.date_to),
                    "|",
                    ("chain_seq", "=", False),
                    ("chain_seq", ">", close.chain_seq),
                ]
            )
        return late

    @api.model
    def _scope3_close_heads(self, company, date_from=None, date_to=None):
        """The closes of ``company`` whose closing date falls in ``[date_from, date_to]``
        (either bound may be empty), oldest first, as dicts for the inventory report:
        ``name``, ``date_from``, ``date_to``, ``closed_date``, ``closed_by``,
        ``requested_by``, ``chain_seq``, ``chain_hash``, ``entry_count``, ``co2e_kg``."""
        domain = [("company_id", "=", company.id), ("state", "=", "done")]
        if date_from:
            domain.append(("date_to", ">=", date_from))
        if date_to:
            domain.append(("date_to", "<=", date_to))
        return [
            {
                "name": close.name,
                "date_from": close.date_from,
                "date_to": close.date_to,
                "closed_date": close.closed_date,
                "closed_by": close.approved_by_id.name,
                "requested_by": close.requested_by_id.name,
                "chain_seq": close.chain_seq,
                "chain_hash": close.chain_hash,
                "entry_count": close.entry_count,
                "co2e_kg": close.co2e_kg,
            }
            for close in self.sudo().search(domain, order="date_to, id")
        ]

    def action_verify(self):
        """Verify the company's chain and that it still has the recorded head."""
        results = self.env["scope3.emission.entry"]._scope3_verify_chain(self.company_id)
        problems = [p for msgs in results.values() for p in msgs]
        if problems:
            raise UserError("\n".join(problems))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "The ledger still has the chain heads recorded by these closes."
                ),
            },
        }
