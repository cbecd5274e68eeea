"""Cross-sell: explainable next-best-product recommendations.

Four signals score every (customer, product) pair the customer does not hold; each is
usable and testable on its own (:data:`SIGNALS`):

``similar``
    Customers like you. With a catalogue of about a dozen products, the nearest
    neighbours of a customer under Jaccard similarity of holdings are the customers
    who hold everything they hold; the signal is the share of those (same kind:
    person or company) who also hold the product, shrunk towards the product's base
    rate when few such customers exist. Counted for all 2^P holding patterns at once
    by a sum over supersets, so it costs the same for 1,000 or 1,000,000 customers.
    (Customer-to-customer similarity in GDS would compare nearly every pair: everyone
    holds a current account.)
``sequence``
    Product paths learned from account open dates: among customers who opened A,
    the share who opened B within ``sequence_months`` after it. A customer's score for
    B is the best such share over the products A they hold, 1.5 times higher when A
    was opened in the last ``sequence_months``.
``social``
    Ties to holders: the tie-weighted share of the customer's ties (family, employer,
    transfers, guarantees, referrals) holding the product, each neighbour counting
    ``1 + influence percentile``; combined (noisy-or) with the share of colleagues
    (the same employer's employees) who hold it.
``walk``
    Random walks from the customer (Pixie-style, truncated personalized PageRank)
    over the customer-product graph and the tie graph: customer -> tie -> product,
    customer -> product -> co-holder -> product, customer -> tie -> tie -> product,
    each longer walk damped by ``1 - restart``.

**Blend.** One logistic regression per product on the four signals plus the
customer's balance level, kind and number of products held, trained with a
time-aware split: signals as of ``as_of - window_months`` from the data before that
date, labels = products opened in the window up to ``as_of``. Then every active
customer is scored with signals as of ``as_of``. Products opened too rarely to learn
from are ranked by their recent adoption rate.

**Eligibility and suppression** (:func:`candidates`). Eligibility is
:mod:`crm_graph.analytics.eligibility` (the product's kind, holdings and families,
the catalogue's bounds and the category rules, active customers), shared with
on-demand scoring. Suppression: no product offered to the customer in the last
``offer_suppression_days``, and nothing at all for a customer who refused marketing
(``marketing_consent`` false; ``respect_consent``).

**Explanations.** Each recommendation carries up to three reasons from the signals
that contribute most to its blended score, with the concrete path: ``family member
<name> holds <product>``, ``payroll at <company>: 62% of colleagues hold <product>``,
``customers with <A> took <B> within 12 months (31%)``, ``44% of customers who hold
all your 3 products also hold <B>``.

Writes ``(Customer)-[:RECOMMENDED {score, rank, reason, reasons, computed_at, run}]->(Product)``
for the top ``k`` of every active customer: a recommendation the previous run made too
is updated in place, then those of earlier runs that this one did not make again are
deleted (``run`` tells them apart).
"""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from crm_graph.analytics.base import (
    HOLDING_COLUMNS,
    CustomerBase,
    balance_window,
    data_as_of,
    read_customer_base,
    shift_months,
    tie_matrix,
)
from crm_graph.analytics.clusters import EQUAL_WEIGHTS
from crm_graph.analytics.eligibility import (
    DEFAULT_RULES,
    PROFILE_COLUMNS,
    ProductRule,
    active_on,
    allowed,
    catalogue_bounds,
    customer_limits,
    family_codes,
    rule_limits,
)
from crm_graph.analytics.tie_weights import TransferScale, transfer_scale
from crm_graph.db import Database
from crm_graph.errors import ConfigError

__all__ = [
    "FEATURES",
    "HOLDING_COLUMNS",
    "MODEL_NAME",
    "SIGNALS",
    "TRAINING_PAIRS",
    "CrossSellConfig",
    "CrossSellData",
    "CrossSellResult",
    "ScoringContext",
    "Signals",
    "balance_level",
    "blend_features",
    "candidates",
    "compute_crosssell",
    "compute_signals",
    "explain_pairs",
    "fit_blend",
    "holding_masks",
    "holdings_at",
    "normalised_rows",
    "read_crosssell_data",
    "recommend",
    "save_scoring_context",
    "scoring_context",
    "strongest_neighbours",
    "superset_share",
    "superset_shares",
    "superset_tables",
    "tie_types_of",
    "top_k",
    "training_sample",
]

Array = npt.NDArray[Any]
SIGNALS = ("similar", "sequence", "social", "walk")


@dataclass(frozen=True)
class CrossSellConfig:
    """Settings of the cross-sell engine (see the module docstring).

    ``rules`` maps a product id or a category to its :class:`ProductRule` (replace the
    whole mapping to change one: ``{**DEFAULT_RULES, "card": ProductRule(...)}``);
    ``respect_consent`` leaves out customers who refused marketing.
    """

    weights: dict[str, float] = field(default_factory=lambda: dict(EQUAL_WEIGHTS))
    scale: TransferScale | None = None  # transfer strength at full (None: from the ties)
    k: int = 5
    window_months: int = 6
    sequence_months: int = 12
    offer_suppression_days: int = 90
    restart: float = 0.3
    shrinkage: float = 20.0
    rules: dict[str, ProductRule] = field(default_factory=lambda: dict(DEFAULT_RULES))
    respect_consent: bool = True

    def __post_init__(self) -> None:
        """Check the rules' bounds.

        Raises
        ------
        ConfigError
            If an age or grade bound is negative, or a minimum age exceeds the maximum.
        """
        for key, rule in self.rules.items():
            bounds = (rule.min_age, rule.max_age, rule.max_risk_grade)
            if any(b is not None and b < 0 for b in bounds):
                raise ConfigError(f"cross-sell rule {key!r}: bounds must not be negative")
            if rule.min_age is not None and rule.max_age is not None:
                if rule.min_age > rule.max_age:
                    raise ConfigError(f"cross-sell rule {key!r}: min_age is above max_age")


