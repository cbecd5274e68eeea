"""Cross-sell building blocks on small data (no database)."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from crm_graph.analytics.base import balances_from_lists
from crm_graph.analytics.crosssell import (
    CrossSellConfig,
    CrossSellData,
    _sequence_shares,
    candidates,
    compute_signals,
    strongest_neighbours,
    superset_shares,
)
from crm_graph.analytics.eligibility import (
    DEFAULT_RULES,
    ProductRule,
    customer_limits,
    rules_from_mapping,
)
from crm_graph.analytics.evaluate import ranking_at_k
from crm_graph.errors import ConfigError
from crm_graph.ingest.targets import PRODUCT_BOUNDS, TARGETS


@settings(max_examples=60, deadline=None)
@given(
    held=arrays(
        np.float64,
        st.tuples(st.integers(1, 25), st.integers(1, 5)),
        elements=st.sampled_from([0.0, 1.0]),
    ),
    seed=st.integers(0, 3),
)
def test_superset_shares_match_brute_force(held: np.ndarray, seed: int) -> None:
    kind = np.random.default_rng(seed).integers(0, 2, held.shape[0])
    share, size = superset_shares(held, kind, shrinkage=0.0)
    for i in range(held.shape[0]):
        mine = held[i] > 0
        peers = (kind == kind[i]) & ((held[:, mine] > 0).all(axis=1))
        assert size[i] == peers.sum()
        assert np.allclose(share[i], held[peers].mean(axis=0))


def test_sequence_shares_count_openings_within_the_window() -> None:
    # months since opening: A 20 months ago for everyone; B 14 months ago (6 after A) for
    # the first two, 2 months ago (18 after A) for the third; the fourth never took B
    since = np.array([[20.0, 14.0], [20.0, 14.0], [20.0, 2.0], [20.0, np.nan], [20.0, np.nan]])
    held = (~np.isnan(since)).astype(float)
    shares = _sequence_shares(held, since, months=12)
    assert shares[0, 1] == 2 / 5
    assert shares[1, 0] == 0.0  # A was never opened after B


def _tiny() -> CrossSellData:
    customers = pd.DataFrame(
        {
            "customer_id": ["p1", "p2", "co", "gone"],
            "kind": ["person", "person", "company", "person"],
            "status": ["active", "active", "active", "churned"],
            "churned_on": [None, None, None, "2025-03-01"],
            "influence": [0.1, 0.2, 0.5, 0.1],
            "since": ["2010-01-01"] * 4,
            "balance_months": [[]] * 4,
            "balance_history": [[]] * 4,
        }
    )
    products = pd.DataFrame(
        {
            "product_id": ["CARD", "LOAN_B", "WEALTH"],
            "name": ["card", "business loan", "wealth"],
            "category": ["card", "loan", "wealth"],
            "eligible": ["person", "company", "both"],
        }
    )
    holdings = pd.DataFrame(
        {
            "customer_id": ["p1", "co", "p2"],
            "product_id": ["CARD", "WEALTH", "WEALTH"],
            "opened_on": ["2020-01-01", "2020-01-01", "2020-06-01"],
            "closed_on": [None, None, None],
        }
    )
    ties = pd.DataFrame(
        {"a": ["co", "p1"], "b": ["p1", "p2"], "type": ["EMPLOYS", "FAMILY"], "amount": [1e5, None]}
    )
    offers = pd.DataFrame({"customer_id": ["p1"], "product_id": ["WEALTH"], "at": ["2025-12-01"]})
    return CrossSellData(
        customers, products, holdings, ties, offers, balances_from_lists(customers)
    )


def test_candidates_follow_eligibility_holdings_churn_and_offers() -> None:
    data = _tiny()
    signals = compute_signals(data, date(2026, 1, 1), CrossSellConfig())
    ok = candidates(data, signals)
    # persons never get the company loan, the company never gets the card
    assert not ok[0, 1]
    assert not ok[2, 0]
    # held products are never candidates; churned customers get nothing
    assert not ok[0, 0]
    assert not ok[2, 2]
    assert not ok[3].any()
    assert ok[0, 2]
    # an offer in the last 90 days suppresses the product
    suppressed = candidates(data, signals, offers_since=date(2025, 10, 3))
    assert not suppressed[0, 2]
    assert suppressed[1, 0]


def _profiled() -> CrossSellData:
    """Six active customers who hold nothing, with ages, grades and consent."""
    customers = pd.DataFrame(
        {
            "customer_id": ["adult", "minor", "senior", "risky", "refused", "firm"],
            "kind": ["person"] * 5 + ["company"],
            "status": ["active"] * 6,
            "churned_on": [None] * 6,
            "influence": [0.1] * 6,
            "since": ["2010-01-01"] * 6,
            # the minor turns 18 the day after the scoring date; the senior is 66
            "birth_date": ["1990-05-05", "2008-01-02", None, "1985-01-01", "1980-01-01", None],
            "age": [None, None, 66, None, None, None],
            "risk_grade": [2, None, 1, 4, 1, 5],
            "marketing_consent": [True, None, True, True, False, True],
            "balance_months": [[]] * 6,
            "balance_history": [[]] * 6,
        }
    )
    products = pd.DataFrame(
        {
            "product_id": ["CARD", "MORTGAGE", "WEALTH", "DEPOSIT", "BIZ"],
            "name": ["card", "mortgage", "wealth", "deposit", "business loan"],
            "category": ["card", "loan", "wealth", "deposit", "loan"],
            "eligible": ["person", "person", "both", "both", "company"],
            # the catalogue's bounds: credit for adults of working age at grade 3 or better
            "min_age": [18, 18, 18, None, 18],
            "max_age": [70, 65, None, None, 65],
            "max_risk_grade": [3, 3, None, None, 3],
        }
    )
    empty = pd.DataFrame({"customer_id": [], "product_id": [], "opened_on": [], "closed_on": []})
    ties = pd.DataFrame({"a": [], "b": [], "type": [], "amount": []})
    offers = pd.DataFrame({"customer_id": [], "product_id": [], "at": []})
    return CrossSellData(customers, products, empty, ties, offers, balances_from_lists(customers))


def test_candidates_follow_age_risk_grade_and_consent() -> None:
    data = _profiled()
    signals = compute_signals(data, date(2026, 1, 1), CrossSellConfig())
    ok = pd.DataFrame(
        candidates(data, signals),
        index=data.customers["customer_id"],
        columns=data.products["product_id"],
    )
    assert ok.loc["adult"].tolist() == [True, True, True, True, False]
    # 17 on the scoring date: no card, loan or investment; a deposit is fine
    assert ok.loc["minor"].tolist() == [False, False, False, True, False]
    # a stated age of 66 is past the loans' 65; cards go on to 70
    assert ok.loc["senior"].tolist() == [True, False, True, True, False]
    # grade 4 is past credit's 3 (for a company too); the age rules skip companies
    assert ok.loc["risky"].tolist() == [False, False, True, True, False]
    assert ok.loc["firm"].tolist() == [False, False, True, True, False]
    assert not ok.loc["refused"].any()
    # training and the evaluation rank what the customer could take: consent aside
    unsuppressed = candidates(data, signals, suppress=False)
    assert unsuppressed[4].tolist() == [True, True, True, True, False]
    # a product's own rule wins over its catalogue bounds, which win over its category's
    strict = CrossSellConfig(rules={"MORTGAGE": ProductRule(max_risk_grade=1)})
    assert not candidates(data, signals, strict)[0, 1]
    assert candidates(data, signals, strict)[2, 1]  # the senior: grade 1, and no age bound now
    by_category = CrossSellConfig(rules={"deposit": ProductRule(min_age=18)})
    assert not candidates(data, signals, by_category)[1, 3]  # the minor: no deposit now
    # a catalogue without bounds and no rules: only kind (and, here, not consent) applies
    bare = dataclasses.replace(
        data, products=data.products.drop(columns=["min_age", "max_age", "max_risk_grade"])
    )
    free = CrossSellConfig(rules={}, respect_consent=False)
    assert candidates(bare, signals, free)[:5, :4].all()
    assert DEFAULT_RULES == {}  # nothing of any one bank's categories is built in


@settings(max_examples=200, deadline=None)
@given(born=st.dates(date(1900, 1, 1), date(2030, 12, 31)), day=st.dates(date(1990, 1, 1)))
def test_ages_are_whole_years_on_the_day(born: date, day: date) -> None:
    frame = pd.DataFrame({"kind": ["person"], "birth_date": [born.isoformat()]})
    age, grade, refused = customer_limits(frame, day)
    expected = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    assert age[0] == expected
    assert np.isnan(grade[0])
    assert not refused[0]


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        (["card"], "expected a mapping"),
        ({"rule": {}}, "unknown key 'rule'"),
        ({"rules": ["card"]}, "'rules' must map"),
        ({"rules": {"card": 3}}, "expected min_age"),
        ({"rules": {"card": {"max_grade": 2}}}, "unknown field 'max_grade'"),
        ({"rules": {"card": {"min_age": "18"}}}, "min_age must be a whole number"),
        ({"rules": {"card": {"min_age": True}}}, "min_age must be a whole number"),
        ({"respect_consent": "yes"}, "respect_consent must be true or false"),
    ],
)
def test_bad_rules_files_are_refused_with_the_key_named(settings_: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        rules_from_mapping(settings_)


def test_rules_merge_over_the_defaults_and_bounds_are_checked() -> None:
    out = rules_from_mapping({"rules": {"loan": {"max_age": 60}, "fund_agency": None}})
    assert out["rules"]["loan"] == ProductRule(max_age=60)
    assert "fund_agency" not in out["rules"]
    assert "card" not in out["rules"]  # no category has a rule unless a bank gives one
    assert "respect_consent" not in out
    with pytest.raises(ConfigError, match="min_age is above max_age"):
        CrossSellConfig(rules={"loan": ProductRule(min_age=70, max_age=60)})
    with pytest.raises(ConfigError, match="must not be negative"):
        CrossSellConfig(rules={"loan": ProductRule(max_risk_grade=-1)})


def test_social_signal_sees_family_and_employer() -> None:
    data = _tiny()
    signals = compute_signals(data, date(2026, 1, 1), CrossSellConfig())
    # p1's employer (co) and family member (p2) both hold WEALTH: every tie holds it
    assert signals.tie_share[0, 2] == 1.0
    assert signals.top_holder[0, 2] in (1, 2)
    assert signals.employer[0] == 2
    # p2's only tie (p1) holds the card
    assert signals.tie_share[1, 0] == 1.0


def test_signals_without_explanations_score_the_same() -> None:
    data = _tiny()
    full = compute_signals(data, date(2026, 1, 1), CrossSellConfig())
    bare = compute_signals(data, date(2026, 1, 1), CrossSellConfig(), explain=False)
    for name, score in full.scores.items():
        np.testing.assert_array_equal(score, bare.scores[name])
    assert (full.top_holder >= 0).any()
    assert (bare.top_holder == -1).all()


def test_ranking_metrics_on_a_known_case() -> None:
    scores = np.array([[0.9, 0.5, 0.1, np.nan], [0.2, 0.9, 0.8, 0.1]])
    relevant = np.array([[False, True, False, False], [True, False, False, True]])
    m = ranking_at_k(scores, relevant, 2)
    # row 1: hit at rank 2 -> recall 1, AP 0.5; row 2: no hit in top 2 -> 0
    assert m["recall_at_k"] == 0.5
    assert m["map_at_k"] == 0.25


def _strongest_by_argmax(adjacency: sp.csr_matrix, weight: np.ndarray) -> np.ndarray:
    """The formulation strongest_neighbours replaced: a weighted copy and argmax per column."""
    out = np.full(weight.shape, -1)
    for j in range(weight.shape[1]):
        weighted = adjacency.multiply(weight[:, j][None, :]).tocsr()
        if weighted.nnz == 0:
            continue
        best = np.asarray(weighted.argmax(axis=1)).ravel()
        has = np.asarray(weighted.max(axis=1).todense()).ravel() > 0
        out[has, j] = best[has]
    return out


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 12),
    p=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
    density=st.floats(0.0, 1.0),
)
def test_strongest_neighbours_is_the_argmax_with_ties_to_the_lowest(
    n: int, p: int, seed: int, density: float
) -> None:
    rng = np.random.default_rng(seed)
    # few distinct values, so that equal products (ties) are common
    dense = rng.choice([0.0, 0.5, 1.0, 2.0], size=(n, n)) * (rng.random((n, n)) < density)
    weight = rng.choice([0.0, 1.0, 1.5], size=(n, p))
    adjacency = sp.csr_matrix(dense)
    expected = _strongest_by_argmax(adjacency, weight)
    np.testing.assert_array_equal(strongest_neighbours(adjacency, weight), expected)
    # the same entries given twice and out of order (coo with duplicates) sum first
    coo = sp.coo_matrix(dense)
    half = sp.coo_matrix(
        (
            np.r_[coo.data / 2, coo.data / 2][::-1],
            (np.r_[coo.row, coo.row][::-1], np.r_[coo.col, coo.col][::-1]),
        ),
        shape=(n, n),
    )
    np.testing.assert_array_equal(strongest_neighbours(half, weight), expected)


def test_the_catalogue_can_state_every_bound_a_rule_has() -> None:
    bounds = tuple(f.name for f in dataclasses.fields(ProductRule))
    assert bounds == PRODUCT_BOUNDS
    assert set(bounds) <= set(TARGETS["products"].fields)
    assert {"family", "stackable"} <= set(TARGETS["products"].fields)
