"""The agents' rules as pure functions of plain inputs.

Each agent gathers, for one subject, the *inputs* of a check (plain JSON values) and
calls :func:`evaluate`; the result (or ``None`` when the subject passes) is what the
agent logs and acts upon. Because the inputs and the parameters are logged with the
result, any logged decision can be replayed: ``evaluate(check, inputs, params)`` gives
the same result again for the same rule version.
"""

import math

#: version of each agent kind's rules, part of every decision hash
RULE_VERSIONS = {
    "data_quality": "data_quality/1",
    "classification": "classification/2",
    "remediation": "remediation/2",
    "policy": "policy/1",
}

#: relative uncertainty assumed for a figure of each data-quality score (1 best)
DQ_UNCERTAINTY = {1: 0.1, 2: 0.2, 3: 0.3, 4: 0.5, 5: 0.75}

CATEGORIES = {
    "unmapped_product": "completeness",
    "missing_weight": "completeness",
    "missing_currency_rate": "completeness",
    "missing_distance": "completeness",
    "outlier_intensity": "plausibility",
    "unit_mismatch": "plausibility",
    "quantity_mismatch": "consistency",
    "duplicate_vendor_ref": "consistency",
    "event_failed": "timeliness",
    "event_stuck": "timeliness",
    "classification": "classification",
    "supplier_priority": "remediation",
    "request_overdue": "remediation",
    "carbon_guardrail": "policy",
    "model_drift": "classification",
}


def _round(value, digits=4):
    return round(float(value), digits)


def _result(check, severity, confidence, action, summary, **extra):
    return {
        "check": check,
        "category": CATEGORIES[check],
        "severity": severity,
        "confidence": _round(confidence),
        "proposal": dict(extra, action=action),
        "summary": summary,
    }


def _unmapped_product(inputs, params):
    high = float(params.get("high_amount", 10000.0))
    severity = "high" if inputs["amount"] >= high else "medium"
    return _result(
        "unmapped_product",
        severity,
        1.0,
        "classify",
        f"{inputs['activities']} purchase line(s) of {inputs['product']} have no emission "
        f"factor ({inputs['amount']:.2f} {inputs['currency']} unmapped)",
    )


def _missing_weight(inputs, params):
    if inputs["weight"] or inputs["product_uom_category"] == inputs["factor_uom_category"]:
        return None
    if inputs["factor_uom_category"] != inputs["weight_category"]:
        return None  # not a per-mass factor: a unit mismatch, not a missing weight
    return _result(
        "missing_weight",
        "medium",
        1.0,
        "set_weight",
        f"{inputs['product']} is counted in {inputs['product_uom']} and has a per-"
        f"{inputs['factor_uom']} factor ({inputs['factor']}) but no weight: the physical "
        "factor cannot be used",
    )


def _missing_currency_rate(inputs, params):
    if inputs["has_rate"]:
        return None
    return _result(
        "missing_currency_rate",
        "high",
        1.0,
        "add_rate",
        f"no {inputs['currency']} rate on or before {inputs['date']}: {inputs['document']} "
        "cannot be converted",
    )


def _missing_distance(inputs, params):
    if not inputs["transfers"]:
        return None
    return _result(
        "missing_distance",
        "medium",
        1.0,
        "set_distance",
        f"no transport distance for {inputs['partner']}: the transport of "
        f"{', '.join(inputs['transfers'])} cannot be counted (add a transport route, a default "
        "distance on the partner, or its coordinates for road and air)",
    )


def _outlier_intensity(inputs, params):
    threshold = float(params.get("z_threshold", 3.5))
    if not inputs["scale"]:
        return None
    z = (inputs["value"] - inputs["median"]) / inputs["scale"]
    if abs(z) <= threshold:
        return None
    return _result(
        "outlier_intensity",
        "high" if abs(z) >= 2 * threshold else "medium",
        1.0 - threshold / (2.0 * abs(z)),
        "review_line",
        f"{inputs['value']:.4g} {inputs['unit']} is far from the median {inputs['median']:.4g} "
        f"of {inputs['group']} (robust z = {z:.1f})",
        z=_round(z, 2),
    )


