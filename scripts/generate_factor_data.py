#!/usr/bin/env python3
"""Generate the factor rows shipped with scope3_carbon from the official files.

Usage:
    python3 scripts/generate_factor_data.py --epa-v13
    PATH/SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv
    python3 scripts/generate_factor_data.py
    --desnz-2025 PATH/ghg-conversion-factors-2025-flat-format.csv
    --desnz-2024 PATH/ghg-conversion-factors-2024-full_set__for_advanced_users__v1_1.xlsx
    --desnz-2026 PATH/ghg-conversion-factors-2026-full-set.xlsx

Writes scope3_carbon/data/scope3.factor.csv (one row per NAICS-6 code, kg CO2e per 2022
USD, purchaser price, with margins as the factor value) and the DESNZ default selections
scope3.factor-desnz_<year>.csv (2025 from the official flat file, keyed by its IDs; 2024 and
2026 from the full-set workbooks, keyed by their labels). The official files themselves
are not part of the repository; see README.md ("Emission factors") for where to obtain
them.
"""

import argparse
import csv
import pathlib
import sys
from decimal import Decimal, InvalidOperation

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "scope3_carbon" / "data" / "scope3.factor.csv"
OUT_DESNZ = ROOT / "scope3_carbon" / "data" / "scope3.factor-desnz_{year}.csv"
DESNZ_SET_XMLID = "scope3_factor_set_desnz_{year}"
#: the file each shipped DESNZ edition is generated from: its parser
DESNZ_PARSERS = {2024: "desnz_workbook", 2025: "desnz_flat", 2026: "desnz_workbook"}
DESNZ_DEFAULT_KINDS = (
    "freight",
    "fuel",
    "electricity",
    "electricity_td",
    "material",
    "waste",
    "travel",
)


