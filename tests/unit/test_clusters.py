"""Tie weights: bounded, monotone in the money and the number of transfers, scale-free."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_graph.analytics.clusters import (
    TIE_TYPES,
    normalize_weights,
    tie_graph,
    tie_weights,
)
from crm_graph.analytics.tie_weights import TransferScale
from crm_graph.errors import ConfigError

WEIGHTS = {"FAMILY": 1.0, "TRANSFERS": 0.5, "EMPLOYS": 0.6}
SCALE = TransferScale(1_000_000.0, 36.0)

amounts = st.floats(min_value=0, max_value=1e9, allow_nan=False)
counts = st.integers(min_value=0, max_value=10_000)


def _transfer(amount: float, count: int) -> float:
    frame = pd.DataFrame({"type": ["TRANSFERS"], "amount": [amount], "count": [count]})
    return float(tie_weights(frame, WEIGHTS, SCALE)[0])


@given(amounts, amounts, counts, counts)
def test_transfer_weight_is_bounded_and_monotone(a1: float, a2: float, c1: int, c2: int) -> None:
    lo_a, hi_a = sorted((a1, a2))
    lo_c, hi_c = sorted((c1, c2))
    low, high = _transfer(lo_a, lo_c), _transfer(hi_a, hi_c)
    half = normalize_weights(WEIGHTS)["TRANSFERS"]
    assert half <= low <= high <= 2 * half + 1e-12
    assert 0.0 <= high <= 1.0


def test_the_number_of_transfers_counts() -> None:
    assert _transfer(10_000.0, 36) > _transfer(10_000.0, 1) > _transfer(10_000.0, 0)
    # the scale's count saturates the count strength
    assert _transfer(10_000.0, 36) == pytest.approx(_transfer(10_000.0, 500))


@given(
    st.dictionaries(st.sampled_from(TIE_TYPES), st.floats(0.01, 100.0), min_size=1),
    st.floats(0.01, 100.0),
)
def test_scaling_all_weights_changes_nothing(weights: dict[str, float], factor: float) -> None:
    frame = pd.DataFrame(
        {
            "type": list(TIE_TYPES),
            "amount": [5e4 if t in ("TRANSFERS", "GUARANTEES") else None for t in TIE_TYPES],
            "count": [12 if t == "TRANSFERS" else None for t in TIE_TYPES],
        }
    )
    scaled = {k: v * factor for k, v in weights.items()}
    np.testing.assert_allclose(tie_weights(frame, weights), tie_weights(frame, scaled), rtol=1e-9)
    assert tie_weights(frame, weights).max() <= 1.0 + 1e-12


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"FRIEND": 1.0}, "unknown tie type 'FRIEND'"),
        ({"FAMILY": -1.0}, "finite number >= 0"),
        ({"FAMILY": float("nan")}, "finite number >= 0"),
        ({"FAMILY": 0.0}, "at least one tie weight"),
    ],
)
def test_bad_weights_fail_clearly(weights: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        normalize_weights(weights)


def test_tie_graph_sums_parallel_ties_and_skips_zero_weights() -> None:
    ties = pd.DataFrame(
        {
            "a": ["x", "y", "x", "x"],
            "b": ["y", "x", "z", "x"],
            "type": ["FAMILY", "TRANSFERS", "REFERRED", "FAMILY"],
            "amount": [None, 999_999.0, None, None],
            "count": [None, 36, None, None],
        }
    )
    graph = tie_graph(["x", "y", "z"], ties, {"FAMILY": 1.0, "TRANSFERS": 0.5})
    assert graph["x"]["y"]["weight"] == pytest.approx(2.0)
    assert not graph.has_edge("x", "z")  # REFERRED weighs 0 here
    assert not graph.has_edge("x", "x")


def test_a_customer_without_a_name_is_an_influencer_with_an_empty_one() -> None:
    from crm_graph.analytics.clusters import profile_clusters
    from crm_graph.api.security import mask_name

    m = pd.DataFrame({"customer_id": ["a", "b"], "name": [None, None], "community": [1, 1],
                      "tier": ["mass"] * 2, "status": ["active"] * 2, "aum": [1.0, 2.0],
                      "fee_income": [0.0, 0.0], "influence": [0.4, 0.6],
                      "categories": [["card"], []]})  # fmt: skip
    (profile,) = profile_clusters(m, pd.DataFrame())
    assert [name for _, name, _, _ in profile.influencers] == ["", ""]
    assert mask_name("", "person") == ""
