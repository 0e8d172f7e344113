# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

FOOTPRINT_MODEL = "scope3.supplier.footprint"


class Scope3SupplierDataRequest(models.Model):
    """A request to a supplier for product carbon footprints, answered on the portal.

    The supplier's contacts open it from the emailed link (or their portal account) and
    submit one footprint per product: declared unit, kg CO2e per declared unit, data
    quality rating, primary data share, validity and an evidence file. Each submission
    lands in ``scope3.supplier.footprint`` as *pending review*: no emission changes until
    a Carbon Manager accepts it (which goes through a restatement).
    """

    _name = "scope3.supplier.data.request"
    _description = "Scope 3 Supplier Data Request"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner", string="Supplier", required=True, index=True, tracking=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    product_ids = fields.Many2many(
        "product.product", string="Products", help="Products whose footprints are requested."
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("sent", "Sent"),
            ("submitted", "Submitted"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    finding_id = fields.Many2one("scope3.agent.finding", readonly=True, copy=False)
    sent_date = fields.Datetime(readonly=True, copy=False)
    reminder_count = fields.Integer(readonly=True, copy=False)
    last_reminder_date = fields.Datetime(readonly=True, copy=False)
    escalated = fields.Boolean(readonly=True, copy=False)
    footprint_count = fields.Integer(compute="_compute_footprint_count")

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for request in self:
            request.access_url = f"/my/scope3/requests/{request.id}"
        return res

    def _scope3_footprint_domain(self):
        """Footprints answering this request: the supplier's, for its products, since it
        was sent."""
        self.ensure_one()
        return [
            ("partner_id", "child_of", self.partner_id.commercial_partner_id.id),
            ("company_id", "=", self.company_id.id),
            ("product_id", "in", self.product_ids.ids),
            ("create_date", ">=", self.sent_date or self.create_date),
        ]

    def _scope3_footprints(self):
        if FOOTPRINT_MODEL not in self.env:
            return None
        # footprints are confidential supplier data: read for the request only
        return self.env[FOOTPRINT_MODEL].sudo().search(self._scope3_footprint_domain())

    def _compute_footprint_count(self):
        for request in self:
            footprints = request._scope3_footprints() if request.id else None
            request.footprint_count = len(footprints) if footprints is not None else 0

    @api.model_create_multi
    def create(self, vals_list):
        requests = super().create(vals_list)
        for request in requests:
            if request.name == "/":
                request.name = f"S3R{request.id:05d}"
        return requests

    # ------------------------------------------------------------------------------------
    # Agent helpers
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_create_for(self, partner, company, finding):
        products = (
            self.env["scope3.emission.entry"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", partner.id),
                    ("company_id", "=", company.id),
                    ("product_id", "!=", False),
                ]
            )
            .product_id
        )
        return self.sudo().create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "product_ids": [(6, 0, products.ids)],
                "finding_id": finding.id,
            }
        )

    def _scope3_template(self, xmlid):
        return self.env.ref(f"scope3_carbon_agents.{xmlid}")

    def action_send(self):
        """Email the request with its portal link; mark it sent."""
        for request in self:
            if request.state not in ("draft", "sent"):
                raise UserError(
                    self.env._(
                        "Request %(request)s is %(state)s.",
                        request=request.name,
                        state=request.state,
                    )
                )
            request._portal_ensure_token()
            request.message_subscribe(partner_ids=request.partner_id.ids)
            request.message_post_with_source(
                request._scope3_template("mail_template_supplier_data_request"),
                subtype_xmlid="mail.mt_comment",
            )
            request.write({"state": "sent", "sent_date": fields.Datetime.now()})
        return True

    def _scope3_remind(self):
        for request in self:
            request.message_post_with_source(
                request._scope3_template("mail_template_supplier_data_reminder"),
                subtype_xmlid="mail.mt_comment",
            )
            request.write(
                {
                    "reminder_count": request.reminder_count + 1,
                    "last_reminder_date": fields.Datetime.now(),
                }
            )

    def _scope3_escalate(self, user):
        todo = self.env.ref("mail.mail_activity_data_todo")
        for request in self:
            request.write({"escalated": True})
            if user:
                request.activity_schedule(
                    activity_type_id=todo.id,
                    user_id=user.id,
                    summary=self.env._("Supplier data request unanswered: follow up"),
                )

    def action_cancel(self):
        self.write({"state": "cancelled"})
        return True

    def action_done(self):
        self.write({"state": "done"})
        return True

    def action_view_footprints(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Submitted Footprints"),
            "res_model": FOOTPRINT_MODEL,
            "view_mode": "list,form",
            "domain": self._scope3_footprint_domain(),
        }

    # ------------------------------------------------------------------------------------
    # Portal submission
    # ------------------------------------------------------------------------------------
    def _scope3_submit_footprint(self, values, attachment=None):
        """Record a footprint submitted on the portal, pending review.

        :param dict values: ``product_id``, ``declared_unit``, ``pcf_kg``, ``dqr``,
            ``primary_data_share``, ``valid_from``, ``valid_to`` (already parsed)
        :param tuple attachment: optional ``(file name, bytes)`` of the evidence
        """
        self.ensure_one()
        if FOOTPRINT_MODEL not in self.env:
            raise UserError(self.env._("Supplier footprints are not available yet."))
        if self.state not in ("sent", "submitted"):
            raise UserError(self.env._("This request is closed."))
        if values["product_id"] not in self.product_ids.ids:
            raise UserError(self.env._("This product is not part of the request."))
        # the supplier has no access to footprints: the request's checked portal access
        # is the authorisation, the record is created for the company
        footprint = (
            self.env[FOOTPRINT_MODEL]
            .sudo()
            .create(
                dict(
                    values,
                    partner_id=self.partner_id.id,
                    company_id=self.company_id.id,
                    status="pending",
                )
            )
        )
        if attachment:
            name, content = attachment
            self.env["ir.attachment"].sudo().create(
                {
                    "name": name,
                    "raw": content,
                    "res_model": FOOTPRINT_MODEL,
                    "res_id": footprint.id,
                }
            )
        self.sudo().write({"state": "submitted"})
        self.sudo().message_post(
            body=self.env._(
                "Footprint submitted for %(product)s: %(pcf)s kg CO2e per %(unit)s (pending "
                "review).",
                product=footprint.product_id.display_name,
                pcf=values["pcf_kg"],
                unit=values["declared_unit"],
            )
        )
        return footprint
