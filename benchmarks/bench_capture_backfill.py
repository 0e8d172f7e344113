#!/usr/bin/env python3
"""Benchmark of historical attribution, edit capture and the reconciliation sweep, on a
real Odoo 18 + PostgreSQL. Prints one JSON document on stdout.

On a dedicated database (created with scope3_carbon, without demo data, when it does
not exist):

1. **history**: N purchase orders of M lines created and processed with capture off
   (context ``scope3_no_capture``), as a database that existed before the install:
   two currencies (USD, EUR), dates spread over 2022; 2 orders in 3 received (one in 4 of
   those partly: backorders), one in 10 of the received with a return, one in 2 billed,
   the returned ones refunded;
2. **backfill throughput**: a historical attribution run (chunks of ``--chunk`` documents,
   one commit each, as its cron does) over that history: documents/s and lines/s;
3. **reconciliation sweep**: a full sweep of the activities the backfill created (one
   commit per chunk): activities/s;
4. **capture overhead of line edits on confirmed orders**: the quantity of a line of a
   confirmed order changed, one transaction each (commit included), alternately with
   capture off and on; ratio of the total times (target <= 1.05).

Usage: python benchmarks/bench_capture_backfill.py [--orders 10000] [--lines 10]
       [--edits 200] [--chunk 50] [--db NAME] [--keep-db]
"""

import argparse
import json
import os
import pathlib
import platform
import resource
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench_attribution as base  # noqa: E402 - the shared helpers of the benchmarks

NAICS = base.NAICS


def build_history(env, n_orders, n_lines, tag):
    """The mixed history, created with capture off; returns (orders, documents, lines)."""
    from odoo import Command

    env = env(context=dict(env.context, scope3_no_capture=True, tracking_disable=True))
    company = env.company
    company.scope3_spend_factor_set_id = env.ref("scope3_carbon.scope3_factor_set_epa_useeio_v1_3")
    eur = env.ref("base.EUR")
    eur.active = True
    env["res.currency.rate"].search([("currency_id", "=", eur.id)]).unlink()
    env["res.currency.rate"].create(
        [
            {"currency_id": eur.id, "name": "2022-01-01", "rate": 0.9},
            {"currency_id": eur.id, "name": "2022-07-01", "rate": 0.8},
        ]
    )
    vendors = env["res.partner"].create([{"name": f"History vendor {tag}-{i}"} for i in range(10)])
    products = env["product.product"].create(
        [
            {
                "name": f"History product {tag}-{i}",
                "type": "consu",
                "scope3_naics_code": NAICS[i % len(NAICS)],
                "supplier_taxes_id": [Command.clear()],
            }
            for i in range(50)
        ]
    )
    orders = env["purchase.order"]
    for start in range(0, n_orders, 100):
        orders |= env["purchase.order"].create(
            [
                {
                    "partner_id": vendors[i % len(vendors)].id,
                    "currency_id": (eur if i % 3 == 2 else company.currency_id).id,
                    "date_order": f"2022-{1 + i % 12:02d}-{1 + i % 28:02d} 10:00:00",
                    "order_line": [
                        Command.create(
                            {
                                "product_id": products[(i + j) % len(products)].id,
                                "product_qty": 2 + (j % 7),
                                "price_unit": 10.0 + j,
                                "taxes_id": [Command.clear()],
                            }
                        )
                        for j in range(n_lines)
                    ],
                }
                for i in range(start, min(start + 100, n_orders))
            ]
        )
        orders[start:].button_confirm()
        env.cr.commit()  # pylint: disable=invalid-commit  # benchmark's own cursor
    for index, order in enumerate(orders):
        if index % 3 == 2:
            continue
        picking = order.picking_ids
        partial = index % 4 == 1
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty - 1 if partial else move.product_uom_qty
        picking.move_ids.picked = True
        picking._action_done()
        billed = index % 2 == 0
        if billed:
            bill = env["account.move"].browse(order.action_create_invoice()["res_id"])
            bill.invoice_date = order.date_order.date()
            bill.action_post()
        if index % 10 == 0:
            wizard = (
                env["stock.return.picking"]
                .with_context(active_id=picking.id, active_model="stock.picking")
                .create({})
            )
            for line in wizard.product_return_moves:
                line.quantity = 1
            returned = env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
            for move in returned.move_ids:
                move.quantity = move.product_uom_qty
            returned.move_ids.picked = True
            returned._action_done()
            if billed:
                refund = env["account.move"].browse(order.action_create_invoice()["res_id"])
                refund.invoice_date = order.date_order.date()
                refund.action_post()
        if index % 50 == 49:
            env.cr.commit()  # pylint: disable=invalid-commit  # benchmark's own cursor
    env.cr.commit()  # pylint: disable=invalid-commit  # benchmark's own cursor
    return orders.ids


def run_backfill(registry, uid, chunk):
    from odoo import api

    with registry.cursor() as cr:
        env = api.Environment(cr, uid, {})
        run = env["scope3.backfill"].create(
            {"date_from": "2022-01-01", "chunk_size": chunk, "company_id": env.company.id}
        )
        run.action_start()
        run_id, total = run.id, run.total_count
        cr.commit()  # pylint: disable=invalid-commit  # benchmark's own cursor
    start = time.perf_counter()
    while True:
        with registry.cursor() as cr:
            env = api.Environment(cr, uid, {})
            run = env["scope3.backfill"].browse(run_id)
            if run.state != "running":
                stats = (run.done_count, run.line_count, run.failed_count, run.chunk_count)
                break
            run._scope3_run_chunk()
            cr.commit()  # pylint: disable=invalid-commit  # one chunk, one transaction
    return time.perf_counter() - start, total, stats


