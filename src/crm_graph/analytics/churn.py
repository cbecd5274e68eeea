"""Churn contagion, churn risk, what-if cascades and retention priorities.

Three layers, each usable on its own:

**Exposure** (:func:`spreading_exposure`). Customers who churned in the last
``window_months`` are sources of activation ``1 + influence_boost * p``, where ``p``
is the churner's influence percentile. Activation spreads over the row-normalised,
tie-weighted customer graph (:func:`tie_matrix`, weights as in
:mod:`crm_graph.analytics.clusters`) for ``hops`` steps, each hop damped by
``decay``; the sum, capped at 1, is ``churn_exposure``.

**Risk** (:func:`build_features`, :func:`fit_model`). A logistic regression
(scikit-learn; median imputation, standardised inputs, counts as ``log(1 + n)``,
balanced class weights) predicts churn within the next ``window_months``. It is
trained *as of* ``as_of - window_months``: features use only data before that date,
labels are the churns between it and ``as_of``; then every active customer is
scored with features as of ``as_of``. Own signals: balance trend, drain and level,
complaints, unresolved and negative contacts, sentiment, product breadth, accounts
closed and opened, tenure, kind. Graph signals: exposure (above), exposure from
direct ties who left in the last three months, churned direct ties, the cluster's
churn rate over a year, the highest own-signal risk among the customer's ties
(a two-stage feature: the own-signal model scores the neighbours first), the ties'
balance drain and trend, influence and degree. A linear model was chosen over
gradient boosting because it scored as well on generated data (see
docs/analytics.md) and its drivers are exact: each feature's coefficient times its
standardised value, the largest positive ones put into words.

**Actions**. :func:`what_if` runs an independent-cascade simulation from one
customer ("if X leaves, who follows?"); :func:`retention_priority` ranks active
customers by risk x value x influence; :func:`churn_analysis` summarises why
customers left, where they went and what the bank lost.

Writes onto Customer: ``churn_exposure``, ``churn_risk``, ``churn_drivers`` (list of
strings), ``retention_priority``, ``high_value_at_risk`` and ``churn_computed_at``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from crm_graph.analytics.base import (
    CustomerBase,
    balance_window,
    data_as_of,
    read_customer_base,
    shift_months,
    tie_matrix,
)
from crm_graph.analytics.clusters import EQUAL_WEIGHTS
from crm_graph.analytics.readiness import graph_currency
from crm_graph.analytics.segments import read_tiers
from crm_graph.analytics.tie_weights import TransferScale
from crm_graph.db import Database
from crm_graph.errors import ConfigError, NotFoundError

Array = npt.NDArray[Any]

__all__ = [
    "CONTACT_COLUMNS",
    "GRAPH_FEATURES",
    "OWN_FEATURES",
    "PRODUCT_COLUMNS",
    "RISKY_WHEN",
    "ChurnConfig",
    "ChurnData",
    "ChurnResult",
    "build_features",
    "cascade",
    "churn_analysis",
    "compute_churn",
    "contributions",
    "describe_driver",
    "design",
    "fit_model",
    "follow_probabilities",
    "products_as_of",
    "read_churn_data",
    "retention_list",
    "retention_priority",
    "score_customers",
    "spreading_exposure",
    "what_if",
]

OWN_FEATURES: tuple[str, ...] = (
    "balance_trend",
    "balance_drain",
    "balance_level",
    "complaints_6m",
    "complaints_12m",
    "unresolved_6m",
    "negative_6m",
    "contacts_6m",
    "sentiment_12m",
    "categories",
    "closed_6m",
    "opened_6m",
    "tenure_years",
    "company",
)
GRAPH_FEATURES: tuple[str, ...] = (
    "exposure",
    "recent_exposure",
    "churned_ties",
    "cluster_churn",
    "neighbour_risk",
    "neighbour_drain",
    "neighbour_trend",
    "influence_pct",
    "degree",
)
#: Count features enter the model as log(1 + count).
COUNT_FEATURES: frozenset[str] = frozenset(
    {
        "complaints_6m",
        "complaints_12m",
        "unresolved_6m",
        "negative_6m",
        "contacts_6m",
        "closed_6m",
        "opened_6m",
        "churned_ties",
    }
)

#: Which way a feature makes churn likelier, for explanations: +1 when high values are
#: risky, -1 when low ones are, 0 when it is never given as a reason. A model can weigh
#: a feature against this intuition (collinear signals); such contributions still count
#: in the score but are not offered as reasons, so that every reason reads true.
RISKY_WHEN: dict[str, int] = {
    "balance_trend": -1,
    "balance_drain": -1,
    "balance_level": 0,
    "complaints_6m": 1,
    "complaints_12m": 1,
    "unresolved_6m": 1,
    "negative_6m": 1,
    "contacts_6m": 1,
    "sentiment_12m": -1,
    "categories": -1,
    "closed_6m": 1,
    "opened_6m": -1,
    "tenure_years": -1,
    "company": 0,
    "exposure": 1,
    "recent_exposure": 1,
    "churned_ties": 1,
    "cluster_churn": 1,
    "neighbour_risk": 1,
    "neighbour_drain": -1,
    "neighbour_trend": -1,
    "influence_pct": 0,
    "degree": 0,
}

_DRIVER_TEXT: dict[str, str] = {
    "balance_trend": "balance {v:+.0%} over 6 months",
    "balance_drain": "balance at {v:.0%} of its 6-month high",
    "balance_level": "balance level (about {m:,.0f}{unit})",
    "complaints_6m": "{v:.0f} complaint(s) in the last 6 months",
    "complaints_12m": "{v:.0f} complaint(s) in the last 12 months",
    "unresolved_6m": "{v:.0f} unresolved contact(s) in 6 months",
    "negative_6m": "{v:.0f} negative contact(s) in 6 months",
    "contacts_6m": "{v:.0f} contact(s) in 6 months",
    "sentiment_12m": "mean contact sentiment {v:+.2f}",
    "categories": "holds {v:.0f} product categor(ies)",
    "closed_6m": "{v:.0f} account(s) closed in 6 months",
    "opened_6m": "{v:.0f} account(s) opened in 6 months",
    "tenure_years": "customer for {v:.1f} years",
    "company": "company customer",
    "exposure": "churn exposure {v:.2f} from ties who left in 6 months",
    "recent_exposure": "churn exposure {v:.2f} from direct ties who left in 3 months",
    "churned_ties": "{v:.0f} direct tie(s) left the bank in 6 months",
    "cluster_churn": "cluster churn rate {v:.1%} in 12 months",
    "neighbour_risk": "a close tie at {v:.0%} churn risk",
    "neighbour_drain": "ties' balances at {v:.0%} of their 6-month high",
    "neighbour_trend": "ties' balances {v:+.0%} over 6 months",
    "influence_pct": "influence percentile {v:.0%}",
    "degree": "{m:.0f} tie(s)",
}


@dataclass(frozen=True)
class ChurnConfig:
    """Settings of the churn analysis (see the module docstring)."""

    weights: dict[str, float] = field(default_factory=lambda: dict(EQUAL_WEIGHTS))
    scale: TransferScale | None = None  # transfer strength at full (None: from the ties)
    window_months: int = 6
    hops: int = 2
    decay: float = 0.5
    influence_boost: float = 2.0
    seed: int = 42
    drivers: int = 3
    # None: the high-value tiers of the last segments run (segments.Tiers.high)
    high_value_tiers: tuple[str, ...] | None = None
    # the currency of amounts in the reasons; None: the graph's (readiness.graph_currency)
    currency: str | None = None
    at_risk_quantile: float = 0.9


@dataclass(frozen=True)
class ChurnData:
    """What the churn model reads from the graph, once."""

    customers: pd.DataFrame  # CUSTOMER_COLUMNS
    ties: pd.DataFrame
    contacts: dict[str, pd.DataFrame]  # keyed by as-of date (ISO)
    products: dict[str, pd.DataFrame]
    balances: pd.DataFrame  # BALANCE_COLUMNS: one row per customer and month


@dataclass(frozen=True)
class ChurnResult:
    """What a churn run did."""

    as_of: str
    trained_as_of: str
    training_customers: int
    training_churners: int
    scored: int
    mean_risk: float
    high_value_at_risk: int
    coefficients: dict[str, float]
    computed_at: str
    seconds: float


# --------------------------------------------------------------------------- dates


# --------------------------------------------------------------------------- graph


def spreading_exposure(
    adjacency: sp.csr_matrix, activation: Array, hops: int = 2, decay: float = 0.5
) -> Array:
    """Spread activation from churned customers over the tie graph.

    Parameters
    ----------
    adjacency : scipy.sparse.csr_matrix
        Row-normalised weighted adjacency (:func:`tie_matrix`).
    activation : ndarray
        Per customer: 0 for customers who did not churn recently, else the churner's
        weight (``1 + influence_boost * influence percentile``).
    hops : int, default 2
        How far activation travels.
    decay : float, default 0.5
        Damping per extra hop.

    Returns
    -------
    ndarray
        Exposure per customer, capped at 1.

    Examples
    --------
    A path a - b - c where c churned: b is fully exposed, a half (two hops).

    >>> t = pd.DataFrame({"a": ["a", "b"], "b": ["b", "c"], "type": ["FAMILY"] * 2,
    ...                   "amount": [None, None]})
    >>> m = tie_matrix(pd.Index(["a", "b", "c"]), t, EQUAL_WEIGHTS)
    >>> spreading_exposure(m, np.array([0.0, 0.0, 1.0])).round(2).tolist()
    [0.25, 0.5, 0.25]
    """
    step = adjacency @ activation
    total = step.copy()
    for _ in range(1, hops):
        step = decay * (adjacency @ step)
        total += step
    out: Array = np.minimum(total, 1.0)
    return out


# --------------------------------------------------------------------------- data


#: Columns of :attr:`ChurnData.contacts` per date (from ``analytics/read_churn_contacts``).
CONTACT_COLUMNS = [
    "customer_id",
    "contacts_6m",
    "complaints_6m",
    "unresolved_6m",
    "negative_6m",
    "complaints_12m",
    "sentiment_12m",
]
#: Columns of :attr:`ChurnData.products` per date (:func:`products_as_of`).
PRODUCT_COLUMNS = ["customer_id", "categories", "closed_6m", "opened_6m"]
_CONTACT_TYPES = {
    "as_of": "string",
    **{c: "string" if c == "customer_id" else "int" for c in CONTACT_COLUMNS},
    "sentiment_12m": "float",
}


def products_as_of(
    holdings: pd.DataFrame, products: pd.DataFrame, as_of: str, half_year: str
) -> pd.DataFrame:
    """Product breadth and recent account changes per customer as of a date.

    The reference definition is ``analytics/read_churn_products`` (checked equal by
    the integration tests); this computes the same from the holdings already read.

    Parameters
    ----------
    holdings : DataFrame
        :data:`HOLDING_COLUMNS` (ISO dates as text; ``closed_on`` ``0000-00-00`` for
        an account closed without a date, which counts as open here, as in Cypher).
    products : DataFrame
        ``product_id`` and ``category``.
    as_of, half_year : str
        The reference date (exclusive) and the date six months before it (ISO).

    Returns
    -------
    DataFrame
        :data:`PRODUCT_COLUMNS`, one row per customer with an account opened before
        ``as_of`` (or without an open date): ``categories`` of the open accounts,
        accounts closed and accounts opened since ``half_year``.

    Examples
    --------
    >>> h = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                   "product_id": ["X", "Y", "Z", "X"],
    ...                   "opened_on": ["2020-01-01", "2025-09-01", None, "2026-02-01"],
    ...                   "closed_on": [None, "2025-12-01", "0000-00-00", None]})
    >>> p = pd.DataFrame({"product_id": ["X", "Y", "Z"], "category": ["dep", "card", "dep"]})
    >>> products_as_of(h, p, "2026-01-01", "2025-07-01").to_dict("records")
    [{'customer_id': 'a', 'categories': 1, 'closed_6m': 1, 'opened_6m': 1}]
    """
    opened = holdings["opened_on"].astype(object)
    closed_on = holdings["closed_on"].astype(object).where(holdings["closed_on"] != "0000-00-00")
    opened_text, closed_text = opened.fillna("").astype(str), closed_on.fillna("").astype(str)
    keep = (opened.isna() | (opened_text < as_of)).to_numpy()
    closed = (closed_on.notna() & (closed_text < as_of)).to_numpy()
    category = holdings["product_id"].map(products.set_index("product_id")["category"])
    frame = pd.DataFrame(
        {
            "customer_id": holdings["customer_id"].to_numpy(),
            "open_category": category.where(~closed).to_numpy(),
            "closed_6m": closed & (closed_text >= half_year).to_numpy(),
            "opened_6m": (opened.notna() & (opened_text >= half_year)).to_numpy(),
        }
    )[keep]
    grouped = frame.groupby("customer_id", sort=True)
    out = pd.DataFrame(
        {
            "categories": grouped["open_category"].nunique(),
            "closed_6m": grouped["closed_6m"].sum(),
            "opened_6m": grouped["opened_6m"].sum(),
        }
    ).astype("int64")
    return out.rename_axis("customer_id").reset_index()[PRODUCT_COLUMNS]


def read_churn_data(
    db: Database, dates: list[date], window_months: int = 6, base: CustomerBase | None = None
) -> ChurnData:
    """Read customers, ties, and contacts and products as of each of ``dates``.

    ``base`` (from :func:`read_customer_base`) is used instead of reading customers and
    ties again.
    """
    base = base or read_customer_base(db)
    windows = [
        {
            "as_of": day.isoformat(),
            "half_year": shift_months(day, -window_months).isoformat(),
            "year": shift_months(day, -12).isoformat(),
        }
        for day in dates
    ]
    # one pass over the contacts for all dates (reading it beside the customer base was
    # measured no faster at 1M: three reads at once on two cores)
    all_contacts = db.read_lines(
        "analytics/read_churn_contacts",
        _CONTACT_TYPES,
        windows=windows,
        since=min((w["year"] for w in windows), default=""),
    )
    contacts, products = {}, {}
    for w in windows:
        day = w["as_of"]
        contacts[day] = all_contacts.loc[all_contacts["as_of"] == day, CONTACT_COLUMNS].reset_index(
            drop=True
        )
        products[day] = products_as_of(base.holdings, base.products, day, w["half_year"])
    return ChurnData(base.customers, base.ties, contacts, products, base.balances)


def _balance_features(balances: pd.DataFrame, ids: pd.Index, before: str) -> pd.DataFrame:
    """Trend, drain and level of the last six month-end balances before ``before``."""
    w = balance_window(balances, ids, before, 6)
    first, last, high = (w[c].to_numpy() for c in ("first", "last", "high"))
    two = w["n"].to_numpy() >= 2
    with np.errstate(invalid="ignore", divide="ignore"):
        trend = np.clip((last - first) / np.maximum(np.abs(first), 1.0), -1.0, 3.0)
        drain = np.where(high > 0, last / high, 1.0)
    level = np.log1p(np.maximum(last, 0.0))  # NaN without a balance
    return pd.DataFrame(
        {
            "balance_trend": np.where(two, trend, np.nan),
            "balance_drain": np.where(two, drain, np.nan),
            "balance_level": level,
        },
        index=ids,
    )


def build_features(data: ChurnData, as_of: date, config: ChurnConfig) -> pd.DataFrame:
    """Features of every customer as of a date, from data before it.

    Parameters
    ----------
    data : ChurnData
        From :func:`read_churn_data` (with contacts and products as of ``as_of``).
    as_of : date
        The reference date (exclusive).
    config : ChurnConfig
        Windows, weights, spreading settings.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: :data:`OWN_FEATURES`, :data:`GRAPH_FEATURES`,
        ``active`` (a customer at ``as_of``), ``churned_on`` (date or None),
        ``community``, ``value_score``, ``aum``, ``tier``. ``neighbour_risk`` is
        left empty: it needs a fitted own-signal model (:func:`score_customers`).
    """
    key = as_of.isoformat()
    c = data.customers.set_index("customer_id")
    churned_on = pd.to_datetime(c["churned_on"], errors="coerce")
    gone = c["status"].eq("churned")
    since = pd.to_datetime(c["since"], errors="coerce")
    t = pd.Timestamp(as_of)
    active = (since.isna() | (since < t)) & ~(gone & (churned_on.isna() | (churned_on < t)))
    f = _balance_features(data.balances, c.index, key[:7])
    contacts = data.contacts[key].set_index("customer_id").reindex(c.index)
    for col in ("contacts_6m", "complaints_6m", "unresolved_6m", "negative_6m", "complaints_12m"):
        f[col] = pd.to_numeric(contacts[col], errors="coerce").fillna(0.0)
    f["sentiment_12m"] = pd.to_numeric(contacts["sentiment_12m"], errors="coerce")
    products = data.products[key].set_index("customer_id").reindex(c.index)
    for col in ("categories", "closed_6m", "opened_6m"):
        f[col] = pd.to_numeric(products[col], errors="coerce").fillna(0.0)
    f["tenure_years"] = ((t - since).dt.days / 365.25).astype(float)
    f["company"] = c["kind"].eq("company").astype(float)

    # graph signals
    adjacency = tie_matrix(c.index, data.ties, config.weights, config.scale)
    window = pd.Timestamp(shift_months(as_of, -config.window_months))
    recent = (gone & churned_on.notna() & (churned_on >= window) & (churned_on < t)).to_numpy()
    influence_pct = c["influence"].astype(float).rank(pct=True).to_numpy()
    activation = recent * (1.0 + config.influence_boost * influence_pct)
    f["exposure"] = spreading_exposure(adjacency, activation, config.hops, config.decay)
    three = pd.Timestamp(shift_months(as_of, -3))
    recent3 = (gone & churned_on.notna() & (churned_on >= three) & (churned_on < t)).to_numpy()
    f["recent_exposure"] = adjacency @ (recent3 * (1.0 + config.influence_boost * influence_pct))
    binary = adjacency.copy()
    binary.data[:] = 1.0
    f["churned_ties"] = binary @ recent.astype(float)
    alive = active.to_numpy().astype(float)
    f["neighbour_drain"] = adjacency @ (f["balance_drain"].fillna(1.0).to_numpy() * alive)
    f["neighbour_risk"] = np.nan  # filled by score_customers (needs the own-signal model)
    f["degree"] = np.log1p(np.asarray(binary.sum(axis=1)).ravel())
    f["influence_pct"] = influence_pct
    trend = f["balance_trend"].fillna(0.0).to_numpy()
    f["neighbour_trend"] = adjacency @ trend
    year = pd.Timestamp(shift_months(as_of, -12))
    left = gone & churned_on.notna() & (churned_on >= year) & (churned_on < t)
    there = (since.isna() | (since < year)) & ~(gone & (churned_on.isna() | (churned_on < year)))
    community = pd.to_numeric(c["community"], errors="coerce").fillna(-1)
    rate = left.astype(float).groupby(community).sum() / (
        there.astype(float).groupby(community).sum().clip(lower=1.0)
    )
    f["cluster_churn"] = community.map(rate).fillna(0.0).where(community >= 0, 0.0).astype(float)

    f["active"] = active
    f["churned_on"] = churned_on
    f["community"] = c["community"]
    f["value_score"] = c["value_score"].astype(float)
    f["aum"] = c["aum"].astype(float)
    f["tier"] = c["tier"] if "tier" in c else None
    f.attrs["adjacency"] = adjacency
    return f


# --------------------------------------------------------------------------- model


def design(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Build the model's input: the feature columns, counts as ``log(1 + count)``.

    Examples
    --------
    >>> design(pd.DataFrame({"complaints_6m": [0.0, 3.0], "company": [1.0, 0.0]}),
    ...        ["complaints_6m", "company"]).round(3).to_dict("list")
    {'complaints_6m': [0.0, 1.386], 'company': [1.0, 0.0]}
    """
    x = frame[columns].astype(float).copy()
    for col in columns:
        if col in COUNT_FEATURES:
            x[col] = np.log1p(x[col].clip(lower=0))
    return x


