"""Tie weights learned from history: planted influence is recovered, none is not invented."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_graph.analytics.tie_weights import (
    FLOOR,
    TieWeights,
    TransferScale,
    equal_weights,
    learn_tie_weights,
    transfer_scale,
)

AS_OF = date(2024, 1, 1)
MONTHS = 36  # history: January 2021 to December 2023


def _day(month: int) -> str:
    return f"{2021 + month // 12}-{1 + month % 12:02d}-01"


def _world(
    seed: int, follow: dict[str, float], churn_follow: dict[str, float] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Customers in pairs, one tie type per pair; each opens products at random months.

    When one of a pair opens a product the other does not hold, the other follows
    within three months with probability ``follow[type]`` (else opens it at random, or
    never). With ``churn_follow``, some leave, and a partner follows likewise.
    """
    rng = np.random.default_rng(seed)
    types = list(follow)
    pairs_per_type = 1500
    n = 2 * pairs_per_type * len(types)
    ids = np.array([f"C{i:05d}" for i in range(n)])
    kind = np.repeat(types, pairs_per_type)
    ties = pd.DataFrame({"a": ids[0::2], "b": ids[1::2], "type": kind})
    rows = [pd.DataFrame({"customer_id": ids, "product_id": "CURRENT", "opened_on": _day(0)})]
    for product in ("FUND", "CARD", "LOAN"):
        month = np.where(rng.random(n) < 0.5, rng.integers(1, MONTHS, n), -1)
        first, second = month[0::2].copy(), month[1::2].copy()
        p = np.array([follow[t] for t in kind])
        for leader, other in ((first, second), (second, first)):
            led = (leader > 0) & ((other < 0) | (other > leader))
            follows = led & (rng.random(leader.size) < p)
            other[follows] = leader[follows] + rng.integers(1, 4, follows.sum())
        month[0::2], month[1::2] = first, second
        keep = (month > 0) & (month < MONTHS)
        rows.append(
            pd.DataFrame(
                {
                    "customer_id": ids[keep],
                    "product_id": product,
                    "opened_on": [_day(m) for m in month[keep]],
                }
            )
        )
    churned = np.full(n, "", dtype=object)
    if churn_follow:
        leave = np.where(rng.random(n) < 0.2, rng.integers(6, MONTHS, n), -1)
        first, second = leave[0::2].copy(), leave[1::2].copy()
        p = np.array([churn_follow[t] for t in kind])
        follows = (first > 0) & (second < 0) & (rng.random(first.size) < p)
        second[follows] = np.minimum(first[follows] + rng.integers(1, 4, follows.sum()), 47)
        leave[0::2], leave[1::2] = first, second
        churned = np.array([_day(m) if 0 < m < MONTHS else "" for m in leave], dtype=object)
    customers = pd.DataFrame({"customer_id": ids, "churned_on": churned})
    return ties, pd.concat(rows, ignore_index=True), customers


