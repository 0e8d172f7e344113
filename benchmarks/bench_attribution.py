#!/usr/bin/env python3
"""Benchmark of purchase capture and attribution on a real Odoo 18 + PostgreSQL.

Prints one JSON document on stdout. Three measurements on a dedicated database
(created with scope3_carbon, without demo data, when it does not exist):

1. **capture overhead**: 2 x N orders of M lines confirmed one by one (one transaction
   each, as a user's click), alternately with capture disabled (context
   ``scope3_no_capture``) and enabled; ratio of the total confirm times (commit
   included). The cron does not run meanwhile.
2. **attribution throughput**: the pending events of (1) processed by the cron method in
   batches, one commit per batch as the cron does; lines per second.
3. **confirm -> entry latency**: an Odoo server is started (threaded, one cron thread
   unless ``--cron-threads``, loopback) and N more orders are confirmed one by one; for
   each order the time from the commit of its confirmation to the moment its event is
   seen processed (polled every 20 ms); p50 / p95 / max.

With ``--with-agents`` the database holds scope3_carbon_agents too, as installed (the
policy agent's carbon guardrails are off until a manager sets a threshold). With
``--guardrails`` (implies ``--with-agents``) the guardrails are on at every confirmation
with capture (an intensity threshold no line reaches and the 5 top-emitting vendors
checked: every line is estimated, no order is held); the confirmations without capture
run with the guardrails off, so the ratio is the cost of capture and guardrails together
over Odoo's own confirmation.

Usage: python benchmarks/bench_attribution.py [--orders 200] [--lines 20] [--with-agents]
       [--guardrails] [--cron-threads 1] [--db NAME]
Run it with the project's virtualenv (``make bench``); ODOO_SRC locates Odoo.
"""

import argparse
import json
import os
import pathlib
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
ODOO_SRC = pathlib.Path(os.environ.get("ODOO_SRC", pathlib.Path.home() / "odoo-18.0"))
NAICS = ["331110", "327310", "541511", "484121", "334111", "325211", "322121", "238210"]


def addons_path():
    return f"{ODOO_SRC / 'addons'},{ODOO_SRC / 'odoo' / 'addons'},{REPO}"


def db_args():
    args = []
    for var, flag in (
        ("PGHOST", "--db_host"),
        ("PGPORT", "--db_port"),
        ("PGUSER", "--db_user"),
        ("PGPASSWORD", "--db_password"),
    ):
        if os.environ.get(var):
            args.append(f"{flag}={os.environ[var]}")
    return args


def odoo_cmd(db, *extra):
    return [
        sys.executable,
        str(ODOO_SRC / "odoo-bin"),
        "-d",
        db,
        f"--addons-path={addons_path()}",
        "--log-level=warn",
        *db_args(),
        *extra,
    ]


def boot(db, data_dir, module=None):
    """Odoo configured for ``db`` (warnings only in the log) and its registry; with
    ``module``, the database is created with it (no demo data) when missing."""
    sys.path.insert(0, str(ODOO_SRC))
    import odoo

    odoo.tools.config.parse_config(
        [
            "-d",
            db,
            f"--addons-path={addons_path()}",
            f"--data-dir={data_dir}",
            "--log-level=warn",
            *db_args(),
        ]
    )
    if module:
        ensure_database(db, data_dir, module)
    return odoo, odoo.modules.registry.Registry(db)


def ensure_database(db, data_dir, module="scope3_carbon"):
    """Create ``db`` with ``module`` (no demo data) unless it exists; True when created."""
    import odoo

    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db])
        if cr.fetchone():
            return False
    subprocess.run(
        odoo_cmd(
            db,
            "-i",
            module,
            "--without-demo=all",
            "--stop-after-init",
            "--http-port",
            str(free_port()),
            f"--data-dir={data_dir}",
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return True


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_data(env, n_orders, n_lines, tag):
    """Create draft orders of n_lines products each (vendors, products mapped by NAICS)."""
    from odoo import Command

    company = env.company
    epa = env.ref("scope3_carbon.scope3_factor_set_epa_useeio_v1_3")
    company.scope3_spend_factor_set_id = epa
    vendors = env["res.partner"].create([{"name": f"Bench vendor {tag}-{i}"} for i in range(10)])
    products = env["product.product"].create(
        [
            {
                "name": f"Bench product {tag}-{i}",
                "type": "consu",
                "scope3_naics_code": NAICS[i % len(NAICS)],
            }
            for i in range(50)
        ]
    )
    orders = env["purchase.order"].create(
        [
            {
                "partner_id": vendors[i % len(vendors)].id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": products[(i + j) % len(products)].id,
                            "product_qty": 1 + (j % 7),
                            "price_unit": 10.0 + j,
                        }
                    )
                    for j in range(n_lines)
                ],
            }
            for i in range(n_orders)
        ]
    )
    return orders.ids