def fit_model(x: pd.DataFrame, y: Array) -> Any:
    """Fit the churn classifier: median imputation, standardisation, logistic regression.

    Class weights are balanced (churn is rare), so scores rank customers; they are not
    calibrated probabilities.

    Parameters
    ----------
    x : DataFrame
        From :func:`design`.
    y : ndarray
        1 for customers who churned in the window, else 0.

    Returns
    -------
    sklearn.pipeline.Pipeline

    Raises
    ------
    ConfigError
        If the training window holds no churner (nothing to learn from).

    Examples
    --------
    >>> x = pd.DataFrame({"complaints_6m": [0.0, 0.0, 2.0, 3.0] * 10})
    >>> model = fit_model(x, np.array([0, 0, 1, 1] * 10))
    >>> bool(model.predict_proba(x)[2, 1] > model.predict_proba(x)[0, 1])
    True
    """
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if int(np.sum(y)) == 0:
        raise ConfigError(
            "no customer churned in the training window: the churn model needs churn history"
        )
    model = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(C=0.3, max_iter=3000, class_weight="balanced"),
    )
    model.fit(x, y)
    return model


def contributions(model: Any, x: pd.DataFrame) -> tuple[Array, Array]:
    """Per customer and feature: coefficient x standardised value, and the standardised value.

    Examples
    --------
    >>> x = pd.DataFrame({"complaints_6m": [0.0, 0.0, 2.0, 3.0] * 10})
    >>> c, z = contributions(fit_model(x, np.array([0, 0, 1, 1] * 10)), x)
    >>> bool(c[3, 0] > 0 > c[0, 0]), bool(z[3, 0] > 0)
    (True, True)
    """
    imputer, scaler, lr = model.steps[0][1], model.steps[1][1], model.steps[2][1]
    z: Array = scaler.transform(imputer.transform(x))
    out: Array = z * lr.coef_[0][None, :]
    return out, z


