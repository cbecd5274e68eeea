"""Churn building blocks on small hand-made data (no database)."""

from __future__ import annotations

from datetime import date

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from crm_graph.analytics.base import balances_from_lists, tie_matrix
from crm_graph.analytics.churn import (
    CONTACT_COLUMNS,
    ChurnConfig,
    ChurnData,
    build_features,
    cascade,
    spreading_exposure,
)
from crm_graph.analytics.clusters import EQUAL_WEIGHTS

AS_OF = date(2026, 1, 1)
MID = date(2025, 7, 1)


def _data() -> ChurnData:
    """Five customers: a churned in 2025-10 (recent), e churned in 2024 (old); b, c, d active."""
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    falling = [100.0 - 5 * i for i in range(12)]  # steady decline
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "kind": ["person", "person", "company", "person", "person"],
            "since": ["2010-01-01", "2015-06-01", "2020-01-01", "2026-02-01", "2012-01-01"],
            "status": ["churned", "active", "active", "active", "churned"],
            "churned_on": ["2025-10-15", None, None, None, "2024-03-01"],
            "influence": [0.4, 0.1, 0.2, 0.1, 0.2],
            "community": [0, 0, 0, 1, 1],
            "aum": [0.0, 5e5, 2e6, 1e3, 0.0],
            "value_score": [0.1, 0.5, 0.8, 0.1, 0.0],
            "tier": ["mass", "affluent", "wealth", "mass", "mass"],
            "balance_months": [months] * 5,
            "balance_history": [falling, [50.0] * 12, [10.0] * 9 + [1.0] * 3, [0.0] * 12, []],
        }
    )
    ties = pd.DataFrame(
        {
            "a": ["a", "b", "e"],
            "b": ["b", "c", "c"],
            "type": ["FAMILY", "EMPLOYS", "REFERRED"],
            "amount": [None, 1e5, None],
        }
    )
    none = pd.DataFrame(columns=CONTACT_COLUMNS)
    contacts = {
        MID.isoformat(): none,
        AS_OF.isoformat(): pd.DataFrame(
            {
                "customer_id": ["b"],
                "contacts_6m": [3],
                "complaints_6m": [2],
                "unresolved_6m": [1],
                "negative_6m": [2],
                "complaints_12m": [2],
                "sentiment_12m": [-0.5],
            }
        ),
    }
    products = {
        MID.isoformat(): pd.DataFrame(
            columns=["customer_id", "categories", "closed_6m", "opened_6m"]
        ),
        AS_OF.isoformat(): pd.DataFrame(
            {
                "customer_id": ["b", "c"],
                "categories": [3, 1],
                "closed_6m": [1, 0],
                "opened_6m": [0, 0],
            }
        ),
    }
    return ChurnData(customers, ties, contacts, products, balances_from_lists(customers))


def test_features_use_only_data_before_the_date() -> None:
    f = build_features(_data(), AS_OF, ChurnConfig())
    # who is a customer on 2026-01-01: not a (left), not e (left), not d (joins later)
    assert f["active"].to_dict() == {"a": False, "b": True, "c": True, "d": False, "e": False}
    # balance trend over the six months before the date (2025-07 .. 2025-12)
    assert f.loc["b", "balance_trend"] == pytest.approx(0.0)
    assert f.loc["c", "balance_trend"] == pytest.approx(-0.9)
    assert f.loc["a", "balance_trend"] == pytest.approx((45.0 - 70.0) / 70.0)
    # as of mid-2025, c's drop from 10 to 1 (in 2025-10) has not happened yet
    early = build_features(_data(), MID, ChurnConfig())
    assert early.loc["c", "balance_trend"] == pytest.approx(0.0)
    assert early.loc["c", "balance_drain"] == pytest.approx(1.0)
    assert f.loc["c", "balance_drain"] == pytest.approx(0.1)
    # and a, who left in 2025-10, was still a customer then, with no recent churner near
    assert early.loc["a", "active"]
    assert early.loc["b", "exposure"] == 0
    assert f.loc["b", "complaints_6m"] == 2
    assert f.loc["c", "complaints_6m"] == 0
    assert np.isnan(f.loc["c", "sentiment_12m"])
    assert f.loc["c", "company"] == 1.0


