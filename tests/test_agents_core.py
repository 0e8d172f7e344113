"""Plain-Python tests of scope3_carbon_agents/core (no Odoo, no database)."""

import json
import sys

import pytest
import scope3_agents_core as core
from scope3_agents_core import chain, ngram_model, rules, stats, text_model


def test_core_imports_no_odoo():
    assert not any(name == "odoo" or name.startswith("odoo.") for name in sys.modules)


# --- canonical JSON and the hash chain --------------------------------------------------------
def test_canonical_json_is_stable():
    a = {"b": 1, "a": [0.1, 2.5, {"z": None, "y": True}], "c": "é"}
    b = {"c": "é", "a": [0.1, 2.5, {"y": True, "z": None}], "b": 1}
    assert core.canonical_json(a) == core.canonical_json(b)
    assert core.canonical_json(a) == '{"a":[0.1,2.5,{"y":true,"z":null}],"b":1,"c":"é"}'
    assert json.loads(core.canonical_json(a)) == a  # values come back as they were
    assert core.canonical_json({"x": 1e-07, "y": 1.0}) == '{"x":1e-07,"y":1.0}'
    assert core.canonical_json({"x": -0.0}) == core.canonical_json({"x": 0.0})
    with pytest.raises(ValueError):
        core.canonical_json({"x": float("nan")})
    with pytest.raises(TypeError):
        core.canonical_json({"x": object()})


def test_chain_hash_formula():
    import hashlib

    record = {"id": 7, "decision": core.canonical_json({"type": "finding"}), "user_id": 2}
    text = core.record_text(record)
    # every hashed column is in the text, unset ones as null
    assert json.loads(text) == {name: record.get(name) for name in core.HASHED_FIELDS}
    expected = hashlib.sha256(f"{core.GENESIS_HASH}\n{text}".encode()).hexdigest()
    assert core.chain_hash(core.GENESIS_HASH, record) == expected


def _build_chain(n):
    records, previous = [], core.GENESIS_HASH
    for i in range(n):
        record = {
            "id": i + 1,
            "chain_position": i + 1,
            "decision_type": "finding",
            "agent_id": 1,
            "company_id": 1,
            "user_id": 1,
            "decision": core.canonical_json({"n": i, "type": "finding"}),
            "inputs_digest": core.digest({"inputs": i}),
            "rule_version": "v1",
            "previous_hash": previous,
        }
        record["hash"] = previous = core.chain_hash(previous, record)
        records.append(record)
    return records


def test_verify_chain_pinpoints_first_broken_link():
    records = _build_chain(5)
    assert core.verify_chain(records) is None
    tampered = [dict(r) for r in records]
    tampered[2]["decision"] = tampered[2]["decision"].replace('"n":2', '"n":9')
    assert core.verify_chain(tampered) == (3, "hash does not match the decision")
    removed = records[:1] + records[2:]
    assert core.verify_chain(removed)[0] == 3
    rehashed = [dict(r) for r in records]
    rehashed[1]["rule_version"] = "v2"
    assert core.verify_chain(rehashed) == (2, "hash does not match the decision")
    for column in ("user_id", "decision_type", "company_id", "agent_id", "chain_position"):
        other = [dict(r) for r in records]
        other[3][column] = 99  # any stored column is covered by the hash
        assert core.verify_chain(other) == (4, "hash does not match the decision"), column
    not_canonical = [dict(r) for r in records]
    not_canonical[0]["decision"] = json.dumps(json.loads(records[0]["decision"]), indent=1)
    assert core.verify_chain(not_canonical) == (1, "decision is not in canonical form")


# --- robust z ---------------------------------------------------------------------------------
def test_robust_z_flags_only_the_outlier():
    values = [10.0, 10.5, 9.5, 10.2, 9.8, 100.0]
    scores, median, scale = core.robust_z_scores(values)
    assert median == pytest.approx(10.1)
    assert scale == pytest.approx(stats.MAD_SCALE * 0.35)
    assert [abs(z) > 3.5 for z in scores] == [False] * 5 + [True]


def test_robust_z_degenerate_cases():
    assert core.robust_z_scores([]) == ([], 0.0, 0.0)
    assert core.robust_z_scores([3.0, 3.0, 3.0]) == ([0.0, 0.0, 0.0], 3.0, 0.0)
    # MAD is 0 (most values equal): falls back to the scaled mean absolute deviation
    scores, median, scale = core.robust_z_scores([1.0, 1.0, 1.0, 1.0, 5.0])
    assert median == 1.0 and scale == pytest.approx(1.2533141373155001 * 0.8)
    assert scores[-1] == pytest.approx(4.0 / scale)


