#!/usr/bin/env python3
"""Run time and SQL queries per batch of each agent at several ledger sizes, on a real
Odoo 18 + PostgreSQL (scope3_carbon_agents installed, no demo data).

The history grows in steps (``--sizes``, activities): orders of 20 lines over 50
products (5 of them without a NAICS code, so unmapped), 10 vendors, dated over 2022 and
2023, confirmed and attributed by the outbox cron. At each size:

1. **full**: a full pass of each agent (data quality, classification, remediation,
   policy), batch by batch as its cron runs it, each batch its own committed
   transaction;
2. the history is aged (write dates two days back, the passes' starts one day back), as
   a real ledger's history is older than its last pass; then ``--changed`` new lines
   are confirmed and attributed. After each load the tables are analyzed, as autovacuum
   would (it is off on some servers);
3. **after_change**: a pass of each agent again. The data-quality agent walks only the
   subjects changed since its last complete pass (an incremental pass); the others
   walk what they always walk (the unmapped subjects, the vendors of the period, the
   open requests), which does not grow with the ledger.

Per pass: seconds, batches, subjects walked, SQL queries per batch (max, mean; counted
by the cursor of the batch) and batch milliseconds (p50, max). "Linear in what changed,
not in the table size": the after-change passes must cost about the same at every size.

Usage: python benchmarks/bench_agent_runs.py [--sizes 10000,100000] [--changed 1000]
       [--db NAME] [--keep-db]
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_attribution as shared  # noqa: E402 - the shared helpers of the benchmarks

LINES_PER_ORDER = 20
KINDS = ("data_quality", "classification", "remediation", "policy")
UNMAPPED_NAMES = [
    "Office chairs ergonomic",
    "Courier same-day",
    "Printer toner black",
    "Hotel nights Lyon",
    "Safety gloves nitrile",
]


def catalogue(registry):
    """Vendors and products of the benchmark (created once)."""
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        products = env["product.product"].search([("name", "=like", "Agent bench %")])
        if not products:
            env.company.scope3_spend_factor_set_id = env.ref(
                "scope3_carbon.scope3_factor_set_epa_useeio_v1_3"
            )
            env["res.partner"].create(
                [{"name": f"Agent bench vendor {i}", "supplier_rank": 1} for i in range(10)]
            )
            mapped = [
                {
                    "name": f"Agent bench product {i}",
                    "type": "consu",
                    "scope3_naics_code": shared.NAICS[i % len(shared.NAICS)],
                }
                for i in range(45)
            ]
            unmapped = [{"name": f"Agent bench {name}", "type": "consu"} for name in UNMAPPED_NAMES]
            products = env["product.product"].create(mapped + unmapped)
        vendors = env["res.partner"].search([("name", "=like", "Agent bench vendor %")])
        return vendors.ids, products.ids


def grow(registry, target, vendor_ids, product_ids):
    """Confirm and attribute orders until the ledger holds ``target`` purchase lines of
    the benchmark; returns the seconds it took."""
    from odoo import SUPERUSER_ID, Command, api

    started = time.perf_counter()
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM scope3_activity WHERE source_type = 'purchase_line'")
        have = cr.fetchone()[0]
    n_orders = max(-(-(target - have) // LINES_PER_ORDER), 0)
    done = 0
    while done < n_orders:
        chunk = min(100, n_orders - done)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            orders = env["purchase.order"].create(
                [
                    {
                        "partner_id": vendor_ids[(have + i) % len(vendor_ids)],
                        "date_order": f"{2022 + (i % 2)}-{1 + i % 12:02d}-15 10:00:00",
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product_ids[(i + j) % len(product_ids)],
                                    "product_qty": 1 + (j % 7),
                                    "price_unit": 10.0 + j,
                                    "taxes_id": False,
                                }
                            )
                            for j in range(LINES_PER_ORDER)
                        ],
                    }
                    for i in range(done, done + chunk)
                ]
            )
            orders.button_confirm()
            cr.commit()  # pylint: disable=invalid-commit
        done += chunk
    while True:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"scope3_commit": True})
            if not env["scope3.outbox.event"]._cron_process_events(batch_size=200):
                break
    analyze(registry)
    return time.perf_counter() - started


def analyze(registry):
    """The planner's statistics after a bulk load, as autovacuum would gather them (it is
    off on some servers, this machine's included)."""
    with registry.cursor() as cr:
        cr.execute("ANALYZE")