def test_exposure_counts_recent_churners_only() -> None:
    f = build_features(_data(), AS_OF, ChurnConfig())
    # b's only family tie (a) churned three months ago; c is two hops from a
    assert f.loc["b", "exposure"] > f.loc["c", "exposure"] > 0
    assert f.loc["b", "churned_ties"] == 1
    # e churned in 2024, outside the six-month window: it exposes nobody
    assert f.loc["c", "churned_ties"] == 0
    assert f.loc["d", "exposure"] == 0


def test_tie_matrix_is_symmetric_in_structure_and_row_normalised() -> None:
    data = _data()
    ids = pd.Index(data.customers["customer_id"])
    m = tie_matrix(ids, data.ties, EQUAL_WEIGHTS).toarray()
    sums = m.sum(axis=1)
    assert np.allclose(sums[sums > 0], 1.0)
    assert ((m > 0) == (m.T > 0)).all()
    assert sums[ids.get_loc("d")] == 0


def test_spreading_matches_power_series() -> None:
    g = nx.karate_club_graph()
    ids = pd.Index(list(g.nodes))
    ties = pd.DataFrame(
        [(a, b, "FAMILY", None) for a, b in g.edges], columns=["a", "b", "type", "amount"]
    )
    m = tie_matrix(ids, ties, EQUAL_WEIGHTS)
    s = np.zeros(len(ids))
    s[[0, 33]] = 1.0
    dense = m.toarray()
    expected = np.minimum(dense @ s + 0.5 * dense @ (dense @ s), 1.0)
    assert np.allclose(spreading_exposure(m, s, hops=2, decay=0.5), expected)


def test_cascade_matches_exact_probabilities() -> None:
    # 0 -> 1 (0.6), 0 -> 2 (0.5), 1 -> 3 (0.5), 2 -> 3 (0.5), undirected given both ways
    edges = [(0, 1, 0.6), (0, 2, 0.5), (1, 3, 0.5), (2, 3, 0.5)]
    src = np.array([a for a, b, _ in edges] + [b for a, b, _ in edges])
    dst = np.array([b for a, b, _ in edges] + [a for a, b, _ in edges])
    p = np.array([q for *_, q in edges] * 2)
    reached = cascade(src, dst, p, 4, 0, runs=40_000, seed=3).mean(axis=0)
    # exact by enumerating the live-edge graphs (each undirected tie live once)
    exact = np.zeros(4)
    for mask in range(16):
        live = [edges[i] for i in range(4) if mask >> i & 1]
        weight = np.prod([q if mask >> i & 1 else 1 - q for i, (_, _, q) in enumerate(edges)])
        g = nx.Graph()
        g.add_nodes_from(range(4))
        g.add_edges_from((a, b) for a, b, _ in live)
        for node in nx.node_connected_component(g, 0):
            exact[node] += weight
    # one draw per direction equals one per tie here: no node's reaching paths share a tie
    assert np.allclose(reached[[0, 1, 2]], exact[[0, 1, 2]], atol=0.01)
    assert reached[3] == pytest.approx(exact[3], abs=0.03)


def test_cascade_is_reproducible_with_a_seed() -> None:
    src, dst, p = np.array([0, 1]), np.array([1, 2]), np.array([0.5, 0.5])
    a = cascade(src, dst, p, 3, 0, runs=500, seed=9)
    b = cascade(src, dst, p, 3, 0, runs=500, seed=9)
    assert (a == b).all()


def test_every_feature_has_a_direction_and_words() -> None:
    from crm_graph.analytics.churn import (
        _DRIVER_TEXT,
        GRAPH_FEATURES,
        OWN_FEATURES,
        RISKY_WHEN,
        describe_driver,
    )

    for feature in OWN_FEATURES + GRAPH_FEATURES:
        assert RISKY_WHEN[feature] in (-1, 0, 1)
        assert feature in _DRIVER_TEXT
        words = describe_driver(feature, 0.5)
        assert "_" not in words  # words, not the column name


def test_reasons_only_point_the_expected_way() -> None:
    from crm_graph.analytics.churn import _drivers

    raw = pd.DataFrame({"complaints_6m": [3.0, 0.0], "cluster_churn": [0.0, 0.0]})
    z = np.array([[1.5, -1.0], [-0.5, -1.0]])
    contrib = np.array([[0.9, 0.4], [0.0, 0.4]])  # a negative weight on cluster churn
    assert _drivers(contrib, z, raw, 3) == [["3 complaint(s) in the last 6 months"], []]