def _unit_mismatch(inputs, params):
    categories = {inputs["product_uom_category"], inputs["factor_uom_category"]}
    if len(categories) == 1 or inputs["factor_uom_category"] == inputs["weight_category"]:
        return None  # same kind of unit, or a per-mass factor (see missing_weight)
    return _result(
        "unit_mismatch",
        "high",
        1.0,
        "fix_uom",
        f"the factor of {inputs['product']} ({inputs['factor']}) is per {inputs['factor_uom']} "
        f"({inputs['factor_uom_category']}), the product is counted in {inputs['product_uom']} "
        f"({inputs['product_uom_category']}): it cannot be applied",
    )


def _quantity_mismatch(inputs, params):
    tolerance = float(params.get("qty_tolerance", 0.05))
    ordered, received, billed = inputs["ordered"], inputs["received"], inputs["billed"]
    base = max(abs(ordered), 1e-9)
    gaps = {}
    if received and abs(received - ordered) / base > tolerance:
        gaps["received_vs_ordered"] = _round((received - ordered) / base)
    if billed and abs(billed - (received or ordered)) / base > tolerance:
        gaps["billed_vs_received" if received else "billed_vs_ordered"] = _round(
            (billed - (received or ordered)) / base
        )
    if not gaps:
        return None
    worst = max(abs(gap) for gap in gaps.values())
    return _result(
        "quantity_mismatch",
        "high" if worst > 3 * tolerance else "medium",
        1.0,
        "reconcile",
        f"ordered {ordered:g}, received {received:g}, billed {billed:g} (tolerance "
        f"{tolerance:.0%})",
        gaps=gaps,
    )


def _duplicate_vendor_ref(inputs, params):
    if not inputs["others"]:
        return None
    return _result(
        "duplicate_vendor_ref",
        "medium",
        0.8,
        "check_duplicate",
        f"vendor reference {inputs['ref']} of {inputs['partner']} is also on "
        f"{', '.join(inputs['others'])}",
    )


def _event_failed(inputs, params):
    if inputs["state"] != "failed":
        return None
    return _result(
        "event_failed",
        "high",
        1.0,
        "retry_event",
        f"event {inputs['key']} failed after {inputs['attempts']} attempts: {inputs['error']}",
    )


def _event_stuck(inputs, params):
    limit = int(params.get("stuck_minutes", 60))
    if inputs["state"] != "pending" or inputs["age_minutes"] < limit:
        return None
    return _result(
        "event_stuck",
        "medium",
        0.9,
        "retry_event",
        f"event {inputs['key']} has been pending for {inputs['age_minutes']} minutes",
    )


def classification_confidence(best, second):
    """Confidence of a proposed label from the best and second-best similarity scores:
    the best score, discounted when the runner-up is close (an ambiguous match)."""
    if best <= 0:
        return 0.0
    margin = (best - second) / best
    return best * (0.5 + 0.5 * margin)


#: logistic calibration of each text model's confidence: ``(intercept, score, margin)``,
#: fitted by benchmarks/bench_classification.py (``ngram/1`` on the labelled set and the
#: first blind set; ``ngram/2``, the second edition of the lexicon, on the three sets).
#: Kept per version: a logged decision names its model and carries its weights.
CALIBRATION = {
    "ngram/1": (-3.0936, 7.0344, 3.5779),
    "ngram/2": (-2.8002, 6.0321, 5.7562),
}


def calibrated_confidence(weights, best, margin):
    """Probability that a proposal is right, from the nearest document's score ``best``
    and its ``margin`` over the best code of another factor (a logistic regression)."""
    intercept, a, b = weights
    z = intercept + a * float(best) + b * float(margin)
    return 1.0 / (1.0 + math.exp(-z))


def _classification(inputs, params):
    if "model" not in inputs:
        return _classification_v1(inputs, params)
    rejected = set(inputs.get("rejected") or [])
    candidates = [c for c in inputs["candidates"] if c["code"] not in rejected]
    threshold = float(params.get("min_confidence", 0.32))
    severity = "medium" if inputs.get("unmapped_lines") else "low"
    if not candidates:
        return _result(
            "classification",
            severity,
            0.0,
            "needs_review",
            f"{inputs['subject']}: no NAICS code is close to its text; a person has to "
            "choose one",
            reason="no_match",
        )
    best = candidates[0]
    if best["code"] == "none":
        return _result(
            "classification",
            severity,
            0.0,
            "needs_review",
            f"{inputs['subject']} reads like spend that no spend-based factor covers "
            f"(\"{best['neighbour']}\"): electricity takes a location-based factor, taxes "
            "and deposits none; a person has to decide",
            reason="no_factor",
        )
    group = inputs["groups"].get(best["code"])
    other = next(
        (c for c in candidates[1:] if inputs["groups"].get(c["code"]) != group),
        None,
    )
    margin = best["score"] - (other["score"] if other else 0.0)
    confidence = calibrated_confidence(inputs["calibration"], best["score"], margin)
    title = inputs["titles"].get(best["code"], "")
    if confidence < threshold:
        return _result(
            "classification",
            severity,
            confidence,
            "needs_review",
            f"{inputs['subject']}: not sure (best guess NAICS {best['code']} {title}, "
            f"confidence {confidence:.0%} below {threshold:.0%}); a person has to choose "
            "the code",
            reason="low_confidence",
            best_guess=best["code"],
            margin=_round(margin),
        )
    return _result(
        "classification",
        severity,
        confidence,
        inputs.get("action", "set_naics"),
        f"{inputs['subject']} looks like NAICS {best['code']} {title} "
        f"(confidence {confidence:.0%})",
        naics_code=best["code"],
        margin=_round(margin),
    )


