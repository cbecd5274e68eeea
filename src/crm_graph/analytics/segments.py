"""Customer value scores and service tiers (differentiated service).

The value score (0 to 1) is a weighted sum of five signals, each turned into a
percentile rank among all customers, or a capped ratio:

================  ======  ===================================================
signal            weight  measure
================  ======  ===================================================
AUM               0.45    percentile of assets under management
product breadth   0.20    open product categories / the catalogue's categories
fee income        0.15    percentile of agency fee income (insurance, funds)
tenure            0.10    years as customer / 20, capped at 1
trend             0.10    0.5 + half the relative balance change over the
                          last six months, clipped to 0..1
================  ======  ===================================================

Tiers rank customers by AUM. By default they are relative, so that they mean the
same in any currency and any bank: the top 0.5% of customers are ``private``, the
next 3% ``wealth``, the next 12% ``affluent``, the rest ``mass`` (a typical retail
pyramid: private banking well under one customer in a hundred, wealth a few in a
hundred, affluent about one in ten); a customer without assets is never above the
base tier. A bank that tiers by amounts configures them (``CRM_TIERS`` =
``private:6000000,wealth:1000000,affluent:200000``, in its own currency). The names
are the bank's own too (``platinum:1%,gold:5%,silver:20%,standard:rest``: the last,
``rest``, names the base tier). Every run stores its tiers, highest first, so that the
API, the campaign planner, churn, cluster labels and the report use the bank's
vocabulary (:func:`read_tiers`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from crm_graph.db import Database
from crm_graph.errors import ConfigError

__all__ = ["TierConfig", "Tiers", "compute_segments", "read_tiers", "score_and_tier"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class TierConfig:
    """The tiers (highest first), by share of customers or by AUM, and the score weights.

    ``shares``: each tier's share of all customers, taken from the top of the AUM
    ranking (used when ``thresholds`` is empty). ``thresholds``: each tier's lowest
    AUM, in the bank's currency.

    Examples
    --------
    >>> TierConfig.parse("wealth:5%,affluent:20%").shares
    (('wealth', 0.05), ('affluent', 0.2))
    >>> TierConfig.parse("private:6000000, wealth:1e6").thresholds
    (('private', 6000000.0), ('wealth', 1000000.0))
    >>> TierConfig.parse("gold:5%,silver:20%,standard:rest").names
    ('gold', 'silver', 'standard')
    >>> TierConfig.parse("Gold:5%")
    Traceback (most recent call last):
    crm_graph.errors.ConfigError: tiers: 'Gold' is not a tier name (lower-case letters, digits, _)
    >>> TierConfig.parse("a:5%,b:100")
    Traceback (most recent call last):
    crm_graph.errors.ConfigError: tiers: give every tier a share (5%) or an amount, not both
    """

    shares: tuple[tuple[str, float], ...] = (
        ("private", 0.005),
        ("wealth", 0.03),
        ("affluent", 0.12),
    )
    thresholds: tuple[tuple[str, float], ...] = ()
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

    @property
    def names(self) -> tuple[str, ...]:
        """Return every tier's name, highest first, the base tier last."""
        named = self.thresholds or self.shares
        return (*(name for name, _ in named), self.base_tier)

    @classmethod
    def parse(cls, text: str) -> TierConfig:
        """Read ``name:share%,...`` (relative) or ``name:amount,...`` (absolute), highest first.

        A last item ``name:rest`` names the base tier (default ``mass``). Names are
        lower-case letters, digits and ``_``, starting with a letter.
        """
        pairs = []
        base = "mass"
        items = [item.strip() for item in text.split(",")]
        if items and items[-1].endswith(":rest"):
            base = items.pop().removesuffix(":rest").strip()
            if not _NAME.match(base):
                raise ConfigError(
                    f"tiers: {base!r} is not a tier name (lower-case letters, digits, _)"
                )
        for item in items:
            name, sep, value = item.strip().partition(":")
            if not sep or not name.strip() or not value.strip():
                raise ConfigError(
                    f"tiers: write each tier as name:share% or name:amount, not {item!r}"
                )
            pairs.append((name.strip(), value.strip()))
        relative = [v.endswith("%") for _, v in pairs]
        if any(relative) and not all(relative):
            raise ConfigError("tiers: give every tier a share (5%) or an amount, not both")
        try:
            numbers = [float(v.rstrip("%")) for _, v in pairs]
        except ValueError:
            raise ConfigError(f"tiers: {text!r} holds a value that is not a number") from None
        if any(not math.isfinite(x) or x <= 0 for x in numbers):
            raise ConfigError("tiers: shares and amounts must be positive")
        names = [n for n, _ in pairs]
        for name in names:
            if not _NAME.match(name):
                raise ConfigError(
                    f"tiers: {name!r} is not a tier name (lower-case letters, digits, _)"
                )
        if len(set(names) | {base}) < len(names) + 1:
            raise ConfigError("tiers: each tier once")
        if all(relative):
            shares = tuple((n, x / 100.0) for n, x in zip(names, numbers, strict=True))
            if sum(x for _, x in shares) >= 1.0:
                raise ConfigError("tiers: the shares must add up to less than 100%")
            return cls(shares=shares, base_tier=base)
        if numbers != sorted(numbers, reverse=True):
            raise ConfigError("tiers: list the amounts highest first")
        return cls(thresholds=tuple(zip(names, numbers, strict=True)), shares=(), base_tier=base)


