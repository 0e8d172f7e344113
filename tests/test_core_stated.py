"""Stated figures (manual activities) in the plain-Python core: trace, replay, DQ."""

import json
from decimal import Decimal

import pytest
import scope3_core as core
from scope3_core import dataquality

SUBJECT = {"activity_id": 3, "document": "scope3.manual.activity", "document_id": 9}


def stated(value="12345.6785", **overrides):
    values = dict(
        co2e_kg=Decimal(value),
        method="average_data",
        explanation="PCAF listed equity: attribution factor x investee emissions",
        date="2025-12-31",
        evidence=(("portfolio-2025.xlsx", "0f" * 20),),
    )
    values.update(overrides)
    return core.StatedInput(**values)


def test_stated_figure_rounded_half_up_and_replayed():
    co2e, trace = core.compute_stated(stated(), SUBJECT)
    # 12,345.6785 kg rounded half-up to the gram
    assert co2e == Decimal("12345.679")
    assert trace["method"] == "stated"
    assert trace["inputs"]["co2e_kg"] == "12345.6785"
    assert trace["inputs"]["evidence"] == [{"name": "portfolio-2025.xlsx", "sha1": "0f" * 20}]
    text = core.canonical_json(trace)
    assert core.replay(json.loads(text)) == co2e
    assert core.verify(text, core.trace_hash(trace), co2e) == []
    # a tampered figure does not verify
    problems = core.verify(text, core.trace_hash(trace), Decimal("12000"))
    assert problems == ["replay gives 12345.679 kg, the entry holds 12000 kg"]


def test_stated_figure_reversal_replays():
    co2e, trace = core.compute_stated(stated("100"), SUBJECT)
    rev, rev_trace = core.reverse(trace, core.trace_hash(trace), 41, "cancelled")
    assert (co2e, rev) == (Decimal("100.000"), Decimal("-100.000"))
    assert core.replay(rev_trace) == rev


def test_negative_stated_figure_refused():
    with pytest.raises(core.CalculationError):
        core.compute_stated(stated("-1"), SUBJECT)


def test_stated_figure_data_quality():
    # technological 3, temporal 1 (same year), geographical 3 (no region), completeness 4,
    # reliability 4 (stated, not recomputable from a published factor): mean 3.0 -> 3
    dq = dataquality.assess("manual", "stated", activity_year=2025, data_year=2025)
    assert (dq["reliability"], dq["completeness"], dq["score"]) == (4, 4, 3)
    # a manual activity with a library factor: official factor reliability 2
    dq = dataquality.assess("manual", "activity", activity_year=2025, data_year=2025)
    assert (dq["technological"], dq["reliability"], dq["score"]) == (3, 2, 2)