def _classification_v1(inputs, params):
    """classification/1 (decisions logged before the calibrated n-gram model)."""
    rejected = set(inputs.get("rejected") or [])
    candidates = [c for c in inputs["candidates"] if c[0] not in rejected]
    if not candidates:
        return None
    (code, best), second = candidates[0], candidates[1][1] if len(candidates) > 1 else 0.0
    confidence = classification_confidence(best, second)
    if confidence < float(params.get("min_confidence", 0.2)):
        return None
    return _result(
        "classification",
        "medium" if inputs.get("unmapped_lines") else "low",
        confidence,
        inputs.get("action", "set_naics"),
        f"{inputs['subject']} looks like NAICS {code} {inputs['titles'].get(code, '')} "
        f"(similarity {best:.2f}, runner-up {second:.2f})",
        naics_code=code,
    )


def uncertainty_reduction(dq_score):
    """Expected fall of the relative uncertainty when spend-based / low-quality data
    (score ``dq_score``) is replaced by primary supplier data (score 1)."""
    return DQ_UNCERTAINTY[int(dq_score)] - DQ_UNCERTAINTY[1]


def _supplier_priority(inputs, params):
    if "uncertainty" not in inputs:
        return _supplier_priority_v1(inputs, params)
    reduction = max(inputs["uncertainty"] - inputs["primary_uncertainty"], 0.0)
    score = inputs["co2e_kg"] * reduction
    if score < float(params.get("min_priority", 1.0)) or inputs["has_open_request"]:
        return None
    return _result(
        "supplier_priority",
        "high" if inputs["rank"] <= 3 else "medium",
        # how much of the vendor's figure its own data would replace
        inputs["secondary_share"],
        "send_request",
        f"{inputs['partner']}: rank {inputs['rank']}, {inputs['co2e_kg']:,.0f} kg CO2e upstream "
        f"({inputs['period'][0]} to {inputs['period'][1]}) x (uncertainty "
        f"{inputs['uncertainty']:.0%} at DQ {inputs['dq_score']:.1f} - "
        f"{inputs['primary_uncertainty']:.0%} with supplier data) = {score:,.0f} kg expected "
        f"uncertainty reduction; {inputs['secondary_share']:.0%} of its kg is secondary data",
        priority=_round(score, 3),
    )


def _supplier_priority_v1(inputs, params):
    """remediation/1 (decisions logged before the vendors-of-the-period ranking)."""
    dq = int(round(inputs["dq_score"]))
    score = inputs["co2e_kg"] * uncertainty_reduction(dq)
    if score < float(params.get("min_priority", 1.0)) or inputs["has_open_request"]:
        return None
    return _result(
        "supplier_priority",
        "high" if inputs["rank"] <= 3 else "medium",
        inputs["spend_based_share"],
        "send_request",
        f"{inputs['partner']}: {inputs['co2e_kg']:.0f} kg CO2e at DQ {dq}, "
        f"{inputs['spend_based_share']:.0%} spend-based; expected uncertainty reduction "
        f"{score:.0f} kg",
        priority=_round(score, 3),
    )


def _request_overdue(inputs, params):
    days = inputs["days_since_sent"]
    if days >= int(params.get("escalation_days", 30)) and not inputs["escalated"]:
        action, severity = "escalate", "high"
    elif days >= int(params.get("reminder_days", 14)) and not inputs["reminders"]:
        action, severity = "remind", "medium"
    else:
        return None
    return _result(
        "request_overdue",
        severity,
        1.0,
        action,
        f"request {inputs['request']} to {inputs['partner']} unanswered for {days} days "
        f"({inputs['reminders']} reminder(s) sent)",
    )