@dataclass(frozen=True)
class CrossSellData:
    """What the engine reads from the graph, once."""

    # customer_id, kind, status, churned_on, influence, since, and where the graph has
    # them birth_date, age, risk_grade, marketing_consent (see customer_limits)
    customers: pd.DataFrame
    products: pd.DataFrame  # product_id, name, category, eligible
    holdings: pd.DataFrame  # customer_id, product_id, opened_on, closed_on
    ties: pd.DataFrame  # a, b, type, amount, count
    offers: pd.DataFrame  # customer_id, product_id, at
    balances: pd.DataFrame  # customer_id, month, balance (one row per month-end balance)

    # What does not depend on the date, worked out once: training and scoring compute
    # the signals at two dates from the same frames (the frames are never changed).

    @cached_property
    def customer_ids(self) -> pd.Index:
        """Return the customers' ids in row order (its hash table is built once)."""
        ids: pd.Index = pd.Index(self.customers["customer_id"])
        return ids

    @cached_property
    def holding_positions(self) -> _Holdings:
        """Return the holdings as row and column positions, with their dates."""
        h = self.holdings
        rows = self.customer_ids.get_indexer(pd.Index(h["customer_id"]))
        cols = pd.Index(self.products["product_id"]).get_indexer(pd.Index(h["product_id"]))
        ok = (rows >= 0) & (cols >= 0)
        closed = h["closed_on"].astype(object)[ok]
        opened_day = pd.to_datetime(h["opened_on"][ok], errors="coerce").to_numpy()
        return _Holdings(
            rows=rows[ok],
            cols=cols[ok],
            opened=np.asarray(h["opened_on"][ok].fillna("0000-00-00").astype(str), dtype=str),
            still_open=closed.isna().to_numpy(),
            closed=np.asarray(closed.fillna("").astype(str), dtype=str),
            opened_day=opened_day,
        )

    def adjacency(
        self, weights: dict[str, float], scale: TransferScale | None = None
    ) -> sp.csr_matrix:
        """Return the row-normalised tie matrix (:func:`~crm_graph.analytics.base.tie_matrix`)."""
        key = (tuple(sorted(weights.items())), scale)
        cache: dict[Any, sp.csr_matrix] = self.__dict__.setdefault("_adjacency", {})
        if key not in cache:
            cache[key] = tie_matrix(self.customer_ids, self.ties, weights, scale)
        return cache[key]


@dataclass(frozen=True)
class _Holdings:
    """Accounts of known customers and products, in :class:`CrossSellData` positions."""

    rows: Array
    cols: Array
    opened: Array  # text, '0000-00-00' when unknown
    still_open: Array  # no close date (a closed account without one has '0000-00-00')
    closed: Array  # text
    opened_day: Array  # datetime64, NaT when unknown


@dataclass
class Signals:
    """Signal scores ``[customers, products]`` as of one date, and what explains them."""

    as_of: date
    held: Array
    scores: dict[str, Array]
    best_prior: Array  # sequence: index of the product that best leads to each product
    prior_share: Array  # [P, P]: share who took column within the window after row
    group_share: Array  # similar: share of superset holders per customer and product
    group_size: Array  # similar: how many customers hold all the customer's products
    tie_share: Array
    colleague_share: Array
    employer: Array  # index of the customer's employer, -1 when none
    top_holder: Array  # social: index of the strongest tied holder, -1 when none
    top_holder_type: Array  # tie type of that holder


@dataclass(frozen=True)
class CrossSellResult:
    """What a cross-sell run did."""

    as_of: str
    trained_as_of: str
    customers: int
    recommendations: int
    coefficients: dict[str, float]
    computed_at: str
    seconds: float


# --------------------------------------------------------------------------- data


def read_crosssell_data(
    db: Database, offers_since: date, base: CustomerBase | None = None
) -> CrossSellData:
    """Read customers, products, holdings, ties and recent offers.

    ``base`` (from :func:`~crm_graph.analytics.base.read_customer_base`) is used
    instead of reading customers and ties again.
    """
    base = base or read_customer_base(db)
    customers, ties, products, holdings = base.customers, base.ties, base.products, base.holdings
    offers = db.read_frame("analytics/read_offers", since=offers_since.isoformat())[
        ["customer_id", "product_id", "at"]
    ]
    keep = [
        "customer_id",
        "kind",
        "status",
        "churned_on",
        "influence",
        "since",
        *PROFILE_COLUMNS,
    ]
    return CrossSellData(customers[keep], products, holdings, ties, offers, base.balances)


def holdings_at(data: CrossSellData, as_of: date) -> tuple[Array, Array]:
    """Return holdings as of a date: ``held`` (0/1) and months since opening (or NaN).

    An account counts from its open date until its close date (accounts closed
    without a date count as closed at any date).

    Examples
    --------
    >>> d = CrossSellData(pd.DataFrame({"customer_id": ["a", "b"]}),
    ...     pd.DataFrame({"product_id": ["X", "Y"]}),
    ...     pd.DataFrame({"customer_id": ["a", "a", "b"], "product_id": ["X", "Y", "Y"],
    ...                   "opened_on": ["2024-01-10", "2025-03-01", "2026-02-01"],
    ...                   "closed_on": [None, None, None]}),
    ...     pd.DataFrame(columns=["a", "b", "type", "amount"]),
    ...     pd.DataFrame(columns=["customer_id", "product_id", "at"]),
    ...     pd.DataFrame(columns=["customer_id", "month", "balance"]))
    >>> held, opened = holdings_at(d, date(2026, 1, 1))
    >>> held.tolist(), opened.round(1).tolist()[0]
    ([[1.0, 1.0], [0.0, 0.0]], [23.7, 10.1])
    """
    h = data.holding_positions
    day = as_of.isoformat()
    live = (h.opened < day) & (h.still_open | (h.closed >= day))
    rows, cols = h.rows[live], h.cols[live]
    shape = (len(data.customers), len(data.products))
    held = np.zeros(shape)
    held[rows, cols] = 1.0
    opened = h.opened_day[live]
    days = (np.datetime64(as_of, "D") - opened.astype("datetime64[D]")).astype(float)
    months = np.where(np.isnat(opened), np.nan, days / 30.44)
    since = np.full(shape, np.nan)
    # the most recent opening of each product counts
    order = np.argsort(-np.nan_to_num(months, nan=1e9))
    since[rows[order], cols[order]] = months[order]
    return held, since


def superset_tables(held: Array, members: Array) -> tuple[Array, Array]:
    """Count, for every holding pattern, the members who hold all of it.

    Parameters
    ----------
    held : ndarray
        ``[customers, products]`` 0/1 holdings (at most 20 products).
    members : ndarray
        Row indices of the group to count.

    Returns
    -------
    (ndarray, ndarray)
        ``counts[m]``: members whose holdings contain the pattern ``m`` (a bit mask over
        the products), and ``holds[m, j]``: how many of those hold product ``j``.
        ``counts[0]`` is the group's size and ``holds[0]`` its holders per product.

    Examples
    --------
    >>> held = np.array([[1, 0], [1, 1]], dtype=float)
    >>> counts, holds = superset_tables(held, np.arange(2))
    >>> counts.tolist(), holds.tolist()
    ([2.0, 2.0, 1.0, 1.0], [[2.0, 1.0], [2.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    """
    p = held.shape[1]
    if p > 20:
        raise ConfigError(f"superset counting supports up to 20 products, not {p}")
    masks = (held[members].astype(np.int64) << np.arange(p)).sum(axis=1)
    counts = np.bincount(masks, minlength=1 << p).astype(float)
    holds = np.zeros((1 << p, p))
    for j in range(p):
        holds[:, j] = np.bincount(masks, weights=held[members, j], minlength=1 << p)
    # sum over supersets: f[m] = sum of g[s] for every s containing m
    for bit in range(p):
        step = 1 << bit
        without = np.flatnonzero((np.arange(1 << p) & step) == 0)
        counts[without] += counts[without | step]
        holds[without] += holds[without | step]
    return counts, holds