def describe_driver(feature: str, value: float, currency: str = "") -> str:
    """Put one driver into words (amounts labelled with ``currency`` when given).

    Examples
    --------
    >>> describe_driver("complaints_6m", 3.0)
    '3 complaint(s) in the last 6 months'
    >>> describe_driver("balance_trend", -0.35)
    'balance -35% over 6 months'
    >>> describe_driver("balance_level", math.log1p(12000.0), "EUR")
    'balance level (about 12,000 EUR)'
    """
    template = _DRIVER_TEXT.get(feature, feature + " = {v:.3g}")
    magnitude = math.expm1(value) if feature in ("balance_level", "degree") else value
    return template.format(v=value, m=magnitude, unit=f" {currency}" if currency else "")


def _drivers(
    contrib: Array, z: Array, raw: pd.DataFrame, k: int, currency: str = ""
) -> list[list[str]]:
    """Put the ``k`` features that raise each customer's risk most into words.

    A feature is a reason only when it raises the risk (contribution above 0.05
    log-odds) in the direction :data:`RISKY_WHEN` expects.
    """
    columns = list(raw.columns)
    expected = np.array([RISKY_WHEN.get(c, 0) for c in columns])
    usable = (contrib > 0.05) & (np.sign(z) == expected[None, :]) & (expected[None, :] != 0)
    ranked = np.where(usable, contrib, -np.inf)
    order = np.argsort(-ranked, axis=1)[:, :k]
    values = raw.to_numpy(dtype=float)
    return [
        [
            describe_driver(columns[j], float(values[i, j]), currency)
            for j in order[i]
            if usable[i, j] and not math.isnan(values[i, j])
        ]
        for i in range(len(raw))
    ]