def _carbon_guardrail(inputs, params):
    threshold = float(params.get("intensity_threshold") or 0.0)
    reasons = []
    for line in inputs["lines"]:
        if threshold and line["intensity"] > threshold and line.get("confidential"):
            reasons.append(
                f"{line['name']}: kg CO2e per {inputs['currency']} above the {threshold:g} "
                "threshold (from a supplier footprint received under confidentiality)"
            )
        elif threshold and line["intensity"] > threshold:
            reasons.append(
                f"{line['name']}: {line['intensity']:.3f} kg CO2e per {inputs['currency']} "
                f"is above the {threshold:g} threshold"
            )
    top = int(params.get("top_vendor_count") or 0)
    dq_limit = float(params.get("top_vendor_dq", 4))
    if top and inputs.get("vendor_rank") and inputs["vendor_rank"] <= top:
        if inputs.get("vendor_dq") is not None and inputs["vendor_dq"] >= dq_limit:
            reasons.append(
                f"{inputs['vendor']} is top-{top} emitting vendor #{inputs['vendor_rank']} "
                f"with data quality {inputs['vendor_dq']:.1f} (limit {dq_limit:g})"
            )
    if not reasons:
        return None
    return _result(
        "carbon_guardrail",
        "high",
        1.0,
        "carbon_approval",
        "; ".join(reasons),
        reasons=reasons,
    )


def approval_share(approved, rejected):
    """Share of decided proposals that a person (or the agent) approved; None: none."""
    decided = approved + rejected
    return approved / decided if decided else None


def _model_drift(inputs, params):
    """The classification model drifts away from what the company buys: the share of its
    proposals approved in the recent window falls markedly below the baseline window's, or
    it abstains on markedly more of the new subjects than in the baseline."""
    min_decisions = int(params.get("drift_min_decisions", 10))
    drop = float(params.get("drift_drop", 0.2))
    reasons = []
    recent = approval_share(inputs["recent_approved"], inputs["recent_rejected"])
    base = approval_share(inputs["base_approved"], inputs["base_rejected"])
    if (
        recent is not None
        and base is not None
        and inputs["recent_approved"] + inputs["recent_rejected"] >= min_decisions
        and inputs["base_approved"] + inputs["base_rejected"] >= min_decisions
        and base - recent >= drop
    ):
        reasons.append(f"approved {recent:.0%} of its proposals lately, {base:.0%} before")
    recent_abstain = (
        inputs["recent_abstained"] / inputs["recent_new"] if inputs["recent_new"] else None
    )
    base_abstain = inputs["base_abstained"] / inputs["base_new"] if inputs["base_new"] else None
    if (
        recent_abstain is not None
        and base_abstain is not None
        and inputs["recent_new"] >= min_decisions
        and inputs["base_new"] >= min_decisions
        and recent_abstain - base_abstain >= drop
    ):
        reasons.append(
            f"asked a person for {recent_abstain:.0%} of the new subjects lately, "
            f"{base_abstain:.0%} before"
        )
    if not reasons:
        return None
    return _result(
        "model_drift",
        "medium",
        1.0,
        "review_model",
        f"{inputs['agent']}: " + "; ".join(reasons) + f" (windows of {inputs['days']} days): "
        "the buyer lexicon or the approved mappings may no longer fit what the company buys",
        recent_share=None if recent is None else _round(recent),
        base_share=None if base is None else _round(base),
    )


EVALUATORS = {
    "unmapped_product": _unmapped_product,
    "missing_weight": _missing_weight,
    "missing_currency_rate": _missing_currency_rate,
    "missing_distance": _missing_distance,
    "outlier_intensity": _outlier_intensity,
    "unit_mismatch": _unit_mismatch,
    "quantity_mismatch": _quantity_mismatch,
    "duplicate_vendor_ref": _duplicate_vendor_ref,
    "event_failed": _event_failed,
    "event_stuck": _event_stuck,
    "classification": _classification,
    "supplier_priority": _supplier_priority,
    "request_overdue": _request_overdue,
    "carbon_guardrail": _carbon_guardrail,
    "model_drift": _model_drift,
}


def evaluate(check, inputs, params):
    """Result of rule ``check`` on ``inputs`` with ``params``, or ``None`` (no finding)."""
    return EVALUATORS[check](inputs, params)