# --- text model -------------------------------------------------------------------------------
def test_tokenize():
    assert text_model.tokenize("Hot-rolled Steel Coils, 2 pcs of batteries") == [
        "hot",
        "rolled",
        "steel",
        "coil",
        "pcs",
        "battery",
    ]


NAICS = [
    ("331110", "Iron and steel mills and ferroalloy manufacturing", 1),
    ("327310", "Cement manufacturing", 1),
    ("541511", "Custom computer programming services", 1),
    ("322121", "Paper mills", 1),
]


def test_text_model_ranks_and_is_deterministic():
    model = core.TextModel(NAICS)
    ranked = model.rank("Portland cement 50 kg bags")
    assert ranked[0][0] == "327310"
    assert core.TextModel(list(reversed(NAICS))).rank("Portland cement") == model.rank(
        "Portland cement"
    )
    assert model.digest == core.TextModel(list(reversed(NAICS))).digest
    assert model.rank("steel mill scrap")[0][0] == "331110"
    assert model.rank("zzz unknown") == []
    assert [label for label, _s in model.rank("cement", exclude={"327310"})] == []


def test_text_model_learns_from_approved_examples():
    model = core.TextModel(NAICS)
    assert model.rank("A4 copier sheets") == []
    learned = core.TextModel([*NAICS, ("322121", "A4 copier sheets ream", 2)])
    assert learned.rank("copier sheets, box of 5 reams")[0][0] == "322121"


# --- rules ------------------------------------------------------------------------------------
def test_classification_rule_skips_rejected_codes():
    inputs = {
        "candidates": [["327310", 0.9], ["331110", 0.3]],
        "rejected": [],
        "subject": "Portland cement",
        "titles": {"327310": "Cement manufacturing"},
        "unmapped_lines": 2,
    }
    result = core.evaluate("classification", inputs, {"min_confidence": 0.2})
    assert result["proposal"] == {"action": "set_naics", "naics_code": "327310"}
    # 0.9 x (0.5 + 0.5 x (0.9 - 0.3) / 0.9) = 0.75
    assert result["confidence"] == 0.75
    inputs["rejected"] = ["327310"]
    result = core.evaluate("classification", inputs, {"min_confidence": 0.2})
    assert result["proposal"]["naics_code"] == "331110"
    assert result["confidence"] == 0.3
    assert core.evaluate("classification", inputs, {"min_confidence": 0.5}) is None


def test_outlier_rule():
    base = {"median": 10.0, "scale": 1.0, "unit": "kg CO2e/Unit", "group": "steel"}
    assert core.evaluate("outlier_intensity", dict(base, value=13.0), {}) is None
    medium = core.evaluate("outlier_intensity", dict(base, value=15.0), {"z_threshold": 3.5})
    assert (medium["severity"], medium["confidence"]) == ("medium", 0.65)
    high = core.evaluate("outlier_intensity", dict(base, value=3.0), {"z_threshold": 3.5})
    assert (high["severity"], high["proposal"]["z"]) == ("high", -7.0)
    assert core.evaluate("outlier_intensity", dict(base, value=100.0), {})["severity"] == "high"


def test_quantity_rule():
    params = {"qty_tolerance": 0.05}
    ok = {"ordered": 10.0, "received": 10.0, "billed": 10.2}
    assert core.evaluate("quantity_mismatch", ok, params) is None
    bad = core.evaluate(
        "quantity_mismatch", {"ordered": 10.0, "received": 8.0, "billed": 10.0}, params
    )
    assert bad["proposal"]["gaps"] == {"received_vs_ordered": -0.2, "billed_vs_received": 0.2}
    assert bad["severity"] == "high"


def test_guardrail_rule():
    inputs = {
        "lines": [{"name": "cement", "intensity": 3.924}, {"name": "steel", "intensity": 0.787}],
        "currency": "USD",
        "vendor": "V",
        "vendor_rank": 1,
        "vendor_dq": 4.0,
    }
    assert core.evaluate("carbon_guardrail", inputs, {}) is None
    held = core.evaluate("carbon_guardrail", inputs, {"intensity_threshold": 2.0})
    assert len(held["proposal"]["reasons"]) == 1 and "cement" in held["summary"]
    held = core.evaluate(
        "carbon_guardrail", inputs, {"intensity_threshold": 5, "top_vendor_count": 3}
    )
    assert held["proposal"]["reasons"] == [
        "V is top-3 emitting vendor #1 with data quality 4.0 (limit 4)"
    ]


def test_supplier_priority_rule():
    inputs = {
        "partner": "Mill",
        "co2e_kg": 1000.0,
        "dq_score": 4,
        "spend_based_share": 1.0,
        "has_open_request": False,
        "rank": 1,
    }
    result = core.evaluate("supplier_priority", inputs, {})
    assert result["proposal"]["priority"] == 400.0  # 1000 x (0.5 - 0.1)
    assert core.evaluate("supplier_priority", dict(inputs, dq_score=1), {}) is None
    assert core.evaluate("supplier_priority", dict(inputs, has_open_request=True), {}) is None