def _with_neighbour_risk(frame: pd.DataFrame, own_model: Any) -> pd.DataFrame:
    """Fill ``neighbour_risk``: the highest own-signal risk among a customer's active ties."""
    adjacency = frame.attrs["adjacency"]
    risk = np.zeros(len(frame))
    active = frame["active"].to_numpy()
    if active.any():
        x = design(frame.loc[active], list(OWN_FEATURES))
        risk[active] = own_model.predict_proba(x)[:, 1]
    binary = adjacency.copy()
    binary.data[:] = 1.0
    top = binary.multiply(risk[None, :]).max(axis=1)
    frame["neighbour_risk"] = np.asarray(top.todense()).ravel()
    return frame


def score_customers(
    data: ChurnData, as_of: date, config: ChurnConfig, graph: bool = True, drivers: bool = True
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Train as of ``as_of - window`` and score the customers active at ``as_of``.

    The own-signal model is fitted first; with ``graph``, its scores of each
    customer's ties give ``neighbour_risk`` and a second model adds the graph
    signals.

    Parameters
    ----------
    data : ChurnData
        Read with both dates (:func:`read_churn_data`).
    as_of : date
        The scoring date.
    config : ChurnConfig
        Settings.
    graph : bool, default True
        Use the graph signals (False: own signals only, for comparison).
    drivers : bool, default True
        Compute the drivers of the scores in the upper half (the others get none).

    Returns
    -------
    (DataFrame, dict)
        Per active customer: ``churn_risk``, ``churn_exposure``, ``drivers`` and the
        features; and training facts (dates, sizes, standardised coefficients).
    """
    train_day = shift_months(as_of, -config.window_months)
    own = list(OWN_FEATURES)
    full_train = build_features(data, train_day, config)
    train = full_train[full_train["active"]]
    end = pd.Timestamp(as_of)
    y = (train["churned_on"].notna() & (train["churned_on"] < end)).to_numpy().astype(int)
    model = fit_model(design(train, own), y)
    now = build_features(data, as_of, config)
    columns = own
    if graph:
        columns = own + list(GRAPH_FEATURES)
        full_train = _with_neighbour_risk(full_train, model)
        train = full_train[full_train["active"]]
        now = _with_neighbour_risk(now, model)
        model = fit_model(design(train, columns), y)
    now = now[now["active"]].copy()
    x = design(now, columns)
    risk = model.predict_proba(x)[:, 1] if len(x) else np.zeros(0)
    now["churn_risk"] = risk
    now["churn_exposure"] = now["exposure"]
    now["drivers"] = [[] for _ in range(len(now))]
    if drivers and len(x):
        # reasons are given where there is a risk to explain: the upper half of scores
        upper = risk >= np.median(risk)
        now.loc[upper, "drivers"] = pd.Series(
            _drivers(
                *contributions(model, x[upper]),
                now.loc[upper, columns],
                config.drivers,
                config.currency or "",
            ),
            index=now.index[upper],
            dtype=object,
        )
    coef = model.steps[2][1].coef_[0]
    facts = {
        "trained_as_of": train_day.isoformat(),
        "training_customers": len(train),
        "training_churners": int(y.sum()),
        "coefficients": {
            c: round(float(v), 4)
            for c, v in sorted(zip(columns, coef, strict=True), key=lambda p: -abs(p[1]))
        },
    }
    return now, facts


def retention_priority(
    risk: pd.Series, value_score: pd.Series, influence_pct: pd.Series
) -> pd.Series:
    """Rank active customers for retention: risk x value x (1 + influence percentile).

    Examples
    --------
    >>> retention_priority(pd.Series([0.5, 0.1]), pd.Series([0.8, 0.9]),
    ...                    pd.Series([1.0, 0.0])).round(3).tolist()
    [0.8, 0.09]
    """
    out: pd.Series = risk * value_score.fillna(0.0) * (1.0 + influence_pct.fillna(0.0))
    return out


def _high_value_tiers(db: Database, config: ChurnConfig) -> tuple[str, ...]:
    """Return the configured high-value tiers, else those of the last segments run."""
    if config.high_value_tiers is not None:
        return config.high_value_tiers
    tiers = read_tiers(db)
    return tiers.high if tiers else ()


def compute_churn(
    db: Database,
    config: ChurnConfig | None = None,
    as_of: date | None = None,
    progress: Callable[[str], None] | None = None,
    base: CustomerBase | None = None,
) -> ChurnResult:
    """Compute exposure, risk, drivers and retention priority; write them onto customers.

    Parameters
    ----------
    db : Database
        The loaded graph (clusters and segments improve the graph signals and the
        priority, but are not required).
    config : ChurnConfig, optional
        Settings.
    as_of : date, optional
        Scoring date (default: :func:`data_as_of`).
    progress : callable, optional
        Called with one line per phase (what was done, seconds so far).
    base : CustomerBase, optional
        Customers and ties already read (:func:`read_customer_base`), shared with
        cross-sell; read here when not given.

    Returns
    -------
    ChurnResult

    Raises
    ------
    ConfigError
        If the graph has no customers, no dated data or no churn history.
    """
    started = time.perf_counter()

    def say(what: str) -> None:
        if progress is not None:
            progress(f"churn: {what} ({time.perf_counter() - started:.1f} s)")

    config = config or ChurnConfig()
    if config.currency is None:
        config = replace(config, currency=graph_currency(db))
    as_of = as_of or data_as_of(db)
    data = read_churn_data(
        db, [shift_months(as_of, -config.window_months), as_of], config.window_months, base
    )
    say(f"read {len(data.customers):,} customers")
    scored, facts = score_customers(data, as_of, config)
    say(f"scored {len(scored):,} customers")
    priority = retention_priority(
        scored["churn_risk"], scored["value_score"], scored["influence_pct"]
    )
    threshold = float(scored["churn_risk"].quantile(config.at_risk_quantile)) if len(scored) else 1
    high = scored["tier"].isin(_high_value_tiers(db, config)) & (scored["churn_risk"] >= threshold)
    rows = [
        {
            "customer_id": str(cid),
            "churn_exposure": round(float(e), 5),
            "churn_risk": round(float(r), 5),
            "churn_drivers": list(d),
            "retention_priority": round(float(p), 6),
            "high_value_at_risk": bool(h),
        }
        for cid, e, r, d, p, h in zip(
            scored.index,
            scored["churn_exposure"],
            scored["churn_risk"],
            scored["drivers"],
            priority,
            high,
            strict=True,
        )
    ]
    computed_at = datetime.now(UTC).isoformat(timespec="seconds")
    # two transactions in flight: each row sets properties on its own customer only, so
    # they never wait on each other's locks (about a quarter of the time at 1M was here)
    for _ in db.write_batches(
        "analytics/set_churn",
        rows,
        batch_size=10_000,
        workers=2,
        partition="customer_id",
        computed_at=computed_at,
    ):
        pass
    say(f"wrote {len(rows):,} customers")
    return ChurnResult(
        as_of=as_of.isoformat(),
        trained_as_of=str(facts["trained_as_of"]),
        training_customers=int(facts["training_customers"]),
        training_churners=int(facts["training_churners"]),
        scored=len(rows),
        mean_risk=round(float(scored["churn_risk"].mean()), 5) if len(scored) else 0.0,
        high_value_at_risk=int(high.sum()),
        coefficients=dict(facts["coefficients"]),
        computed_at=computed_at,
        seconds=time.perf_counter() - started,
    )


def follow_probabilities(
    db: Database, window_months: int = 6, as_of: date | None = None
) -> dict[str, float]:
    """Per tie type, the chance that a tie passes churn on, estimated from history.

    For every tie between a customer who churned (at least ``window_months`` before
    ``as_of``, so the window is observed) and a neighbour who was still a customer
    then, the neighbour "followed" if they churned within ``window_months``. The
    follow rate per tie type, less the base rate of churning in such a window (over
    the last year), is that type's transmission probability for :func:`what_if`.

    Returns
    -------
    dict
        Tie type to probability (at least 0), plus ``"_base"``: the base rate.
    """
    as_of = as_of or data_as_of(db)
    until = shift_months(as_of, -window_months).isoformat()
    rows = db.read("analytics/read_follow_rates", months=window_months, until=until)
    year = db.read(
        "analytics/read_churn_base_rate",
        since=shift_months(as_of, -12).isoformat(),
        until=as_of.isoformat(),
    )[0]
    base = float(year["churned"]) / max(int(year["customers"]), 1) * window_months / 12
    out = {
        str(r["type"]): round(max(0.0, int(r["followed"]) / max(int(r["pairs"]), 1) - base), 5)
        for r in rows
    }
    out["_base"] = round(base, 5)
    return out


def cascade(
    sources: Array,
    targets: Array,
    probability: Array,
    n: int,
    start: int,
    runs: int = 1000,
    seed: int = 42,
    max_steps: int = 6,
) -> Array:
    """Independent-cascade simulation: how often each node is reached from ``start``.

    Each directed edge ``sources[e] -> targets[e]`` passes the cascade with
    ``probability[e]``, once per run (live-edge sampling); give both directions for
    an undirected tie.

    Returns
    -------
    ndarray
        Boolean ``[runs, n]``: which nodes were reached in each run (``start`` included).

    Examples
    --------
    >>> hit = cascade(np.array([0, 1]), np.array([1, 2]), np.array([1.0, 0.5]), 3, 0,
    ...               runs=2000, seed=1)
    >>> hit.mean(axis=0).round(1).tolist()
    [1.0, 1.0, 0.5]
    """
    rng = np.random.default_rng(seed)
    live = rng.random((runs, sources.size)) < probability[None, :]
    incidence = sp.csr_matrix(
        (np.ones(sources.size), (np.arange(sources.size), targets)), shape=(sources.size, n)
    )
    reached: Array = np.zeros((runs, n), dtype=bool)
    reached[:, start] = True
    frontier: Array = reached.copy()
    for _ in range(max_steps):
        passing = live & frontier[:, sources]
        if not passing.any():
            break
        new: Array = (
            np.asarray((sp.csr_matrix(passing.astype(np.float32)) @ incidence).todense()) > 0
        )
        new &= ~reached
        reached |= new
        frontier = new
    return reached


def what_if(
    db: Database,
    customer_id: str,
    probabilities: dict[str, float] | None = None,
    runs: int = 1000,
    seed: int = 42,
    hops: int = 3,
    top: int = 10,
) -> dict[str, Any]:
    """If this customer leaves, who follows? An independent-cascade estimate.

    Parameters
    ----------
    db : Database
        The graph.
    customer_id : str
        The customer who leaves.
    probabilities : dict, optional
        Transmission probability per tie type (default: :func:`follow_probabilities`).
    runs : int, default 1000
        Monte Carlo runs.
    seed : int, default 42
        Random seed (same seed, same answer).
    hops : int, default 3
        How far from the customer the cascade is followed.
    top : int, default 10
        Most likely followers listed.

    Returns
    -------
    dict
        ``expected_followers`` with a 90% interval, ``aum_at_risk`` (expected AUM of
        the followers), ``followers`` (the most likely, with probability), the
        probabilities used and the run settings.

    Raises
    ------
    NotFoundError
        If the customer is unknown.
    """
    found = db.read("analytics/read_customer_brief", ids=[customer_id])
    if not found:
        raise NotFoundError(f"unknown customer {customer_id!r}")
    probabilities = probabilities or follow_probabilities(db)
    frontier, seen = [customer_id], {customer_id}
    ties: list[dict[str, Any]] = []
    for _ in range(hops):
        if not frontier:
            break
        step = db.read("analytics/read_active_ties", ids=frontier)
        ties.extend(step)
        frontier = sorted({t["b"] for t in step} - seen)
        seen.update(frontier)
    ids = pd.Index(sorted(seen))
    brief = (
        pd.DataFrame(
            db.read("analytics/read_customer_brief", ids=list(ids)),
            columns=["customer_id", "name", "aum", "status"],
        )
        .set_index("customer_id")
        .reindex(ids)
    )
    if ties:
        frame = pd.DataFrame(ties).drop_duplicates(["a", "b", "type"])
        a = ids.get_indexer(pd.Index(frame["a"]))
        b = ids.get_indexer(pd.Index(frame["b"]))
        p = frame["type"].map(lambda t: probabilities.get(str(t), 0.0)).to_numpy(float)
        sources, targets, prob = np.r_[a, b], np.r_[b, a], np.r_[p, p]
    else:
        sources = targets = np.zeros(0, dtype=int)
        prob = np.zeros(0)
    start = int(ids.get_indexer(pd.Index([customer_id]))[0])
    reached = cascade(sources, targets, prob, len(ids), start, runs=runs, seed=seed)
    reached[:, start] = False
    counts = reached.sum(axis=1)
    chance = reached.mean(axis=0)
    aum = brief["aum"].fillna(0.0).to_numpy(float)
    order = [i for i in np.argsort(-chance) if chance[i] > 0][:top]
    return {
        "customer_id": customer_id,
        "expected_followers": round(float(counts.mean()), 3),
        "interval_90": [float(np.quantile(counts, 0.05)), float(np.quantile(counts, 0.95))],
        "aum_at_risk": round(float((reached * aum[None, :]).sum(axis=1).mean()), 2),
        "followers": [
            {
                "customer_id": str(ids[i]),
                "name": str(brief["name"].iloc[i]),
                "probability": round(float(chance[i]), 4),
                "aum": round(float(aum[i]), 2),
            }
            for i in order
        ],
        "neighbourhood": len(ids) - 1,
        "probabilities": probabilities,
        "runs": runs,
        "seed": seed,
    }


def churn_analysis(db: Database) -> dict[str, Any]:
    """Why customers left, where they went, what the bank lost, who they were.

    Returns
    -------
    dict
        ``reasons`` (count and share per reason), ``destinations`` (per competitor:
        customers, share of outflow, amount moved), ``monthly`` flows, ``topics``
        (complaint topics in the six months before leaving, with lift over all
        complaints), ``lost`` (customers, amount moved, yearly fee income and products
        of the churned), ``segments`` (churned by kind and by amount moved).
    """
    reasons = db.read("analytics/read_churn_reasons")
    total = sum(int(r["customers"]) for r in reasons) or 1
    destinations = db.read("queries/count_churn_destinations")
    outflow = sum(float(d["amount_moved"] or 0.0) for d in destinations) or 1.0
    return {
        "reasons": [{**r, "share": round(int(r["customers"]) / total, 4)} for r in reasons],
        "destinations": [
            {**d, "share_of_outflow": round(float(d["amount_moved"] or 0.0) / outflow, 4)}
            for d in destinations
        ],
        "monthly": db.read("queries/count_churn_flows", months=120),
        "topics": db.read("queries/count_complaint_topics", months=6),
        "lost": db.read("analytics/read_churn_value_lost")[0],
        "segments": db.read("analytics/read_churn_segments"),
    }


def retention_list(
    db: Database,
    limit: int = 50,
    tier: str | None = None,
    min_value: float = 0.0,
    after: tuple[float, str] | None = None,
) -> list[dict[str, Any]]:
    """Active customers to retain first, with drivers and relationship manager.

    Parameters
    ----------
    db : Database
        The graph, after :func:`compute_churn`.
    limit : int, default 50
        Rows to return.
    tier : str, optional
        Only this tier.
    min_value : float, default 0
        Minimum ``value_score`` (0 to 1).
    after : (float, str), optional
        Keyset cursor: the ``retention_priority`` and ``customer_id`` of the last row
        of the previous page.

    Returns
    -------
    list of dict
        Highest ``retention_priority`` first.
    """
    return db.read(
        "analytics/read_retention_list",
        tier=tier,
        min_value=float(min_value),
        after_priority=after[0] if after else None,
        after_id=after[1] if after else None,
        limit=int(limit),
    )
