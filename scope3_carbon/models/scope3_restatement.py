# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression

TRIGGERS = [
    ("factor_set", "Factor set published"),
    ("mapping_rule", "Mapping rule changed"),
    ("supplier_footprint", "Supplier footprint accepted"),
    ("product_factor", "Product or category factor changed"),
    ("settings", "Computation settings changed"),
    ("factor_choice", "Factor choice changed"),
    ("manual", "Manual request"),
]


class Scope3Restatement(models.Model):
    """A proposed recalculation of existing ledger entries, approved before it is posted.

    Publishing a spend-based factor set, changing a mapping rule or accepting a supplier
    footprint creates a restatement (or extends the open one of the same rule); a manager
    can also request one for a period. Nothing changes in the ledger until it is approved
    and posted:

    1. *To compute* (``draft``): an outbox event (aggregate ``scope3.restatement``) asks
       for the shadow run, off the user's transaction; it runs chunk by chunk, each chunk
       one transaction with its progress on the form (``scope3_restatement_run``).
    2. *Proposed*: the shadow run computed, for every activity in the scope, the plans
       that bring its ledger to the configuration for this restatement's one cause
       (``_scope3_recompute``) and the entries they would post
       (``_scope3_apply(post=False)``). Activities whose figures do not change drop out;
       the others give one line per activity, stage, category and date with the current,
       restated and delta kg, and the fingerprint of the activity's shadow entries. The
       header sums them, compares the delta with the base-year inventory (or, without a
       base year, with the current total of the restated entries) and tests it against
       the company's significance threshold.
    3. *Approved* by a Carbon Manager (not the proposer when the company asks four-eyes).
    4. *Posted*: chunk by chunk again, the plans are computed again and an activity is
       posted only when it gives the approved shadow entries; the click on Post refuses
       when the ledger or the configuration moved since the shadow run. The reversals
       and new figures are posted exactly as shadowed (same stages and traces, so later
       document events keep them), linked to the restatement; those dated on or before
       the company's Scope 3 lock date are dated the day after it.
    """

    _name = "scope3.restatement"
    _description = "Scope 3 Restatement"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, default="/", copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    trigger = fields.Selection(
        TRIGGERS, required=True, default="manual", readonly=True, tracking=True
    )
    reason = fields.Text(help="Why the entries are restated.")
    factor_set_id = fields.Many2one(
        "scope3.factor.set", string="Factor Set", readonly=True, index="btree_not_null"
    )
    mapping_rule_id = fields.Many2one(
        "scope3.mapping.rule",
        string="Mapping Rule",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    supplier_footprint_id = fields.Many2one(
        "scope3.supplier.footprint",
        string="Supplier Footprint",
        readonly=True,
        index="btree_not_null",
    )
    scope_date_from = fields.Date(
        string="Scope From", help="Activities or entries dated from this day (empty: any)."
    )
    scope_date_to = fields.Date(
        string="Scope To", help="Activities or entries dated up to this day (empty: any)."
    )
    scope_domain = fields.Text(
        readonly=True,
        help="Further restriction of the activities (JSON domain), e.g. the products and "
        "vendors a mapping rule or a supplier footprint can apply to.",
    )
    state = fields.Selection(
        [
            ("draft", "To Compute"),
            ("proposed", "Proposed"),
            ("approved", "Approved"),
            ("posted", "Posted"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
        copy=False,
    )
    date_from = fields.Date(
        readonly=True, copy=False, help="Date of the earliest entry restated or restating."
    )
    date_to = fields.Date(
        readonly=True, copy=False, help="Date of the latest entry restated or restating."
    )
    proposed_by_id = fields.Many2one(
        "res.users",
        readonly=True,
        copy=False,
        default=lambda self: self.env.user,
        help="Who made the change that asks for the restatement (or requested it).",
    )
    proposed_date = fields.Datetime(readonly=True, copy=False, help="When it was computed.")
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_date = fields.Datetime(readonly=True, copy=False)
    posted_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    posted_date = fields.Datetime(readonly=True, copy=False)
    line_ids = fields.One2many("scope3.restatement.line", "restatement_id", string="Lines")
    line_count = fields.Integer(readonly=True, copy=False)
    activity_count = fields.Integer(
        string="Affected Activities", readonly=True, copy=False, help="Activities with a delta."
    )
    scanned_count = fields.Integer(
        string="Activities Computed",
        readonly=True,
        copy=False,
        help="Activities of the scope computed in the shadow run.",
    )
    current_kg = fields.Float(string="Current kg CO2e", digits=(16, 3), readonly=True, copy=False)
    restated_kg = fields.Float(string="Restated kg CO2e", digits=(16, 3), readonly=True, copy=False)
    delta_kg = fields.Float(string="Delta kg CO2e", digits=(16, 3), readonly=True, copy=False)
    reference_kg = fields.Float(
        string="Reference kg CO2e",
        digits=(16, 3),
        readonly=True,
        copy=False,
        help="Base-year inventory (net kg CO2e of the entries dated in the company's base "
        "year) or, without a base year, the current total of the restated entries.",
    )
    reference_label = fields.Char(string="Reference", readonly=True, copy=False)
    delta_pct = fields.Float(
        string="Delta (%)",
        digits=(16, 4),
        readonly=True,
        copy=False,
        help="Delta as a percentage of the reference.",
    )
    significance_pct = fields.Float(
        string="Threshold (%)",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="Company significance threshold when it was computed.",
    )
    is_significant = fields.Boolean(
        string="Significant",
        readonly=True,
        copy=False,
        help="The delta reaches the significance threshold.",
    )
    shadow_hash = fields.Char(
        readonly=True,
        copy=False,
        help="SHA-256 of the entries the shadow run would post; posting checks it.",
    )
    entry_ids = fields.One2many("scope3.emission.entry", "restatement_id", string="Entries")
    entry_count = fields.Integer(compute="_compute_entry_count")

    def _compute_entry_count(self):
        counts = dict(
            self.env["scope3.emission.entry"]._read_group(
                [("restatement_id", "in", self.ids)], ["restatement_id"], ["__count"]
            )
        )
        for restatement in self:
            restatement.entry_count = counts.get(restatement, 0)

    # ------------------------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        Sequence = self.env["ir.sequence"].sudo()
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = Sequence.next_by_code("scope3.restatement") or "/"
        restatements = super().create(vals_list)
        # a manual request is computed at once (the others are enqueued by their change)
        restatements.filtered(lambda r: r.trigger == "manual")._scope3_enqueue()
        return restatements

    def write(self, vals):
        res = super().write(vals)
        if {"company_id", "scope_date_from", "scope_date_to"}.intersection(vals):
            # a manual request whose scope is edited before computation
            self.filtered(lambda r: r.state == "draft")._scope3_enqueue()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_posted(self):
        if any(r.state in ("approved", "posted") for r in self):
            raise UserError(
                self.env._(
                    "Approved and posted restatements cannot be deleted: they are part of "
                    "the ledger's history."
                )
            )

    # ------------------------------------------------------------------------------------
    # Proposals (called by the changes that ask for a restatement)
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_propose(self, companies, trigger, links=None, **values):
        """Open (or extend) the restatement of each company for a change; enqueue its
        shadow run. Nothing else is done in the caller's transaction.

        The open restatement (to compute, proposed or approved) of the same change
        (``links``: the factor set, mapping rule or footprint) is extended rather than
        duplicated: its scope becomes the union and it is computed again (approval
        cleared).

        :param companies: companies whose ledger may change
        :param str trigger: key of ``TRIGGERS``
        :param dict links: e.g. ``{"mapping_rule_id": 7}``
        :param values: ``reason``, ``scope_date_from``, ``scope_date_to`` and
            ``scope_domain`` (a domain on ``scope3.activity``, as a list)
        :return: the restatements to compute
        """
        if self.env.context.get("scope3_no_restatement") or not companies:
            return self.browse()
        Restatement = self.sudo()  # proposals are made for whoever changes the setup
        links = links or {}
        domain = values.pop("scope_domain", None)
        todo = self.browse()
        for company in companies:
            existing = self.browse()
            if links:
                existing = Restatement.search(
                    [
                        ("company_id", "=", company.id),
                        ("trigger", "=", trigger),
                        ("state", "in", ("draft", "proposed", "approved")),
                        ("job", "!=", "post"),  # a posting under way is not reopened
                        *[(name, "=", value) for name, value in links.items()],
                    ],
                    order="id desc",
                    limit=1,
                )
            if existing:
                existing._scope3_extend(domain, values)
                todo |= existing
                continue
            todo |= Restatement.create(
                dict(
                    values,
                    company_id=company.id,
                    trigger=trigger,
                    proposed_by_id=self.env.uid,
                    scope_domain=json.dumps(domain) if domain is not None else False,
                    **links,
                )
            )
        todo._scope3_enqueue()
        return todo

    def _scope3_extend(self, domain, values):
        """Widen the scope of this open restatement and send it back to computation."""
        self.ensure_one()
        vals = {}
        if domain is not None and self.scope_domain:
            vals["scope_domain"] = json.dumps(
                expression.OR([json.loads(self.scope_domain), domain])
            )
        elif self.scope_domain:
            vals["scope_domain"] = False  # no restriction: every activity of the period
        for bound, pick in (("scope_date_from", min), ("scope_date_to", max)):
            if bound in values:
                old, new = self[bound], fields.Date.to_date(values[bound])
                vals[bound] = pick(old, new) if old and new else False
        if values.get("reason") and values["reason"] not in (self.reason or ""):
            vals["reason"] = (
                f"{self.reason}\n{values['reason']}" if self.reason else values["reason"]
            )
        self.write(vals)
        self._scope3_reset(self.env._("Another change widened the scope: computing again."))

    def _scope3_reset(self, message):
        """Back to *to compute*: the lines and approval no longer hold."""
        self.write(
            {
                "state": "draft",
                "approved_by_id": False,
                "approved_date": False,
                "shadow_hash": False,
                "job": False,
            }
        )
        for restatement in self:
            restatement.message_post(body=message)

    @api.model
    def _scope3_companies_with_activities(self):
        groups = self.env["scope3.activity"].sudo()._read_group([], ["company_id"])
        return self.env["res.company"].union(*[company for (company,) in groups])

    @api.model
    def _scope3_propose_for_factor_set(self, factor_set):
        """Publication of a spend-based set: restate the entries dated in its validity for
        the companies that may resolve to it (not those pinned to another set)."""
        if factor_set.factor_type != "spend" or (
            factor_set.state == "superseded" and not factor_set.valid_to
        ):
            return self.browse()  # activity factors are chosen explicitly; never applies
        companies = factor_set._scope3_companies_resolving()
        return self._scope3_propose(
            companies,
            "factor_set",
            links={"factor_set_id": factor_set.id},
            reason=self.env._("Factor set %(set)s published.", set=factor_set.display_name),
            scope_date_from=factor_set.valid_from,
            scope_date_to=factor_set.valid_to,
        )

    @api.model
    def _scope3_propose_for_products(self, domain, reason):
        """A product's or a product category's NAICS code or activity factor changed:
        restate the activities of those products (``domain`` on ``scope3.activity``), in
        the companies that have some. Nothing moves until the restatement is posted."""
        groups = self.env["scope3.activity"].sudo()._read_group(domain, ["company_id"])
        companies = self.env["res.company"].union(*[company for (company,) in groups])
        return self._scope3_propose(companies, "product_factor", reason=reason, scope_domain=domain)

    def _scope3_enqueue(self):
        return self.env["scope3.outbox.event"]._scope3_enqueue(
            [
                {
                    "aggregatetype": self._name,
                    "aggregateid": restatement.id,
                    "type": "scope3.restatement.compute",
                    "company_id": restatement.company_id.id,
                    "payload": {"name": restatement.name, "trigger": restatement.trigger},
                }
                for restatement in self
            ]
        )

    # ------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------
    def _scope3_check_manager(self):
        if not self.env.user.has_group("scope3_carbon.group_scope3_manager"):
            raise AccessError(self.env._("Only a Carbon Manager can decide on restatements."))

    def action_compute(self):
        """Compute the restatement (again) from the current ledger and configuration."""
        self._scope3_check_manager()
        for restatement in self:
            if restatement.state not in ("draft", "proposed", "approved"):
                raise UserError(
                    self.env._(
                        "Restatement %(name)s is %(state)s: it cannot be computed again.",
                        name=restatement.name,
                        state=restatement.state,
                    )
                )
            if restatement.job == "post":
                raise UserError(
                    self.env._(
                        "Restatement %(name)s is being posted: it cannot be computed again.",
                        name=restatement.name,
                    )
                )
        self.filtered(lambda r: r.state != "draft")._scope3_reset(
            self.env._("Computing again from the current ledger.")
        )
        self._scope3_enqueue()
        return True

    def action_approve(self):
        """Approve the proposed figures (four-eyes: not by the proposer when the company
        asks for it)."""
        self._scope3_check_manager()
        for restatement in self:
            if restatement.state != "proposed" or not restatement.line_count:
                raise UserError(
                    self.env._(
                        "Only a proposed restatement with changes can be approved (%(name)s).",
                        name=restatement.name,
                    )
                )
            if (
                restatement.company_id.scope3_four_eyes_restatement
                and restatement.proposed_by_id == self.env.user
            ):
                raise UserError(
                    self.env._(
                        "Four-eyes rule: %(user)s proposed %(name)s and cannot also approve "
                        "it. Another Carbon Manager must approve it.",
                        user=self.env.user.name,
                        name=restatement.name,
                    )
                )
        self.write(
            {
                "state": "approved",
                "approved_by_id": self.env.uid,
                "approved_date": fields.Datetime.now(),
            }
        )
        for restatement in self:
            restatement.message_post(
                body=self.env._("Approved by %(user)s.", user=self.env.user.name)
            )
        return True

    def action_post(self):
        """Post the approved restatements: reversal + new entries, as approved.

        The first chunk is posted in this transaction (refused as a whole when the
        ledger or the configuration moved since the shadow run); the rest, if any, by
        the restatement cron, one chunk per transaction (``_scope3_post``)."""
        self._scope3_check_manager()
        for restatement in self:
            if restatement.state != "approved" or restatement.job:
                raise UserError(
                    self.env._(
                        "Only an approved restatement can be posted, once (%(name)s).",
                        name=restatement.name,
                    )
                )
            restatement._scope3_start_post()
        return True

    def action_reject(self):
        self._scope3_check_manager()
        if any(r.state not in ("proposed", "approved") or r.job == "post" for r in self):
            raise UserError(
                self.env._(
                    "Only proposed or approved restatements can be rejected, not one being "
                    "posted."
                )
            )
        self.write({"state": "rejected"})
        for restatement in self:
            restatement.message_post(
                body=self.env._("Rejected by %(user)s.", user=self.env.user.name)
            )
        return True

    def action_cancel(self):
        self._scope3_check_manager()
        if any(r.state != "draft" for r in self):
            raise UserError(self.env._("Only restatements still to compute can be cancelled."))
        self.write({"state": "cancelled", "job": False})
        return True

    def action_view_entries(self):
        self.ensure_one()
        return self.env["scope3.emission.entry"]._scope3_action([("restatement_id", "=", self.id)])

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "scope3_carbon.scope3_restatement_line_action"
        )
        action["domain"] = [("restatement_id", "=", self.id)]
        action["context"] = {"search_default_group_category": 1}
        return action
