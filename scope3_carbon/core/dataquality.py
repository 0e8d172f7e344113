"""Data-quality indicators and score of an emission figure.

Five indicators after the GHG Protocol Scope 3 Standard (ch. 7, table 7.6:
technological, temporal and geographical representativeness, completeness,
reliability), each scored 1 (very good) to 5 (very poor), rolled up into one score
1-5 in the spirit of PCAF: 1 = verified supplier-specific data, 5 = generic
spend-based estimate.

Rules (project convention, documented in the add-on README):

- technological: supplier footprint 1; product activity factor 2; product spend factor 3
  (the NAICS industry the product belongs to); product-category or rule spend factor 4;
  company default 5; an activity-based rule 3; a transport mode's average factor
  (distance-based freight) 3; a manual activity (factor chosen by a person, or a stated
  figure) 3;
- temporal: |activity year - factor data year| = 0 -> 1 (a factor of the activity's own
  year), <= 2 -> 2, <= 5 -> 3, <= 10 -> 4, more -> 5; unknown data year -> 3;
- geographical: factor region equals the activity's country -> 1; factor without region
  (global average) -> 3; another region -> 4; unknown activity country, or codes of
  different systems (ISO alpha-2 vs alpha-3) -> 3;
- completeness: supplier footprint from its primary data share (>= 80 % -> 1, >= 50 %
  -> 2, >= 20 % -> 3, less or unknown -> 4); activity data 3; spend data 4; company
  default 5; one step worse (at most 5) when the activity quantity is itself an estimate
  (a transport distance from a great circle x a detour factor);
- reliability: verified supplier footprint 1, else its PACT DQR (1-3) rounded up plus
  one; official activity factors 2; spend-based (modelled EEIO) factors 3; company
  default 4; a figure or factor stated by the company (kind ``stated``: a manual
  activity's stated kg, a product's sold-product factor; not a published factor) 4;
- score: the rounded-half-up mean of the five, but never better than 4 for a
  spend-based figure nor than 5 for the company default (PCAF scores 4-5 for spend).

Uncertainty (95 % half-width, percent, project convention): 1 -> 10, 2 -> 20, 3 -> 30,
4 -> 50, 5 -> 80.
"""

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

INDICATORS = ("technological", "temporal", "geographical", "completeness", "reliability")
UNCERTAINTY_BY_SCORE = {1: 10, 2: 20, 3: 30, 4: 50, 5: 80}

_TECHNOLOGICAL = {
    ("supplier", "activity"): 1,
    ("product", "activity"): 2,
    ("product", "spend"): 3,
    ("product_category", "spend"): 4,
    ("rule", "activity"): 3,
    ("transport", "activity"): 3,
    ("rule", "spend"): 4,
    ("company_default", "spend"): 5,
}


def _temporal(activity_year, data_year):
    if not data_year or not activity_year:
        return 3
    gap = abs(activity_year - data_year)
    for limit, score in ((0, 1), (2, 2), (5, 3), (10, 4)):
        if gap <= limit:
            return score
    return 5


def _geographical(factor_region, activity_region):
    if not activity_region or not factor_region:
        return 3
    if len(factor_region) != len(activity_region):  # ISO alpha-2 vs alpha-3: unknown
        return 3
    return 1 if factor_region.upper() == activity_region.upper() else 4


def _completeness(level, kind, primary_share):
    if level == "supplier":
        share = primary_share or 0
        for limit, score in ((80, 1), (50, 2), (20, 3)):
            if share >= limit:
                return score
        return 4
    if level == "company_default":
        return 5
    return 3 if kind == "activity" else 4


def _reliability(level, kind, verified, dqr):
    if level == "supplier":
        if verified:
            return 1
        if dqr:
            rounded = int(Decimal(str(dqr)).quantize(Decimal(1), rounding=ROUND_CEILING))
            return min(5, rounded + 1)
        return 3
    if level == "company_default" or kind == "stated":
        return 4
    return 2 if kind == "activity" else 3


def assess(
    level,
    kind,
    activity_year=None,
    data_year=None,
    factor_region=None,
    activity_region=None,
    primary_share=None,
    verified=False,
    dqr=None,
    estimated_quantity=False,
):
    """Indicators, score and uncertainty of a figure.

    :param str level: resolution level (supplier, product, product_category, rule,
        company_default, transport)
    :param str kind: ``activity``, ``spend`` or ``stated``
    :param bool estimated_quantity: the activity quantity is modelled, not measured
    :return: dict with the five indicators, ``score`` and ``uncertainty_pct``
    """
    indicators = {
        "technological": _TECHNOLOGICAL.get((level, kind), 4 if kind == "spend" else 3),
        "temporal": _temporal(activity_year, data_year),
        "geographical": _geographical(factor_region, activity_region),
        "completeness": min(
            5, _completeness(level, kind, primary_share) + int(bool(estimated_quantity))
        ),
        "reliability": _reliability(level, kind, verified, dqr),
    }
    mean = Decimal(sum(indicators.values())) / Decimal(len(indicators))
    score = int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if kind == "spend":
        score = max(score, 4)
    if level == "company_default":
        score = 5
    return dict(indicators, score=score, uncertainty_pct=UNCERTAINTY_BY_SCORE[score])
