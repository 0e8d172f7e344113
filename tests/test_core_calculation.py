"""Tests of the plain-Python calculation core (no database, no Odoo)."""

import dataclasses
import json
import sys
from decimal import Decimal

import pytest
import scope3_core as core
from scope3_core.conversion import to_decimal


def steel_factor(**overrides):
    """EPA v1.3 NAICS 331110, with margins: 0.787 kg CO2e per 2022 USD (purchaser price).

    Source: US EPA Supply Chain GHG Emission Factors v1.3.0,
    SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv.
    """
    values = dict(
        factor_id=1,
        value=Decimal("0.787"),
        unit="kg CO2e/2022 USD, purchaser price",
        currency="USD",
        key_type="naics",
        key="331110",
        title="Iron and Steel Mills and Ferroalloy Manufacturing",
        set_id=1,
        set_name="US EPA v1.3",
        set_publisher="US EPA",
        set_edition="v1.3.0",
        set_checksum="abc",
        resolution="product",
        margins=True,
        price_year=2022,
    )
    values.update(overrides)
    return core.FactorInput(**values)


SUBJECT = {"activity_id": 7, "document": "purchase.order", "document_id": 3}


def test_core_imports_no_odoo():
    assert not any(name == "odoo" or name.startswith("odoo.") for name in sys.modules)


def test_usd_spend_steel_oracle():
    # 10,000 USD x 0.787 = 7,870.000 kg CO2e
    spend = core.SpendInput(amount=Decimal("10000.00"), currency="USD", date="2022-06-15")
    co2e, trace = core.compute_spend_based(spend, steel_factor(), SUBJECT)
    assert co2e == Decimal("7870.000")
    assert str(co2e) == "7870.000"
    assert trace["result"] == {
        "spend_in_factor_currency": "10000.00",
        "spend_in_factor_price_year": "10000.00",
        "co2e_kg": "7870.000",
    }
    assert trace["factor"]["value"] == "0.787"
    assert trace["conversion"]["rule"] == "same currency"


def test_cement_oracle():
    # EPA v1.3 NAICS 327310 with margins = 3.924; 1,000 USD -> 3,924.000 kg
    spend = core.SpendInput(amount=1000, currency="USD", date="2022-01-10")
    co2e, _trace = core.compute_spend_based(
        spend, steel_factor(key="327310", value=Decimal("3.924")), SUBJECT
    )
    assert co2e == Decimal("3924.000")


def test_eur_spend_converted_through_company_currency():
    # company currency USD; 0.9 EUR per USD; 9,000 EUR = 10,000.00 USD -> 7,870.000 kg
    spend = core.SpendInput(
        amount=Decimal("9000"),
        currency="EUR",
        date="2022-06-15",
        rate=Decimal("0.9"),
        rate_date="2022-01-01",
        factor_rate=Decimal("1"),
        company_currency="USD",
    )
    co2e, trace = core.compute_spend_based(spend, steel_factor(), SUBJECT)
    assert co2e == Decimal("7870.000")
    assert trace["conversion"]["amount"] == "10000.00"
    assert trace["conversion"]["rate_from"] == "0.9"


def test_cross_currency_via_third_company_currency():
    # company currency CHF: 0.95 EUR per CHF, 1.10 USD per CHF.
    # 1,000 EUR = 1,000 x 1.10 / 0.95 = 1,157.894736... -> 1,157.89 USD;
    # x 0.787 = 911.25943 -> 911.259 kg
    spend = core.SpendInput(
        amount=1000,
        currency="EUR",
        date="2022-03-01",
        rate=Decimal("0.95"),
        factor_rate=Decimal("1.10"),
        company_currency="CHF",
    )
    co2e, trace = core.compute_spend_based(spend, steel_factor(), SUBJECT)
    assert trace["conversion"]["amount"] == "1157.89"
    assert co2e == Decimal("911.259")


def test_rounding_half_up_to_the_gram():
    # 0.5 USD x 0.001 = 0.0005 kg -> 0.001 (half up), not 0.000 (banker's)
    spend = core.SpendInput(amount=Decimal("0.5"), currency="USD", date="2022-01-01")
    co2e, _ = core.compute_spend_based(spend, steel_factor(value=Decimal("0.001")), SUBJECT)
    assert co2e == Decimal("0.001")


def test_float_inputs_have_no_binary_noise():
    assert to_decimal(0.787) == Decimal("0.787")
    assert to_decimal(0.1 + 0.2) == Decimal("0.30000000000000004")
    spend = core.SpendInput(amount=10000.0, currency="USD", date="2022-01-01")
    co2e, _ = core.compute_spend_based(spend, steel_factor(value=0.787), SUBJECT)
    assert co2e == Decimal("7870.000")


