#!/usr/bin/env python3
"""Benchmark of the emission-factor importers on the publishers' own files. Prints one JSON
document on stdout.

1. **readers** (plain Python, no Odoo): each official file of ``../shared/factor-sources``
   (the DESNZ full-set workbooks 2024-2026 and the 2025 flat CSV, the EPA Hub workbook, the
   EPA supply-chain CSV files, Ember's JSON) parsed ``--repeat`` times: median seconds,
   rows/s and factors/s, and the peak of Python memory allocated while parsing
   (``tracemalloc``, a separate run so that it does not slow the timed ones);
2. **wizard import** (real Odoo 18 + PostgreSQL): each workbook uploaded through
   ``scope3.factor.import.wizard`` as a Carbon Manager would (file decoded, publication
   detected, parsed, the draft set and its rows written in one savepoint), rolled back after
   each so the database stays as it was: seconds, factors/s, and the Python memory peak.

On a dedicated database (created with scope3_carbon, without demo data, when it does not
exist; dropped afterwards unless ``--keep-db``).

Usage: python benchmarks/bench_factor_import.py [--repeat 3] [--db NAME] [--keep-db]
       [--readers-only]
"""

import argparse
import base64
import gc
import json
import os
import pathlib
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench_attribution as base  # noqa: E402 - the shared helpers of the benchmarks

REPO = base.REPO
SOURCES = pathlib.Path(os.environ.get("FACTOR_SOURCES", REPO.parent / "shared" / "factor-sources"))
FILES = {
    "desnz_2024_xlsx": (
        "desnz_workbook",
        "data",
        "desnz_ghg_conversion_factors_2024/"
        "ghg-conversion-factors-2024-full_set__for_advanced_users__v1_1.xlsx",
    ),
    "desnz_2025_xlsx": (
        "desnz_workbook",
        "data",
        "desnz_ghg_conversion_factors_2025/ghg-conversion-factors-2025-full-set.xlsx",
    ),
    "desnz_2026_xlsx": (
        "desnz_workbook",
        "data",
        "desnz_ghg_conversion_factors_2026/ghg-conversion-factors-2026-full-set.xlsx",
    ),
    "epa_hub_2025_xlsx": (
        "epa_hub_workbook",
        "data",
        "epa_ghg_emission_factors_hub_2025/ghg-emission-factors-hub-2025.xlsx",
    ),
    "desnz_2025_flat_csv": (
        "desnz_flat",
        "data",
        "desnz_ghg_conversion_factors_2025/ghg-conversion-factors-2025-flat-format.csv",
    ),
    "epa_v13_co2e_csv": (
        "epa_supply_chain",
        "co2e",
        "epa_supply_chain_ghg_factors_v1.3.0/"
        "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv",
    ),
    "ember_json": ("ember", "data", "ember_grid_intensity_via_co2js/average-intensities.json"),
}
WIZARD_FILES = ("desnz_2024_xlsx", "desnz_2025_xlsx", "desnz_2026_xlsx", "epa_hub_2025_xlsx")


def load_importers():
    """The add-on's plain-Python importers, loaded without Odoo (as tests/conftest.py)."""
    import importlib.util

    core = REPO / "scope3_carbon" / "core"
    spec = importlib.util.spec_from_file_location(
        "scope3_core", core / "__init__.py", submodule_search_locations=[str(core)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["scope3_core"] = module
    spec.loader.exec_module(module)
    import scope3_core.importers

    return scope3_core.importers


def peak_mb(call):
    gc.collect()
    tracemalloc.start()
    try:
        call()
        return round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
    finally:
        tracemalloc.stop()


def bench_readers(importers, repeat):
    results = {}
    for label, (parser, argument, relative) in FILES.items():
        data = (SOURCES / relative).read_bytes()
        times, parsed = [], None
        for _ in range(repeat):
            start = time.perf_counter()
            parsed = importers.parse(parser, **{argument: data})
            times.append(time.perf_counter() - start)
        seconds = statistics.median(times)
        results[label] = {
            "file_bytes": len(data),
            "rows": parsed.row_count,
            "factors": len(parsed.factors),
            "seconds_median": round(seconds, 3),
            "rows_per_s": round(parsed.row_count / seconds),
            "factors_per_s": round(len(parsed.factors) / seconds),
            "peak_python_mb": peak_mb(
                lambda d=data, p=parser, a=argument: importers.parse(p, **{a: d})
            ),
        }
    return results


def bench_wizard(db, keep_db):
    sys.path.insert(0, str(base.ODOO_SRC))
    import odoo
    from odoo import SUPERUSER_ID, api

    data_dir = tempfile.mkdtemp(prefix="scope3-bench-factors-")
    odoo.tools.config.parse_config(
        ["-d", db, f"--addons-path={base.addons_path()}", f"--data-dir={data_dir}",
         "--log-level=warn", *base.db_args()]
    )  # fmt: skip
    created = base.ensure_database(db, data_dir)
    registry = odoo.modules.registry.Registry(db)
    results = {}
    try:
        for label in WIZARD_FILES:
            _parser, _argument, relative = FILES[label]
            path = SOURCES / relative
            encoded = base64.b64encode(path.read_bytes())
            for measure in ("time", "memory"):
                with registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    wizard = env["scope3.factor.import.wizard"].create(
                        {"file": encoded, "file_name": path.name}
                    )
                    env.flush_all()

                    def run(wizard=wizard, env=env):
                        action = wizard.action_import()
                        env.flush_all()
                        return env["scope3.factor.set"].browse(action["res_id"])

                    if measure == "time":
                        start = time.perf_counter()
                        factor_set = run()
                        seconds = time.perf_counter() - start
                        results[label] = {
                            "factors": factor_set.factor_count,
                            "rows": factor_set.row_count,
                            "seconds": round(seconds, 3),
                            "factors_per_s": round(factor_set.factor_count / seconds),
                            "rows_per_s": round(factor_set.row_count / seconds),
                        }
                    else:
                        results[label]["peak_python_mb"] = peak_mb(run)
                    cr.rollback()  # leave the database as it was
    finally:
        if created and not keep_db:
            odoo.sql_db.close_db(db)
            with odoo.sql_db.db_connect("postgres").cursor() as cr:
                cr._cnx.autocommit = True
                cr.execute(f'DROP DATABASE IF EXISTS "{db}"')
    return results


def main():
    parser = argparse.ArgumentParser(description="emission-factor import benchmark")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "scope3_bench_factors"))
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--readers-only", action="store_true")
    args = parser.parse_args()
    if not SOURCES.is_dir():
        sys.exit(f"official factor files not found in {SOURCES} (set FACTOR_SOURCES)")
    importers = load_importers()
    report = {
        "benchmark": "factor_import",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "readers": bench_readers(importers, args.repeat),
    }
    if not args.readers_only:
        report["wizard_import"] = bench_wizard(args.db, args.keep_db)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