def holding_masks(held: Array) -> Array:
    """Return each row's holdings as a bit mask (bit ``j`` set: holds product ``j``)."""
    out: Array = (held.astype(np.int64) << np.arange(held.shape[1])).sum(axis=1)
    return out


def superset_share(counts: Array, holds: Array, masks: Array, shrinkage: float) -> Array:
    """Shrunk shares ``[len(masks), products]`` from :func:`superset_tables` of one group."""
    base = np.divide(holds[0], counts[0], out=np.zeros(holds.shape[1]), where=counts[0] > 0)
    out: Array = (holds[masks] + shrinkage * base) / (counts[masks][:, None] + shrinkage)
    return out


def superset_shares(held: Array, kind: Array, shrinkage: float = 20.0) -> tuple[Array, Array]:
    """Share of customers who hold all of a customer's products that also hold each product.

    Parameters
    ----------
    held : ndarray
        ``[customers, products]`` 0/1 holdings (at most 20 products).
    kind : ndarray
        Group per customer (e.g. 0 person, 1 company); shares are counted within it.
    shrinkage : float, default 20
        Pseudo-count towards the group's base rate of each product.

    Returns
    -------
    (ndarray, ndarray)
        Shares ``[customers, products]`` and the number of superset holders per customer
        (the customer included).

    Raises
    ------
    ConfigError
        If there are more than 20 products.

    Examples
    --------
    Two customers hold {A}, one of them also B; one holds {A, B, C}.

    >>> held = np.array([[1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=float)
    >>> share, n = superset_shares(held, np.zeros(3, int), shrinkage=0.0)
    >>> share[0].round(3).tolist(), n.tolist()
    ([1.0, 0.667, 0.333], [3.0, 2.0, 1.0])
    """
    n, p = held.shape
    share = np.zeros((n, p))
    size = np.zeros(n)
    masks = holding_masks(held)
    for group in np.unique(kind):
        members = np.flatnonzero(kind == group)
        counts, holds = superset_tables(held, members)
        share[members] = superset_share(counts, holds, masks[members], shrinkage)
        size[members] = counts[masks[members]]
    return share, size


def _sequence_shares(held: Array, since: Array, months: int) -> Array:
    """Return ``[P, P]``: share of row A's holders who opened column B within ``months``.

    Only holders of A with a known date and an observed window (A opened at least
    ``months`` ago) count.
    """
    p = held.shape[1]
    out = np.zeros((p, p))
    for a in range(p):
        had = ~np.isnan(since[:, a]) & (since[:, a] >= months)
        if had.sum() < 5:
            continue
        lag = since[had, a][:, None] - since[had]  # months from A to B
        took = (lag > 0) & (lag <= months)
        out[a] = np.nan_to_num(took, nan=0.0).mean(axis=0)
        out[a, a] = 0.0
    return out


def compute_signals(
    data: CrossSellData, as_of: date, config: CrossSellConfig, explain: bool = True
) -> Signals:
    """Compute the four signals for every customer and product, from data before ``as_of``.

    With ``explain=False`` (training, which needs the scores only) the strongest tied
    holder of each product, which only the explanations name, is not looked for:
    ``top_holder`` is -1 everywhere.
    """
    held, since = holdings_at(data, as_of)
    c = data.customers
    kind = c["kind"].eq("company").to_numpy().astype(int)
    similar, size = superset_shares(held, kind, config.shrinkage)

    prior = _sequence_shares(held, since, config.sequence_months)
    recent = np.where(np.nan_to_num(since, nan=1e9) <= config.sequence_months, 1.5, 1.0)
    lead = held * recent  # [N, A]
    sequence = np.zeros_like(held)
    best_prior = np.zeros(held.shape, dtype=int)
    for b in range(held.shape[1]):
        via = lead * prior[:, b][None, :]  # [N, A]: how strongly each held A leads to b
        sequence[:, b] = via.max(axis=1)
        best_prior[:, b] = via.argmax(axis=1)

    ids = data.customer_ids
    adjacency = data.adjacency(config.weights, config.scale)
    influence = c["influence"].astype(float).rank(pct=True).to_numpy()
    boost = 1.0 + influence
    raw = adjacency @ (held * boost[:, None])
    norm = adjacency @ boost
    tie_share = np.divide(raw, norm[:, None], out=np.zeros_like(raw), where=norm[:, None] > 0)
    employer, colleague_share = _colleagues(ids, data.ties, held)
    social = 1.0 - (1.0 - tie_share) * (1.0 - colleague_share)
    # the strongest tied holder of each product, for explanations
    top_holder = np.full(held.shape, -1)
    top_type = np.full(held.shape, "", dtype=object)
    if explain:
        top_holder = strongest_neighbours(adjacency, held * boost[:, None])
    rows, cols = np.nonzero(top_holder >= 0)
    top_type[rows, cols] = tie_types_of(ids, data.ties, rows, top_holder[rows, cols])

    hn = normalised_rows(held)
    co = hn @ _co_holding(held)  # customer -> product -> co-holder -> product
    via_ties = adjacency @ hn
    two_ties = adjacency @ via_ties
    d = 1.0 - config.restart
    walk = d * via_ties + d**2 * co + d**3 * two_ties

    return Signals(
        as_of=as_of,
        held=held,
        scores={"similar": similar, "sequence": sequence, "social": social, "walk": walk},
        best_prior=best_prior,
        prior_share=prior,
        group_share=similar,
        group_size=size,
        tie_share=tie_share,
        colleague_share=colleague_share,
        employer=employer,
        top_holder=top_holder,
        top_holder_type=top_type,
    )


def strongest_neighbours(adjacency: sp.spmatrix, weight: Array) -> Array:
    """Return, per row ``i`` and column ``j``, the ``k`` maximizing ``a[i, k] * weight[k, j]``.

    Only products above zero count (``-1`` where there is none); of equal products the
    lowest ``k`` wins. One pass over the stored entries per column, instead of a
    weighted copy of the matrix and a sparse ``argmax`` per column (about a minute
    for 13 products at a million customers).

    Parameters
    ----------
    adjacency : scipy.sparse matrix
        ``a``, ``[N, N]``, non-negative.
    weight : ndarray
        ``[N, P]``, non-negative.

    Returns
    -------
    ndarray
        ``[N, P]`` integers.

    Examples
    --------
    >>> a = sp.csr_matrix(np.array([[0, 2.0, 1.0], [1.0, 0, 0], [0, 0, 0]]))
    >>> strongest_neighbours(a, np.array([[1.0, 0.0], [0.5, 0.0], [1.0, 3.0]]))
    array([[ 1,  2],
           [ 0, -1],
           [-1, -1]])
    """
    m = sp.csr_matrix(adjacency, copy=True)
    m.sum_duplicates()  # sorted column indices: the first stored maximum is the lowest k
    n, p = m.shape[0], weight.shape[1]
    out = np.full((n, p), -1)
    counts = np.diff(m.indptr)
    if m.nnz == 0:
        return out
    row = np.repeat(np.arange(n), counts)
    starts = m.indptr[:-1][counts > 0]
    for j in range(p):
        values = m.data * weight[m.indices, j]
        best = np.zeros(n)
        best[counts > 0] = np.maximum.reduceat(values, starts)
        hit = (values > 0) & (values == best[row])
        rows, first = np.unique(row[hit], return_index=True)
        out[rows, j] = m.indices[hit][first]
    return out


