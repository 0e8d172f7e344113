"""Data-quality indicators and score (plain Python)."""

from scope3_core import dataquality


def test_supplier_verified_primary_data_is_best():
    dq = dataquality.assess(
        "supplier",
        "activity",
        activity_year=2025,
        data_year=2025,
        factor_region="US",
        activity_region="US",
        primary_share=90,
        verified=True,
    )
    assert dq == {
        "technological": 1,
        "temporal": 1,
        "geographical": 1,
        "completeness": 1,
        "reliability": 1,
        "score": 1,
        "uncertainty_pct": 10,
    }


def test_product_activity_factor():
    # tech 2, temporal |2025-2023| = 2 -> 2, geo GB vs US -> 4, completeness 3, reliability 2
    # mean 13/5 = 2.6 -> 3
    dq = dataquality.assess(
        "product",
        "activity",
        activity_year=2025,
        data_year=2023,
        factor_region="GB",
        activity_region="US",
    )
    assert [dq[i] for i in dataquality.INDICATORS] == [2, 2, 4, 3, 2]
    assert dq["score"] == 3
    assert dq["uncertainty_pct"] == 30


def test_spend_based_never_better_than_4_and_default_is_5():
    # EPA v1.3 (data 2022, US) for a 2022 US purchase: 3, 1, 1, 4, 3 -> mean 2.4, floor 4
    dq = dataquality.assess(
        "product",
        "spend",
        activity_year=2022,
        data_year=2022,
        factor_region="US",
        activity_region="US",
    )
    assert dq["score"] == 4
    default = dataquality.assess(
        "company_default",
        "spend",
        activity_year=2022,
        data_year=2022,
        factor_region="US",
        activity_region="US",
    )
    assert default["score"] == 5
    assert default["uncertainty_pct"] == 80


def test_each_level_down_the_chain_is_not_better():
    args = dict(activity_year=2024, data_year=2022, factor_region="US", activity_region="US")
    scores = [
        dataquality.assess("supplier", "activity", primary_share=60, dqr=1.4, **args)["score"],
        dataquality.assess("product", "activity", **args)["score"],
        dataquality.assess("rule", "spend", **args)["score"],
        dataquality.assess("company_default", "spend", **args)["score"],
    ]
    assert scores == sorted(scores)
    assert scores[0] < scores[-1]


def test_temporal_steps():
    years = [2022, 2021, 2019, 2016, 2012, 2000]
    got = [dataquality.assess("product", "activity", 2022, y)["temporal"] for y in years]
    # a factor of the activity's own year only is "very good"; one year apart is not
    assert got == [1, 2, 3, 4, 4, 5]