def age_history(registry):
    """Write dates two days back, the passes' starts one day back."""
    with registry.cursor() as cr:
        for table in (
            "scope3_activity",
            "product_product",
            "product_template",
            "purchase_order",
            "purchase_order_line",
            "res_partner",
            "res_currency_rate",
            "stock_picking",
            "account_move_line",
            "scope3_factor",
            "scope3_mapping_rule",
            "product_category",
        ):
            cr.execute(f"UPDATE {table} SET write_date = write_date - interval '2 days'")  # noqa: S608
        cr.execute("UPDATE scope3_agent_run SET started_tx_at = started_tx_at - interval '1 day'")
        cr.commit()  # pylint: disable=invalid-commit


def run_pass(registry, kind, full):
    """One pass of the agent of ``kind``, batch by batch; its figures."""
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        agent = env["scope3.agent"].search([("kind", "=", kind)], limit=1)
        agent.write({"paused": False, "autonomy": "recommend"})
        if full:
            agent.full_pass_days = 0  # this pass is a full one
        agent_id = agent.id
        cr.commit()  # pylint: disable=invalid-commit
        cr.execute("SELECT max(id) FROM scope3_agent_run WHERE agent_id = %s", [agent_id])
        last_before = cr.fetchone()[0]
    batch_ms, queries = [], []
    started = time.perf_counter()
    run_id = None
    for _i in range(100000):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            agent = env["scope3.agent"].browse(agent_id)
            batch_started = time.perf_counter()
            before = cr.sql_log_count
            agent._scope3_run_batch()
            env.flush_all()
            queries.append(cr.sql_log_count - before)
            cr.commit()  # pylint: disable=invalid-commit
            batch_ms.append((time.perf_counter() - batch_started) * 1000)
            run = env["scope3.agent.run"].search([("agent_id", "=", agent_id)], limit=1)
            run_id = run.id
            if run.state != "running":
                break
    seconds = time.perf_counter() - started
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        agent = env["scope3.agent"].browse(agent_id)
        run = env["scope3.agent.run"].browse(run_id)
        figures = {
            # idle: nothing changed since the last complete pass, no run started
            "pass": "idle"
            if run.id == last_before
            else ("full" if not run.since else "incremental"),
            "state": run.state,
            "error": run.error or None,
            "seconds": round(seconds, 2),
            "batches": run.batch_count,
            "subjects_walked": run.items_scanned,
            "findings_new": run.findings_count,
            "findings_resolved": run.resolved_count,
            "findings_new_by_check": dict(
                env["scope3.agent.finding"]._read_group(
                    [("run_id", "=", run.id)], ["kind"], ["__count"]
                )
            ),
            "queries_per_batch_max": max(queries),
            "queries_per_batch_mean": round(sum(queries) / len(queries), 1),
            "batch_ms_p50": round(sorted(batch_ms)[len(batch_ms) // 2], 1),
            "batch_ms_max": round(max(batch_ms), 1),
        }
        agent.full_pass_days = 7
        cr.commit()  # pylint: disable=invalid-commit
    return figures


def ledger_counts(registry):
    with registry.cursor() as cr:
        counts = {}
        for table in ("scope3_activity", "scope3_emission_entry", "purchase_order_line"):
            cr.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = cr.fetchone()[0]
        return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--changed", type=int, default=1000)
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "scope3_bench_agents"))
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    data_dir = tempfile.mkdtemp(prefix="scope3-bench-agents-")
    odoo, registry = shared.boot(args.db, data_dir, "scope3_carbon_agents")
    vendor_ids, product_ids = catalogue(registry)
    steps = []
    try:
        for size in sizes:
            setup_seconds = grow(registry, size, vendor_ids, product_ids)
            step = {
                "size": size,
                "setup_seconds": round(setup_seconds, 1),
                "ledger": ledger_counts(registry),
            }
            step["full"] = {kind: run_pass(registry, kind, full=True) for kind in KINDS}
            age_history(registry)
            grow(registry, size + args.changed, vendor_ids, product_ids)
            step["after_change"] = {kind: run_pass(registry, kind, full=False) for kind in KINDS}
            steps.append(step)
            age_history(registry)
    finally:
        odoo.sql_db.close_all()
        if not args.keep_db:
            subprocess.run(["dropdb", "--if-exists", args.db], check=False)
    first, last = steps[0], steps[-1]
    dq_ratio = (
        last["after_change"]["data_quality"]["seconds"]
        / max(first["after_change"]["data_quality"]["seconds"], 1e-6)
        if len(steps) > 1
        else None
    )
    print(
        json.dumps(
            {
                "benchmark": "agent_runs",
                "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
                "batch_size": 200,
                "changed_lines": args.changed,
                "steps": steps,
                "data_quality_after_change_seconds_ratio_largest_to_smallest": (
                    round(dq_ratio, 2) if dq_ratio is not None else None
                ),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "targets": {
                    "after_change_cost": "about equal at every size (linear in what changed)",
                    "queries_per_batch": "bounded, whatever the ledger size",
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