def _colleagues(ids: pd.Index, ties: pd.DataFrame, held: Array) -> tuple[Array, Array]:
    """Each customer's employer (the first by id when several) and colleague shares.

    Colleagues are all other employees of that employer; the share per product is the
    fraction of them who hold it.
    """
    employer = np.full(len(ids), -1)
    share = np.zeros_like(held)
    emp = ties[ties["type"] == "EMPLOYS"][["a", "b"]].drop_duplicates()
    e_idx = ids.get_indexer(pd.Index(emp["a"]))
    p_idx = ids.get_indexer(pd.Index(emp["b"]))
    ok = (e_idx >= 0) & (p_idx >= 0) & (e_idx != p_idx)
    if not ok.any():
        return employer, share
    emp = emp[ok].assign(e=e_idx[ok], p=p_idx[ok])
    first = emp.sort_values(["b", "a"]).drop_duplicates("b")
    employer[first["p"].to_numpy()] = first["e"].to_numpy()
    sums = np.zeros_like(held)
    np.add.at(sums, emp["e"].to_numpy(), held[emp["p"].to_numpy()])
    counts = np.bincount(emp["e"].to_numpy(), minlength=len(ids)).astype(float)
    staffed = employer >= 0
    k = counts[employer[staffed]] - 1.0
    own = held[staffed]
    share[staffed] = np.divide(
        sums[employer[staffed]] - own, k[:, None], out=np.zeros_like(own), where=k[:, None] > 0
    )
    return employer, share


def tie_types_of(ids: pd.Index, ties: pd.DataFrame, a: Array, b: Array) -> Array:
    """Return the type of the tie between customers ``a[k]`` and ``b[k]`` (row indices).

    Ties are undirected; of several ties between the same two customers the first in
    ``ties`` counts; ``"tie"`` where there is none. Vectorised (a million pairs take
    about a second), because the batch run explains several million recommendations.

    Examples
    --------
    >>> t = pd.DataFrame({"a": ["x", "x", "y"], "b": ["y", "z", "x"],
    ...                   "type": ["FAMILY", "REFERRED", "TRANSFERS"]})
    >>> tie_types_of(pd.Index(["x", "y", "z"]), t, np.array([1, 2, 1]), np.array([0, 0, 2]))
    array(['FAMILY', 'REFERRED', 'tie'], dtype=object)
    """
    out = np.full(len(a), "tie", dtype=object)
    if ties.empty or not len(a):
        return out
    n = len(ids)
    xs: Array = ids.get_indexer(pd.Index(ties["a"]))
    ys: Array = ids.get_indexer(pd.Index(ties["b"]))
    ok = (xs >= 0) & (ys >= 0)
    x, y = xs[ok].astype(np.int64), ys[ok].astype(np.int64)
    names = ties["type"].astype(str).to_numpy()[ok]
    # both directions, interleaved so that the first tie of a pair in either direction wins
    keys = np.column_stack([x * n + y, y * n + x]).ravel()
    kinds = np.repeat(names, 2)
    unique, first = np.unique(keys, return_index=True)
    wanted = np.asarray(a, dtype=np.int64) * n + np.asarray(b, dtype=np.int64)
    pos = np.minimum(np.searchsorted(unique, wanted), len(unique) - 1)
    hit = unique[pos] == wanted
    out[hit] = kinds[first[pos[hit]]]
    return out


def candidates(
    data: CrossSellData,
    signals: Signals,
    config: CrossSellConfig | None = None,
    offers_since: date | None = None,
    suppress: bool = True,
) -> Array:
    """Which (customer, product) pairs may be recommended.

    Parameters
    ----------
    data : CrossSellData
        Customers and products.
    signals : Signals
        Holdings and the scoring date.
    config : CrossSellConfig, optional
        Product rules and ``respect_consent`` (default: :class:`CrossSellConfig`).
    offers_since : date, optional
        Leave out products offered to the customer since that date.
    suppress : bool, default True
        Apply the suppression rules (consent, recent offers). Training and the
        evaluation rank what customers could take, so they leave them out.

    Returns
    -------
    ndarray of bool
        ``[customers, products]``: eligible by kind (the product's ``eligible``) and by
        the product rules (age, risk grade), not held, no other member of its family
        held unless it is stackable (:func:`family_blocked`), active customer, and not
        suppressed.
    """
    config = config or CrossSellConfig()
    c = data.customers
    p = data.products
    limits = rule_limits(
        config.rules,
        p["product_id"].astype(str).tolist(),
        p["category"].fillna("").astype(str).tolist(),
        catalogue_bounds(p),
    )
    age, grade, refused = customer_limits(c, signals.as_of)
    company = c["kind"].eq("company").to_numpy()
    eligible = p["eligible"].fillna("both").astype(str).tolist()
    ok = allowed(signals.held, company, eligible, limits, age, grade, family_codes(p))
    if suppress and config.respect_consent:
        ok &= ~refused[:, None]
    ok &= active_on(c, signals.as_of)[:, None]
    if suppress and offers_since is not None and len(data.offers):
        o = data.offers[
            (data.offers["at"] >= offers_since.isoformat())
            & (data.offers["at"] < signals.as_of.isoformat())
        ]
        rows = pd.Index(c["customer_id"]).get_indexer(pd.Index(o["customer_id"]))
        cols = pd.Index(p["product_id"]).get_indexer(pd.Index(o["product_id"]))
        hit = (rows >= 0) & (cols >= 0)
        ok[rows[hit], cols[hit]] = False
    return ok


#: The blend's inputs per (customer, product): the four signals, then customer context.
FEATURES = (*SIGNALS, "balance_level", "company", "products_held")


def balance_level(data: CrossSellData, as_of: date) -> Array:
    """Return log(1 + the latest month-end balance before ``as_of``) per customer (0 if none).

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["a", "b"]})
    >>> b = pd.DataFrame({"customer_id": ["a", "a"], "month": ["2025-11", "2025-12"],
    ...                   "balance": [9.0, 99.0]})
    >>> d = CrossSellData(c, *[pd.DataFrame()] * 4, balances=b)
    >>> balance_level(d, date(2025, 12, 15)).round(3).tolist()
    [2.303, 0.0]
    """
    ids = pd.Index(data.customers["customer_id"])
    last = balance_window(data.balances, ids, as_of.isoformat()[:7], 1)["last"].to_numpy()
    out: Array = np.nan_to_num(np.log1p(np.maximum(last, 0.0)), nan=0.0)
    return out


