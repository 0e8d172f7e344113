"""Checks of the factor rows shipped as module data (no database, no Odoo)."""

import csv
import pathlib
import subprocess
import sys
from decimal import Decimal

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "scope3_carbon" / "data" / "scope3.factor.csv"
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
