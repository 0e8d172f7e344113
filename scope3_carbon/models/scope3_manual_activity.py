# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..core import calculation, dataquality
from ..core.conversion import to_decimal
from ..tools import insert_rows
from .scope3_emission_entry import METHODS

#: categories with no ERP transaction to capture: employee commuting, upstream leased
#: assets, downstream leased assets, franchises, investments
MANUAL_CATEGORIES = (7, 8, 13, 14, 15)

#: fields that make the figure: frozen once the activity is submitted
FIGURE_FIELDS = {
    "name",
    "company_id",
    "category_id",
    "date",
    "period_start",
    "period_end",
    "description",
    "method",
    "quantity",
    "uom_id",
    "factor_id",
    "stated_co2e_kg",
    "ghg_method",
    "explanation",
    "evidence_ids",
}


class Scope3ManualActivity(models.Model):
    """An activity of a category without ERP transactions (7 employee commuting, 8
    upstream leased assets, 13 downstream leased assets, 14 franchises, 15 investments),
    entered by hand with its evidence.

    Flow: draft -> submitted (evidence attached, figure complete) -> approved by a Carbon
    Manager who is not the submitter -> posted through the activity hub by the
    attribution cron (``scope3.activity`` of source type ``manual``, stage ``manual``).
    Cancelling an approved activity reverses its entry. The figure is either a quantity
    times an activity emission factor of the library, or a kg CO2e stated directly with
    the GHG Protocol method and an explanation of how it was obtained.
    """

    _name = "scope3.manual.activity"
    _description = "Scope 3 Manual Activity"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    category_id = fields.Many2one(
        "scope3.category",
        string="Category",
        required=True,
        tracking=True,
        domain=[("number", "in", MANUAL_CATEGORIES)],
    )
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Accounting date of the figure (the date of its ledger entry).",
    )
    period_start = fields.Date(help="First day of the period the figure covers.")
    period_end = fields.Date(help="Last day of the period the figure covers.")
    description = fields.Text()
    method = fields.Selection(
        [("factor", "Quantity x emission factor"), ("stated", "Stated kg CO2e")],
        required=True,
        default="factor",
        tracking=True,
    )
    quantity = fields.Float(digits=0, tracking=True)
    uom_id = fields.Many2one("uom.uom", string="Unit", tracking=True)
    factor_id = fields.Many2one(
        "scope3.factor",
        string="Emission Factor",
        tracking=True,
        domain="[('set_id.factor_type', '=', 'activity'), ('is_wtt', '=', False), "
        "('set_id.state', 'in', ('published', 'superseded'))]",
    )
    stated_co2e_kg = fields.Float(string="Stated kg CO2e", digits=(16, 3), tracking=True)
    ghg_method = fields.Selection(
        METHODS,
        string="Calculation Method",
        tracking=True,
        help="GHG Protocol calculation method the stated figure was obtained with.",
    )
    explanation = fields.Text(help="How the stated figure was obtained (sources, assumptions).")
    evidence_ids = fields.Many2many(
        "ir.attachment",
        "scope3_manual_activity_attachment_rel",
        "manual_activity_id",
        "attachment_id",
        string="Evidence",
        help="Documents the figure rests on (surveys, leases, investee reports, ...). At "
        "least one is needed to submit; their names and checksums go into the trace.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    submitted_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    submitted_on = fields.Datetime(readonly=True, copy=False)
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_on = fields.Datetime(readonly=True, copy=False)
    activity_id = fields.Many2one(
        "scope3.activity",
        compute="_compute_activity_id",
        help="The activity (hub) its figure is posted through, once approved.",
    )
    activity_state = fields.Selection(
        # the activity's labels in the reader's language (a callable's are not translated)
        lambda self: self.env["scope3.activity"]._fields["state"]._description_selection(self.env),
        string="Attribution",
        compute="_compute_activity_id",
    )
    activity_message = fields.Text(compute="_compute_activity_id")
    co2e_kg = fields.Float(string="kg CO2e", digits=(16, 3), compute="_compute_activity_id")

    def _compute_activity_id(self):
        keys = {f"{self._name}:{record.id}": record for record in self if record.id}
        activities = self.env["scope3.activity"].sudo().search([("source_key", "in", list(keys))])
        found = {keys[activity.source_key]: activity for activity in activities}
        for record in self:
            activity = found.get(record, self.env["scope3.activity"].sudo())
            record.activity_id = activity
            record.activity_state = activity.state
            record.activity_message = activity.message_display
            record.co2e_kg = activity.co2e_kg

    @api.constrains("period_start", "period_end")
    def _check_period(self):
        for record in self:
            start, end = record.period_start, record.period_end
            if start and end and end < start:
                raise ValidationError(
                    self.env._("%(name)s: the period ends before it starts.", name=record.name)
                )

    @api.constrains("quantity", "stated_co2e_kg")
    def _check_not_negative(self):
        for record in self:
            if record.quantity < 0 or record.stated_co2e_kg < 0:
                raise ValidationError(
                    self.env._(
                        "%(name)s: quantities and stated emissions cannot be negative (cancel "
                        "an approved activity to take it back).",
                        name=record.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._scope3_attach_evidence()
        return records

    def write(self, vals):
        frozen = self.filtered(lambda r: r.state != "draft")
        if frozen and FIGURE_FIELDS & set(vals):
            raise UserError(
                self.env._(
                    "%(name)s is %(state)s: only a draft manual activity can be changed "
                    "(reset it to draft, or cancel it and enter a new one).",
                    name=frozen[0].display_name,
                    state=dict(self._fields["state"].selection)[frozen[0].state],
                )
            )
        res = super().write(vals)
        if "evidence_ids" in vals:
            self._scope3_attach_evidence()
        return res

    def _scope3_attach_evidence(self):
        """Attach uploaded evidence to its manual activity, so that whoever may read the
        activity (e.g. the approver) may read its evidence; an upload not yet attached to
        a record is readable by its uploader only."""
        for record in self:
            loose = record.evidence_ids.filtered(
                lambda a: not a.res_id and a.res_model in (False, self._name)
            )
            if loose:
                # sudo: the uploader may attach their own uploads to a record they may write
                loose.sudo().write({"res_model": self._name, "res_id": record.id})

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda r: r.state != "draft" or r.activity_id):
            raise UserError(
                self.env._(
                    "Only draft manual activities that were never approved can be deleted; "
                    "cancel the others."
                )
            )

    # ------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------
    def action_submit(self):
        for record in self:
            if record.state != "draft":
                raise UserError(self.env._("%(name)s is not a draft.", name=record.display_name))
            record._scope3_check_complete()
        self.write(
            {
                "state": "submitted",
                "submitted_by_id": self.env.user.id,
                "submitted_on": fields.Datetime.now(),
            }
        )
        return True

    def action_approve(self):
        """Approve (Carbon Manager, four eyes): the figure is posted by the cron."""
        if not self.env.user.has_group("scope3_carbon.group_scope3_manager"):
            raise UserError(self.env._("Only a Carbon Manager approves manual activities."))
        for record in self:
            if record.state != "submitted":
                raise UserError(self.env._("%(name)s is not submitted.", name=record.display_name))
            if record.submitted_by_id == self.env.user:
                raise UserError(
                    self.env._(
                        "%(name)s was submitted by you: another Carbon Manager approves it.",
                        name=record.display_name,
                    )
                )
        self.write(
            {
                "state": "approved",
                "approved_by_id": self.env.user.id,
                "approved_on": fields.Datetime.now(),
            }
        )
        self._scope3_capture("scope3.manual.activity.approved")
        return True

    def action_reject(self):
        """Send submitted activities back to their author (draft)."""
        if not self.env.user.has_group("scope3_carbon.group_scope3_manager"):
            raise UserError(self.env._("Only a Carbon Manager rejects manual activities."))
        if self.filtered(lambda r: r.state != "submitted"):
            raise UserError(self.env._("Only submitted manual activities can be rejected."))
        self.write({"state": "draft", "submitted_by_id": False, "submitted_on": False})
        return True

    def action_cancel(self):
        """Cancel; an approved activity's figure is reversed by the cron."""
        approved = self.filtered(lambda r: r.state == "approved")
        self.write({"state": "cancelled"})
        approved._scope3_capture("scope3.manual.activity.cancelled")
        return True

    def action_draft(self):
        if self.filtered(lambda r: r.state != "cancelled"):
            raise UserError(self.env._("Only cancelled manual activities can be reset to draft."))
        self.write(
            {
                "state": "draft",
                "submitted_by_id": False,
                "submitted_on": False,
                "approved_by_id": False,
                "approved_on": False,
            }
        )
        return True

    def action_view_entries(self):
        return self.env["scope3.emission.entry"]._scope3_action(
            [("activity_id", "in", self.activity_id.ids)]
        )

    def _scope3_check_complete(self):
        """A manual activity can be submitted once its figure is complete and evidenced."""
        self.ensure_one()
        if not self.evidence_ids:
            raise UserError(
                self.env._(
                    "%(name)s: attach the evidence the figure rests on before submitting.",
                    name=self.display_name,
                )
            )
        if self.method == "stated":
            if not (self.stated_co2e_kg and self.ghg_method and self.explanation):
                raise UserError(
                    self.env._(
                        "%(name)s: a stated figure needs its kg CO2e, its calculation method "
                        "and an explanation of how it was obtained.",
                        name=self.display_name,
                    )
                )
            return
        if not (self.quantity and self.uom_id and self.factor_id):
            raise UserError(
                self.env._(
                    "%(name)s: give the quantity, its unit and the emission factor.",
                    name=self.display_name,
                )
            )
        if self.uom_id.category_id != self.factor_id.uom_id.category_id:
            raise UserError(
                self.env._(
                    "%(name)s: the unit %(unit)s cannot be converted to the factor's unit "
                    "(%(factor_unit)s).",
                    name=self.display_name,
                    unit=self.uom_id.name,
                    factor_unit=self.factor_id.uom_id.name or self.factor_id.unit,
                )
            )

    # ------------------------------------------------------------------------------------
    # Capture and attribution
    # ------------------------------------------------------------------------------------
    def _scope3_capture(self, event_type):
        return self.env["scope3.outbox.event"]._scope3_enqueue(
            [
                {
                    "aggregatetype": self._name,
                    "aggregateid": record.id,
                    "type": event_type,
                    "company_id": record.company_id.id,
                    "correlation_id": f"{self._name}:{record.id}",
                    "payload": {
                        "name": record.name,
                        "state": record.state,
                        "category": record.category_id.number,
                        "date": fields.Date.to_string(record.date),
                        "method": record.method,
                        "quantity": record.quantity,
                        "factor_id": record.factor_id.id,
                        "stated_co2e_kg": record.stated_co2e_kg,
                        "evidence": record.evidence_ids.sudo().mapped("checksum"),
                    },
                }
                for record in self
            ]
        )

    def _scope3_activity_vals(self):
        self.ensure_one()
        return {
            "name": self.name,
            "company_id": self.company_id.id,
            "category_id": self.category_id.id,
            "quantity": self.quantity if self.method == "factor" else 0.0,
            "uom_id": self.uom_id.id if self.method == "factor" else False,
            "amount": 0.0,
            "currency_id": self.company_id.currency_id.id,
            "date": self.date,
            "correlation_id": f"{self._name}:{self.id}",
        }

    def _scope3_attribute_events(self, events):
        """Post (or reverse) the figures of these manual activities through the hub."""
        last_event = {}
        for event in events.sorted("id"):
            last_event[int(event.aggregateid)] = event
        missing = self.filtered(lambda r: r.state == "approved" and not r.activity_id)
        # set-based, as for purchase lines: activities are written by code only
        insert_rows(
            self.env["scope3.activity"].sudo(),
            [
                dict(
                    record._scope3_activity_vals(),
                    source_type="manual",
                    source_key=f"{self._name}:{record.id}",
                    state="pending",
                )
                for record in missing
            ],
        )
        self.invalidate_recordset(["activity_id"])
        plans = self._scope3_plans(self.activity_id, last_event)
        entries = self.env["scope3.activity"]._scope3_apply(plans)
        # the figures shown on the records come from their activity
        self.invalidate_recordset(["activity_state", "activity_message", "co2e_kg"])
        return entries

    @api.model
    def _scope3_plans(self, activities, last_event):
        """Plans (see ``scope3.activity._scope3_apply``) of manual activities, from their
        current state; nothing is written.

        Stage ``manual``: an approved activity counts its figure - quantity x factor
        (through the estimation step, resolution level ``manual``) or the stated kg CO2e
        (``core.calculation.compute_stated``), dated on its date; any other state counts
        nothing (what was counted is reversed).

        :param activities: ``scope3.activity`` records of source type ``manual``
        :param dict last_event: manual activity id -> the outbox event being processed
        """
        Event = self.env["scope3.outbox.event"]
        ids = {activity: int(activity.source_key.split(":")[1]) for activity in activities}
        records = self.browse(set(ids.values())).exists()
        by_activity = {activity: records.browse(ids[activity]) & records for activity in activities}
        plans, sources = {}, []
        for activity in activities:
            record = by_activity.get(activity)
            plan = plans[activity] = {
                "activity": activity,
                "event": (record and last_event.get(record.id)) or Event,
                "activity_vals": {"category_id": activity.category_id.id},
                "stages": {"manual": []},
                "reason": "manual activity removed",
            }
            if not record:
                plan["activity_vals"].update(state="cancelled")
                continue
            plan["activity_vals"] = record._scope3_activity_vals()
            plan["reason"] = f"manual activity {record.name} is {record.state}"
            if record.state != "approved":
                plan["activity_vals"].update(
                    state="cancelled" if record.state == "cancelled" else "pending",
                    message=False,
                )
                continue
            if record.method == "stated":
                figure = record._scope3_stated_figure(activity)
                plan["stages"]["manual"].append(figure)
                plan["activity_vals"].update(
                    state="attributed",
                    message=False,
                    factor_id=False,
                    resolution_level="manual",
                    dq_score=figure["entry_vals"]["dq_score"],
                )
                continue
            sources.append((activity, "manual", record._scope3_factor_source(activity)))
        self.env["scope3.activity"]._scope3_estimate_sources(plans, sources)
        return list(plans.values())

    def _scope3_subject(self, activity):
        self.ensure_one()
        return {
            "activity_id": activity.id,
            "document": self._name,
            "document_id": self.id,
            "document_name": self.name,
            "category": self.category_id.number,
            "period": [
                fields.Date.to_string(self.period_start) or None,
                fields.Date.to_string(self.period_end) or None,
            ],
            "approved_by": self.approved_by_id.id,
            "stage": "manual",
        }

    def _scope3_evidence(self):
        return [
            (attachment.name, attachment.checksum or "")
            for attachment in self.evidence_ids.sorted("id")
        ]

    def _scope3_factor_source(self, activity):
        """Quantity x the chosen factor (see ``scope3.activity._scope3_estimate``)."""
        self.ensure_one()
        subject = self._scope3_subject(activity)
        subject["evidence"] = [{"name": n, "sha1": c} for n, c in self._scope3_evidence()]
        return {
            "company": self.company_id,
            "date": self.date,
            "amount": 0.0,
            "currency": self.company_id.currency_id,
            "quantity": self.quantity,
            "uom": self.uom_id,
            "product": self.env["product.product"],
            "partner": self.env["res.partner"],
            "entry_vals": {"date": self.date},
            "candidates": [{"level": "manual", "kind": "activity", "factor": self.factor_id}],
            "subject": subject,
        }

    def _scope3_stated_figure(self, activity):
        """The stated kg CO2e as a figure of stage ``manual``."""
        self.ensure_one()
        company = self.company_id
        stated = calculation.StatedInput(
            co2e_kg=to_decimal(self.stated_co2e_kg),
            method=self.ghg_method,
            explanation=self.explanation,
            date=fields.Date.to_string(self.date),
            evidence=tuple(self._scope3_evidence()),
        )
        co2e, trace = calculation.compute_stated(stated, self._scope3_subject(activity))
        dq = dataquality.assess(
            "manual",
            "stated",
            activity_year=self.date.year,
            data_year=(self.period_end or self.date).year,
            activity_region=company._scope3_country_code(),
        )
        trace["data_quality"] = dq
        return {
            "co2e": co2e,
            "trace": trace,
            "level": "manual",
            "factor": self.env["scope3.factor"],
            "entry_vals": {
                "date": self.date,
                "category_id": self.category_id.id,
                "method": self.ghg_method,
                "basis": "location",
                "resolution_level": "manual",
                "factor_value": 0.0,
                "factor_unit": "stated",
                "activity_amount": float(co2e),
                "activity_unit": "kg CO2e (stated)",
                "source_amount": 0.0,
                "source_currency_id": company.currency_id.id,
                **self.env["scope3.activity"]._scope3_dq_entry_vals(dq),
            },
        }