def blend_features(
    signals: Signals, level: Array, company: Array, rows: slice | None = None
) -> Array:
    """Stack the blend's inputs per pair: ``[N, P, len(FEATURES)]`` (``rows``: some of N).

    ``level`` and ``company`` are per customer, for all of ``signals``' customers.
    """
    rows = rows if rows is not None else slice(None)
    held = signals.held[rows]
    n, p = held.shape
    parts = [signals.scores[s][rows] for s in SIGNALS]
    parts.append(np.broadcast_to(level[rows][:, None], (n, p)))
    parts.append(np.broadcast_to(company[rows][:, None].astype(float), (n, p)))
    parts.append(np.broadcast_to(held.sum(axis=1)[:, None], (n, p)))
    out: Array = np.stack(parts, axis=2)
    return out


def fit_blend(x: Array, y: Array, weight: Array | None = None) -> Any:
    """Fit one product's logistic regression on standardised features.

    No class re-weighting: the per-product probabilities are compared across products
    to rank them, so they must stay calibrated to each product's real take-up. A
    ``weight`` per row stands for the rows a sample left out (:func:`training_sample`).

    Raises
    ------
    ConfigError
        If nobody took the product in the training window.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if int(y.sum()) == 0:
        raise ConfigError("no product was opened in the training window: nothing to learn from")
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    model.fit(x, y, standardscaler__sample_weight=weight, logisticregression__sample_weight=weight)
    return model


#: Pairs one product's blend is fitted on at most (:func:`training_sample`).
TRAINING_PAIRS = 300_000


def training_sample(y: Array, limit: int, seed: int = 0) -> tuple[Array, Array | None]:
    """Rows to fit on: all when at most ``limit``, else every positive and a sample of the rest.

    The sampled negatives are weighted by how many each stands for, so the weighted
    likelihood is the full one's in expectation and the probabilities stay calibrated.
    Seven features need far fewer than a million rows; at a million customers this
    took training from 46 s to 36 s.

    Parameters
    ----------
    y : ndarray
        0/1 labels.
    limit : int
        The most rows to keep.
    seed : int, default 0
        Seed of the sample (the same data gives the same model).

    Returns
    -------
    (ndarray, ndarray or None)
        Row positions in order, and their weights (None: all rows, unweighted).

    Examples
    --------
    >>> rows, w = training_sample(np.array([1, 0, 0, 0, 0, 0, 0, 1]), 4)
    >>> rows.tolist(), w.tolist()
    ([0, 4, 5, 7], [1.0, 3.0, 3.0, 1.0])
    >>> training_sample(np.array([1, 0]), 4)[1] is None
    True
    """
    if len(y) <= limit:
        return np.arange(len(y)), None
    positives = np.flatnonzero(y)
    negatives = np.flatnonzero(y == 0)
    kept = max(limit - len(positives), 1)
    if kept >= len(negatives):
        return np.arange(len(y)), None
    sampled = np.random.default_rng(seed).choice(negatives, size=kept, replace=False)
    rows = np.sort(np.concatenate([positives, sampled]))
    weight = np.where(y[rows] == 1, 1.0, len(negatives) / kept)
    return rows, weight


def _adoption_rate(before: Array, after: Array, ok: Array) -> Array:
    """Per product: share of eligible non-holders who took it in the window."""
    took = (after > 0) & (before == 0) & ok
    denom = ok.sum(axis=0)
    out: Array = np.divide(took.sum(axis=0), denom, out=np.zeros(ok.shape[1]), where=denom > 0)
    return out


#: Products with fewer openings than this in the training window are ranked by popularity.
MIN_POSITIVES = 5


@dataclass
class Model:
    """Fitted per-product blends with what scoring needs."""

    blends: list[Any | None]  # one per product; None: too few openings to learn from
    popularity: Array
    trained_as_of: date
    training_pairs: int
    training_positives: int


def train(data: CrossSellData, as_of: date, config: CrossSellConfig) -> Model:
    """Fit one blend per product as of ``as_of - window_months`` on the window's openings.

    One model per product lets the same signal weigh differently per product (a
    colleague's payroll card matters for a credit card, a balance level for wealth
    management). Products opened fewer than :data:`MIN_POSITIVES` times in the window
    are ranked by their adoption rate.

    Raises
    ------
    ConfigError
        If no product was opened in the window at all.
    """
    start = shift_months(as_of, -config.window_months)
    before = compute_signals(data, start, config, explain=False)
    after, _ = holdings_at(data, as_of)
    ok = candidates(data, before, config, suppress=False)
    popularity = _adoption_rate(before.held, after, ok)
    company = data.customers["kind"].eq("company").to_numpy()
    x = blend_features(before, balance_level(data, start), company)
    y = (after > 0) & (before.held == 0)
    if int((y & ok).sum()) == 0:
        raise ConfigError("no product was opened in the training window: nothing to learn from")
    blends: list[Any | None] = []
    for j in range(ok.shape[1]):
        rows = ok[:, j]
        positives = int(y[rows, j].sum())
        if positives < MIN_POSITIVES or positives == int(rows.sum()):
            blends.append(None)
            continue
        xj, yj = x[rows, j], y[rows, j].astype(int)
        keep, weight = training_sample(yj, TRAINING_PAIRS, seed=j)
        blends.append(fit_blend(xj[keep], yj[keep], weight))
    return Model(blends, popularity, start, int(ok.sum()), int((y & ok).sum()))


def recommend(
    data: CrossSellData,
    model: Model,
    signals: Signals,
    config: CrossSellConfig,
    offers_since: date | None = None,
    suppress: bool = True,
) -> tuple[Array, Array]:
    """Blended scores ``[N, P]`` (NaN where not a candidate) and each pair's contributions.

    ``offers_since`` and ``suppress`` are passed to :func:`candidates`.
    """
    ok = candidates(data, signals, config, offers_since, suppress)
    company = data.customers["kind"].eq("company").to_numpy()
    x = blend_features(signals, balance_level(data, signals.as_of), company)
    return _blend_scores(model, x, ok)


def _blend_scores(model: Model, x: Array, ok: Array) -> tuple[Array, Array]:
    """Scores ``[n, P]`` of features ``x`` ``[n, P, F]`` (NaN where not ``ok``), contributions."""
    n, p, f = x.shape
    proba = np.zeros((n, p))
    contrib = np.zeros((n, p, f))
    for j, blend in enumerate(model.blends):
        if blend is None:
            # too few openings to learn from: the product's adoption rate
            proba[:, j] = model.popularity[j]
            continue
        proba[:, j] = blend.predict_proba(x[:, j])[:, 1]
        scaler, lr = blend.steps[0][1], blend.steps[1][1]
        contrib[:, j] = scaler.transform(x[:, j]) * lr.coef_[0][None, :]
    return np.where(ok, proba, np.nan), contrib


def _pct(x: float) -> str:
    return f"{x:.0%}"


#: How a reason names the strongest tied holder, by tie type.
_TIED_AS = {
    "family": "family member",
    "transfers": "transfer partner",
    "guarantees": "guarantee partner",
    "referred": "referral contact",
}


def explain_pairs(
    rows: Array,
    cols: Array,
    signals: Signals,
    contrib: Array,
    names: dict[int, str],
    product_names: list[str],
    limit: int = 3,
    offset: int = 0,
) -> list[list[str]]:
    """Up to ``limit`` reasons for each pair (customer ``rows[k]``, product ``cols[k]``).

    What the reasons need is taken from the arrays for all pairs at once, so that the
    loop over a slice's half a million pairs works on Python numbers, not numpy
    scalars. ``contrib`` holds the pairs' feature contributions from row ``offset`` on.
    """
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    holders = signals.top_holder[rows, cols].tolist()
    kinds = signals.top_holder_type[rows, cols].tolist()
    employers = signals.employer[rows].tolist()
    colleagues = signals.colleague_share[rows, cols].tolist()
    prior = signals.best_prior[rows, cols]
    shares = signals.prior_share[prior, cols].tolist()
    holds_prior = signals.held[rows, prior].tolist()
    owned = signals.held[rows].sum(axis=1).astype(int).tolist()
    groups = signals.group_share[rows, cols].tolist()
    mine = contrib[rows - offset, cols][:, :4].tolist()
    out = []
    for k, (j, a) in enumerate(zip(cols.tolist(), prior.tolist(), strict=True)):
        social, sequence, similar, walk = mine[k][2], mine[k][1], mine[k][0], mine[k][3]
        product = product_names[j]
        reasons: list[tuple[float, str]] = []
        # social: the strongest tied holder, and colleagues
        holder, employer = holders[k], employers[k]
        if holder >= 0:
            kind = str(kinds[k]).lower()
            if kind == "employs":
                who = "employer" if employer == holder else "employee"
            else:
                who = _TIED_AS.get(kind, "tie")
            reasons.append((social, f"{who} {names.get(holder, '?')} holds {product}"))
        if employer >= 0 and colleagues[k] > 0:
            reasons.append(
                (
                    social * 0.99,
                    f"payroll at {names.get(employer, '?')}: "
                    f"{_pct(colleagues[k])} of colleagues hold {product}",
                )
            )
        if holds_prior[k] > 0 and shares[k] > 0:
            reasons.append(
                (
                    sequence,
                    f"customers with {product_names[a]} took {product} within "
                    f"12 months ({_pct(shares[k])})",
                )
            )
        if owned[k]:
            reasons.append(
                (
                    similar,
                    f"{_pct(groups[k])} of customers who hold all your {owned[k]} "
                    f"product(s) also hold {product}",
                )
            )
        if walk > 0:
            reasons.append((walk, f"random walks from you reach {product} often"))
        reasons.sort(key=lambda r: -r[0])
        out.append(
            [text for score, text in reasons if score > 0][:limit]
            or [f"{product} is often opened by customers like you"]
        )
    return out


#: Customers scored, explained and written at a time by :func:`compute_crosssell`.
SCORING_SLICE = 100_000


def compute_crosssell(
    db: Database,
    config: CrossSellConfig | None = None,
    as_of: date | None = None,
    progress: Callable[[str], None] | None = None,
    base: CustomerBase | None = None,
) -> CrossSellResult:
    """Recommend the top ``k`` products to every active customer; write RECOMMENDED.

    Signals and models are computed for everyone at once (they are population
    statistics); scoring, explaining and writing go :data:`SCORING_SLICE` customers
    at a time, so that memory does not grow with the per-pair features of a million
    customers.

    Parameters
    ----------
    db : Database
        The loaded graph (clusters improve the social signal through influence).
    config : CrossSellConfig, optional
        Settings.
    as_of : date, optional
        Scoring date (default: the month after the data, as for churn).
    progress : callable, optional
        Called with one line per phase and slice (what was done, seconds so far).
    base : CustomerBase, optional
        Customers and ties already read (shared with churn by ``analyze all``); read
        here when not given.

    Returns
    -------
    CrossSellResult

    Raises
    ------
    ConfigError
        If the graph has no customers or no product openings to learn from.
    """
    started = time.perf_counter()

    def say(what: str) -> None:
        if progress is not None:
            progress(f"cross-sell: {what} ({time.perf_counter() - started:.1f} s)")

    config = config or CrossSellConfig()
    as_of = as_of or data_as_of(db)
    offers_since = as_of - pd.Timedelta(days=config.offer_suppression_days).to_pytimedelta()
    data = read_crosssell_data(db, offers_since, base)
    say(f"read {len(data.customers):,} customers and {len(data.holdings):,} accounts")
    if config.scale is None:  # fixed here, so that on-demand scoring weighs ties alike
        config = replace(config, scale=transfer_scale(data.ties))
    # what both dates share first, then the model (signals as of the training date) and
    # the signals as of the scoring date at once: numpy and scipy release the GIL in
    # their loops (at 1M: 33 s instead of 40 s)
    _ = data.holding_positions  # the caches both threads read, built before they start
    _ = data.adjacency(config.weights, config.scale)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="crm-graph-crosssell") as pool:
        now = pool.submit(compute_signals, data, as_of, config)
        model = train(data, as_of, config)
        say(f"trained on {model.training_pairs:,} pairs as of {model.trained_as_of}")
        signals = now.result()
    ok = candidates(data, signals, config, offers_since)
    level = balance_level(data, signals.as_of)
    company = data.customers["kind"].eq("company").to_numpy()
    say(f"signals as of {as_of}")
    ids = data.customers["customer_id"].tolist()
    product_ids = data.products["product_id"].tolist()
    product_names = data.products["name"].fillna(data.products["product_id"]).tolist()
    computed_at = datetime.now(UTC).isoformat(timespec="seconds")
    run = uuid.uuid4().hex
    customers = recommendations = 0
    n = len(ids)
    writing: Future[None] | None = None

    def write(rows: list[dict[str, Any]]) -> None:
        # the previous run's recommendation of the same product is updated in place;
        # two transactions in flight, each customer's row in one of them (no shared locks)
        for _ in db.write_batches(
            "analytics/merge_recommendations",
            rows,
            batch_size=2_000,
            workers=2,
            partition="customer_id",
            computed_at=computed_at,
            run=run,
        ):
            pass

    # a writer thread writes each slice while the next one is scored (the server writes
    # while numpy and the explanations run); at most one slice is being written, so at
    # most two slices' rows exist at once
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-graph-crosssell") as writer:
        for first in range(0, n, SCORING_SLICE):
            part = slice(first, min(n, first + SCORING_SLICE))
            scoring = time.perf_counter()
            rows, slice_recommendations = _score_slice(
                db,
                model,
                signals,
                data,
                level,
                company,
                ok,
                part,
                config.k,
                ids,
                product_ids,
                product_names,
            )
            waiting = time.perf_counter()
            if writing is not None:
                writing.result()  # the previous slice's write: its errors surface here
            writing = writer.submit(write, rows)
            customers += len(rows)
            recommendations += slice_recommendations
            say(
                f"{part.stop:,} of {n:,} customers scored, {recommendations:,} recommendations"
                f" (scored in {waiting - scoring:.1f} s, then waited"
                f" {time.perf_counter() - waiting:.1f} s for the previous write)"
            )
        if writing is not None:
            writing.result()
    # what this run did not write again: products now held or past k, churned customers
    db.write_in_batches("analytics/delete_stale_recommendations", run=run)
    say(f"{recommendations:,} recommendations written, earlier runs' others removed")
    save_scoring_context(db, scoring_context(data, model, signals, config, computed_at))
    return CrossSellResult(
        as_of=as_of.isoformat(),
        trained_as_of=model.trained_as_of.isoformat(),
        customers=customers,
        recommendations=recommendations,
        coefficients=_mean_coefficients(model),
        computed_at=computed_at,
        seconds=time.perf_counter() - started,
    )


def _score_slice(
    db: Database,
    model: Model,
    signals: Signals,
    data: CrossSellData,
    level: Array,
    company: Array,
    ok: Array,
    part: slice,
    k: int,
    ids: list[str],
    product_ids: list[str],
    product_names: list[str],
) -> tuple[list[dict[str, Any]], int]:
    """Score, rank and explain the customers in ``part``.

    Returns one row per customer with recommendations (``customer_id`` and ``recs``, in
    rank order) and the number of recommendations.
    """
    first = part.start
    scores, contrib = _blend_scores(model, blend_features(signals, level, company, part), ok[part])
    wanted = [(first + i, j) for i, j in top_k(scores, k)]
    needed = sorted(_holders_needed(wanted, signals))  # the reasons name these customers
    names = _names(db, ids, needed)
    pairs = np.array(wanted, dtype=np.int64).reshape(-1, 2)
    reasons = explain_pairs(
        pairs[:, 0], pairs[:, 1], signals, contrib, names, product_names, offset=first
    )
    recs: dict[int, list[dict[str, Any]]] = {}
    for (i, j), why in zip(wanted, reasons, strict=True):  # each customer's in rank order
        mine = recs.setdefault(i, [])
        mine.append(
            {
                "product_id": product_ids[j],
                "score": round(float(scores[i - first, j]), 5),
                "rank": len(mine) + 1,
                "reasons": why,
            }
        )
    return [{"customer_id": ids[i], "recs": r} for i, r in recs.items()], len(wanted)


def _mean_coefficients(model: Model) -> dict[str, float]:
    """Mean standardised coefficient of each feature over the per-product blends."""
    fitted = [b.steps[1][1].coef_[0] for b in model.blends if b is not None]
    if not fitted:
        return {}
    mean = np.mean(fitted, axis=0)
    return {f: round(float(v), 4) for f, v in zip(FEATURES, mean, strict=True)}


#: a score that would be stored as 0 (scores are written with five decimals) is no
#: recommendation: a customer gets fewer than k rather than ranks filled with nothing
MIN_SCORE = 0.000005


def top_k(scores: Array, k: int) -> list[tuple[int, int]]:
    """Return the (customer, product) pairs of each customer's ``k`` best candidates.

    Candidates that are not allowed (NaN) or whose score rounds to 0 are left out.

    Examples
    --------
    >>> top_k(np.array([[0.2, np.nan, 0.5, 0.000001]]), 3)
    [(0, 2), (0, 0)]
    """
    filled = np.where(np.isnan(scores), -np.inf, scores)
    order = np.argsort(-filled, axis=1)[:, :k]
    out = []
    for i in range(scores.shape[0]):
        for j in order[i]:
            if np.isfinite(filled[i, j]) and filled[i, j] >= MIN_SCORE:
                out.append((i, int(j)))
    return out


def _holders_needed(wanted: list[tuple[int, int]], signals: Signals) -> set[int]:
    out: set[int] = set()
    for i, j in wanted:
        if signals.top_holder[i, j] >= 0:
            out.add(int(signals.top_holder[i, j]))
        if signals.employer[i] >= 0:
            out.add(int(signals.employer[i]))
    return out


def _names(db: Database, ids: list[str], needed: list[int]) -> dict[int, str]:
    """Names of the customers at positions ``needed`` of ``ids`` (the id where none)."""
    out: dict[int, str] = {}
    for start in range(0, len(needed), 50_000):
        chunk = needed[start : start + 50_000]
        names = db.read("analytics/read_customer_names", ids=[ids[i] for i in chunk])[0]["names"]
        for i, name in zip(chunk, names, strict=True):
            out[i] = name or ids[i]
    return out


# --------------------------------------------------------------------------- on demand

#: Points of the stored influence distribution (percentiles of neighbours on demand).
INFLUENCE_GRID = 2001
#: The name of the stored cross-sell model (a ``ScoringModel`` node).
MODEL_NAME = "crosssell"


@dataclass(frozen=True)
class ScoringContext:
    """What scoring one customer on demand needs from the last batch run.

    The population statistics behind each signal (for ``similar``, per kind and
    holding pattern, how many customers hold the pattern and each product; for
    ``sequence``, the product-to-product take-up shares; for ``walk``, the
    product-to-product co-holding matrix; the influence distribution, to turn a
    neighbour's influence into its percentile) and each product's fitted blend. The
    customer's own data and ties are read fresh, so a new customer or a new account
    is scored at once, against the population as the last batch saw it.
    """

    computed_at: str
    as_of: date
    config: CrossSellConfig
    product_ids: list[str]
    product_names: list[str]
    eligible: list[str]
    categories: list[str]  # for the category rules (empty text: unknown)
    blends: list[tuple[Array, Array, Array, float] | None]  # mean, scale, coef, intercept
    popularity: Array
    prior_share: Array  # [P, P]
    superset_counts: Array  # [2, 2^P]: person, company
    superset_holds: Array  # [2, 2^P, P]
    co_holding: Array  # [P, P]: product -> co-holder -> product, normalised
    influence_grid: Array  # INFLUENCE_GRID quantiles of influence over all customers
    families: list[str] = field(default_factory=list)  # empty text: no family
    stackable: list[bool] = field(default_factory=list)
    bounds: Array | None = None  # [P, 3]: the catalogue's own bounds (catalogue_bounds)

    def to_bytes(self) -> bytes:
        """Serialise to a compressed ``.npz`` (arrays and a JSON header; no pickle)."""
        header = {
            "computed_at": self.computed_at,
            "as_of": self.as_of.isoformat(),
            "config": {
                "weights": self.config.weights,
                "scale": None if self.config.scale is None else asdict(self.config.scale),
                "k": self.config.k,
                "window_months": self.config.window_months,
                "sequence_months": self.config.sequence_months,
                "offer_suppression_days": self.config.offer_suppression_days,
                "restart": self.config.restart,
                "shrinkage": self.config.shrinkage,
                "rules": {key: asdict(rule) for key, rule in self.config.rules.items()},
                "respect_consent": self.config.respect_consent,
            },
            "product_ids": self.product_ids,
            "product_names": self.product_names,
            "eligible": self.eligible,
            "categories": self.categories,
            "families": self.families,
            "stackable": self.stackable,
            "fitted": [b is not None for b in self.blends],
        }
        p, f = len(self.product_ids), len(FEATURES)
        params = np.zeros((p, 3, f))
        intercepts = np.zeros(p)
        for j, b in enumerate(self.blends):
            if b is not None:
                params[j] = np.stack(b[:3])
                intercepts[j] = b[3]
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
            params=params,
            intercepts=intercepts,
            popularity=self.popularity,
            prior_share=self.prior_share,
            superset_counts=self.superset_counts,
            superset_holds=self.superset_holds,
            co_holding=self.co_holding,
            influence_grid=self.influence_grid,
            bounds=self.own_bounds(),
        )
        return buffer.getvalue()

    def own_bounds(self) -> Array:
        """Return the catalogue's own bounds ``[P, 3]`` (NaN where none were stored)."""
        if self.bounds is None:
            return np.full((len(self.product_ids), 3), np.nan)
        return self.bounds

    @classmethod
    def from_bytes(cls, payload: bytes) -> ScoringContext:
        """Read what :meth:`to_bytes` wrote."""
        with np.load(io.BytesIO(payload), allow_pickle=False) as z:
            header = json.loads(z["header"].tobytes().decode())
            params, intercepts = z["params"], z["intercepts"]
            blends: list[tuple[Array, Array, Array, float] | None] = [
                (params[j, 0], params[j, 1], params[j, 2], float(intercepts[j])) if fitted else None
                for j, fitted in enumerate(header["fitted"])
            ]
            settings = dict(header["config"])
            if settings.get("scale"):
                settings["scale"] = TransferScale(**settings["scale"])
            if "rules" in settings:  # a context stored before the rules has the defaults
                settings["rules"] = {k: ProductRule(**v) for k, v in settings["rules"].items()}
            return cls(
                computed_at=header["computed_at"],
                as_of=date.fromisoformat(header["as_of"]),
                config=CrossSellConfig(**settings),
                product_ids=header["product_ids"],
                product_names=header["product_names"],
                eligible=header["eligible"],
                categories=header.get("categories") or [""] * len(header["product_ids"]),
                blends=blends,
                popularity=z["popularity"],
                prior_share=z["prior_share"],
                superset_counts=z["superset_counts"],
                superset_holds=z["superset_holds"],
                co_holding=z["co_holding"],
                influence_grid=z["influence_grid"],
                # a context stored before families and catalogue bounds has none
                families=header.get("families") or [""] * len(header["product_ids"]),
                stackable=header.get("stackable") or [False] * len(header["product_ids"]),
                bounds=z["bounds"] if "bounds" in z.files else None,
            )


def scoring_context(
    data: CrossSellData,
    model: Model,
    signals: Signals,
    config: CrossSellConfig,
    computed_at: str,
) -> ScoringContext:
    """Collect what on-demand scoring needs from a batch run's data, model and signals.

    (:func:`~crm_graph.analytics.ondemand.score_customer` reads it.)
    """
    held = signals.held
    kind = data.customers["kind"].eq("company").to_numpy()
    counts, holds = [], []
    for group in (~kind, kind):
        c, h = superset_tables(held, np.flatnonzero(group))
        counts.append(c)
        holds.append(h)
    blends: list[tuple[Array, Array, Array, float] | None] = []
    for blend in model.blends:
        if blend is None:
            blends.append(None)
            continue
        scaler, lr = blend.steps[0][1], blend.steps[1][1]
        blends.append((scaler.mean_, scaler.scale_, lr.coef_[0], float(lr.intercept_[0])))
    influence = data.customers["influence"].astype(float).to_numpy()
    grid: Array = np.zeros(0)
    if len(influence):
        grid = np.quantile(influence, np.linspace(0.0, 1.0, INFLUENCE_GRID))
    if config.scale is None:  # the scale the batch used (from the ties), for on-demand scoring
        config = replace(config, scale=transfer_scale(data.ties))
    return ScoringContext(
        computed_at=computed_at,
        as_of=signals.as_of,
        config=config,
        product_ids=data.products["product_id"].astype(str).tolist(),
        product_names=data.products["name"]
        .fillna(data.products["product_id"])
        .astype(str)
        .tolist(),
        eligible=data.products["eligible"].fillna("both").astype(str).tolist(),
        categories=data.products["category"].fillna("").astype(str).tolist(),
        blends=blends,
        popularity=np.asarray(model.popularity, dtype=float),
        prior_share=signals.prior_share,
        superset_counts=np.stack(counts),
        superset_holds=np.stack(holds),
        co_holding=_co_holding(held),
        influence_grid=grid.astype(float),
        families=data.products["family"].fillna("").astype(str).tolist()
        if "family" in data.products.columns
        else [""] * len(data.products),
        stackable=family_codes(data.products)[1].tolist(),
        bounds=catalogue_bounds(data.products),
    )


def _co_holding(held: Array) -> Array:
    """``[P, P]``: product -> its holders (each split over their products) -> product."""
    ht = normalised_rows(held.T)  # [P, N]: each product's holders, shares summing to 1
    out: Array = ht @ normalised_rows(held)
    return out


def save_scoring_context(db: Database, context: ScoringContext) -> None:
    """Store the context in the graph (one ``ScoringModel`` node), replacing the last one."""
    db.write(
        "analytics/merge_scoring_model",
        model=MODEL_NAME,
        computed_at=context.computed_at,
        as_of=context.as_of.isoformat(),
        payload=context.to_bytes(),
    )


def normalised_rows(held: Array) -> Array:
    """Scale each row to sum 1 (rows of zeros stay zero).

    Examples
    --------
    >>> normalised_rows(np.array([[1.0, 3.0], [0.0, 0.0]])).tolist()
    [[0.25, 0.75], [0.0, 0.0]]
    """
    total = held.sum(axis=-1, keepdims=True)
    out: Array = np.divide(held, total, out=np.zeros_like(held), where=total > 0)
    return out
