# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import json
from collections import defaultdict
from datetime import date as date_cls
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL, float_is_zero, float_round

from ..core import trace as trace_core

TRIGGERS = [
    ("factor_set", "Factor set published"),
    ("mapping_rule", "Mapping rule changed"),
    ("supplier_footprint", "Supplier footprint accepted"),
    ("product_factor", "Product or category factor changed"),
    ("settings", "Computation settings changed"),
    ("factor_choice", "Factor choice changed"),
    ("manual", "Manual request"),
]
#: activities computed together in a shadow run (bounds the memory of one batch)
SHADOW_CHUNK = 1000
#: kg CO2e below which a delta is zero (the ledger's precision)
PRECISION = 3


class Scope3Restatement(models.Model):
    """A proposed recalculation of existing ledger entries, approved before it is posted.

    Publishing a spend-based factor set, changing a mapping rule or accepting a supplier
    footprint creates a restatement (or extends the open one of the same rule); a manager
    can also request one for a period. Nothing changes in the ledger until it is approved
    and posted:

    1. *To compute* (``draft``): an outbox event (aggregate ``scope3.restatement``) asks
       the attribution cron for the shadow run, off the user's transaction.
    2. *Proposed*: the cron computed, for every activity in the scope, the plans that bring
       its ledger to the current configuration (``scope3.activity._scope3_plans``, every
       source type) and the entries they would post (``_scope3_apply(post=False)``).
       Activities whose figures do not change drop out; the others give one line per
       activity, stage, category and date with the current, restated and delta kg. The
       header sums them, compares the delta with the base-year inventory (or, without a
       base year, with the current total of the restated entries) and tests it against
       the company's significance threshold. A fingerprint of the shadow entries is kept.
    3. *Approved* by a Carbon Manager (not the proposer when the company asks four-eyes).
    4. *Posted*: the plans are computed again; when they no longer give the approved
       shadow entries (the ledger or the configuration changed since), posting is
       refused and the restatement must be computed again. Otherwise the reversals and
       new figures are posted exactly as shadowed (same stages and traces, so later
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
    # Shadow run (attribution cron)
    # ------------------------------------------------------------------------------------
    def _scope3_compute_events(self, events):
        """Outbox handler: compute the restatements still to compute."""
        self.filtered(lambda r: r.state == "draft")._scope3_compute()

    def _scope3_activity_domain(self):
        self.ensure_one()
        domain = [("company_id", "=", self.company_id.id), ("state", "!=", "cancelled")]
        if self.scope_domain:
            domain = expression.AND([domain, json.loads(self.scope_domain)])
        dates = []
        if self.scope_date_from:
            dates.append(("date", ">=", self.scope_date_from))
        if self.scope_date_to:
            dates.append(("date", "<=", self.scope_date_to))
        if dates:
            # the activity's date, or that of any of its entries (bills, receipts)
            domain = expression.AND([domain, expression.OR([dates, [("entry_ids", "any", dates)]])])
        return domain

    def _scope3_decorate(self, plans):
        """Mark the plans as posted by this restatement (identically when shadowed and
        when posted, so both give the same entries)."""
        self.ensure_one()
        for plan in plans:
            plan["restatement"] = self
            plan["reason"] = f"restatement {self.name} ({self.trigger}): {plan['reason']}"
        return plans

    def _scope3_shadow_vals(self, activities):
        """Values of the entries (reversals, new figures) this restatement would post for
        ``activities``, computed without writing."""
        self.ensure_one()
        Activity = self.env["scope3.activity"].sudo()
        vals_list = []
        for start in range(0, len(activities), SHADOW_CHUNK):
            chunk = activities[start : start + SHADOW_CHUNK]
            recompute = self._scope3_recompute(chunk)
            if recompute:
                chunk = chunk.with_context(scope3_recompute=recompute)
            plans = self._scope3_decorate(chunk._scope3_plans())
            vals_list += Activity._scope3_apply(plans, post=False)
        return vals_list

    def _scope3_recompute(self, activities):
        """One cause per restatement: what its shadow run changes, the rest being kept
        as the entries recorded it (``scope3.activity._scope3_pinned_candidates``).

        - a factor-set publication swaps each factor for the same key in the new set,
          with the settings each entry was computed with;
        - a change of computation settings (well-to-wheel, price basis, accounting
          basis) keeps the factors;
        - a change of what chooses factors (product or category code, mapping rule,
          supplier footprint, the company's spend-based set or default code) resolves
          them again, with the recorded settings;
        - a manual request recomputes with everything as it is today.
        """
        self.ensure_one()
        if self.trigger == "manual":
            return None
        entries = activities._scope3_pinnable_entries()
        if self.trigger == "factor_set" and self.factor_set_id:
            chosen = self.company_id.scope3_spend_factor_set_id
            if chosen.state in ("published", "superseded") and chosen != self.factor_set_id:
                # the company has chosen another set since: this one no longer applies
                return {"entries": entries, "factors": "recorded", "settings": "recorded"}
            return {
                "entries": entries,
                "factors": ("swap", self.factor_set_id.id),
                "settings": "recorded",
            }
        if self.trigger == "settings":
            return {"entries": entries, "factors": "recorded", "settings": "current"}
        return {"entries": entries, "factors": "chain", "settings": "recorded"}

    @api.model
    def _scope3_fingerprint(self, vals_list):
        """SHA-256 of the entries a shadow run gives (what posting must find again)."""
        rows = sorted(
            json.dumps(
                [
                    vals["activity_id"],
                    vals["stage"],
                    vals.get("reversed_entry_id") or 0,
                    vals.get("category_id") or 0,
                    str(vals["date"]),
                    format(float_round(vals["co2e_kg"], PRECISION), ".3f"),
                    trace_core.text_hash(vals["trace"]),
                ]
            )
            for vals in vals_list
        )
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()

    @api.model
    def _scope3_lines_by_activity(self, vals_list):
        """Group shadow entries into lines: activity -> {(stage, category, date): [current,
        restated]} (a reversal takes its entry out of *current*)."""
        lines = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
        for vals in vals_list:
            key = (vals["stage"], vals.get("category_id") or False, vals["date"])
            figures = lines[vals["activity_id"]][key]
            if vals.get("reversed_entry_id"):
                figures[0] -= vals["co2e_kg"]
            else:
                figures[1] += vals["co2e_kg"]
        return lines

    def _scope3_compute(self):
        """Shadow run of each restatement: lines, totals, significance, fingerprint."""
        Activity = self.env["scope3.activity"].sudo()
        Line = self.env["scope3.restatement.line"].sudo()
        for restatement in self:
            activities = Activity.search(restatement._scope3_activity_domain(), order="id")
            vals_list = restatement._scope3_shadow_vals(activities)
            by_activity = self._scope3_lines_by_activity(vals_list)
            kept = {
                activity_id
                for activity_id, keys in by_activity.items()
                if any(
                    not float_is_zero(restated - current, precision_digits=PRECISION)
                    for current, restated in keys.values()
                )
            }
            vals_list = [vals for vals in vals_list if vals["activity_id"] in kept]
            lock = restatement.company_id.scope3_lock_date
            line_vals = []
            for activity in Activity.browse(sorted(kept)):
                for (stage, category, day), (current, restated) in sorted(
                    by_activity[activity.id].items(), key=lambda kv: (kv[0][2], kv[0][0])
                ):
                    line_vals.append(
                        {
                            "restatement_id": restatement.id,
                            "activity_id": activity.id,
                            "product_id": activity.product_id.id,
                            "partner_id": activity.partner_id.id,
                            "stage": stage,
                            "category_id": category,
                            "date": day,
                            "entry_date": restatement._scope3_open_date(day, lock),
                            "current_kg": float_round(current, PRECISION),
                            "restated_kg": float_round(restated, PRECISION),
                        }
                    )
            restatement.line_ids.unlink()
            lines = Line.create(line_vals)
            restatement.write(
                dict(
                    restatement._scope3_totals(lines),
                    state="proposed",
                    proposed_date=fields.Datetime.now(),
                    scanned_count=len(activities),
                    activity_count=len(kept),
                    line_count=len(lines),
                    shadow_hash=self._scope3_fingerprint(vals_list),
                    date_from=min(lines.mapped("date"), default=False),
                    date_to=max(lines.mapped("entry_date"), default=False),
                )
            )
            restatement.message_post(body=restatement._scope3_summary())

    def _scope3_totals(self, lines):
        """Header totals and the significance test."""
        self.ensure_one()
        company = self.company_id
        current = float_round(sum(lines.mapped("current_kg")), PRECISION)
        restated = float_round(sum(lines.mapped("restated_kg")), PRECISION)
        delta = float_round(restated - current, PRECISION)
        if company.scope3_base_year:
            year = company.scope3_base_year
            groups = (
                self.env["scope3.emission.entry"]
                .sudo()
                ._read_group(
                    [
                        ("company_id", "=", company.id),
                        ("date", ">=", date_cls(year, 1, 1)),
                        ("date", "<=", date_cls(year, 12, 31)),
                    ],
                    [],
                    ["co2e_kg:sum"],
                )
            )
            reference = float_round(groups[0][0] or 0.0, PRECISION)
            label = self.env._("Base year %(year)s inventory", year=year)
        else:
            reference = current
            label = self.env._("Current total of the restated entries")
        if reference:
            pct = delta / abs(reference) * 100.0
        else:
            pct = 100.0 if delta else 0.0  # everything restated is new: as large as can be
        threshold = company.scope3_significance_pct
        return {
            "current_kg": current,
            "restated_kg": restated,
            "delta_kg": delta,
            "reference_kg": reference,
            "reference_label": label,
            "delta_pct": pct,
            "significance_pct": threshold,
            "is_significant": bool(delta) and abs(pct) >= threshold,
        }

    def _scope3_summary(self):
        self.ensure_one()
        if not self.line_count:
            return self.env._(
                "Computed: no entry changes (%(count)s activities computed). Nothing to "
                "approve.",
                count=self.scanned_count,
            )
        return self.env._(
            "Computed: %(activities)s activities change, %(current).3f kg CO2e restated as "
            "%(restated).3f kg CO2e (delta %(delta).3f kg, %(pct).4f %% of the %(reference)s"
            "; %(significance)s at a %(threshold).2f %% threshold).",
            activities=self.activity_count,
            current=self.current_kg,
            restated=self.restated_kg,
            delta=self.delta_kg,
            pct=self.delta_pct,
            reference=self.reference_label.lower() if self.reference_label else "",
            significance=self.env._("significant")
            if self.is_significant
            else self.env._("not significant"),
            threshold=self.significance_pct,
        )

    @api.model
    def _scope3_open_date(self, day, lock):
        """``day``, or the first day after the lock date when ``day`` is locked."""
        day = fields.Date.to_date(day)
        return lock + timedelta(days=1) if lock and day <= lock else day

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
        """Post the approved restatements: reversal + new entries, as approved."""
        self._scope3_check_manager()
        for restatement in self:
            if restatement.state != "approved":
                raise UserError(
                    self.env._(
                        "Only an approved restatement can be posted (%(name)s).",
                        name=restatement.name,
                    )
                )
            restatement._scope3_post()
        return True

    def _scope3_post(self):
        self.ensure_one()
        Activity = self.env["scope3.activity"].sudo()
        activities = self.line_ids.activity_id.sudo().sorted("id")
        if activities:
            # serialise with cron workers reconciling the same activities
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM scope3_activity WHERE id IN %s ORDER BY id FOR UPDATE",
                    tuple(activities.ids),
                )
            )
        recompute = self._scope3_recompute(activities)
        if recompute:
            activities = activities.with_context(scope3_recompute=recompute)
        plans = self._scope3_decorate(activities._scope3_plans())
        vals_list = Activity._scope3_apply(plans, post=False)
        if self._scope3_fingerprint(vals_list) != self.shadow_hash:
            raise UserError(
                self.env._(
                    "The ledger or the configuration changed since %(name)s was computed: "
                    "its figures are no longer those approved. Compute it again.",
                    name=self.name,
                )
            )
        lock = self.company_id.scope3_lock_date
        moved = 0
        for vals in vals_list:
            day = self._scope3_open_date(vals["date"], lock)
            if day != fields.Date.to_date(vals["date"]):
                vals["date"] = day
                moved += 1
        Activity._scope3_write_grouped(
            {plan["activity"]: plan.get("activity_vals") or {} for plan in plans}
        )
        entries = self.env["scope3.emission.entry"].sudo()._scope3_post(vals_list)
        self.invalidate_recordset(["entry_ids"])  # inserted set-based
        self.write(
            {"state": "posted", "posted_by_id": self.env.uid, "posted_date": fields.Datetime.now()}
        )
        message = self.env._(
            "Posted %(count)s entries (%(reversals)s reversals) by %(user)s.",
            count=len(entries),
            reversals=sum(1 for vals in vals_list if vals.get("reversed_entry_id")),
            user=self.env.user.name,
        )
        if moved:
            message += " " + self.env._(
                "%(moved)s entries of the period locked up to %(lock)s are dated %(day)s.",
                moved=moved,
                lock=lock,
                day=lock + timedelta(days=1),
            )
        self.message_post(body=message)
        return entries

    def action_reject(self):
        self._scope3_check_manager()
        if any(r.state not in ("proposed", "approved") for r in self):
            raise UserError(self.env._("Only proposed or approved restatements can be rejected."))
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
        self.write({"state": "cancelled"})
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