def load_importers():
    """The add-on's plain-Python importers and unit table, loaded without Odoo (as
    tests/conftest.py does)."""
    import importlib.util

    if "scope3_core" in sys.modules:
        import scope3_core.importers
        import scope3_core.units

        return scope3_core.importers, scope3_core.units.UOM_XMLIDS
    core = ROOT / "scope3_carbon" / "core"
    spec = importlib.util.spec_from_file_location(
        "scope3_core", core / "__init__.py", submodule_search_locations=[str(core)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["scope3_core"] = module
    spec.loader.exec_module(module)
    import scope3_core.importers
    import scope3_core.units

    return scope3_core.importers, scope3_core.units.UOM_XMLIDS


def xmlid(key, year=2025):
    """XML id of a shipped DESNZ row: the flat file's ID (2025), or the label key of a
    workbook row (2024, 2026) with its separators as ``_`` and runs of them collapsed."""
    name = "".join(c if c.isalnum() else "_" for c in key).lower()
    if year != 2025:
        name = "_".join(part for part in name.split("_") if part)
    return f"scope3_factor_desnz_{year}_{name}"


def write_desnz(path, output, year=2025):
    importers, uom_xmlids = load_importers()
    with open(path, "rb") as handle:
        parsed = importers.parse(DESNZ_PARSERS[year], data=handle.read())
    if parsed.edition != str(year):
        sys.exit(f"{path}: edition {parsed.edition}, expected the {year} edition")
    chosen = [f for f in parsed.factors if f.category_hint in DESNZ_DEFAULT_KINDS]
    companions = {f.companion_key for f in chosen if f.companion_key}
    wtt = [f for f in parsed.factors if f.is_wtt and f.key in companions]
    ids = [xmlid(f.key, year) for f in wtt + chosen]
    if len(set(ids)) != len(ids):
        sys.exit(f"{path}: two rows of the selection get the same XML id")
    with open(output, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "id",
                "set_id:id",
                "key_type",
                "key",
                "name",
                "value",
                "unit",
                "uom_code",
                "uom_id:id",
                "scope",
                "level_1",
                "level_2",
                "level_3",
                "level_4",
                "column_text",
                "category_hint",
                "is_wtt",
                "wtt_factor_id:id",
            ]
        )
        for factor in wtt + chosen:  # companions first: the direct rows point at them
            levels = tuple(factor.levels) + ("",) * (5 - len(factor.levels))
            writer.writerow(
                [
                    xmlid(factor.key, year),
                    DESNZ_SET_XMLID.format(year=year),
                    factor.key_type,
                    factor.key,
                    factor.name,
                    format(factor.value, "f"),
                    factor.unit,
                    factor.uom_code,
                    uom_xmlids.get(factor.uom_code, ""),
                    factor.scope or "",
                    *levels,
                    factor.category_hint or "",
                    "1" if factor.is_wtt else "0",
                    xmlid(factor.companion_key, year) if factor.companion_key in companions else "",
                ]
            )
    print(
        f"wrote {len(wtt) + len(chosen)} factors ({len(wtt)} well-to-tank) to {output}; "
        f"source SHA-256 {parsed.checksum}"
    )


EPA_COLUMNS = {
    "code": "2017 NAICS Code",
    "title": "2017 NAICS Title",
    "ghg": "GHG",
    "unit": "Unit",
    "without": "Supply Chain Emission Factors without Margins",
    "margin": "Margins of Supply Chain Emission Factors",
    "with": "Supply Chain Emission Factors with Margins",
    "ref": "Reference USEEIO Code",
}
EPA_V13_SET_XMLID = "scope3_factor_set_epa_useeio_v1_3"
EPA_V13_ROWS = 1016


def read_epa_co2e(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in EPA_COLUMNS.values() if c not in (reader.fieldnames or [])]
        if missing:
            sys.exit(f"{path}: missing columns {missing}")
        rows = []
        for lineno, row in enumerate(reader, start=2):
            code = row[EPA_COLUMNS["code"]].strip()
            if not (code.isdigit() and len(code) == 6):
                sys.exit(f"{path}:{lineno}: not a NAICS-6 code: {code!r}")
            if row[EPA_COLUMNS["ghg"]] != "All GHGs":
                sys.exit(f"{path}:{lineno}: expected the CO2e file (GHG = 'All GHGs')")
            try:
                values = {k: Decimal(row[EPA_COLUMNS[k]]) for k in ("without", "margin", "with")}
            except InvalidOperation:
                sys.exit(f"{path}:{lineno}: non-numeric factor")
            if any(v < 0 for v in values.values()):
                sys.exit(f"{path}:{lineno}: negative factor")
            rows.append(
                (
                    code,
                    row[EPA_COLUMNS["title"]].strip(),
                    row[EPA_COLUMNS["unit"]],
                    values,
                    row[EPA_COLUMNS["ref"]].strip(),
                )
            )
    if len(rows) != EPA_V13_ROWS:
        sys.exit(f"{path}: {len(rows)} rows, expected {EPA_V13_ROWS} (EPA v1.3.0 CO2e file)")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epa-v13", help="EPA v1.3.0 NAICS CO2e CSV (USD2022)")
    parser.add_argument("--output", default=str(OUT), help="where to write (default: %(default)s)")
    parser.add_argument("--desnz-2025", help="DESNZ 2025 official flat-format CSV")
    parser.add_argument("--desnz-2024", help="DESNZ 2024 full-set workbook (v1.1)")
    parser.add_argument("--desnz-2026", help="DESNZ 2026 full-set workbook")
    parser.add_argument(
        "--desnz-output", help="where to write one DESNZ selection (default: data folder)"
    )
    args = parser.parse_args()
    desnz = {year: getattr(args, f"desnz_{year}") for year in DESNZ_PARSERS}
    if not (args.epa_v13 or any(desnz.values())):
        parser.error("give --epa-v13 and/or --desnz-2024/2025/2026")
    for year, path in desnz.items():
        if path:
            write_desnz(path, args.desnz_output or str(OUT_DESNZ).format(year=year), year)
    if not args.epa_v13:
        return
    rows = read_epa_co2e(args.epa_v13)
    with open(args.output, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "id",
                "set_id:id",
                "key_type",
                "key",
                "name",
                "value",
                "value_without_margins",
                "margin_value",
                "unit",
                "reference_code",
            ]
        )
        for code, title, unit, values, ref in rows:
            writer.writerow(
                [
                    f"scope3_factor_epa_v1_3_{code}",
                    EPA_V13_SET_XMLID,
                    "naics",
                    code,
                    title,
                    values["with"],
                    values["without"],
                    values["margin"],
                    unit,
                    ref,
                ]
            )
    print(f"wrote {len(rows)} factors to {args.output}")


if __name__ == "__main__":
    main()
