"""Tie weights learned from the graph's own history.

How much one tie type passes on between customers is a property of the bank, not of
the software: a household may move together in one bank and not in another, an
employer's payroll may bring its staff in or not. So the weights every analysis puts
on customer ties (clusters, churn exposure, cross-sell's neighbour signal, campaign
reach) are measured on the graph itself when it has the history to measure them:

- **product follows**: for a customer who opened a product, did a tied neighbour who
  did not hold it open it within ``window_months``?
- **churn follows**: for a customer who left, did a tied neighbour who was still a
  customer leave within ``window_months``?

Each observed follow is set against the follows expected by chance: the share of
all customers without the product (still with the bank) who opened it (left) in the
same window. Per tie type the **lift** is observed over expected, pooled over every
product and churn event (a Mantel-Haenszel style pooled ratio: each event weighs by
its expected count), less one. Each pair also weighs by the follower's number of
ties: the analyses spread influence over a customer's ties (row-normalised, as
:func:`~crm_graph.analytics.base.tie_matrix`), so a tie type whose followers have
many ties passes on more per unit of a customer's attention than its raw follow
rate shows. A type's weight is its lift over the largest lift.

A lift counts only when the follows exceed chance by :data:`MIN_Z` standard errors
and by at least :data:`MIN_LIFT`;
below that the type passes nothing measurable on and keeps a floor of :data:`FLOOR`
(it still says two customers know each other, which clusters use). A type with too
little evidence (fewer than :data:`MIN_EXPECTED` expected follows) gets the mean
weight of the measured types. When no type is above chance (no influence in the
data, a snapshot without dates, or no ties) every type weighs the same.

The strength of a TRANSFERS tie also grows with the money moved and how often
(:class:`TransferScale`): the amount and count at which it is full are the 95th
percentiles of the graph's own transfer ties, not figures in one currency.

:func:`learn_tie_weights` works on frames (tests, notebooks);
:func:`read_tie_history` reads them, and :func:`store_tie_weights` /
:func:`read_stored_tie_weights` keep the result with the run, on the
``ScoringModel`` node ``tie_weights``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from crm_graph.db import Database

__all__ = [
    "FLOOR",
    "MIN_EXPECTED",
    "TieEvidence",
    "TieWeights",
    "TransferScale",
    "equal_weights",
    "learn_from_graph",
    "learn_tie_weights",
    "read_stored_tie_weights",
    "read_tie_history",
    "store_tie_weights",
    "stored_settings",
    "transfer_scale",
]

Array = npt.NDArray[Any]

#: Expected follows a tie type needs before its lift is measured at all: below about
#: five the normal approximation behind :data:`MIN_Z` no longer holds.
MIN_EXPECTED = 5.0
#: How far above chance (in Poisson standard errors, (observed - expected) / sqrt(expected))
#: a type's follows must be to count: one-sided, about one false signal in 700 types.
MIN_Z = 3.0
#: The smallest lift that counts, however significant: on random ties (no influence)
#: the estimator's approximations (the population at risk, the window's edges) left
#: lifts of -0.5% to +1.3% at 200k customers and -0.2% to +1.6% at a million, where
#: such a bias looks significant; below 5% a tie type is taken to pass nothing on.
MIN_LIFT = 0.05
#: The smallest weight a tie type keeps (see the module docstring).
FLOOR = 0.05
#: Directed ties sampled per type and signal: bounds the work at a million customers
#: (one merge of sampled pairs instead of every tie times every event).
MAX_PAIRS_PER_TYPE = 2_000_000
#: The quantile of transfer amounts and counts at which a transfer tie is full strength.
TRANSFER_QUANTILE = 0.95
MODEL_NAME = "tie_weights"


@dataclass(frozen=True)
class TransferScale:
    """The amount and count at which a TRANSFERS tie is as strong as it gets."""

    amount_full: float = 1.0
    count_full: float = 1.0


def transfer_scale(ties: pd.DataFrame) -> TransferScale:
    """Return the 95th percentiles of the TRANSFERS ties' amounts and counts.

    Parameters
    ----------
    ties : DataFrame
        ``type``, ``amount`` and optionally ``count``.

    Returns
    -------
    TransferScale
        At least 1 for each (a graph without transfer amounts or counts gives 1).

    Examples
    --------
    >>> t = pd.DataFrame({"type": ["TRANSFERS"] * 20 + ["FAMILY"],
    ...                   "amount": list(range(1, 21)) + [None], "count": [3] * 21})
    >>> transfer_scale(t)
    TransferScale(amount_full=19.05, count_full=3.0)
    """
    transfers = ties[ties["type"] == "TRANSFERS"] if "type" in ties else ties.iloc[:0]

    def quantile(column: str) -> float:
        if column not in transfers:
            return 1.0
        values = pd.to_numeric(transfers[column], errors="coerce").dropna()
        values = values[values > 0]
        if values.empty:
            return 1.0
        return max(1.0, round(float(np.quantile(values.to_numpy(float), TRANSFER_QUANTILE)), 2))

    return TransferScale(quantile("amount"), quantile("count"))


@dataclass(frozen=True)
class TieEvidence:
    """What the history says of one tie type."""

    pairs: int  # neighbour pairs observed after an event (product and churn)
    observed: int  # neighbours who followed
    expected: float  # follows expected by chance
    lift: float | None  # observed / expected - 1; None with too little evidence


@dataclass(frozen=True)
class TieWeights:
    """Weights per tie type, where they came from, and the transfer scale."""

    weights: dict[str, float]
    source: str  # "learned", "equal" or "given"
    window_months: int = 6
    as_of: str | None = None
    scale: TransferScale = field(default_factory=TransferScale)
    evidence: dict[str, TieEvidence] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)  # product and churn events used

    def describe(self) -> str:
        """One line for the command line.

        Examples
        --------
        >>> equal_weights(["FAMILY", "EMPLOYS"]).describe()
        'tie weights (equal: no history to learn from): EMPLOYS 1.00, FAMILY 1.00'
        """
        shown = ", ".join(f"{k} {v:.2f}" for k, v in sorted(self.weights.items()))
        if self.source == "learned":
            why = (
                f"learned from {self.events.get('product', 0):,} product openings and "
                f"{self.events.get('churn', 0):,} departures, {self.window_months}-month window"
            )
        elif self.source == "equal":
            why = "equal: no history to learn from"
        else:
            why = "given"
        return f"tie weights ({why}): {shown}"

    def settings(self) -> dict[str, Any]:
        """Return ``weights`` and ``scale`` for a step's config (empty: no weights).

        Examples
        --------
        >>> equal_weights(["FAMILY"]).settings()["weights"]
        {'FAMILY': 1.0}
        >>> equal_weights([]).settings()
        {}
        """
        return {"weights": dict(self.weights), "scale": self.scale} if self.weights else {}

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TieWeights:
        """Read what :meth:`as_dict` wrote."""
        return cls(
            weights={str(k): float(v) for k, v in data["weights"].items()},
            source=str(data["source"]),
            window_months=int(data.get("window_months", 6)),
            as_of=data.get("as_of"),
            scale=TransferScale(**data.get("scale", {})),
            evidence={k: TieEvidence(**v) for k, v in data.get("evidence", {}).items()},
            events={str(k): int(v) for k, v in data.get("events", {}).items()},
        )


def equal_weights(types: Any, scale: TransferScale | None = None) -> TieWeights:
    """Every tie type weighs 1 (no history to learn from)."""
    return TieWeights({str(t): 1.0 for t in types}, "equal", scale=scale or TransferScale())


def _months(values: pd.Series) -> Array:
    """Month numbers (year * 12 + month - 1) of ISO dates; -1 where there is none."""
    text = values.astype("string").str.slice(0, 7)
    ok = text.str.match(r"^\d{4}-\d{2}$").fillna(False).to_numpy(bool)
    out = np.full(len(values), -1, dtype=np.int64)
    if ok.any():
        parts = text[ok].str.split("-", expand=True).astype(int)
        out[ok] = parts[0].to_numpy() * 12 + parts[1].to_numpy() - 1
    return out


def _directed(ties: pd.DataFrame, index: pd.Index) -> tuple[Array, Array, Array, list[str]]:
    """Both directions of every tie between known customers: source, target, type code."""
    a = index.get_indexer(pd.Index(ties["a"]))
    b = index.get_indexer(pd.Index(ties["b"]))
    ok = (a >= 0) & (b >= 0) & (a != b)
    codes, types = pd.factorize(ties["type"].astype(str))
    a, b, t = a[ok], b[ok], codes[ok]
    return np.r_[a, b], np.r_[b, a], np.r_[t, t], [str(x) for x in types]


def _sample(size: int, rng: np.random.Generator, codes: Array, types: int) -> Array:
    """Row positions, at most :data:`MAX_PAIRS_PER_TYPE` per type."""
    keep = np.ones(size, dtype=bool)
    for code in range(types):
        rows = np.flatnonzero(codes == code)
        if rows.size > MAX_PAIRS_PER_TYPE:
            keep[rows] = False
            keep[rng.choice(rows, MAX_PAIRS_PER_TYPE, replace=False)] = True
    return np.flatnonzero(keep)


def _window_hazard(first: Array, start: Array, end: Array, months: Array, window: int) -> Array:
    """Per month ``m``: the share of those at risk at ``m`` whose event falls in (m, m+window].

    ``first`` is each subject's event month, ``start`` the month they came under
    observation, ``end`` the month they left it (a huge number: never). At risk at
    ``m``: ``start <= m < min(first, end)``; a hit: at risk at ``m`` and the event
    before leaving, within the window.

    Examples
    --------
    >>> big = 10**9
    >>> _window_hazard(np.array([3, big]), np.array([0, 0]), np.array([big, big]),
    ...                np.arange(0, 5), 2).tolist()
    [0.0, 0.5, 0.5, 0.0, 0.0]
    """
    lo = int(months.min())
    size = int(months.max()) - lo + 2

    def alive(begin: Array, stop: Array) -> Array:  # per month: subjects with begin <= m < stop
        ok = stop > begin
        b = np.clip(begin[ok] - lo, 0, size - 1)
        s = np.clip(stop[ok] - lo, 0, size - 1)
        count = np.cumsum(np.bincount(b, minlength=size) - np.bincount(s, minlength=size))
        out: Array = count[months - lo]
        return out

    at_risk = alive(start, np.minimum(first, end))
    begin = np.maximum(start, first - window)
    hits = alive(begin, np.where(first < end, first, begin))
    out: Array = np.divide(hits, at_risk, out=np.zeros(months.size), where=at_risk > 0)
    return np.clip(out, 0.0, 1.0)


def learn_tie_weights(
    ties: pd.DataFrame,
    holdings: pd.DataFrame,
    customers: pd.DataFrame,
    as_of: date,
    window_months: int = 6,
    seed: int = 0,
) -> TieWeights:
    """Learn a weight per tie type from product and churn follows (module docstring).

    Parameters
    ----------
    ties : DataFrame
        ``a``, ``b``, ``type`` (and ``amount``, ``count`` for the transfer scale).
    holdings : DataFrame
        ``customer_id``, ``product_id``, ``opened_on``: one row per account.
    customers : DataFrame
        ``customer_id`` and ``churned_on`` (empty or null: still a customer).
    as_of : date
        The data's date: only events at least ``window_months`` before it count.
    window_months : int, default 6
        How long after an event a neighbour's follow counts.
    seed : int, default 0
        For the sample of ties where a type has more than
        :data:`MAX_PAIRS_PER_TYPE`.

    Returns
    -------
    TieWeights
        ``source`` "learned", or "equal" when no type had enough evidence.

    Examples
    --------
    Everyone has a current account since January 2020. Households open a fund
    together (the partner a month later), colleagues each on their own:

    >>> rng = np.random.default_rng(1)
    >>> ids = [f"C{i}" for i in range(4000)]
    >>> ties = pd.DataFrame({"a": ids[0::2], "b": ids[1::2],
    ...                      "type": ["FAMILY"] * 1000 + ["EMPLOYS"] * 1000})
    >>> month = rng.integers(1, 30, 4000)
    >>> month[1:2000:2] = month[0:2000:2] + 1
    >>> fund = [f"{2020 + m // 12}-{1 + m % 12:02d}-01" for m in month]
    >>> holdings = pd.DataFrame({"customer_id": ids * 2, "product_id": ["CUR"] * 4000 +
    ...                          ["FUND"] * 4000, "opened_on": ["2020-01-01"] * 4000 + fund})
    >>> customers = pd.DataFrame({"customer_id": ids, "churned_on": None})
    >>> w = learn_tie_weights(ties, holdings, customers, date(2023, 1, 1))
    >>> w.source, w.weights["FAMILY"], w.weights["EMPLOYS"] < 0.2
    ('learned', 1.0, True)
    """
    index = pd.Index(
        pd.concat([customers["customer_id"], holdings["customer_id"]]).astype(str).unique()
    )
    types_present = sorted(ties["type"].astype(str).unique()) if len(ties) else []
    scale = transfer_scale(ties)
    if not types_present:
        return equal_weights([], scale)
    src, dst, code, types = _directed(ties, index)
    rng = np.random.default_rng(seed)
    pairs = np.zeros(len(types), dtype=np.int64)
    observed = np.zeros(len(types), dtype=np.int64)
    expected = np.zeros(len(types))
    # the same sums, each pair weighed by the follower's number of ties (see below)
    observed_d = np.zeros(len(types))
    expected_d = np.zeros(len(types))
    end = as_of.year * 12 + as_of.month - 1 - window_months  # last month with a full window
    never = np.int64(1 << 40)
    n = len(index)

    # when each customer came and went (first opening; churn month)
    cust = index.get_indexer(holdings["customer_id"].astype(str))
    opened = _months(holdings["opened_on"])
    start = np.full(n, never)
    ok = opened >= 0
    np.minimum.at(start, cust[ok], opened[ok])
    churn_month = np.full(n, never)
    churned = _months(customers["churned_on"].fillna(""))
    known = churned >= 0
    churn_month[index.get_indexer(customers["customer_id"].astype(str))[known]] = churned[known]
    events = {"product": 0, "churn": 0}
    degree = np.bincount(src, minlength=n).astype(float)  # ties per customer

    def tally(c: Array, b: Array, at_risk: Array, followed: Array, chance: Array) -> None:
        """Add pairs (type codes ``c``, followers ``b``) to the sums per type."""
        k = len(types)
        pairs[:] += np.bincount(c[at_risk], minlength=k)
        observed[:] += np.bincount(c[followed], minlength=k)
        expected[:] += np.bincount(c[at_risk], weights=chance[at_risk], minlength=k)
        observed_d[:] += np.bincount(c[followed], weights=degree[b[followed]], minlength=k)
        expected_d[:] += np.bincount(c[at_risk], weights=(chance * degree[b])[at_risk], minlength=k)

    # product follows: first opening of each product per customer
    if ok.any():
        prod_codes, _ = pd.factorize(holdings["product_id"].astype(str))
        key = cust[ok].astype(np.int64) * (prod_codes.max() + 1) + prod_codes[ok]
        first = pd.Series(opened[ok]).groupby(key).min()
        keys, months = first.index.to_numpy(np.int64), first.to_numpy(np.int64)
        n_products = int(prod_codes.max()) + 1
        history_start = int(months.min())
        # an event: a first opening after the first month of the data, with a full window
        use = (months > history_start) & (months <= end)
        events["product"] = int(use.sum())
        if use.any():
            ev_cust, ev_prod, ev_month = (
                keys[use] // n_products,
                keys[use] % n_products,
                months[use],
            )
            span = np.arange(history_start, end + 1)
            hazard = np.zeros((n_products, span.size))  # per product and month
            for p in np.unique(ev_prod):
                mine = keys % n_products == p
                first_p = np.full(n, never)
                first_p[keys[mine] // n_products] = months[mine]
                hazard[p] = _window_hazard(first_p, start, churn_month, span, window_months)
            order = np.argsort(ev_cust, kind="stable")
            ev_cust, ev_prod, ev_month = ev_cust[order], ev_prod[order], ev_month[order]
            bounds = np.searchsorted(ev_cust, np.arange(n + 1))
            per = bounds[src + 1] - bounds[src]  # events of each pair's source
            rows = _sample(src.size, rng, code, len(types))
            rows = rows[per[rows] > 0]
            rep = np.repeat(rows, per[rows])
            offset = np.arange(rep.size) - np.repeat(np.cumsum(per[rows]) - per[rows], per[rows])
            e = bounds[src[rep]] + offset
            b, p, m = dst[rep], ev_prod[e], ev_month[e]
            # the neighbour's first opening of the same product, if any
            probe = b * n_products + p
            at = np.searchsorted(keys, probe)
            hit = (at < keys.size) & (keys[np.minimum(at, keys.size - 1)] == probe)
            their = np.where(hit, months[np.minimum(at, keys.size - 1)], never)
            at_risk = (their > m) & (start[b] <= m) & (churn_month[b] > m)
            followed = at_risk & (their <= m + window_months)
            chance = np.zeros(rep.size)
            chance[at_risk] = hazard[p[at_risk], m[at_risk] - history_start]
            c = code[rep]
            tally(c, b, at_risk, followed, chance)

    # churn follows
    left = (churn_month != never) & (churn_month <= end)
    events["churn"] = int(left.sum())
    if left.any() and (start != never).any():
        lo = int(start[start != never].min())
        span = np.arange(lo, end + 1)
        hazard_c = _window_hazard(churn_month, start, np.full(n, never), span, window_months)
        rows = _sample(src.size, rng, code, len(types))
        rows = rows[left[src[rows]]]
        a, b, c = src[rows], dst[rows], code[rows]
        m = churn_month[a]
        at_risk = (start[b] <= m) & (churn_month[b] > m) & (m >= lo)
        followed = at_risk & (churn_month[b] <= m + window_months)
        chance = np.zeros(rows.size)
        chance[at_risk] = hazard_c[m[at_risk] - lo]
        tally(c, b, at_risk, followed, chance)

    evidence: dict[str, TieEvidence] = {}
    lifts: dict[str, float] = {}  # types with enough evidence: their lift, 0 when not significant
    for i, kind in enumerate(types):
        enough = expected[i] >= MIN_EXPECTED
        lift = float(observed_d[i] / expected_d[i] - 1.0) if enough else None
        evidence[kind] = TieEvidence(
            int(pairs[i]), int(observed[i]), round(float(expected[i]), 2),
            None if lift is None else round(lift, 4),
        )  # fmt: skip
        if lift is not None:
            z = (observed[i] - expected[i]) / math.sqrt(expected[i])
            lifts[kind] = lift if z >= MIN_Z and lift >= MIN_LIFT else 0.0
    best = max(lifts.values(), default=0.0)
    if best <= 0:  # no type passes anything on beyond chance: nothing learned
        out = equal_weights(types_present, scale)
        return TieWeights(
            out.weights, "equal", window_months, as_of.isoformat(), scale, evidence, events
        )
    weights = {k: max(FLOOR, v / best) for k, v in lifts.items()}
    unknown = round(float(np.mean(list(weights.values()))), 4)
    weights = {k: round(weights.get(k, unknown), 4) for k in types_present}
    return TieWeights(weights, "learned", window_months, as_of.isoformat(), scale, evidence, events)


def read_tie_history(db: Database) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read what :func:`learn_tie_weights` learns from: ties, holdings, churn dates."""
    from crm_graph.analytics.base import HOLDING_COLUMNS
    from crm_graph.analytics.clusters import read_ties

    ties = read_ties(db)
    holdings = db.read_lines("analytics/read_holdings", HOLDING_COLUMNS)
    churned = db.read_frame("analytics/read_churn_dates")
    if churned.empty:
        churned = pd.DataFrame({"customer_id": pd.Series(dtype=str), "churned_on": []})
    return ties, holdings, churned


