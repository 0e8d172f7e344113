# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core.conversion import to_decimal

#: a row counts as changed when its value differs by more than this share (0.00001 %)
_EPSILON = 1e-9


class Scope3FactorSetComparison(models.TransientModel):
    """Edition comparison before publishing: the rows of a (draft) set against the set it
    would supersede, and the estimated effect on the ledger."""

    _name = "scope3.factor.set.comparison"
    _description = "Factor Set Edition Comparison"

    set_id = fields.Many2one("scope3.factor.set", string="New Edition", required=True)
    base_set_id = fields.Many2one(
        "scope3.factor.set",
        string="Compared With",
        help="Default: the published set of the same source, type and company that this "
        "set would supersede.",
    )
    line_ids = fields.One2many("scope3.factor.set.comparison.line", "comparison_id")
    added_count = fields.Integer(readonly=True)
    removed_count = fields.Integer(readonly=True)
    changed_count = fields.Integer(readonly=True)
    unchanged_count = fields.Integer(readonly=True)
    entry_count = fields.Integer(
        string="Ledger Entries Affected",
        readonly=True,
        help="Entries of the ledger computed with a factor of the compared set that this "
        "edition changes or removes.",
    )
    current_kg = fields.Float(string="Their kg CO2e Now", readonly=True, digits=(16, 3))
    estimated_kg = fields.Float(
        string="Estimated kg CO2e",
        readonly=True,
        digits=(16, 3),
        help="Their kg CO2e with the new values (each entry's kg x new value / old value); "
        "entries of removed factors keep their kg.",
    )
    restatement_note = fields.Text(string="Restatement", readonly=True)

    @api.model
    def _scope3_default_base(self, factor_set):
        """The published set of the same series this one would supersede."""
        candidates = self.env["scope3.factor.set"].search(
            [
                ("id", "!=", factor_set.id),
                ("source", "=", factor_set.source),
                ("factor_type", "=", factor_set.factor_type),
                ("company_id", "=", factor_set.company_id.id),
                ("state", "in", ("published", "superseded")),
            ]
        )
        key = factor_set._scope3_edition_key()
        older = candidates.filtered(lambda s: s._scope3_edition_key() < key)
        pool = older or candidates
        return pool.sorted(lambda s: s._scope3_edition_key(), reverse=True)[:1]

    @api.model
    def _scope3_open(self, factor_set):
        base = self._scope3_default_base(factor_set)
        comparison = self.create({"set_id": factor_set.id, "base_set_id": base.id})
        comparison._scope3_compute()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Compare %(set)s", set=factor_set.display_name),
            "res_model": self._name,
            "res_id": comparison.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_compute(self):
        self._scope3_compute()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    @staticmethod
    def _scope3_labels(factor):
        return (
            factor.level_1 or "",
            factor.level_2 or "",
            factor.level_3 or "",
            factor.level_4 or "",
            factor.column_text or "",
            factor.unit or "",
        )

    def _scope3_pairs(self):
        """[(old factor or empty, new factor or empty)]: rows matched by key, then (for the
        DESNZ sets whose keys differ between the flat file and the workbook) by labels."""
        self.ensure_one()
        Factor = self.env["scope3.factor"]
        new = Factor.search([("set_id", "=", self.set_id.id)])
        old = Factor.search([("set_id", "=", self.base_set_id.id)]) if self.base_set_id else Factor
        old_by_key = {(f.key_type, f.key): f for f in old}
        pairs, unmatched_new = [], []
        for factor in new:
            match = old_by_key.pop((factor.key_type, factor.key), None)
            if match:
                pairs.append((match, factor))
            else:
                unmatched_new.append(factor)
        old_by_labels = {}
        for factor in old_by_key.values():
            if factor.level_1:
                old_by_labels.setdefault(self._scope3_labels(factor), factor)
        for factor in unmatched_new:
            match = factor.level_1 and old_by_labels.pop(self._scope3_labels(factor), None)
            if match:
                old_by_key.pop((match.key_type, match.key), None)
            pairs.append((match or Factor, factor))
        matched_old = {old.id for old, _new in pairs if old}
        pairs.extend((factor, Factor) for factor in old if factor.id not in matched_old)
        return pairs

    def _scope3_compute(self):
        self.ensure_one()
        if not self.set_id:
            raise UserError(self.env._("Choose the set to compare."))
        pairs = self._scope3_pairs()
        counts = {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}
        lines, affected = [], {}
        for old, new in pairs:
            if not old:
                status = "added"
            elif not new:
                status = "removed"
            elif abs(new.value - old.value) > _EPSILON * max(abs(old.value), 1.0):
                status = "changed"
            else:
                status = "unchanged"
            counts[status] += 1
            if status == "unchanged":
                continue
            if old:
                affected[old.id] = new.value if new else None
            pct = False
            if status == "changed" and old.value:
                change = (to_decimal(new.value) - to_decimal(old.value)) / to_decimal(old.value)
                pct = float(change * 100)
            lines.append(
                {
                    "status": status,
                    "key": (new or old).key,
                    "name": (new or old).name,
                    "unit": (new or old).unit,
                    "old_factor_id": old.id or False,
                    "new_factor_id": new.id or False,
                    "old_value": old.value if old else False,
                    "new_value": new.value if new else False,
                    "change_pct": pct,
                }
            )
        self.line_ids.unlink()
        current, estimated, entries = self._scope3_ledger_effect(affected)
        self.write(
            {
                "line_ids": [fields.Command.create(vals) for vals in lines],
                "added_count": counts["added"],
                "removed_count": counts["removed"],
                "changed_count": counts["changed"],
                "unchanged_count": counts["unchanged"],
                "entry_count": entries,
                "current_kg": current,
                "estimated_kg": estimated,
                "restatement_note": self._scope3_restatement_note(entries),
            }
        )

    def _scope3_ledger_effect(self, affected):
        """(kg now, estimated kg, entry count) of the ledger entries using changed or
        removed factors of the compared set (reversals included: they net out)."""
        if not affected:
            return 0.0, 0.0, 0
        groups = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                [("factor_id", "in", list(affected))], ["factor_id"], ["co2e_kg:sum", "__count"]
            )
        )
        current = estimated = 0.0
        count = 0
        for factor, kg, number in groups:
            new_value = affected.get(factor.id)
            current += kg
            count += number
            if new_value is None or not factor.value:
                estimated += kg
            else:
                estimated += float(
                    to_decimal(kg) * to_decimal(new_value) / to_decimal(factor.value)
                )
        return current, estimated, count

    def _scope3_restatement_note(self, entries):
        factor_set = self.set_id
        if factor_set.factor_type == "spend":
            return self.env._(
                "Publishing opens a restatement of the entries dated from %(date)s that "
                "resolve to spend-based factors; it changes the ledger once approved.",
                date=factor_set.valid_from or self.env._("any date"),
            )
        if entries == 1:
            return self.env._(
                "Activity factors are chosen explicitly: publishing changes no posted entry. "
                "New activities dated from %(date)s use this edition; a restatement of the "
                "entry above is a manual decision.",
                date=factor_set.valid_from or self.env._("any date"),
            )
        if entries:
            return self.env._(
                "Activity factors are chosen explicitly: publishing changes no posted entry. "
                "New activities dated from %(date)s use this edition; a restatement of the "
                "%(count)s entries above is a manual decision.",
                date=factor_set.valid_from or self.env._("any date"),
                count=entries,
            )
        return self.env._("No posted entry uses a factor this edition changes.")


class Scope3FactorSetComparisonLine(models.TransientModel):
    _name = "scope3.factor.set.comparison.line"
    _description = "Factor Set Edition Comparison Row"
    _order = "status, key"

    comparison_id = fields.Many2one(
        "scope3.factor.set.comparison", required=True, ondelete="cascade"
    )
    status = fields.Selection(
        [("added", "Added"), ("removed", "Removed"), ("changed", "Changed")], required=True
    )
    key = fields.Char()
    name = fields.Char(string="Title")
    unit = fields.Char()
    old_factor_id = fields.Many2one("scope3.factor", string="Old Factor")
    new_factor_id = fields.Many2one("scope3.factor", string="New Factor")
    old_value = fields.Float(digits=0)
    new_value = fields.Float(digits=0)
    change_pct = fields.Float(string="Change (%)", digits=(16, 4))
