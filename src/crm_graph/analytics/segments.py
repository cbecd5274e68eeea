"""Customer value scores and service tiers (differentiated service).

The value score (0 to 1) is a weighted sum of five signals, each turned into a
percentile rank among all customers, or a capped ratio:

================  ======  ===================================================
signal            weight  measure
================  ======  ===================================================
AUM               0.45    percentile of assets under management
product breadth   0.20    open product categories / 9
fee income        0.15    percentile of agency fee income (insurance, funds)
tenure            0.10    years as customer / 20, capped at 1
trend             0.10    0.5 + half the relative balance change over the
                          last six months, clipped to 0..1
================  ======  ===================================================

Tiers follow AUM thresholds (CNY), as Chinese retail banks tier customers, and are
configurable: ``private`` from 6,000,000, ``wealth`` from 1,000,000, ``affluent``
from 200,000, else ``mass``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from crm_graph.db import Database

__all__ = ["TierConfig", "compute_segments", "score_and_tier"]

CATEGORIES = 9


@dataclass(frozen=True)
class TierConfig:
    """AUM thresholds of the tiers (highest first) and the score weights."""

    thresholds: tuple[tuple[str, float], ...] = (
        ("private", 6_000_000.0),
        ("wealth", 1_000_000.0),
        ("affluent", 200_000.0),
    )
    base_tier: str = "mass"
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "aum": 0.45,
            "breadth": 0.20,
            "fees": 0.15,
            "tenure": 0.10,
            "trend": 0.10,
        }
    )


def score_and_tier(
    features: pd.DataFrame, config: TierConfig | None = None, today: date | None = None
) -> pd.DataFrame:
    """Compute value scores and tiers from per-customer features.

    Parameters
    ----------
    features : DataFrame
        ``customer_id``, ``aum``, ``categories``, ``fee_income``, ``since`` (ISO date
        or None), ``first_balance``, ``last_balance`` (None when unknown).
    config : TierConfig, optional
        Thresholds and weights.
    today : date, optional
        Reference date for tenure (default: today).

    Returns
    -------
    DataFrame
        ``customer_id``, ``value_score`` (0..1), ``tier``.

    Examples
    --------
    >>> f = pd.DataFrame({"customer_id": ["a", "b"], "aum": [8e6, 5e3],
    ...     "categories": [5, 1], "fee_income": [9e3, 0.0], "since": ["2005-01-01", None],
    ...     "first_balance": [7e6, 6e3], "last_balance": [8e6, 5e3]})
    >>> out = score_and_tier(f, today=date(2025, 12, 31))
    >>> out.tier.tolist(), bool(out.value_score[0] > out.value_score[1])
    (['private', 'mass'], True)
    """
    config = config or TierConfig()
    today = today or date.today()
    f = features.copy()
    aum = f["aum"].astype(float).fillna(0.0)
    aum_rank = aum.rank(pct=True) if len(f) else aum
    fee_rank = f["fee_income"].astype(float).fillna(0.0).rank(pct=True) if len(f) else aum
    breadth = (f["categories"].astype(float).fillna(0.0) / CATEGORIES).clip(0, 1)
    since = pd.to_datetime(f["since"], errors="coerce")
    years = ((pd.Timestamp(today) - since).dt.days / 365.25).fillna(0.0)
    tenure = (years / 20.0).clip(0, 1)
    first = f["first_balance"].astype(float)
    last = f["last_balance"].astype(float)
    change = ((last - first) / first.where(first > 0)).fillna(0.0)
    trend = (0.5 + change / 2.0).clip(0, 1)
    w = config.weights
    score = (
        w["aum"] * aum_rank
        + w["breadth"] * breadth
        + w["fees"] * fee_rank
        + w["tenure"] * tenure
        + w["trend"] * trend
    ) / sum(w.values())
    tier = np.full(len(f), config.base_tier, dtype=object)
    for name, threshold in reversed(config.thresholds):
        tier[(aum >= threshold).to_numpy()] = name
    return pd.DataFrame(
        {"customer_id": f["customer_id"], "value_score": score.round(4), "tier": tier}
    )


def compute_segments(db: Database, config: TierConfig | None = None) -> dict[str, int]:
    """Score every customer, write ``value_score``, ``tier`` and ``segments_computed_at``.

    Returns
    -------
    dict
        Number of customers per tier.
    """
    features = pd.DataFrame(
        db.read("analytics/read_value_features"),
        columns=[
            "customer_id",
            "kind",
            "aum",
            "since",
            "categories",
            "fee_income",
            "first_balance",
            "last_balance",
        ],
    )
    scored = score_and_tier(features, config)
    rows = [
        {"customer_id": c, "value_score": float(v), "tier": str(t)}
        for c, v, t in scored.itertuples(index=False, name=None)
    ]
    computed_at = datetime.now(UTC).isoformat(timespec="seconds")
    for _ in db.write_batches(
        "analytics/set_segments", rows, batch_size=10_000, computed_at=computed_at
    ):
        pass
    return {str(k): int(v) for k, v in scored["tier"].value_counts().items()}