PLANTED = {"FAMILY": 0.6, "EMPLOYS": 0.3, "REFERRED": 0.15}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_planted_influence_is_recovered_in_order_and_size(seed: int) -> None:
    """Five seeds, each must pass: a weight within 0.2 of the planted ratio, the order kept.

    The planted ratios are 1 : 0.5 : 0.25; with 1,500 pairs a type the lift's standard
    error is a few hundredths, so a 0.2 band fails well under 1% of the time per seed.
    """
    learned = learn_tie_weights(*_world(seed, PLANTED), AS_OF)
    assert learned.source == "learned"
    w = learned.weights
    assert w["FAMILY"] == 1.0
    assert w["FAMILY"] > w["EMPLOYS"] > w["REFERRED"]
    assert w["EMPLOYS"] == pytest.approx(0.5, abs=0.2)
    assert w["REFERRED"] == pytest.approx(0.25, abs=0.2)
    assert learned.events["product"] > 1000
    assert all(e.lift is not None and e.lift > 0 for e in learned.evidence.values())


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_no_influence_gives_equal_weights(seed: int) -> None:
    """Ties that pass nothing on: no type is significant, so every type weighs the same."""
    learned = learn_tie_weights(*_world(seed, dict.fromkeys(PLANTED, 0.0)), AS_OF)
    assert learned.source == "equal"
    assert learned.weights == dict.fromkeys(sorted(PLANTED), 1.0)
    # the evidence is still reported: observed follows near the chance level
    for evidence in learned.evidence.values():
        assert evidence.pairs > 500
        assert abs(evidence.observed - evidence.expected) < 4 * np.sqrt(evidence.expected)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_churn_alone_teaches_the_weights(seed: int) -> None:
    """A bank whose only history is who left and when (no product openings)."""
    ties, holdings, customers = _world(
        seed, dict.fromkeys(PLANTED, 0.0), {"FAMILY": 0.5, "EMPLOYS": 0.05, "REFERRED": 0.05}
    )
    current = holdings[holdings["product_id"] == "CURRENT"]
    learned = learn_tie_weights(ties, current, customers, AS_OF)
    assert learned.events["product"] == 0
    assert learned.events["churn"] > 500
    assert learned.source == "learned"
    assert learned.weights["FAMILY"] == 1.0
    assert learned.weights["EMPLOYS"] < 0.5
    assert learned.weights["REFERRED"] < 0.5


def test_a_type_without_evidence_takes_the_mean_of_the_others() -> None:
    ties, holdings, customers = _world(3, PLANTED)
    extra = pd.DataFrame({"a": ["X1"], "b": ["X2"], "type": ["GUARANTEES"]})
    learned = learn_tie_weights(pd.concat([ties, extra]), holdings, customers, AS_OF)
    others = [v for k, v in learned.weights.items() if k != "GUARANTEES"]
    assert learned.evidence["GUARANTEES"].lift is None
    assert learned.weights["GUARANTEES"] == pytest.approx(np.mean(others), abs=1e-3)


def test_no_ties_or_no_dates_learn_nothing() -> None:
    ties, holdings, customers = _world(1, PLANTED)
    assert learn_tie_weights(ties.iloc[:0], holdings, customers, AS_OF).weights == {}
    undated = holdings.assign(opened_on=None)
    learned = learn_tie_weights(ties, undated, customers, AS_OF)
    assert learned.source == "equal"
    assert set(learned.weights) == set(PLANTED)


def test_weights_keep_a_floor_and_round_trip() -> None:
    learned = learn_tie_weights(*_world(2, {"FAMILY": 0.6, "EMPLOYS": 0.0, "REFERRED": 0.3}), AS_OF)
    assert min(learned.weights.values()) >= FLOOR
    assert TieWeights.from_dict(learned.as_dict()) == learned
    assert "learned from" in learned.describe()
    assert equal_weights(["FAMILY"]).describe().startswith("tie weights (equal")


money = st.floats(min_value=0, max_value=1e12, allow_nan=False)


@given(st.lists(st.tuples(money, st.integers(0, 10_000)), max_size=60), st.randoms())
def test_transfer_scale_is_at_least_one_and_ignores_order(
    rows: list[tuple[float, int]], shuffle: object
) -> None:
    frame = pd.DataFrame(
        {
            "type": ["TRANSFERS"] * len(rows) + ["FAMILY"],
            "amount": [a for a, _ in rows] + [5e12],  # a FAMILY amount never counts
            "count": [c for _, c in rows] + [10**6],
        }
    )
    scale = transfer_scale(frame)
    assert scale.amount_full >= 1.0
    assert scale.count_full >= 1.0
    shuffled = frame.sample(frac=1.0, random_state=1)
    assert transfer_scale(shuffled) == scale
    largest = max([a for a, _ in rows if a > 0], default=1.0)
    assert scale.amount_full <= max(1.0, round(largest, 2))
    assert transfer_scale(frame.iloc[:0]) == TransferScale()
