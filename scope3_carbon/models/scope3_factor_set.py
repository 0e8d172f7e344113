# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core.conversion import to_decimal


def changed_field_names(records, vals):
    """Names of the fields in ``vals`` whose value differs for at least one of ``records``.

    Used to freeze published data while still letting the data loader rewrite identical
    values on a module update.
    """
    changed = set()
    for name, value in vals.items():
        field = records._fields.get(name)
        if field is None or field.type in ("one2many", "many2many"):
            changed.add(name)
            continue
        for record in records:
            new = field.convert_to_record(field.convert_to_cache(value, record), record)
            if new != record[name]:
                changed.add(name)
                break
    return changed


class Scope3FactorSet(models.Model):
    """One edition of a published emission-factor source (e.g. US EPA v1.3).

    A set is prepared as a draft, then published. Publishing freezes the set and its
    rows:
    a correction is a new set, never an edit, so every entry keeps pointing at the exact
    numbers it used.
    """

    _name = "scope3.factor.set"
    _description = "Scope 3 Emission Factor Set"
    _inherit = ["mail.thread"]
    _order = "valid_from desc, id desc"
    _check_company_auto = True

    #: fields that may still change once a set is published
    _scope3_mutable_fields = frozenset(
        {
            "state",
            "published_by_id",
            "published_date",
            "content_checksum",
            "active",
            "note",
        }
    )

    name = fields.Char(required=True, tracking=True)
    publisher = fields.Char(required=True)
    edition = fields.Char(required=True, help="Edition or version label, e.g. v1.3.0.")
    source_url = fields.Char(string="Source URL")
    licence = fields.Char()
    gwp_basis = fields.Selection(
        [("ar4", "IPCC AR4"), ("ar5", "IPCC AR5"), ("ar6", "IPCC AR6")],
        string="GWP Basis",
        required=True,
        help="IPCC assessment report whose 100-year global warming potentials were used.",
    )
    factor_type = fields.Selection(
        [("spend", "Spend-based (per currency unit)"), ("activity", "Activity-based")],
        required=True,
        default="spend",
    )
    currency_id = fields.Many2one(
        "res.currency",
        help="Currency of the spend amounts the factors apply to (spend-based sets).",
    )
    price_year = fields.Integer(help="Year of the currency unit (spend-based sets).")
    price_basis = fields.Selection(
        [("purchaser", "Purchaser price"), ("producer", "Producer price")],
        help="Purchaser price includes transport and trade margins; producer price does not.",
    )
    valid_from = fields.Date(help="First activity date this set applies to (empty: any date).")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("published", "Published"),
            ("superseded", "Superseded"),
            ("archived", "Archived"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty for a set shared by all companies.", index=True
    )
    factor_ids = fields.One2many("scope3.factor", "set_id", string="Factors")
    factor_count = fields.Integer(compute="_compute_factor_count")
    content_checksum = fields.Char(
        readonly=True,
        copy=False,
        help="SHA-256 of the set's rows in canonical form, fixed at publication.",
    )
    published_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    published_date = fields.Datetime(readonly=True, copy=False)
    note = fields.Text()

    def _compute_factor_count(self):
        counts = dict(
            self.env["scope3.factor"]._read_group(
                [("set_id", "in", self.ids)], ["set_id"], ["__count"]
            )
        )
        for factor_set in self:
            factor_set.factor_count = counts.get(factor_set, 0)

    def write(self, vals):
        frozen = self.filtered(lambda s: s.state != "draft")
        if frozen:
            changed = {
                name
                for name in changed_field_names(frozen, vals) - self._scope3_mutable_fields
                # chatter bookkeeping (followers, attachments) is not part of the set
                if not name.startswith(("message_", "activity_"))
            }
            if changed:
                raise UserError(
                    self.env._(
                        "Factor set %(set)s is %(state)s and frozen: %(fields)s cannot be "
                        "changed. Create a new edition instead.",
                        set=frozen[0].display_name,
                        state=frozen[0].state,
                        fields=", ".join(sorted(changed)),
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(s.state != "draft" for s in self):
            raise UserError(
                self.env._("Published factor sets cannot be deleted; archive them instead.")
            )

    def _scope3_compute_checksum(self):
        """SHA-256 over the rows sorted by key, in a canonical text form."""
        self.ensure_one()
        digest = hashlib.sha256()
        rows = self.env["scope3.factor"].search_read(
            [("set_id", "=", self.id)],
            [
                "key_type",
                "key",
                "value",
                "value_without_margins",
                "margin_value",
                "unit",
            ],
            order="key_type, key",
        )
        for row in rows:
            line = "|".join(
                [
                    row["key_type"],
                    row["key"],
                    format(to_decimal(row["value"]), "f"),
                    format(to_decimal(row["value_without_margins"] or 0.0), "f"),
                    format(to_decimal(row["margin_value"] or 0.0), "f"),
                    row["unit"] or "",
                ]
            )
            digest.update(line.encode("utf-8") + b"\n")
        return digest.hexdigest()

    def action_publish(self):
        for factor_set in self:
            if factor_set.state != "draft":
                raise UserError(
                    self.env._(
                        "Only draft factor sets can be published (%(set)s).",
                        set=factor_set.display_name,
                    )
                )
            if not factor_set.factor_ids:
                raise UserError(
                    self.env._(
                        "Factor set %(set)s has no factors to publish.",
                        set=factor_set.display_name,
                    )
                )
            if factor_set.factor_type == "spend" and not factor_set.currency_id:
                raise UserError(
                    self.env._(
                        "Spend-based factor set %(set)s needs a currency.",
                        set=factor_set.display_name,
                    )
                )
            factor_set.write(
                {
                    "state": "published",
                    "published_by_id": self.env.uid,
                    "published_date": fields.Datetime.now(),
                    "content_checksum": factor_set._scope3_compute_checksum(),
                }
            )
        return True

    def action_archive_set(self):
        self.filtered(lambda s: s.state in ("published", "superseded")).write({"state": "archived"})
        return True

    @api.model
    def _scope3_publish_shipped(self, xmlids):
        """Publish the factor sets shipped as module data (called from XML on install)."""
        for xmlid in xmlids:
            factor_set = self.env.ref(xmlid)
            if factor_set.state == "draft":
                factor_set.action_publish()

    def _scope3_spend_set_for(self, company, date):
        """The spend-based set that applies to ``company`` on ``date``: the company's
        chosen set (when published or superseded), else the latest published one valid at
        that date."""
        chosen = company.scope3_spend_factor_set_id
        if chosen.state in ("published", "superseded"):
            return chosen
        return self.search(
            [
                ("state", "=", "published"),
                ("factor_type", "=", "spend"),
                ("company_id", "in", [company.id, False]),
                "|",
                ("valid_from", "=", False),
                ("valid_from", "<=", date),
            ],
            order="valid_from desc nulls last, id desc",
            limit=1,
        )