def confirm_each(registry, order_ids, uid, context=None):
    """Confirm orders one transaction each; return per-order (duration, commit time)."""
    from odoo import api

    results = []
    for order_id in order_ids:
        with registry.cursor() as cr:
            env = api.Environment(cr, uid, context or {})
            start = time.perf_counter()
            env["purchase.order"].browse(order_id).button_confirm()
            env.flush_all()
            # each confirmation is its own transaction, as a user's click in the web client
            cr.commit()  # pylint: disable=invalid-commit
            end = time.perf_counter()
        results.append((end - start, end))
    return results


def set_guardrails(registry, enabled):
    """Turn the policy agent's carbon guardrails on or off (own transaction, not timed);
    nothing when scope3_carbon_agents is not installed."""
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        agent = env.ref("scope3_carbon_agents.scope3_agent_policy", raise_if_not_found=False)
        if agent:
            # a threshold no line of the benchmark reaches: every line is estimated, no
            # order is held (a held order would not be confirmed)
            agent.write(
                {
                    "intensity_threshold": 1000.0 if enabled else 0.0,
                    "top_vendor_count": 5 if enabled else 0,
                }
            )


def pending_events(cr):
    cr.execute("SELECT count(*) FROM scope3_outbox_event WHERE state = 'pending'")
    return cr.fetchone()[0]


def process_all(registry, uid):
    """Run the cron method until no event is due; one transaction per batch (as the cron)."""
    from odoo import api

    batches = 0
    start = time.perf_counter()
    while True:
        with registry.cursor() as cr:
            env = api.Environment(cr, uid, {})
            done = env["scope3.outbox.event"]._cron_process_events()
            # one transaction per batch, as the cron job commits each batch
            cr.commit()  # pylint: disable=invalid-commit
        if not done:
            break
        batches += 1
    return time.perf_counter() - start, batches


def start_server(db, data_dir, log_path, cron_threads=1):
    port = free_port()
    log = open(log_path, "w")  # noqa: SIM115 - closed when the server stops
    proc = subprocess.Popen(
        odoo_cmd(
            db,
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            "--workers=0",
            f"--max-cron-threads={cron_threads}",
            f"--data-dir={data_dir}",
            "--log-level=info",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, log
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"Odoo server exited, see {log_path}") from None
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("Odoo server did not start in 120 s")


def measure_latency(registry, order_ids, uid, dsn_cursor):
    """Confirm orders one by one while a poller records when each event is processed."""
    seen = {}
    stop = threading.Event()
    ids = [str(i) for i in order_ids]

    def poll():
        with dsn_cursor() as cr:
            while not stop.is_set():
                cr.execute(
                    "SELECT aggregateid FROM scope3_outbox_event WHERE state = 'done' "
                    "AND aggregatetype = 'purchase.order' AND aggregateid = ANY(%s)",
                    [[i for i in ids if i not in seen]],
                )
                now = time.perf_counter()
                for (aggregate_id,) in cr.fetchall():
                    seen.setdefault(aggregate_id, now)
                # end the poller's read transaction so the next poll sees new commits
                cr.commit()  # pylint: disable=invalid-commit
                if len(seen) == len(ids):
                    return
                time.sleep(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    confirmed = confirm_each(registry, order_ids, uid)
    poller.join(timeout=120)
    stop.set()
    latencies = []
    for order_id, (_duration, committed_at) in zip(ids, confirmed, strict=True):
        if order_id in seen:
            latencies.append(seen[order_id] - committed_at)
    return latencies, len(ids) - len(latencies)


def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))
    return values[index]