def test_every_check_has_a_category_and_rule_versions_exist():
    assert set(rules.EVALUATORS) == set(rules.CATEGORIES)
    assert set(core.RULE_VERSIONS) == {"data_quality", "classification", "remediation", "policy"}
    assert chain.GENESIS_HASH == "0" * 64


def test_physical_factor_rules():
    base = {
        "product": "Copper wire",
        "product_uom": "Units",
        "product_uom_category": "Unit",
        "factor": "copper-kg",
        "factor_uom": "kg",
        "factor_uom_category": "Weight",
        "weight_category": "Weight",
        "weight": 0.0,
    }
    assert core.evaluate("missing_weight", base, {})["severity"] == "medium"
    assert core.evaluate("missing_weight", dict(base, weight=2.5), {}) is None
    assert core.evaluate("unit_mismatch", base, {}) is None  # per-mass: a weight fixes it
    per_litre = dict(base, factor_uom="L", factor_uom_category="Volume")
    assert core.evaluate("missing_weight", per_litre, {}) is None
    assert core.evaluate("unit_mismatch", per_litre, {})["proposal"] == {"action": "fix_uom"}
    same = dict(base, product_uom_category="Weight")
    assert core.evaluate("unit_mismatch", same, {}) is None
    assert core.evaluate("missing_weight", same, {}) is None


def test_request_overdue_rule():
    inputs = {
        "request": "S3R00001",
        "partner": "Mill",
        "days_since_sent": 10,
        "reminders": 0,
        "escalated": False,
    }
    params = {"reminder_days": 14, "escalation_days": 30}
    assert core.evaluate("request_overdue", inputs, params) is None
    remind = core.evaluate("request_overdue", dict(inputs, days_since_sent=15), params)
    assert remind["proposal"]["action"] == "remind"
    assert (
        core.evaluate("request_overdue", dict(inputs, days_since_sent=15, reminders=1), params)
        is None
    )
    escalate = core.evaluate(
        "request_overdue", dict(inputs, days_since_sent=31, reminders=1), params
    )
    assert (escalate["proposal"]["action"], escalate["severity"]) == ("escalate", "high")


# --- n-gram model and the calibrated classification rule (classification/2) ------------------
def test_fold_and_words():
    assert ngram_model.fold("Übersetzung Béton") == "ubersetzung beton"
    # digits, stop words (en / fr / de) and one-letter words are dropped
    assert ngram_model.words("Stahlblech DC01 für 2x1000 mit der Säge") == ["stahlblech", "sage"]


def test_word_match_and_coverage():
    assert ngram_model.word_match("pallet", "pallets")  # plural
    assert ngram_model.word_match("stahl", "stahlblech")  # compound
    assert ngram_model.word_match("cement", "cemment")  # typo
    assert not ngram_model.word_match("kuhllager", "kugellager")  # n-grams alone would
    assert ngram_model.coverage(["steel", "coil"], ["hot", "steel"]) == 0.5


def test_ngram_model_ranks_explains_and_is_deterministic():
    docs = [*NAICS, ("327310", "ciment", 1, "lexicon"), ("331110", "stahlblech", 1, "lexicon")]
    model = core.NgramModel(docs)
    assert core.NgramModel(list(reversed(docs))).digest == model.digest
    best = model.explain("Ciment CEM II sacs 35kg")[0]
    assert (best["label"], best["source"], best["neighbour"], best["shared"]) == (
        "327310",
        "lexicon",
        "ciment",
        ["ciment"],
    )
    assert model.rank("Stahlbleche kaltgewalzt")[0][0] == "331110"
    assert model.rank("zzz unknown") == []
    assert model.rank("cement", exclude={"327310"}) == []
    # an approved mapping and its vendor teach the model a company's own words
    learned = core.NgramModel([*docs, ("322121", "Zorbex sheets", 2, "approved")])
    assert learned.explain("Zorbex sheets 5 boxes")[0]["source"] == "approved"


def test_lexicon_codes_are_naics_6():
    entries = core.load_lexicon()
    assert len({code for code, _term in entries}) >= 100
    assert all(
        (len(code) == 6 and code.isdigit()) or code == ngram_model.NO_FACTOR
        for code, _term in entries
    )
    assert "electricity" in {term for code, term in entries if code == ngram_model.NO_FACTOR}