def run_sweep(registry, uid, chunk):
    from odoo import api

    with registry.cursor() as cr:
        env = api.Environment(cr, uid, {})
        run_id = env["scope3.reconciliation.run"].sudo().create({"chunk_size": chunk}).id
        cr.commit()  # pylint: disable=invalid-commit  # benchmark's own cursor
    start = time.perf_counter()
    while True:
        with registry.cursor() as cr:
            env = api.Environment(cr, uid, {})
            run = env["scope3.reconciliation.run"].sudo().browse(run_id)
            if run.state != "running":
                stats = (run.checked_count, run.drift_count, run.skipped_count)
                break
            run._scope3_run_chunk()
            cr.commit()  # pylint: disable=invalid-commit  # one chunk, one transaction
    return time.perf_counter() - start, stats


def edit_overhead(registry, uid, order_ids, n_edits):
    """Alternately one line edit without capture and one with, each its own
    transaction; which goes first alternates too."""
    from odoo import api

    def edit(order_id, qty, context):
        with registry.cursor() as cr:
            env = api.Environment(cr, uid, context)
            line = env["purchase.order"].browse(order_id).order_line[0]
            start = time.perf_counter()
            line.write({"product_qty": qty})
            env.flush_all()
            cr.commit()  # pylint: disable=invalid-commit  # a user's save
            return time.perf_counter() - start

    off, on = [], []
    for i in range(n_edits):
        order_id = order_ids[i % len(order_ids)]
        qty = 20 + i
        if i % 2:
            on.append(edit(order_id, qty, {}))
        off.append(edit(order_ids[(i + 1) % len(order_ids)], qty, {"scope3_no_capture": True}))
        if not i % 2:
            on.append(edit(order_id, qty + 1, {}))
    return off, on


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def main():
    parser = argparse.ArgumentParser(description="Scope 3 backfill/capture/sweep benchmark")
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "scope3_bench_backfill"))
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    args = parser.parse_args()

    sys.path.insert(0, str(base.ODOO_SRC))
    import odoo
    from odoo import SUPERUSER_ID, api

    data_dir = tempfile.mkdtemp(prefix="scope3-bench-")
    odoo.tools.config.parse_config(
        [
            "-d",
            args.db,
            f"--addons-path={base.addons_path()}",
            f"--data-dir={data_dir}",
            "--log-level=warn",
            *base.db_args(),
        ]
    )
    base.ensure_database(args.db, data_dir)
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        uid = env.ref("base.user_admin").id
        env = env(user=uid)
        for xmlid in (
            "scope3_carbon.ir_cron_scope3_attribute",
            "scope3_carbon.ir_cron_scope3_backfill",
            "scope3_carbon.ir_cron_scope3_reconcile",
        ):
            env.ref(xmlid).sudo().active = False  # nothing runs behind the benchmark's back
        started = time.perf_counter()
        order_ids = build_history(env, args.orders, args.lines, tag=str(int(time.time())))
        history_s = time.perf_counter() - started

    backfill_s, total, (docs, lines, failed, chunks) = run_backfill(registry, uid, args.chunk)
    sweep_s, (checked, drifts, skipped) = run_sweep(registry, uid, 200)
    with registry.cursor() as cr:
        # events the handlers enqueued (freight guard) are left to the attribution cron
        cr.execute("UPDATE scope3_outbox_event SET state = 'done' WHERE state = 'pending'")
        cr.commit()  # pylint: disable=invalid-commit  # benchmark's own cursor
    confirmed = order_ids[2::3]  # not received: their lines can be edited freely
    off_times, on_times = edit_overhead(registry, uid, confirmed, args.edits)
    off, on = sum(off_times), sum(on_times)
    result = {
        "benchmark": "bench_capture_backfill",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "orders": args.orders,
        "lines_per_order": args.lines,
        "history_build_s": round(history_s, 1),
        "backfill": {
            "documents": docs,
            "documents_counted_at_start": total,
            "lines": lines,
            "chunks": chunks,
            "failed_documents": failed,
            "seconds": round(backfill_s, 2),
            "documents_per_second": round(docs / backfill_s, 1) if backfill_s else None,
            "lines_per_second": round(lines / backfill_s, 1) if backfill_s else None,
        },
        "reconciliation": {
            "activities_checked": checked,
            "drifts": drifts,
            "skipped": skipped,
            "seconds": round(sweep_s, 2),
            "lines_per_second": round(checked / sweep_s, 1) if sweep_s else None,
        },
        "edit_capture": {
            "edits": args.edits,
            "seconds_without_capture": round(off, 3),
            "seconds_with_capture": round(on, 3),
            "overhead_ratio": round(on / off, 3) if off else None,
            # the median edit, less sensitive to other load on the machine than the totals
            "median_ms_without_capture": round(1000 * median(off_times), 2),
            "median_ms_with_capture": round(1000 * median(on_times), 2),
            "median_overhead_ratio": round(median(on_times) / median(off_times), 3),
        },
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "targets": {"edit_capture.overhead_ratio": "<= 1.05", "reconciliation.drifts": "0"},
    }
    if not args.keep_db:
        odoo.modules.registry.Registry.delete(args.db)
        odoo.sql_db.close_all()
        odoo.service.db.exp_drop(args.db)
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