def main():
    parser = argparse.ArgumentParser(description="Scope 3 capture/attribution benchmark")
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "scope3_bench"))
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--cron-threads",
        type=int,
        default=1,
        help="cron threads of the latency server (Odoo's default is 2)",
    )
    parser.add_argument(
        "--with-agents",
        action="store_true",
        help="install scope3_carbon_agents too (guardrails off, as installed)",
    )
    parser.add_argument(
        "--guardrails",
        action="store_true",
        help="with the agents, carbon guardrails on at every confirmation with capture",
    )
    args = parser.parse_args()
    args.with_agents = args.with_agents or args.guardrails
    module = "scope3_carbon_agents" if args.with_agents else "scope3_carbon"

    sys.path.insert(0, str(ODOO_SRC))
    import odoo
    from odoo import SUPERUSER_ID, api

    data_dir = tempfile.mkdtemp(prefix="scope3-bench-")
    odoo.tools.config.parse_config(
        [
            "-d",
            args.db,
            f"--addons-path={addons_path()}",
            f"--data-dir={data_dir}",
            "--log-level=warn",
            *db_args(),
        ]
    )
    created = ensure_database(args.db, data_dir, module)
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        uid = env.ref("base.user_admin").id
        env = env(user=uid)
        cron = env.ref("scope3_carbon.ir_cron_scope3_attribute")
        cron.sudo().active = False  # phase 1-2: nothing processes events behind our back
        order_ids = setup_data(env, args.orders * 3, args.lines, tag=str(int(time.time())))
        # the benchmark's data must be visible to the server started later
        cr.commit()  # pylint: disable=invalid-commit
    off_ids = order_ids[: args.orders]
    on_ids = order_ids[args.orders : 2 * args.orders]
    latency_ids = order_ids[2 * args.orders :]

    # 1. capture overhead: alternate one order without capture, one with, so that warm-up
    #    and any drift of the machine weigh on both modes alike
    #    (and which of the two goes first alternates too)
    off, on = [], []
    for i, (off_id, on_id) in enumerate(zip(off_ids, on_ids, strict=True)):
        if i % 2:
            set_guardrails(registry, args.guardrails)
            on += confirm_each(registry, [on_id], uid)
        set_guardrails(registry, False)
        off += confirm_each(registry, [off_id], uid, {"scope3_no_capture": True})
        if not i % 2:
            set_guardrails(registry, args.guardrails)
            on += confirm_each(registry, [on_id], uid)
    t_off = sum(d for d, _ in off)
    t_on = sum(d for d, _ in on)
    with registry.cursor() as cr:
        pending = pending_events(cr)

    # 2. attribution throughput
    elapsed, batches = process_all(registry, uid)
    with registry.cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM scope3_emission_entry e JOIN purchase_order_line l "
            "ON l.id = e.purchase_line_id WHERE l.order_id = ANY(%s)",
            [on_ids],
        )
        entries = cr.fetchone()[0]
        env = api.Environment(cr, SUPERUSER_ID, {})
        env.ref("scope3_carbon.ir_cron_scope3_attribute").active = True
        # the server's cron thread must see the cron active again
        cr.commit()  # pylint: disable=invalid-commit
    lines_processed = args.orders * args.lines

    # 3. latency with a running server and its cron thread
    log_path = os.path.join(data_dir, "odoo-server.log")
    proc, log = start_server(args.db, data_dir, log_path, args.cron_threads)
    try:
        time.sleep(2)  # let the cron thread start listening
        latencies, missing = measure_latency(registry, latency_ids, uid, registry.cursor)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()

    result = {
        "benchmark": "scope3_carbon capture and attribution",
        "command": " ".join(["python", "benchmarks/bench_attribution.py", *sys.argv[1:]]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "orders": args.orders,
        "with_agents": args.with_agents,
        "guardrails": args.guardrails,
        "lines_per_order": args.lines,
        "latency_cron_threads": args.cron_threads,
        "database_created": created,
        "confirm_capture_disabled_s": round(t_off, 3),
        "confirm_capture_enabled_s": round(t_on, 3),
        "confirm_per_order_disabled_ms": round(1000 * t_off / len(off), 2),
        "confirm_per_order_enabled_ms": round(1000 * t_on / len(on), 2),
        "capture_overhead_ratio": round(t_on / t_off, 4),
        "events_pending_after_capture": pending,
        "attribution_seconds": round(elapsed, 3),
        "attribution_batches": batches,
        "attribution_lines": lines_processed,
        "attribution_entries": entries,
        "attribution_lines_per_second": round(lines_processed / elapsed, 1),
        "latency_orders": len(latency_ids),
        "latency_missing": missing,
        "latency_p50_s": round(pct(latencies, 50), 3) if latencies else None,
        "latency_p95_s": round(pct(latencies, 95), 3) if latencies else None,
        "latency_max_s": round(max(latencies), 3) if latencies else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "targets": {
            "capture_overhead_ratio": "<= 1.05" if args.with_agents else "<= 1.10",
            "latency_p95_s": "<= 2",
            "attribution_lines_per_second": ">= 1000",
        },
    }
    if not args.keep_db:
        odoo.modules.registry.Registry.delete(args.db)
        odoo.sql_db.close_all()
        odoo.service.db.exp_drop(args.db)
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