def test_negative_factor_refused():
    spend = core.SpendInput(amount=1, currency="USD", date="2022-01-01")
    with pytest.raises(core.CalculationError):
        core.compute_spend_based(spend, steel_factor(value=Decimal("-1")), SUBJECT)


def test_non_positive_rate_refused():
    with pytest.raises(ValueError):
        core.convert_currency(10, 0, 1, Decimal("0.01"))


def test_trace_is_deterministic_and_hash_is_canonical():
    spend = core.SpendInput(amount=Decimal("10000.00"), currency="USD", date="2022-06-15")
    _, trace1 = core.compute_spend_based(spend, steel_factor(), SUBJECT)
    _, trace2 = core.compute_spend_based(spend, steel_factor(), dict(reversed(SUBJECT.items())))
    assert core.trace_hash(trace1) == core.trace_hash(trace2)
    text = core.canonical_json(trace1)
    # sorted keys, no whitespace between tokens
    assert text.startswith('{"conversion":{"from":"USD","rule":"same currency","to":"USD"},')
    assert '": ' not in text and '", "' not in text
    assert core.trace_hash(json.loads(text)) == core.trace_hash(trace1)
    _, other = core.compute_spend_based(
        core.SpendInput(amount=Decimal("10000.01"), currency="USD", date="2022-06-15"),
        steel_factor(),
        SUBJECT,
    )
    assert core.trace_hash(other) != core.trace_hash(trace1)


def test_replay_and_verify():
    spend = core.SpendInput(
        amount=Decimal("9000"),
        currency="EUR",
        date="2022-06-15",
        rate=Decimal("0.9"),
        rate_date="2022-01-01",
        factor_rate=Decimal("1"),
        company_currency="USD",
    )
    co2e, trace = core.compute_spend_based(spend, steel_factor(), SUBJECT)
    text = core.canonical_json(trace)
    digest = core.trace_hash(trace)
    assert core.replay(json.loads(text)) == co2e
    assert core.verify(text, digest, 7870.0) == []
    # a tampered figure, factor or hash is detected
    assert core.verify(text, digest, 7000.0) == [
        "replay gives 7870.000 kg, the entry holds 7000.0 kg"
    ]
    tampered = json.loads(text)
    tampered["factor"]["value"] = "0.5"
    problems = core.verify(core.canonical_json(tampered), digest, 7870.0)
    assert "trace hash does not match" in problems
    assert any(p.startswith("replay gives 5000.000 kg") for p in problems)
    assert core.verify(text, "0" * 64, 7870.0) == ["trace hash does not match"]


def test_reversal_is_exact_opposite():
    spend = core.SpendInput(amount=Decimal("10000.00"), currency="USD", date="2022-06-15")
    co2e, trace = core.compute_spend_based(spend, steel_factor(), SUBJECT)
    rev, rev_trace = core.reverse(trace, core.trace_hash(trace), 42, "order cancelled")
    assert rev == -co2e == Decimal("-7870.000")
    assert rev_trace["reverses"] == {
        "entry_id": 42,
        "trace_hash": core.trace_hash(trace),
    }
    assert core.replay(rev_trace) == rev
    assert core.verify(core.canonical_json(rev_trace), core.trace_hash(rev_trace), -7870) == []


CPI_U = {2021: Decimal("270.970"), 2022: Decimal("292.655"), 2024: Decimal("313.689")}


def cpi(spend_year, factor_year=2022):
    """US CPI-U annual averages (BLS, U.S. city average, all items)."""
    return core.PriceIndexInput(
        name="US CPI-U",
        spend_year=spend_year,
        spend_index=CPI_U[spend_year],
        spend_index_year=spend_year,
        factor_year=factor_year,
        factor_index=CPI_U[factor_year],
        factor_index_year=factor_year,
        rule="table",
    )


def test_2024_spend_deflated_to_2022_usd():
    # 10,000 USD of 2024 x 292.655 / 313.689 = 9,329.4632... -> 9,329.46 (2022 USD);
    # x 0.787 (EPA v1.3 331110) = 7,342.28502 -> 7,342.285 kg
    spend = core.SpendInput(
        amount=Decimal("10000"), currency="USD", date="2024-03-01", price_index=cpi(2024)
    )
    co2e, trace = core.compute_spend_based(spend, steel_factor(), SUBJECT)
    assert trace["result"]["spend_in_factor_price_year"] == "9329.46"
    assert co2e == Decimal("7342.285")
    assert trace["inputs"]["price_index"]["spend_index"] == "313.689"
    assert core.replay(json.loads(core.canonical_json(trace))) == co2e


def eur_2024_spend():
    """9,000 EUR spent in 2024, at 0.9 EUR per USD (the company currency), with CPI-U."""
    return core.SpendInput(
        amount=Decimal("9000"),
        currency="EUR",
        date="2024-03-01",
        rate=Decimal("0.9"),
        factor_rate=Decimal("1"),
        company_currency="USD",
        price_index=cpi(2024),
    )