@dataclass(frozen=True)
class Tiers:
    """The tiers of the last segments run, as stored in the graph (:func:`read_tiers`).

    Examples
    --------
    >>> t = Tiers(("private", "wealth", "affluent", "mass"), "2026-01-01T00:00:00+00:00")
    >>> t.base, t.named, t.high
    ('mass', ('private', 'wealth', 'affluent'), ('private', 'wealth'))
    >>> Tiers(("gold", "standard"), "").high
    ('gold',)
    """

    names: tuple[str, ...]  # highest first, the base tier last
    computed_at: str

    @property
    def base(self) -> str:
        """Return the base tier (everyone not in a named tier)."""
        return self.names[-1]

    @property
    def named(self) -> tuple[str, ...]:
        """Return the tiers above the base, highest first."""
        return self.names[:-1]

    @property
    def high(self) -> tuple[str, ...]:
        """Return the high-value tiers: every named tier but the lowest (or the only one)."""
        return self.named[:-1] or self.named

    def unknown(self, names: list[str]) -> tuple[int, str] | None:
        """Return the position and a message for the first of ``names`` that is no tier.

        Examples
        --------
        >>> Tiers(("gold", "standard"), "").unknown(["gold", "wealth"])
        (1, "no tier 'wealth'; the tiers are gold, standard")
        """
        for i, name in enumerate(names):
            if name not in self.names:
                return i, f"no tier {name!r}; the tiers are {', '.join(self.names)}"
        return None


def read_tiers(db: Database) -> Tiers | None:
    """Return the tiers the last segments run wrote, or None when it never ran."""
    rows = db.read("analytics/read_tiers")
    if not rows or not rows[0]["tiers"]:
        return None
    return Tiers(tuple(str(t) for t in rows[0]["tiers"]), str(rows[0]["computed_at"]))


def score_and_tier(
    features: pd.DataFrame,
    config: TierConfig | None = None,
    today: date | None = None,
    categories: int | None = None,
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
    categories : int, optional
        Product categories in the catalogue, the measure of full breadth (default:
        the most any customer holds).

    Returns
    -------
    DataFrame
        ``customer_id``, ``value_score`` (0..1), ``tier``.

    Examples
    --------
    >>> f = pd.DataFrame({"customer_id": ["a", "b"], "aum": [8e6, 5e3],
    ...     "categories": [5, 1], "fee_income": [9e3, 0.0], "since": ["2005-01-01", None],
    ...     "first_balance": [7e6, 6e3], "last_balance": [8e6, 5e3]})
    >>> out = score_and_tier(f, TierConfig.parse("private:6000000"), today=date(2025, 12, 31))
    >>> out.tier.tolist(), bool(out.value_score[0] > out.value_score[1])
    (['private', 'mass'], True)
    >>> score_and_tier(f, TierConfig.parse("wealth:50%")).tier.tolist()
    ['wealth', 'mass']
    """
    config = config or TierConfig()
    today = today or date.today()
    f = features.copy()
    aum = f["aum"].astype(float).fillna(0.0)
    aum_rank = aum.rank(pct=True) if len(f) else aum
    fee_rank = f["fee_income"].astype(float).fillna(0.0).rank(pct=True) if len(f) else aum
    held = f["categories"].astype(float).fillna(0.0)
    full = categories or (held.max() if len(f) and held.max() > 0 else 1.0)
    breadth = (held / full).clip(0, 1)
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
    if config.thresholds:
        for name, threshold in reversed(config.thresholds):
            tier[(aum >= threshold).to_numpy()] = name
    else:
        # the top of the AUM ranking (ties broken by customer id, for reproducible tiers);
        # a customer without assets stays in the base tier
        order = np.lexsort((f["customer_id"].astype(str).to_numpy(), -aum.to_numpy()))
        start = 0
        for name, share in config.shares:
            count = math.ceil(share * len(f))
            picked = order[start : start + count]
            tier[picked[aum.to_numpy()[picked] > 0]] = name
            start += count
    return pd.DataFrame(
        {"customer_id": f["customer_id"], "value_score": score.round(4), "tier": tier}
    )


def compute_segments(db: Database, config: TierConfig | None = None) -> dict[str, int]:
    """Score every customer, write ``value_score``, ``tier`` and ``segments_computed_at``.

    Product breadth is measured against the catalogue's categories (``Product.category``).

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
    catalogue = int(db.read("analytics/count_product_categories")[0]["categories"])
    scored = score_and_tier(features, config, categories=catalogue or None)
    rows = [
        {"customer_id": c, "value_score": float(v), "tier": str(t)}
        for c, v, t in scored.itertuples(index=False, name=None)
    ]
    computed_at = datetime.now(UTC).isoformat(timespec="seconds")
    for _ in db.write_batches(
        "analytics/set_segments", rows, batch_size=10_000, computed_at=computed_at
    ):
        pass
    config = config or TierConfig()
    payload = {"shares": config.shares, "thresholds": config.thresholds, "base": config.base_tier}
    db.write(
        "analytics/merge_tiers",
        tiers=list(config.names),
        computed_at=computed_at,
        as_of=computed_at[:10],
        payload=json.dumps(payload).encode(),
    )
    return {str(k): int(v) for k, v in scored["tier"].value_counts().items()}