def test_no_factor_spend_is_left_to_a_person():
    inputs = _v2_inputs(
        candidates=[
            {
                "code": "none",
                "score": 0.7,
                "source": "lexicon",
                "neighbour": "electricity",
                "shared": [],
            }
        ]
    )
    result = core.evaluate("classification", inputs, {"min_confidence": 0.0})
    assert (result["proposal"], result["confidence"]) == (
        {"action": "needs_review", "reason": "no_factor"},
        0.0,
    )


def _v2_inputs(**extra):
    inputs = {
        "model": core.MODEL_VERSION,
        "calibration": list(core.CALIBRATION[core.MODEL_VERSION]),
        "candidates": [
            {
                "code": "327310",
                "score": 0.8,
                "source": "lexicon",
                "neighbour": "ciment",
                "shared": [],
            },
            {"code": "327320", "score": 0.5, "source": "title", "neighbour": "x", "shared": []},
            {"code": "331110", "score": 0.3, "source": "title", "neighbour": "y", "shared": []},
        ],
        "groups": {"327310": "327310", "327320": "327320", "331110": "331110"},
        "titles": {"327310": "Cement Manufacturing"},
        "rejected": [],
        "subject": "Ciment",
        "unmapped_lines": 1,
    }
    inputs.update(extra)
    return inputs


def test_calibrated_rule_proposes_or_abstains():
    weights = core.CALIBRATION[core.MODEL_VERSION]
    result = core.evaluate("classification", _v2_inputs(), {"min_confidence": 0.4})
    expected = core.calibrated_confidence(weights, 0.8, 0.8 - 0.5)
    assert result["proposal"] == {"action": "set_naics", "naics_code": "327310", "margin": 0.3}
    assert result["confidence"] == round(expected, 4)
    # a runner-up of the same factor is no rival: the margin is to another factor
    same = _v2_inputs(groups={"327310": "G", "327320": "G", "331110": "331110"})
    assert core.evaluate("classification", same, {})["proposal"]["margin"] == 0.5
    # below the threshold: no code, a finding for a person, with the best guess
    low = core.evaluate("classification", _v2_inputs(), {"min_confidence": 0.99})
    assert low["proposal"] == {
        "action": "needs_review",
        "reason": "low_confidence",
        "best_guess": "327310",
        "margin": 0.3,
    }
    none = core.evaluate("classification", _v2_inputs(candidates=[]), {})
    assert (none["proposal"], none["confidence"]) == (
        {"action": "needs_review", "reason": "no_match"},
        0.0,
    )
    rejected = core.evaluate(
        "classification", _v2_inputs(rejected=["327310"]), {"min_confidence": 0}
    )
    assert rejected["proposal"]["naics_code"] == "327320"


def test_model_drift_rule():
    base = {
        "agent": "Classification",
        "days": 30,
        "recent_approved": 3,
        "recent_rejected": 9,
        "base_approved": 10,
        "base_rejected": 0,
        "recent_new": 0,
        "recent_abstained": 0,
        "base_new": 0,
        "base_abstained": 0,
    }
    result = core.evaluate("model_drift", base, {"drift_drop": 0.2, "drift_min_decisions": 10})
    assert (result["proposal"]["recent_share"], result["proposal"]["base_share"]) == (0.25, 1.0)
    # too few decisions in a window, or a small fall: no finding
    assert core.evaluate("model_drift", dict(base, base_approved=5), {}) is None
    assert (
        core.evaluate("model_drift", dict(base, recent_approved=10, recent_rejected=2), {}) is None
    )
    # more subjects left to a person than before
    abstain = dict(
        base,
        recent_approved=10,
        recent_rejected=0,
        recent_new=20,
        recent_abstained=12,
        base_new=20,
        base_abstained=2,
    )
    assert (
        "asked a person for 60% of the new subjects lately, 10% before"
        in core.evaluate("model_drift", abstain, {})["summary"]
    )


def test_robust_z_min_relative_scale_keeps_a_tight_cluster_together():
    # spend-based figures of one product in kg CO2e per USD: 2022 spend at the factor's
    # 0.787, 2023 spend deflated to about 0.7559 (cents of the conversion vary the 4th
    # decimal): the rounding noise alone makes a tiny MAD, and 0.787 looks like an outlier
    values = [0.787] * 10 + [0.7558, 0.7559, 0.7559, 0.7559, 0.7560, 0.7559] + [0.7559] * 5
    scores, median, _scale = core.robust_z_scores(values)
    assert median == pytest.approx(0.7559, abs=1e-4)
    assert max(abs(score) for score in scores) > 100
    # with the data-quality agent's floor (5 % of the median) they are one cluster
    scores, median, scale = core.robust_z_scores(values, 0.05)
    assert scale == pytest.approx(0.05 * median)
    assert max(abs(score) for score in scores) < 1
    # a figure ten times the others still stands out
    scores, _median, _scale = core.robust_z_scores(values + [7.87], 0.05)
    assert scores[-1] > 100
