"""Cross-sell building blocks on small data (no database)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from crm_graph.analytics.churn import balances_from_lists
from crm_graph.analytics.crosssell import (
    CrossSellConfig,
    CrossSellData,
    _sequence_shares,
    candidates,
    compute_signals,
    strongest_neighbours,
    superset_shares,
)
from crm_graph.analytics.evaluate import ranking_at_k


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