def test_eur_2024_converted_at_its_date_then_deflated():
    # 9,000 EUR at 0.9 EUR/USD = 10,000.00 USD (2024), then as above = 7,342.285 kg
    spend = eur_2024_spend()
    co2e, trace = core.compute_spend_based(spend, steel_factor(), SUBJECT)
    assert trace["conversion"]["amount"] == "10000.00"
    assert co2e == Decimal("7342.285")


def test_epa_v12_oracle_2021():
    # EPA v1.2 NAICS 111150 with margins = 3.007 kg CO2e per 2021 USD (published total,
    # not 2.874 + 0.134); 10,000 USD of 2021 -> 30,070.000 kg
    factor = steel_factor(key="111150", value=Decimal("3.007"), price_year=2021)
    spend = core.SpendInput(amount=Decimal("10000"), currency="USD", date="2021-05-01")
    assert core.compute_spend_based(spend, factor, SUBJECT)[0] == Decimal("30070.000")


def hgv_factor(**overrides):
    """DESNZ 2025, Freighting goods > HGV (all diesel) > All HGVs > Average laden:
    0.10163 kg CO2e per tonne.km; WTT companion 0.02359 (ghg-conversion-factors-2025)."""
    values = dict(
        factor_id=9,
        value=Decimal("0.10163"),
        unit="tonne.km",
        key_type="desnz",
        key="hgv",
        title="HGV (all diesel) All HGVs Average laden",
        set_id=2,
        set_name="DESNZ 2025",
        set_publisher="UK DESNZ",
        set_edition="2025",
        set_checksum="x",
        resolution="product",
        uom="t.km",
        wtt_value=Decimal("0.02359"),
        wtt_factor_id=10,
    )
    values.update(overrides)
    return core.FactorInput(**values)


def test_tonne_km_hgv():
    # 20 t over 100 km = 2,000 t.km; x 0.10163 = 203.260 kg CO2e (tank-to-wheel)
    tkm = core.tonne_km(20000, 100)
    assert tkm == Decimal("2000")
    qty = core.QuantityInput(quantity=tkm, unit="t.km", date="2025-06-01")
    co2e, trace = core.compute_activity_based(qty, hgv_factor(), SUBJECT)
    assert co2e == Decimal("203.260")
    assert "wtt" not in trace["factor"]
    # well-to-wheel: 2,000 x (0.10163 + 0.02359) = 250.440 kg
    qty_wtw = core.QuantityInput(quantity=tkm, unit="t.km", date="2025-06-01", well_to_wheel=True)
    co2e_wtw, trace_wtw = core.compute_activity_based(qty_wtw, hgv_factor(), SUBJECT)
    assert co2e_wtw == Decimal("250.440")
    assert trace_wtw["factor"]["wtt"] == {"id": 10, "value": "0.02359"}
    assert core.replay(json.loads(core.canonical_json(trace_wtw))) == co2e_wtw


def test_figure_only_is_the_traced_figure():
    """Live estimates and guardrails take the figure without its trace: the same figure.

    EPA v1.3 NAICS 331110 (0.787, with margins): 9,000 EUR of 2024 at 0.9 EUR/USD,
    deflated to 2022 USD with CPI-U = 7,342.285 kg; DESNZ 2025 HGV average laden
    (0.10163 + WTT 0.02359): 2,000 t.km well-to-wheel = 250.440 kg.
    """
    spend = eur_2024_spend()
    figure = core.figure_only(core.compute_spend_based, spend, steel_factor())
    assert figure == Decimal("7342.285")
    assert figure == core.compute_spend_based(spend, steel_factor(), SUBJECT)[0]
    qty = core.QuantityInput(
        quantity=Decimal("2000"), unit="t.km", date="2025-06-01", well_to_wheel=True
    )
    figure = core.figure_only(core.compute_activity_based, qty, hgv_factor())
    assert figure == Decimal("250.440")
    assert figure == core.compute_activity_based(qty, hgv_factor(), SUBJECT)[0]
    # the checks hold without the trace too
    with pytest.raises(core.CalculationError, match="negative"):
        core.figure_only(core.compute_spend_based, spend, steel_factor(value=Decimal("-1")))
    with pytest.raises(core.CalculationError, match="not a finite"):
        core.figure_only(
            core.compute_spend_based,
            core.SpendInput(amount=Decimal("NaN"), currency="USD", date="2024-03-01"),
            steel_factor(),
        )


