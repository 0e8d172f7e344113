#!/usr/bin/env python3
"""Generate the factor rows shipped with scope3_carbon from the official files.

Usage:
    python3 scripts/generate_factor_data.py --epa-v13
    PATH/SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv

Writes scope3_carbon/data/scope3.factor.csv (one row per NAICS-6 code, kg CO2e per 2022
USD, purchaser price, with margins as the factor value). The official files themselves
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
    parser.add_argument("--epa-v13", required=True, help="EPA v1.3.0 NAICS CO2e CSV (USD2022)")
    parser.add_argument("--output", default=str(OUT), help="where to write (default: %(default)s)")
    args = parser.parse_args()
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
