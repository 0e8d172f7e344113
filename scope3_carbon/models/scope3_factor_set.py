# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
from datetime import date, timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..core import importers
from ..core.conversion import to_decimal
from ..core.units import UOM_XMLIDS

#: set-level facts the files do not carry: (source, edition) -> data year, region (ISO alpha-2)
SOURCE_FACTS = {
    ("epa_supply_chain", "v1.2"): {"data_year": 2019, "region": "US", "edition_date": "2023-04-12"},
    ("epa_supply_chain", "v1.3.0"): {
        "data_year": 2022,
        "region": "US",
        "edition_date": "2024-07-05",
    },
    ("epa_hub", None): {"region": "US"},
    ("desnz_flat", None): {"region": "GB"},
}

#: ir.config_parameter keys of the import limits (see ``_scope3_import_limits``)
LIMIT_PARAMS = {
    "max_bytes": ("scope3_carbon.factor_import_max_mb", 1_000_000),
    "max_rows": ("scope3_carbon.factor_import_max_rows", 1),
}


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

    A set is imported or prepared as a draft, then published. Publishing freezes the set
    and its rows: a correction is a new set, never an edit, so every entry keeps pointing
    at the exact numbers it used. Publishing a newer edition of the same source (and
    company) supersedes the older published ones from the new set's valid-from date.
    Publishing a spend-based set changes no existing entry by itself: it opens a
    ``scope3.restatement`` of the entries dated in its validity, posted once approved.
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
            "valid_to",
            "superseded_by_id",
        }
    )

    #: descriptive fields the module's data may complete on the sets it ships
    _scope3_provenance_fields = frozenset(
        {
            "source",
            "edition_date",
            "data_year",
            "region",
            "file_name",
            "file_checksum",
            "row_count",
            "skipped_count",
            "source_url",
            "licence",
            "note",
            "version",
            "file_format",
            "table_counts",
            # validity by reporting year, added after the shipped 2025 set was published
            "valid_from",
        }
    )

    name = fields.Char(required=True, tracking=True)
    source = fields.Selection(
        [
            ("epa_supply_chain", "US EPA Supply Chain GHG Emission Factors (NAICS-6)"),
            ("desnz_flat", "UK DESNZ GHG Conversion Factors"),
            ("epa_hub", "US EPA GHG Emission Factors Hub"),
            ("ember", "Ember grid intensity"),
            ("manual", "Other / manual"),
        ],
        required=True,
        default="manual",
        help="Publication series; a newer edition of the same series supersedes the older.",
    )
    publisher = fields.Char(required=True)
    edition = fields.Char(required=True, help="Edition or version label, e.g. v1.3.0.")
    version = fields.Char(
        string="Publisher Version", help="Version of the edition the file states, e.g. 1.1."
    )
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
    data_year = fields.Integer(help="Year of the underlying activity/emission data.")
    region = fields.Char(help="Country (ISO 3166 alpha-3) the factors describe, if one.")
    price_basis = fields.Selection(
        [("purchaser", "Purchaser price"), ("producer", "Producer price")],
        help="Purchaser price includes transport and trade margins; producer price does not.",
    )
    edition_date = fields.Date(help="Release date of the edition, which orders the editions.")
    valid_from = fields.Date(help="First activity date this set applies to (empty: any date).")
    valid_to = fields.Date(
        readonly=True,
        copy=False,
        help="Last activity date this set applies to, set when a newer edition supersedes it.",
    )
    superseded_by_id = fields.Many2one("scope3.factor.set", readonly=True, copy=False)
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
    file_checksum = fields.Char(
        readonly=True,
        copy=False,
        index=True,
        help="SHA-256 of the imported file(s): importing the same file again finds this set.",
    )
    file_name = fields.Char(readonly=True, copy=False)
    file_format = fields.Selection(
        [("csv", "CSV"), ("json", "JSON"), ("xlsx", "XLSX workbook")], readonly=True, copy=False
    )
    table_counts = fields.Text(
        string="Tables Read",
        readonly=True,
        copy=False,
        help="Each table or sheet of the imported workbook with the number of values read.",
    )
    row_count = fields.Integer(readonly=True, help="Data rows read in the imported file(s).")
    skipped_count = fields.Integer(
        readonly=True, help="Rows skipped on import because they carry no factor value."
    )
    imported_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    imported_date = fields.Datetime(readonly=True, copy=False)
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
        if frozen and self.env.context.get("install_module") == "scope3_carbon":
            # the module's own data may complete the provenance of the sets it ships
            # (fields added after they were published); never their values or rows
            vals = dict(vals)
            provenance = {k: vals.pop(k) for k in list(vals) if k in self._scope3_provenance_fields}
            if provenance:
                super(Scope3FactorSet, frozen).write(provenance)
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
            factor_set._scope3_check_publishable()
            factor_set.write(
                {
                    "state": "published",
                    "published_by_id": self.env.uid,
                    "published_date": fields.Datetime.now(),
                    "content_checksum": factor_set._scope3_compute_checksum(),
                }
            )
            factor_set._scope3_supersede_older()
            # existing entries change only through an approved restatement
            self.env["scope3.restatement"]._scope3_propose_for_factor_set(factor_set)
        return True

    def _scope3_check_publishable(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(
                self.env._(
                    "Only draft factor sets can be published (%(set)s).", set=self.display_name
                )
            )
        if not self.factor_ids:
            raise UserError(
                self.env._("Factor set %(set)s has no factors to publish.", set=self.display_name)
            )
        if self.factor_type == "spend" and not (self.currency_id and self.price_year):
            raise UserError(
                self.env._(
                    "Spend-based factor set %(set)s needs a currency and a price year.",
                    set=self.display_name,
                )
            )
        company = self.company_id or self.env.company
        importer = self.imported_by_id or self.create_uid
        if company.scope3_four_eyes_publish and importer == self.env.user:
            raise UserError(
                self.env._(
                    "Four-eyes rule: %(user)s imported %(set)s and cannot also publish it. "
                    "Another Carbon Manager must publish it.",
                    user=self.env.user.name,
                    set=self.display_name,
                )
            )
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            # a set shared by every company may change the figures of all that resolve to it
            outside = self._scope3_companies_resolving() - self.env.user.company_ids
            if outside:
                raise UserError(
                    self.env._(
                        "%(set)s is shared by every company: publishing it may change the "
                        "figures of %(companies)s, where you have no access. Give the set "
                        "your company to publish it for that company only, or ask an "
                        "administrator.",
                        set=self.display_name,
                        companies=", ".join(outside.mapped("name")),
                    )
                )

    def _scope3_companies_resolving(self):
        """Companies whose counted figures this spend-based set may change once published:
        those with activities that do not pin another set (activity-based factors are
        chosen explicitly, so a published activity set changes nothing by itself)."""
        self.ensure_one()
        if self.factor_type != "spend":
            return self.env["res.company"]
        companies = (
            self.company_id
            or self.env["scope3.restatement"].sudo()._scope3_companies_with_activities()
        )
        return companies.filtered(
            lambda c: c.scope3_spend_factor_set_id.state not in ("published", "superseded")
            or c.scope3_spend_factor_set_id == self
        )

    def _scope3_supersede_older(self):
        """Supersede the published sets of the same source, company and type that are
        older editions; if this set is the older one, it is superseded at once."""
        self.ensure_one()
        if self.source == "manual":
            return
        siblings = self.search(
            [
                ("id", "!=", self.id),
                ("source", "=", self.source),
                ("factor_type", "=", self.factor_type),
                ("company_id", "=", self.company_id.id),
                ("state", "=", "published"),
            ]
        )
        newer = siblings.filtered(lambda s: s._scope3_edition_key() > self._scope3_edition_key())
        if newer:
            self._scope3_mark_superseded(newer.sorted(lambda s: s._scope3_edition_key())[0])
        for older in siblings - newer:
            older._scope3_mark_superseded(self)

    def _scope3_edition_key(self):
        return (self.edition_date or fields.Date.to_date("1900-01-01"), self.id)

    def _scope3_mark_superseded(self, successor):
        valid_to = successor.valid_from and successor.valid_from - timedelta(days=1)
        self.write({"state": "superseded", "superseded_by_id": successor.id, "valid_to": valid_to})
        self.message_post(
            body=self.env._(
                "Superseded by %(set)s from %(date)s.",
                set=successor.display_name,
                date=successor.valid_from or self.env._("any date"),
            )
        )

    def action_compare_editions(self):
        """Open the comparison of this set with the set it would supersede."""
        self.ensure_one()
        return self.env["scope3.factor.set.comparison"]._scope3_open(self)

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
        chosen set (when published or superseded), else the published or superseded set
        whose validity covers the date, the latest edition first."""
        chosen = company.scope3_spend_factor_set_id
        if chosen.state in ("published", "superseded"):
            return chosen
        return self._scope3_sets_valid_at(company, date, "spend")[:1]

    def _scope3_sets_valid_at(self, company, date, factor_type):
        sets = self.search(
            [
                ("state", "in", ("published", "superseded")),
                ("factor_type", "=", factor_type),
                ("company_id", "in", [company.id, False]),
                "|",
                ("valid_from", "=", False),
                ("valid_from", "<=", date),
                "|",
                ("valid_to", "=", False),
                ("valid_to", ">=", date),
            ]
        )
        # a superseded set applies only up to its valid_to; one without valid_to was
        # superseded from any date
        sets = sets.filtered(lambda s: s.state == "published" or s.valid_to)
        return sets.sorted(lambda s: s._scope3_edition_key(), reverse=True)

    @api.model
    def _scope3_import_limits(self):
        """Import limits: the defaults of the importers, overridden by the system parameters
        ``scope3_carbon.factor_import_max_mb`` and ``scope3_carbon.factor_import_max_rows``."""
        params = self.env["ir.config_parameter"].sudo()
        values = {}
        for name, (key, scale) in LIMIT_PARAMS.items():
            raw = params.get_param(key)
            if raw:
                try:
                    values[name] = max(1, int(float(raw) * scale))
                except ValueError:
                    raise UserError(
                        self.env._(
                            "System parameter %(key)s must be a number, not %(value)s.",
                            key=key,
                            value=raw,
                        )
                    ) from None
        return importers.Limits(**values)

    @api.model
    def _scope3_import(
        self, source, files, file_name=None, valid_from=None, company=None, limits=None
    ):
        """Create a draft factor set from official file content (bytes).

        Callable from the wizard, a script or a cron. The file is parsed completely before
        anything is written, and the set is written in one savepoint: a malformed file
        raises a UserError naming its problems and leaves nothing behind. A file already
        imported (same SHA-256) returns the existing set.

        :param str source: a parser of :data:`importers.SOURCES` (``desnz_workbook``,
            ``epa_hub_workbook``, ``epa_supply_chain``, ``desnz_flat``, ``epa_hub``,
            ``ember``); the set's ``source`` is the publication series the parser reads
        :param dict files: keyword arguments of the parser (``co2e``/``by_ghg`` or ``data``)
        :param valid_from: first activity date; empty: the edition's reporting year for the
            DESNZ editions (1 January), any date otherwise
        """
        company = company or self.env["res.company"]
        if source not in importers.SOURCES:
            raise UserError(self.env._("Unknown factor source %(source)s.", source=source))
        parsed = self._scope3_parse(source, files, limits or self._scope3_import_limits())
        existing = self.with_context(active_test=False).search(
            [("file_checksum", "=", parsed.checksum), ("company_id", "=", company.id)], limit=1
        )
        if existing:
            return existing
        try:
            with self.env.cr.savepoint():
                factor_set = self.create(
                    self._scope3_import_vals(parsed, file_name, valid_from, company)
                )
                factor_set._scope3_create_factors(parsed.factors)
                factor_set._scope3_post_import_message(parsed, file_name or source)
        except (psycopg2.Error, ValueError, ValidationError) as exc:
            raise UserError(
                self.env._(
                    "The file could not be stored, nothing was imported: %(error)s",
                    error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                )
            ) from exc
        return factor_set

    @api.model
    def _scope3_parse(self, source, files, limits):
        try:
            return importers.parse(source, limits=limits, **files)
        except importers.ImportFileError as exc:
            raise UserError(
                self.env._(
                    "The file was rejected, nothing was imported (1 problem):\n%(problems)s",
                    problems="\n".join(exc.problems[:50]),
                )
                if len(exc.problems) == 1
                else self.env._(
                    "The file was rejected, nothing was imported (%(count)s problems):\n"
                    "%(problems)s",
                    count=len(exc.problems),
                    problems="\n".join(exc.problems[:50]),
                )
            ) from exc
        except (TypeError, ValueError, RecursionError, MemoryError) as exc:
            # a reader's own bug on an input it did not foresee: still a clear user error
            raise UserError(
                self.env._(
                    "The file could not be read (%(error)s), nothing was imported.",
                    error=type(exc).__name__,
                )
            ) from exc

    @api.model
    def _scope3_import_vals(self, parsed, file_name, valid_from, company):
        series = parsed.source
        facts = SOURCE_FACTS.get((series, parsed.edition)) or SOURCE_FACTS.get((series, None), {})
        currency = self.env["res.currency"].with_context(active_test=False)
        desnz_year = int(parsed.edition) if parsed.edition.isdigit() else None
        if series != "desnz_flat":
            desnz_year = None
        return {
            "name": parsed.name,
            "source": series,
            "publisher": parsed.publisher,
            "edition": parsed.edition,
            "version": parsed.version,
            "source_url": parsed.source_url,
            "licence": parsed.licence,
            "gwp_basis": parsed.gwp_basis,
            "factor_type": parsed.factor_type,
            "currency_id": parsed.currency
            and currency.search([("name", "=", parsed.currency)], limit=1).id,
            "price_year": parsed.price_year,
            "price_basis": parsed.price_basis,
            "data_year": facts.get("data_year") or desnz_year or False,
            "region": facts.get("region"),
            "edition_date": parsed.edition_date or facts.get("edition_date"),
            # DESNZ factors are for the reporting year of their edition (calendar year)
            "valid_from": valid_from or (desnz_year and date(desnz_year, 1, 1)) or False,
            "company_id": company.id,
            "file_checksum": parsed.checksum,
            "file_name": file_name,
            "file_format": parsed.file_format,
            "row_count": parsed.row_count,
            "skipped_count": parsed.skipped_rows,
            "table_counts": "\n".join(f"{name}: {count}" for name, count in parsed.tables) or False,
            "imported_by_id": self.env.uid,
            "imported_date": fields.Datetime.now(),
        }

    def _scope3_post_import_message(self, parsed, file_name):
        self.ensure_one()
        outside = sum(1 for f in parsed.factors if (f.scope or "") in ("Scope 1", "Scope 2"))
        self.message_post(
            body=self.env._(
                "Imported %(factors)s factors from %(file)s (%(rows)s rows read, %(skipped)s "
                "without a value skipped); SHA-256 %(checksum)s. %(other)s of them are "
                "Scope 1 or 2 factors of the publisher (Scope 3 use only for a supplier's "
                "own fuel or electricity).",
                factors=len(parsed.factors),
                file=file_name,
                rows=parsed.row_count,
                skipped=parsed.skipped_rows,
                checksum=parsed.checksum,
                other=outside,
            )
        )

    def _scope3_create_factors(self, parsed_factors):
        """Create the rows of this draft set; well-to-tank rows first, so that the direct
        rows can point at their companion."""
        self.ensure_one()
        uoms = {code: self.env.ref(xmlid).id for code, xmlid in UOM_XMLIDS.items()}
        Factor = self.env["scope3.factor"]
        wtt = [f for f in parsed_factors if f.is_wtt]
        direct = [f for f in parsed_factors if not f.is_wtt]
        created = Factor.create([self._scope3_factor_vals(f, uoms, {}) for f in wtt])
        by_key = {(f.key_type, f.key): rec.id for f, rec in zip(wtt, created, strict=True)}
        Factor.create([self._scope3_factor_vals(f, uoms, by_key) for f in direct])

    def _scope3_factor_vals(self, parsed, uoms, wtt_ids):
        levels = tuple(parsed.levels) + ("",) * (5 - len(parsed.levels))
        gas_values = (
            {gas: format(value, "f") for gas, value in parsed.gas_values.items()}
            if parsed.gas_values
            else False
        )
        return {
            "set_id": self.id,
            "key_type": parsed.key_type,
            "key": parsed.key,
            "name": parsed.name,
            "value": float(parsed.value),
            "value_without_margins": parsed.value_without_margins is not None
            and float(parsed.value_without_margins),
            "margin_value": parsed.margin_value is not None and float(parsed.margin_value),
            "unit": parsed.unit,
            "uom_code": parsed.uom_code,
            "uom_id": uoms.get(parsed.uom_code, False),
            "gas_values": gas_values,
            "gas_unit": parsed.gas_unit,
            "scope": parsed.scope,
            "level_1": levels[0] or False,
            "level_2": levels[1] or False,
            "level_3": levels[2] or False,
            "level_4": levels[3] or False,
            "column_text": levels[4] or False,
            "category_hint": parsed.category_hint or False,
            "is_wtt": parsed.is_wtt,
            "wtt_factor_id": wtt_ids.get((parsed.key_type, parsed.companion_key), False),
            "region": parsed.region,
            "data_year": parsed.year,
        }

    @api.model
    def _scope3_import_paths(self, source, paths, **options):
        """Script/cron entry point: like ``_scope3_import`` with file paths.

        Example: ``env["scope3.factor.set"]._scope3_import_paths("desnz_flat",
        {"data": "/path/ghg-conversion-factors-2025-flat-format.csv"})``
        """
        files = {}
        for name, path in paths.items():
            with open(path, "rb") as handle:
                files[name] = handle.read()
        options.setdefault(
            "file_name", ", ".join(str(p).rsplit("/", 1)[-1] for p in paths.values())
        )
        return self._scope3_import(source, files, **options)