def test_uom_ratio_odoo_convention():
    # Odoo factors relative to the reference unit (kg): t = 0.001, g = 1000
    assert core.uom_ratio(Decimal("0.001"), 1) == Decimal("1000")  # 1 t = 1000 kg
    assert core.uom_ratio(1, Decimal("0.001")) == Decimal("0.001")  # 1 kg = 0.001 t
    assert core.uom_ratio(Decimal("1000"), Decimal("0.001")) == Decimal("0.000001")  # g -> t
    # 12 t of steel against a per-kg factor: 12 x 1000 x 2.5 = 30,000.000 kg
    qty = core.QuantityInput(
        quantity=Decimal("12"),
        unit="t",
        date="2025-01-01",
        to_factor_unit=core.uom_ratio(Decimal("0.001"), 1),
        conversion_rule="UoM t -> kg",
    )
    factor = hgv_factor(value=Decimal("2.5"), uom="kg", unit="kg", wtt_value=None)
    assert core.compute_activity_based(qty, factor, SUBJECT)[0] == Decimal("30000.000")


def test_deflate_refuses_non_positive_index():
    with pytest.raises(ValueError):
        core.deflate(10, 0, 1, Decimal("0.01"))


def test_select_basis_records_market_fallback():
    assert core.calculation.select_basis("location", True) == {
        "requested": "location",
        "used": "location",
    }
    assert core.calculation.select_basis("market", True)["used"] == "market"
    fallback = core.calculation.select_basis("market", False)
    assert fallback["used"] == "location"
    assert fallback["fallback"] == "no supplier-specific or contractual factor"


def test_redaction_hides_a_suppliers_footprint_but_keeps_the_result():
    # a supplier's PCF of 1.85 kg CO2e per declared unit, 2 declared units per product unit:
    # 100 units x 2 x 1.85 = 370.000 kg
    qty = core.QuantityInput(
        quantity=Decimal("100"),
        unit="Units",
        date="2025-03-01",
        to_factor_unit=Decimal("2"),
        conversion_rule="2 kg per Units (supplier's declared units per product unit)",
    )
    factor = hgv_factor(
        key_type="supplier_footprint",
        key="urn:pact:abc",
        title="Acme PCF of widget",
        value=Decimal("1.85"),
        unit="kg CO2e/kg",
        uom="kg",
        wtt_value=None,
    )
    co2e, trace = core.compute_activity_based(qty, factor, SUBJECT)
    assert co2e == Decimal("370.000")
    shown = core.redact_supplier_inputs(trace)
    assert shown["factor"]["value"] == core.CONFIDENTIAL
    assert shown["factor"]["title"] == core.CONFIDENTIAL
    assert shown["conversion"]["to_factor_unit"] == core.CONFIDENTIAL
    assert shown["conversion"]["rule"] == core.CONFIDENTIAL
    assert shown["result"]["co2e_kg"] == "370.000"
    assert shown["redacted"] is True
    assert "1.85" not in core.canonical_json(shown)
    # the original is untouched and still replays
    assert trace["factor"]["value"] == "1.85"
    assert core.replay(json.loads(core.canonical_json(trace))) == co2e


def test_redaction_leaves_public_factors_alone():
    qty = core.QuantityInput(quantity=Decimal("2000"), unit="t.km", date="2025-06-01")
    _co2e, trace = core.compute_activity_based(qty, hgv_factor(), SUBJECT)
    assert core.redact_supplier_inputs(trace) == json.loads(core.canonical_json(trace))


def test_non_finite_inputs_are_refused():
    """NaN or infinity anywhere in the inputs: refused with the name of the value."""
    calculation = core.calculation
    spend = calculation.SpendInput(
        amount=calculation.Decimal("Infinity"),
        currency="USD",
        date="2022-06-15",
        rate=calculation.Decimal(1),
        rate_date="2022-06-15",
        factor_rate=calculation.Decimal(1),
        factor_rate_date="2022-06-15",
        company_currency="USD",
        factor_currency_rounding=calculation.Decimal("0.01"),
    )
    with pytest.raises(calculation.CalculationError, match=r"SpendInput.amount is not a finite"):
        calculation.compute_spend_based(spend, None, {})
    calculation.check_finite({"a": [1, calculation.Decimal("2.5")]}, 3.0)
    with pytest.raises(calculation.CalculationError, match=r"dict.a\[1\]"):
        calculation.check_finite({"a": [1, float("nan")]})
    # nested dataclasses are named by their path; a factor is refused when it is made
    bad_index = core.SpendInput(
        amount=1,
        currency="USD",
        date="2024-03-01",
        price_index=dataclasses.replace(cpi(2024), spend_index=Decimal("NaN")),
    )
    with pytest.raises(calculation.CalculationError, match=r"SpendInput.price_index.spend_index"):
        calculation.check_finite(bad_index)
    with pytest.raises(calculation.CalculationError, match=r"FactorInput.value is not a finite"):
        steel_factor(value=Decimal("Infinity"))