def learn_from_graph(
    db: Database,
    as_of: date | None = None,
    window_months: int = 6,
    history: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None = None,
) -> TieWeights:
    """Read the graph's history (:func:`read_tie_history`) and learn its tie weights.

    ``as_of`` defaults to the month after the data; a graph without dated data gets
    equal weights. ``history`` is what :func:`read_tie_history` returned, when the
    caller has read it already.
    """
    from crm_graph.analytics.base import data_as_of
    from crm_graph.errors import ConfigError

    ties, holdings, churned = history or read_tie_history(db)
    if as_of is None:
        try:
            as_of = data_as_of(db)
        except ConfigError:  # no dated data: nothing to learn from
            types = sorted(ties["type"].astype(str).unique()) if len(ties) else []
            return equal_weights(types, transfer_scale(ties))
    return learn_tie_weights(ties, holdings, churned, as_of, window_months)


def store_tie_weights(db: Database, weights: TieWeights) -> None:
    """Keep the weights with the run (``ScoringModel`` node ``tie_weights``)."""
    db.write(
        "analytics/merge_scoring_model",
        model=MODEL_NAME,
        computed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        as_of=weights.as_of or "",
        payload=json.dumps(weights.as_dict(), sort_keys=True).encode(),
    )


def stored_settings(db: Database) -> dict[str, Any]:
    """Return ``weights`` and ``scale`` as the last analysis run stored them, for a config.

    Empty when none was stored (the configs' defaults then apply: equal weights).
    """
    stored = read_stored_tie_weights(db)
    return {} if stored is None else stored.settings()


def read_stored_tie_weights(db: Database) -> TieWeights | None:
    """Return the weights the last analysis run used; None when none was stored."""
    rows = db.read("analytics/read_scoring_model", model=MODEL_NAME)
    if not rows or rows[0]["payload"] is None:
        return None
    data = json.loads(bytes(rows[0]["payload"]).decode())
    if not all(math.isfinite(float(v)) for v in data.get("weights", {}).values()):
        return None
    return TieWeights.from_dict(data)
