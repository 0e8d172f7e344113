# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Set-based INSERT for records written by code only (ledger entries, activities)."""

from odoo import models
from odoo.tools import SQL


def insert_rows(model, vals_list, defaults=None):
    """Insert ``vals_list`` into ``model``'s table in one statement; return the records.

    Only for models whose rows are written by the add-on's own code: no ``create``
    override, onchange or default beyond ``defaults`` runs, and every value must be a
    plain column value (ids for many2ones). The caller invalidates and marks dependent
    fields (``modified``) as the ORM's ``create`` would.
    """
    if not vals_list:
        return model.browse()
    columns = [
        name
        for name, field in model._fields.items()
        if field.store and field.column_type and name not in models.MAGIC_COLUMNS
    ]
    known = set(columns)
    # False is SQL NULL for every type but booleans (the ORM stores false there)
    booleans = {name for name in columns if model._fields[name].type == "boolean"}
    params = []
    for vals in vals_list:
        vals = dict(defaults or {}, **vals)
        unknown = set(vals) - known
        if unknown:
            raise ValueError(f"unknown columns of {model._name}: {sorted(unknown)}")
        params.extend(
            None if vals.get(name) is False and name not in booleans else vals.get(name, None)
            for name in columns
        )
    # one placeholder per value (psycopg2 adapts them); identifiers come from the model
    row = "(" + ", ".join(["%s"] * len(columns)) + ", %s, %s, now() at time zone 'UTC', "
    row += "now() at time zone 'UTC')"
    uid = model.env.uid
    all_params = []
    width = len(columns)
    for index in range(len(vals_list)):
        all_params.extend(params[index * width : (index + 1) * width])
        all_params.extend((uid, uid))
    head = SQL(
        "INSERT INTO %s (%s, create_uid, write_uid, create_date, write_date) VALUES ",
        SQL.identifier(model._table),
        SQL(", ").join(SQL.identifier(name) for name in columns),
    )
    query = head.code + ", ".join([row] * len(vals_list)) + " RETURNING id"
    # a unique or serialization conflict with a concurrent worker is handled by the
    # caller's savepoint: no ERROR line for it in the log
    model.env.cr.execute(query, all_params, log_exceptions=False)
    return model.browse([r[0] for r in model.env.cr.fetchall()])
