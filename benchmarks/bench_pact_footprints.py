#!/usr/bin/env python3
"""Benchmark of the PACT V3.0 host API: ``GET /3/footprints`` latency with 10,000 footprints.

Prints one JSON document on stdout. On a dedicated database (created with
scope3_carbon_pact, without demo data, when it does not exist; dropped at the end unless
``--keep-db``): N approved footprints are created, an Odoo server is started (threaded,
``--proxy-mode``, loopback) and an API client walks the whole list page by page
(``limit``, following the absolute ``next`` Link), then repeats filtered queries
(``productId``, ``geography`` + ``status``, ``validOn``) and ``GET /3/footprints/{id}``;
p50 / p95 / max per kind of request, wall time measured around each HTTP call.

The requests carry ``X-Forwarded-Proto: https`` / ``X-Forwarded-Host`` as the TLS proxy
would (TLS itself is not measured: nginx terminates it in deployment).

Usage: python benchmarks/bench_pact_footprints.py [--footprints 10000] [--limit 100]
       [--samples 200] [--db NAME] [--keep-db]
Run it with the project's virtualenv; ODOO_SRC locates Odoo.
"""

import argparse
import json
import os
import pathlib
import platform
import random
import subprocess
import sys
import tempfile
import time

import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench_attribution as shared  # noqa: E402 - the shared helpers of the benchmarks

PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "pact.bench.test"}


