"""Checks of the factor rows shipped as module data (no database, no Odoo)."""

import csv
import pathlib
import subprocess
import sys
from decimal import Decimal

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "scope3_carbon" / "data" / "scope3.factor.csv"
SHIPPED_DESNZ = ROOT / "scope3_carbon" / "data" / "scope3.factor-desnz_2025.csv"
OFFICIAL_DESNZ = (
    ROOT.parent
    / "shared"
    / "factor-sources"
    / "desnz_ghg_conversion_factors_2025"
    / "ghg-conversion-factors-2025-flat-format.csv"
)
OFFICIAL = (
    ROOT.parent
    / "shared"
    / "factor-sources"
    / "epa_supply_chain_ghg_factors_v1.3.0"
    / "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv"
)


def shipped_rows():
    with open(SHIPPED, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_shipped_epa_v13_rows():
    rows = shipped_rows()
    assert len(rows) == 1016
    assert len({row["key"] for row in rows}) == 1016
    assert len({row["id"] for row in rows}) == 1016
    for row in rows:
        assert len(row["key"]) == 6 and row["key"].isdigit()
        with_margins = Decimal(row["value"])
        assert with_margins >= 0
        # published rounding: with = without + margin within 0.001
        parts = Decimal(row["value_without_margins"]) + Decimal(row["margin_value"])
        assert abs(with_margins - parts) <= Decimal("0.001"), row["key"]
        assert row["unit"] == "kg CO2e/2022 USD, purchaser price"
    by_key = {row["key"]: row for row in rows}
    # oracle values from the official file (see data/README.md)
    assert by_key["331110"]["value"] == "0.787"
    assert by_key["331110"]["value_without_margins"] == "0.769"
    assert by_key["327310"]["value"] == "3.924"
    assert by_key["484121"]["value"] == "0.595"
    assert by_key["541511"]["value"] == "0.084"


@pytest.mark.skipif(not OFFICIAL.exists(), reason="official EPA file not available here")
def test_generator_reproduces_shipped_rows(tmp_path):
    output = tmp_path / "scope3.factor.csv"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "generate_factor_data.py"),
            "--epa-v13",
            str(OFFICIAL),
            "--output",
            str(output),
        ],
        check=True,
        capture_output=True,
    )
    assert output.read_bytes() == SHIPPED.read_bytes()


def test_shipped_desnz_2025_selection():
    with open(SHIPPED_DESNZ, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_key = {row["key"]: row for row in rows}
    assert len(by_key) == len(rows) == 2009
    # DESNZ 2025 oracles: HGV (all diesel) all HGVs average laden per tonne.km, its WTT,
    # rail freight, container ship, diesel per litre
    hgv = by_key["27_304_3140_14_1"]
    assert (hgv["value"], hgv["uom_code"]) == ("0.10163", "t.km")
    wtt_xmlid = hgv["wtt_factor_id:id"]
    wtt = next(row for row in rows if row["id"] == wtt_xmlid)
    assert (wtt["value"], wtt["is_wtt"]) == ("0.02359", "1")
    # every companion is defined before the row pointing at it (the CSV loads in order)
    seen = set()
    for row in rows:
        assert not row["wtt_factor_id:id"] or row["wtt_factor_id:id"] in seen
        seen.add(row["id"])
    kinds = {row["category_hint"] for row in rows}
    assert kinds == {
        "freight",
        "fuel",
        "electricity",
        "electricity_td",
        "material",
        "waste",
        "travel",
        "wtt",
    }


@pytest.mark.skipif(not OFFICIAL_DESNZ.exists(), reason="official DESNZ file not available here")
def test_generator_reproduces_shipped_desnz(tmp_path):
    output = tmp_path / "desnz.csv"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "generate_factor_data.py"),
            "--desnz-2025",
            str(OFFICIAL_DESNZ),
            "--desnz-output",
            str(output),
        ],
        check=True,
        capture_output=True,
    )
    assert output.read_bytes() == SHIPPED_DESNZ.read_bytes()
