# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..core import pact_v3

DECLARED_UNIT_SELECTION = [(unit, unit) for unit in pact_v3.DECLARED_UNITS]
#: fields a Carbon Manager may still change once a footprint is approved (none of the data)
_MUTABLE_WHEN_APPROVED = {"pact_status", "successor_id", "message_main_attachment_id"}


def _key(urns):
    """Search key of a URN list: lower-cased, one a line, framed by newlines."""
    values = [u.lower() for u in pact_v3.split_lines(urns)]
    return "\n" + "\n".join(values) + "\n" if values else False


class Scope3ProductFootprint(models.Model):
    """A product carbon footprint the company publishes to its customers over PACT V3.0.

    Versioned and immutable once approved: a change is a new version (new id, its
    ``precedingPfIds`` the old one), and approving it deprecates the old one. Only approved
    footprints are served by ``GET /3/footprints``.
    """

    _name = "scope3.product.footprint"
    _description = "Product Carbon Footprint (PACT, published)"
    _inherit = ["mail.thread"]
    _order = "id"
    _check_company_auto = True
    _rec_name = "product_name_company"

    pf_uuid = fields.Char(
        string="PACT ID",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        default=lambda self: str(uuid.uuid4()),
    )
    version = fields.Integer(default=1, readonly=True, copy=False)
    state = fields.Selection(
        [("draft", "Draft"), ("approved", "Approved")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    pact_status = fields.Selection(
        [("Active", "Active"), ("Deprecated", "Deprecated")],
        string="PACT Status",
        default="Active",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    preceding_ids = fields.Many2many(
        "scope3.product.footprint",
        "scope3_product_footprint_preceding_rel",
        "footprint_id",
        "preceding_id",
        string="Preceding Versions",
        readonly=True,
        copy=False,
    )
    successor_id = fields.Many2one(
        "scope3.product.footprint", readonly=True, copy=False, string="Successor Version"
    )
    approved_at = fields.Datetime(readonly=True, copy=False, string="Created (PACT)")
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    product_id = fields.Many2one("product.product", check_company=True, index=True)
    product_name_company = fields.Char(string="Product Name", required=True)
    product_description = fields.Text(required=True)
    product_urns = fields.Text(
        string="Product IDs",
        required=True,
        help="The product's identifiers (URNs, one a line): urn:gtin:..., urn:pact:...",
    )
    classification_urns = fields.Text(
        string="Product Classifications", help="Classification URNs, one a line (e.g. UN CPC)."
    )
    company_urns = fields.Text(
        string="Company IDs",
        help="Left empty: the company's PACT company ids, copied when approved.",
    )
    product_key = fields.Char(compute="_compute_keys", store=True, index="trigram")
    classification_key = fields.Char(compute="_compute_keys", store=True)
    company_key = fields.Char(compute="_compute_keys", store=True)
    comment = fields.Text()
    declared_unit = fields.Selection(DECLARED_UNIT_SELECTION, required=True, default="kilogram")
    declared_unit_amount = fields.Float(digits=0, required=True, default=1.0)
    product_mass_per_declared_unit = fields.Float(
        string="Product Mass per Declared Unit (kg)", digits=0, required=True, default=1.0
    )
    reference_period_start = fields.Datetime(required=True)
    reference_period_end = fields.Datetime(required=True)
    validity_start = fields.Datetime(
        help="Left empty: the end of the reference period (the spec's default)."
    )
    validity_end = fields.Datetime(help="Left empty: three years after the validity start.")
    geography_country = fields.Char(size=2, help="ISO 3166-1 alpha-2 code (e.g. DE).")
    boundary_description = fields.Text(string="Boundary Processes")
    pcf_excluding_biogenic = fields.Float(
        string="PCF excl. Biogenic Uptake (kg CO2e / declared unit)", digits=0, required=True
    )
    pcf_including_biogenic = fields.Float(
        string="PCF incl. Biogenic Uptake (kg CO2e / declared unit)", digits=0, required=True
    )
    fossil_ghg_emissions = fields.Float(
        string="Fossil GHG Emissions (kg CO2e / declared unit)", digits=0, required=True
    )
    fossil_carbon_content = fields.Float(string="Fossil Carbon Content (kg C)", digits=0)
    biogenic_carbon_content = fields.Float(string="Biogenic Carbon Content (kg C)", digits=0)
    ipcc_characterization_factors = fields.Char(
        string="IPCC Characterization Factors", required=True, default="AR6"
    )
    cross_sectoral_standards = fields.Char(
        required=True,
        default="GHGP-Product, ISO14067",
        help="Comma-separated, e.g. GHGP-Product, ISO14067, PACT-3.0",
    )
    exempted_emissions_percent = fields.Float(digits=(5, 2), default=0.0)
    primary_data_share = fields.Float(digits=(5, 1), help="Percent of primary data.")
    dqr_technological = fields.Float(string="Technological DQR", digits=(3, 1))
    dqr_geographical = fields.Float(string="Geographical DQR", digits=(3, 1))
    dqr_temporal = fields.Float(string="Temporal DQR", digits=(3, 1))
    source = fields.Selection(
        [("entered", "Entered"), ("ledger", "Derived from the ledger")],
        default="entered",
        required=True,
    )
    derivation = fields.Text(
        readonly=True,
        help="How the figures were obtained (the ledger entries summed when derived).",
    )

    _sql_constraints = [
        ("pf_uuid_unique", "UNIQUE(pf_uuid)", "The PACT id of a footprint is unique."),
        ("amount_positive", "CHECK(declared_unit_amount > 0)", "The amount must be positive."),
        ("mass_positive", "CHECK(product_mass_per_declared_unit >= 0)", "Negative mass."),
        (
            "exempted_range",
            "CHECK(exempted_emissions_percent >= 0 AND exempted_emissions_percent <= 5)",
            "Exempted emissions are 0 to 5 percent.",
        ),
        (
            "share_range",
            "CHECK(primary_data_share IS NULL OR "
            "(primary_data_share >= 0 AND primary_data_share <= 100))",
            "The primary data share is a percentage.",
        ),
    ]

    @api.depends("product_urns", "classification_urns", "company_urns")
    def _compute_keys(self):
        for footprint in self:
            footprint.product_key = _key(footprint.product_urns)
            footprint.classification_key = _key(footprint.classification_urns)
            footprint.company_key = _key(footprint.company_urns)

    @api.constrains(
        "product_urns",
        "classification_urns",
        "company_urns",
        "geography_country",
        "reference_period_start",
        "reference_period_end",
        "ipcc_characterization_factors",
        "dqr_technological",
        "dqr_geographical",
        "dqr_temporal",
        "pcf_excluding_biogenic",
        "fossil_ghg_emissions",
    )
    def _check_pact(self):
        for footprint in self:
            if footprint.pcf_excluding_biogenic < 0 or footprint.fossil_ghg_emissions < 0:
                raise ValidationError(self.env._("A footprint cannot be negative."))
            for name in ("product_urns", "classification_urns", "company_urns"):
                for urn in pact_v3.split_lines(footprint[name]):
                    if not urn.lower().startswith("urn:"):
                        raise ValidationError(
                            self.env._("%(urn)s is not a URN (urn:...).", urn=urn)
                        )
            country = footprint.geography_country
            if country and (len(country) != 2 or not country.isalpha() or not country.isupper()):
                raise ValidationError(self.env._("The country is an ISO code such as DE."))
            if footprint.reference_period_end < footprint.reference_period_start:
                raise ValidationError(self.env._("The reference period ends before it starts."))
            for factor in footprint._ipcc_list():
                if not (factor.startswith("AR") and factor[2:].isdigit()):
                    raise ValidationError(
                        self.env._("IPCC factors are AR5, AR6, ... (got %(f)s).", f=factor)
                    )
            for name in ("dqr_technological", "dqr_geographical", "dqr_temporal"):
                if footprint[name] and not 1 <= footprint[name] <= 3:
                    raise ValidationError(self.env._("A data quality rating is 1 to 3."))

    def _ipcc_list(self):
        return [x.strip() for x in (self.ipcc_characterization_factors or "").split(",") if x]

    def write(self, vals):
        if not self.env.context.get("scope3_pact_internal"):
            locked = set(vals) - _MUTABLE_WHEN_APPROVED
            if locked and any(f.state == "approved" for f in self):
                raise UserError(
                    self.env._("An approved footprint is immutable: create a new version instead.")
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(f.state == "approved" for f in self):
            raise UserError(self.env._("An approved footprint cannot be deleted."))

    def _check_manager(self):
        if not self.env.user.has_group("scope3_carbon.group_scope3_manager"):
            raise AccessError(self.env._("Only a Carbon Manager can approve footprints."))

    def action_approve(self):
        """Carbon Manager: publish draft footprints; the versions they replace become
        Deprecated. Approved footprints are announced to subscribed customers."""
        self._check_manager()
        now = fields.Datetime.now()
        for footprint in self:
            if footprint.state != "draft":
                raise UserError(self.env._("Only draft footprints can be approved."))
            vals = {"state": "approved", "approved_at": now, "approved_by_id": self.env.uid}
            if not footprint.company_urns:
                vals["company_urns"] = footprint.company_id.scope3_pact_company_urns
            if not footprint.validity_start:
                vals["validity_start"] = footprint.reference_period_end
            start = vals.get("validity_start", footprint.validity_start)
            if not footprint.validity_end:
                vals["validity_end"] = start + timedelta(days=3 * 365)
            footprint.with_context(scope3_pact_internal=True).write(vals)
            footprint.preceding_ids.with_context(scope3_pact_internal=True).write(
                {"pact_status": "Deprecated", "successor_id": footprint.id}
            )
        self.env["scope3.pact.event"]._scope3_announce_published(self)
        return True

    def action_new_version(self):
        """A draft copy with a new id whose precedingPfIds is this footprint."""
        self._check_manager()
        self.ensure_one()
        if self.state != "approved" or self.pact_status != "Active":
            raise UserError(self.env._("Only the active approved version has a successor."))
        new = self.copy(
            {
                "version": self.version + 1,
                "preceding_ids": [fields.Command.set(self.ids)],
                "company_urns": self.company_urns,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": new.id,
            "view_mode": "form",
        }

    def action_derive_from_ledger(self):
        """Fill the PCF from the ledger: the kg CO2e of the posted emission entries of the
        product over the reference period divided by the quantity purchased (cradle to gate
        of a product the company resells). The figures summed are written in
        ``derivation``."""
        self._check_manager()
        for footprint in self:
            if footprint.state != "draft" or not footprint.product_id:
                raise UserError(self.env._("Derive a draft footprint that names a product."))
            entries = self.env["scope3.emission.entry"].search(
                [
                    ("company_id", "=", footprint.company_id.id),
                    ("product_id", "=", footprint.product_id.id),
                    ("date", ">=", footprint.reference_period_start.date()),
                    ("date", "<=", footprint.reference_period_end.date()),
                ]
            )
            # a footprint received under confidentiality is the supplier's, not the
            # company's to publish: a product bought with one cannot be derived from it
            confidential = entries.sudo().supplier_footprint_id.filtered("is_confidential")
            if confidential:
                raise UserError(
                    self.env._(
                        "The emissions of %(p)s use footprints received under "
                        "confidentiality (%(footprints)s): deriving the product's footprint "
                        "from them would publish the supplier's figures. Ask the supplier to "
                        "share its footprint with your customers (then mark it not "
                        "confidential), or enter this footprint yourself.",
                        p=footprint.product_id.display_name,
                        footprints=", ".join(confidential.mapped("display_name")),
                    )
                )
            # a reversal carries the opposite signs: the sums net them out
            kg = sum(entries.mapped("co2e_kg"))
            qty = sum(entries.mapped("activity_amount"))
            if not entries or qty <= 0:
                raise UserError(
                    self.env._(
                        "No posted emission of %(p)s in the reference period.",
                        p=footprint.product_id.display_name,
                    )
                )
            per_unit = kg / qty
            footprint.write(
                {
                    "source": "ledger",
                    "pcf_excluding_biogenic": per_unit,
                    "pcf_including_biogenic": per_unit,
                    "fossil_ghg_emissions": per_unit,
                    "derivation": (
                        f"{len(entries)} emission entries {min(entries.mapped('date'))} to "
                        f"{max(entries.mapped('date'))}: {kg:.6f} kg CO2e / {qty:.6f} "
                        f"{entries[:1].activity_unit or ''} = {per_unit:.6f} kg CO2e per unit"
                    ),
                }
            )
        return True

    # ------------------------------------------------------------------ PACT serialization

    def _pact_dict(self):
        """The V3.0 ProductFootprint of an approved footprint, as a plain dict."""
        self.ensure_one()
        fmt = pact_v3.format_decimal
        pcf = {
            "declaredUnitOfMeasurement": self.declared_unit,
            "declaredUnitAmount": fmt(self.declared_unit_amount),
            "productMassPerDeclaredUnit": fmt(self.product_mass_per_declared_unit),
            "referencePeriodStart": pact_v3.format_datetime(self.reference_period_start),
            "referencePeriodEnd": pact_v3.format_datetime(self.reference_period_end),
            "pcfExcludingBiogenicUptake": fmt(self.pcf_excluding_biogenic),
            "pcfIncludingBiogenicUptake": fmt(self.pcf_including_biogenic),
            "fossilGhgEmissions": fmt(self.fossil_ghg_emissions),
            "fossilCarbonContent": fmt(self.fossil_carbon_content or 0.0),
            "biogenicCarbonContent": fmt(self.biogenic_carbon_content or 0.0),
            "ipccCharacterizationFactors": self._ipcc_list(),
            "crossSectoralStandards": [
                x.strip() for x in self.cross_sectoral_standards.split(",") if x.strip()
            ],
            "exemptedEmissionsPercent": fmt(self.exempted_emissions_percent),
        }
        if self.geography_country:
            pcf["geographyCountry"] = self.geography_country
        if self.boundary_description:
            pcf["boundaryProcessesDescription"] = self.boundary_description
        if self.primary_data_share:
            pcf["primaryDataShare"] = fmt(self.primary_data_share)
        if self.dqr_technological and self.dqr_geographical and self.dqr_temporal:
            pcf["dqi"] = {
                "technologicalDQR": fmt(self.dqr_technological),
                "geographicalDQR": fmt(self.dqr_geographical),
                "temporalDQR": fmt(self.dqr_temporal),
            }
        data = {
            "id": self.pf_uuid,
            "specVersion": pact_v3.SPEC_VERSION,
            "version": self.version,
            "created": pact_v3.format_datetime(self.approved_at or self.create_date),
            "status": self.pact_status,
            "validityPeriodStart": pact_v3.format_datetime(self.validity_start),
            "validityPeriodEnd": pact_v3.format_datetime(self.validity_end),
            "companyName": self.company_id.name,
            "companyIds": pact_v3.split_lines(self.company_urns),
            "productDescription": self.product_description,
            "productIds": pact_v3.split_lines(self.product_urns),
            "productNameCompany": self.product_name_company,
            "pcf": pcf,
        }
        if self.preceding_ids:
            data["precedingPfIds"] = self.preceding_ids.mapped("pf_uuid")
        classifications = pact_v3.split_lines(self.classification_urns)
        if classifications:
            data["productClassifications"] = classifications
        if self.comment:
            data["comment"] = self.comment
        return {k: v for k, v in data.items() if v is not None}

    @api.model
    def _pact_domain(self, company, query):
        """The ORM domain of a ListQuery over the approved footprints of ``company``."""
        domain = [("company_id", "=", company.id), ("state", "=", "approved")]

        def like_any(field_name, values):
            clauses = [(field_name, "=ilike", f"%\n{_escape(v.lower())}\n%") for v in values]
            return ["|"] * (len(clauses) - 1) + clauses

        if query.product_ids:
            domain += like_any("product_key", query.product_ids)
        if query.company_ids:
            domain += like_any("company_key", query.company_ids)
        if query.classifications:
            domain += like_any("classification_key", query.classifications)
        if query.geographies:
            codes = [g.upper() for g in query.geographies]
            domain.append(("geography_country", "in", codes))
        if query.statuses:
            statuses = [
                s for s in pact_v3.STATUSES if s.lower() in {x.lower() for x in query.statuses}
            ]
            domain.append(("pact_status", "in", statuses))
        if query.valid_on:
            domain += [
                ("validity_start", "<=", query.valid_on),
                ("validity_end", ">=", query.valid_on),
            ]
        if query.valid_after:
            domain.append(("validity_start", ">", query.valid_after))
        if query.valid_before:
            domain.append(("validity_end", "<", query.valid_before))
        return domain


def _escape(value):
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