def setup_data(env, count):
    """``count`` approved footprints (one create, approved in one call) and a client."""
    Footprint = env["scope3.product.footprint"]
    countries = ["DE", "FR", "US", "CN", "IN", "BR", "JP", "IT"]
    vals = []
    for i in range(count):
        year = 2020 + i % 8
        vals.append(
            {
                "product_name_company": f"Bench product {i}",
                "product_description": f"Benchmark product {i}",
                "product_urns": f"urn:gtin:{4000000000000 + i}\nurn:pact:bench:product:{i}",
                "classification_urns": f"urn:pact:cpc:{4000 + i % 500}",
                "declared_unit": "kilogram",
                "reference_period_start": f"{year}-01-01 00:00:00",
                "reference_period_end": f"{year}-12-31 00:00:00",
                "validity_start": f"{year + 1}-01-01 00:00:00",
                "validity_end": f"{year + 3}-12-31 00:00:00",
                "geography_country": countries[i % len(countries)],
                "pcf_excluding_biogenic": 1.0 + i % 97 / 10,
                "pcf_including_biogenic": 1.0 + i % 97 / 10,
                "fossil_ghg_emissions": 1.0 + i % 97 / 10,
                "dqr_technological": 1.5,
                "dqr_geographical": 2.0,
                "dqr_temporal": 1.0,
            }
        )
    footprints = Footprint.create(vals)
    footprints.action_approve()
    client = env["scope3.pact.client"].create({"name": "Benchmark client"})
    secret = client._pact_set_secret()
    return client.client_id, secret, footprints[:: max(1, count // 500)].mapped("pf_uuid")


def start_server(db, data_dir, log_path):
    port = shared.free_port()
    log = open(log_path, "w")  # noqa: SIM115 - closed when the server stops
    proc = subprocess.Popen(
        shared.odoo_cmd(
            db,
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            "--workers=0",
            "--max-cron-threads=0",
            "--proxy-mode",
            f"--db-filter=^{db}$",
            f"--data-dir={data_dir}",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/web/login", timeout=5).ok:
                return proc, log, port
        except requests.RequestException:
            if proc.poll() is not None:
                raise RuntimeError(f"Odoo server exited, see {log_path}") from None
        time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("Odoo server did not start in 120 s")


def stats(samples):
    return {
        "n": len(samples),
        "p50_ms": round(shared.pct(samples, 50) * 1000, 1),
        "p95_ms": round(shared.pct(samples, 95) * 1000, 1),
        "max_ms": round(max(samples) * 1000, 1),
    }


def timed_get(session, url, headers):
    start = time.perf_counter()
    response = session.get(url, headers=headers, timeout=60)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code} {response.text[:200]}")
    return elapsed, response


def main():
    parser = argparse.ArgumentParser(description="PACT GET /3/footprints benchmark")
    parser.add_argument("--footprints", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=100, help="page size of the walk")
    parser.add_argument("--samples", type=int, default=200, help="requests per filtered kind")
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "scope3_bench_pact"))
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    args = parser.parse_args()

    sys.path.insert(0, str(shared.ODOO_SRC))
    import odoo
    from odoo import SUPERUSER_ID, api

    data_dir = tempfile.mkdtemp(prefix="scope3-bench-pact-")
    odoo.tools.config.parse_config(
        [
            "-d",
            args.db,
            f"--addons-path={shared.addons_path()}",
            f"--data-dir={data_dir}",
            "--log-level=warn",
            *shared.db_args(),
        ]
    )
    created = shared.ensure_database(args.db, data_dir, module="scope3_carbon_pact")
    registry = odoo.modules.registry.Registry(args.db)
    t0 = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        client_id, secret, sample_ids = setup_data(env, args.footprints)
        served = env["scope3.product.footprint"].search_count(
            [("state", "=", "approved"), ("company_id", "=", env.company.id)]
        )
        cr.commit()  # pylint: disable=invalid-commit
    setup_s = time.perf_counter() - t0

    log_path = os.path.join(data_dir, "odoo-server.log")
    proc, log, port = start_server(args.db, data_dir, log_path)
    base = f"http://127.0.0.1:{port}"
    session = requests.Session()
    try:
        response = session.post(
            f"{base}/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            headers=PROXY,
            timeout=60,
        )
        response.raise_for_status()
        headers = {**PROXY, "Authorization": f"Bearer {response.json()['access_token']}"}
        # warm-up (registry, caches)
        for _ in range(5):
            timed_get(session, f"{base}/3/footprints?limit={args.limit}", headers)

        # 1. the whole list, page by page, following the absolute next links
        pages, seen, url = [], 0, f"{base}/3/footprints?limit={args.limit}"
        walk_start = time.perf_counter()
        while url:
            elapsed, response = timed_get(session, url, headers)
            pages.append(elapsed)
            seen += len(response.json()["data"])
            nxt = response.links.get("next", {}).get("url")
            url = nxt and nxt.replace("https://pact.bench.test", base)
        walk_s = time.perf_counter() - walk_start

        rng = random.Random(13)
        kinds = {
            "productId": lambda: f"/3/footprints?productId=urn:gtin:"
            f"{4000000000000 + rng.randrange(args.footprints)}",
            "geography+status": lambda: f"/3/footprints?geography={rng.choice(['DE', 'FR'])}"
            f"&status=Active&limit={args.limit}",
            "validOn": lambda: f"/3/footprints?validOn={2021 + rng.randrange(8)}-06-01T00:00:00Z"
            f"&limit={args.limit}",
            "get_by_id": lambda: f"/3/footprints/{rng.choice(sample_ids)}",
        }
        results = {}
        for name, make in kinds.items():
            samples = [timed_get(session, base + make(), headers)[0] for _ in range(args.samples)]
            results[name] = stats(samples)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()
        registry = None
        if not args.keep_db:
            odoo.sql_db.close_db(args.db)
            with odoo.sql_db.db_connect("postgres").cursor() as cr:
                cr._cnx.autocommit = True
                cr.execute(f'DROP DATABASE IF EXISTS "{args.db}"')

    print(
        json.dumps(
            {
                "benchmark": "pact_list_footprints",
                "footprints_served": served,
                "page_size": args.limit,
                "database_created": created,
                "setup_seconds": round(setup_s, 1),
                "list_walk": {
                    "pages": len(pages),
                    "footprints_seen": seen,
                    "total_seconds": round(walk_s, 2),
                    **stats(pages),
                },
                "filtered": results,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            },
            indent=2,
        )
    )
    if seen != served:
        sys.exit(f"the walk saw {seen} footprints of {served}")


if __name__ == "__main__":
    main()
