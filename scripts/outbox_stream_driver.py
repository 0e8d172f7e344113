"""Drive an Odoo database as users do, one committed transaction per step, for the outbox
stream test (``tests/test_outbox_stream.py``).

Run with the project's virtualenv, Odoo's source tree importable (``PYTHONPATH=$ODOO_SRC``),
on a database where ``scope3_carbon`` is installed (no demo data needed)::

    python scripts/outbox_stream_driver.py --out steps.json -- -d DB --db_host ... \\
        --addons-path ... --data-dir ...

(everything after ``--`` goes to Odoo's configuration parser). Steps: a vendor and a product
are created; order 1 is confirmed; orders 2 and 3 are confirmed together (one transaction);
order 4 is confirmed and rolled back; order 1 is cancelled; the receipt of order 2 is
validated; then the attribution cron processes the outbox (its rows are updated, none is
inserted). ``--out`` receives, for each step, the PostgreSQL transaction id
(``txid_current()``, which the outbox's idempotency keys embed), whether it was committed and
the ids of the documents; and the outbox rows as the database has them at the end.
"""

import argparse
import json
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="JSON file written at the end")
    parser.add_argument("odoo_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    odoo_args = args.odoo_args[1:] if args.odoo_args[:1] == ["--"] else args.odoo_args

    import odoo  # noqa: PLC0415 - Odoo is importable only with PYTHONPATH=$ODOO_SRC
    from odoo import SUPERUSER_ID, Command, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(odoo_args)
    registry = Registry(odoo.tools.config["db_name"])
    steps = []

    def step(name, action, commit=True):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            documents = action(env)
            cr.execute("SELECT txid_current()")
            txid = cr.fetchone()[0]
            if not commit:
                cr.rollback()
        steps.append({"step": name, "txid": txid, "committed": commit, "documents": documents})
        return documents

    def order(env, refs):
        return env["purchase.order"].create(
            {
                "partner_id": refs["vendor"],
                "order_line": [
                    Command.create(
                        {"product_id": refs["product"], "product_qty": 5.0, "price_unit": 12.0}
                    )
                ],
            }
        )

    refs = step(
        "setup",
        lambda env: {
            "vendor": env["res.partner"].create({"name": "Stream Vendor", "is_company": True}).id,
            "product": env["product.product"]
            .create({"name": "Stream Steel Bar", "type": "consu", "standard_price": 12.0})
            .id,
        },
    )

    def confirm(env, count):
        orders = env["purchase.order"].concat(*(order(env, refs) for _ in range(count)))
        orders.button_confirm()
        return {"orders": orders.ids, "pickings": orders.picking_ids.ids}

    first = step("confirm one order", lambda env: confirm(env, 1))
    second = step("confirm two orders together", lambda env: confirm(env, 2))
    step("confirm an order, then roll back", lambda env: confirm(env, 1), commit=False)

    def cancel(env):
        orders = env["purchase.order"].browse(first["orders"])
        orders.button_cancel()
        return {"orders": orders.ids}

    step("cancel the first order", cancel)

    def receive(env):
        orders = env["purchase.order"].browse(second["orders"][0])
        picking = orders.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        result = picking.button_validate()
        if result is not True or picking.state != "done":
            raise RuntimeError(f"the receipt was not validated: {result!r}, state {picking.state}")
        return {"orders": orders.ids, "pickings": picking.ids}

    step("validate the receipt of the second order", receive)

    def attribute(env):
        processed = env["scope3.outbox.event"]._cron_process_events(batch_size=100)
        return {"processed": processed}

    step("attribution cron", attribute)

    with registry.cursor() as cr:
        cr.execute(
            "SELECT id, aggregatetype, aggregateid, type, idempotency_key, state "
            "FROM scope3_outbox_event ORDER BY id"
        )
        columns = [col.name for col in cr.description]
        outbox = [dict(zip(columns, row, strict=True)) for row in cr.fetchall()]

    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"steps": steps, "outbox": outbox}, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
