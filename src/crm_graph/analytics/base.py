"""The customer data several analyses share: customers, ties, balances, accounts, dates.

Churn and cross-sell both start from :class:`CustomerBase` (``crm-graph analyze all``
reads it once and hands it to both), score as of a date from :func:`data_as_of`, and
weigh customer ties with :func:`tie_matrix`; neither imports the other.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from crm_graph.analytics.clusters import read_ties, tie_weights
from crm_graph.analytics.tie_weights import TransferScale
from crm_graph.db import Database
from crm_graph.errors import ConfigError

__all__ = [
    "BALANCE_COLUMNS",
    "CATALOGUE_COLUMNS",
    "CUSTOMER_COLUMNS",
    "HOLDING_COLUMNS",
    "CustomerBase",
    "balance_window",
    "balances_from_lists",
    "data_as_of",
    "read_customer_base",
    "shift_months",
    "tie_matrix",
]

Array = npt.NDArray[Any]


# --------------------------------------------------------------------------- dates


def shift_months(day: date, months: int) -> date:
    """Shift a date by whole months (to the first of the month when day > 28).

    Examples
    --------
    >>> shift_months(date(2026, 1, 1), -6)
    datetime.date(2025, 7, 1)
    """
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


def data_as_of(db: Database) -> date:
    """Return the first day of the month after the latest the data covers.

    The latest month is that of the balances, else of the contacts, else of the
    accounts' opening and closing dates (an extract of accounts alone).

    Raises
    ------
    ConfigError
        If the graph holds no dated data at all.
    """
    row = db.read("analytics/read_data_as_of")[0]
    if row["last_balance_month"]:
        year, month = (int(x) for x in str(row["last_balance_month"])[:7].split("-"))
        return shift_months(date(year, month, 1), 1)
    for column in ("last_contact", "last_account_date"):
        if row.get(column):
            try:
                last = date.fromisoformat(str(row[column])[:10])
            except ValueError:
                continue
            return shift_months(date(last.year, last.month, 1), 1)
    raise ConfigError(
        "the graph holds no dated data (balances, contacts or account dates): load some, "
        "or give the date with --as-of"
    )


def tie_matrix(
    ids: pd.Index,
    ties: pd.DataFrame,
    weights: dict[str, float],
    scale: TransferScale | None = None,
) -> sp.csr_matrix:
    """Undirected tie-weighted adjacency, rows normalised to sum to 1.

    Parameters
    ----------
    ids : pandas.Index
        Customer ids, in row order.
    ties : DataFrame
        ``a``, ``b``, ``type``, ``amount``.
    weights : dict
        Weight per tie type.
    scale : TransferScale, optional
        Transfer strength at full (default: from these ties).

    Returns
    -------
    scipy.sparse.csr_matrix

    Examples
    --------
    >>> t = pd.DataFrame({"a": ["x", "x"], "b": ["y", "z"], "type": ["FAMILY", "REFERRED"],
    ...                   "amount": [None, None]})
    >>> m = tie_matrix(pd.Index(["x", "y", "z"]), t, {"FAMILY": 1.0, "REFERRED": 0.5})
    >>> m.toarray().round(3).tolist()
    [[0.0, 0.667, 0.333], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    n = len(ids)
    if ties.empty:
        return sp.csr_matrix((n, n))
    a = ids.get_indexer(pd.Index(ties["a"]))
    b = ids.get_indexer(pd.Index(ties["b"]))
    w = tie_weights(ties, weights, scale)
    keep = (a >= 0) & (b >= 0) & (a != b) & (w > 0)
    a, b, w = a[keep], b[keep], w[keep]
    m = sp.coo_matrix((np.r_[w, w], (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()
    m.sum_duplicates()
    rows = np.asarray(m.sum(axis=1)).ravel()
    inv = np.divide(1.0, rows, out=np.zeros_like(rows), where=rows > 0)
    out: sp.csr_matrix = sp.diags(inv) @ m
    return out.tocsr()


#: Fields of ``analytics/read_churn_customers``' lines and their types.
CUSTOMER_COLUMNS: dict[str, str] = {
    "customer_id": "string",
    "kind": "string",
    "since": "string",
    "status": "string",
    "churned_on": "string",
    "influence": "float",
    "community": "float",
    "aum": "float",
    "value_score": "float",
    "tier": "string",
    "birth_date": "string",
    "age": "float",
    "risk_grade": "float",
    "marketing_consent": "string",
}


#: Fields of ``analytics/read_balances``' lines: one per customer and month-end balance.
BALANCE_COLUMNS: dict[str, str] = {"customer_id": "string", "month": "string", "balance": "float"}


#: Fields of ``analytics/read_holdings``' lines: every account's owner, product and
#: dates (``closed_on`` is ``0000-00-00`` for an account closed without a date).
HOLDING_COLUMNS: dict[str, str] = {
    "customer_id": "string",
    "product_id": "string",
    "opened_on": "string",
    "closed_on": "string",
}


#: Columns of :attr:`CustomerBase.products`: the catalogue as ``analytics/read_products``
#: returns it (family, stackable and the eligibility bounds null where not given).
CATALOGUE_COLUMNS = [
    "product_id",
    "name",
    "category",
    "eligible",
    "family",
    "stackable",
    "min_age",
    "max_age",
    "max_risk_grade",
]


@dataclass(frozen=True)
class CustomerBase:
    """Customers, ties, balances, accounts and products: what churn and cross-sell both read.

    ``crm-graph analyze all`` reads it once, after segments and clusters have written
    their scores, and hands it to both (at a million customers the two reads take
    minutes).
    """

    customers: pd.DataFrame  # CUSTOMER_COLUMNS
    ties: pd.DataFrame  # a, b, type, amount, count
    balances: pd.DataFrame  # BALANCE_COLUMNS: one row per customer and month
    holdings: pd.DataFrame  # HOLDING_COLUMNS: one row per account
    products: pd.DataFrame  # CATALOGUE_COLUMNS: the product catalogue


def _ready(frame: pd.DataFrame) -> Future[pd.DataFrame]:
    done: Future[pd.DataFrame] = Future()
    done.set_result(frame)
    return done


def read_customer_base(
    db: Database, ties: pd.DataFrame | None = None, holdings: pd.DataFrame | None = None
) -> CustomerBase:
    """Read every customer, tie, month-end balance, account and product.

    Parameters
    ----------
    db : Database
        The loaded graph.
    ties, holdings : DataFrame, optional
        Ties (:func:`~crm_graph.analytics.clusters.read_ties`) and accounts
        (``analytics/read_holdings``) the caller has read already (learning the tie
        weights reads both); read here when not given.

    Returns
    -------
    CustomerBase

    Raises
    ------
    ConfigError
        If the graph has no customers.
    """
    # two reads at a time: the server produces one while Python parses the other (the
    # parsing in pyarrow and the wait on the socket release the GIL); largest first
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="crm-graph-read") as pool:
        read_ties_ = pool.submit(read_ties, db) if ties is None else _ready(ties)
        read_holdings = (
            pool.submit(db.read_lines, "analytics/read_holdings", HOLDING_COLUMNS)
            if holdings is None
            else _ready(holdings)
        )
        balances = pool.submit(db.read_lines, "analytics/read_balances", BALANCE_COLUMNS)
        customers = pool.submit(db.read_lines, "analytics/read_churn_customers", CUSTOMER_COLUMNS)
        products = pool.submit(db.read_frame, "analytics/read_products")
        base = CustomerBase(
            customers.result(),
            read_ties_.result(),
            balances.result(),
            read_holdings.result(),
            products.result()[CATALOGUE_COLUMNS],
        )
    if base.customers.empty:
        raise ConfigError("the graph has no customers: run `crm-graph load` first")
    return base


def balances_from_lists(customers: pd.DataFrame) -> pd.DataFrame:
    """Turn ``balance_months`` and ``balance_history`` list columns into balance rows.

    The form :func:`read_customer_base` reads (:data:`BALANCE_COLUMNS`), for data
    built by hand (tests, examples) with a list of months and balances per customer.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["a", "b"], "balance_months": [["2025-01"], []],
    ...                   "balance_history": [[5.0], []]})
    >>> balances_from_lists(c).to_dict("records")
    [{'customer_id': 'a', 'month': '2025-01', 'balance': 5.0}]
    """
    rows = [
        (cid, str(m), float(b))
        for cid, months, history in zip(
            customers["customer_id"],
            customers["balance_months"],
            customers["balance_history"],
            strict=True,
        )
        for m, b in zip(months or [], history or [], strict=False)
    ]
    return pd.DataFrame(rows, columns=list(BALANCE_COLUMNS))


def balance_window(
    balances: pd.DataFrame, ids: pd.Index, before: str, months: int = 6
) -> pd.DataFrame:
    """Each customer's last ``months`` month-end balances before the month ``before``.

    Vectorised (a million customers' twelve months in about a second): rows are
    ordered by customer and month on integer codes, not on the text.

    Parameters
    ----------
    balances : DataFrame
        :data:`BALANCE_COLUMNS` (``month`` as ``'YYYY-MM'``), in any order.
    ids : Index
        The customers to answer for, in this order.
    before : str
        ``'YYYY-MM'``: only earlier months count.
    months : int, default 6
        The window's length.

    Returns
    -------
    DataFrame
        Indexed by ``ids``: ``first``, ``last`` and ``high`` (the first, last and
        highest balance of the window; NaN without one) and ``n`` (months in it).

    Examples
    --------
    >>> b = pd.DataFrame({"customer_id": ["a"] * 8 + ["b"],
    ...                   "month": [f"2025-0{m}" for m in range(8, 0, -1)] + ["2025-09"],
    ...                   "balance": [8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 9.0]})
    >>> balance_window(b, pd.Index(["a", "b", "z"]), "2025-08").to_dict("index")["a"]
    {'first': 2.0, 'last': 7.0, 'high': 7.0, 'n': 6}
    >>> balance_window(b, pd.Index(["a", "b", "z"]), "2025-08")["n"].tolist()
    [6, 0, 0]
    """
    out = pd.DataFrame(
        {"first": np.nan, "last": np.nan, "high": np.nan, "n": 0}, index=ids, dtype=float
    )
    out["n"] = out["n"].astype(np.int64)
    month_text = balances["month"].astype(str)
    values = balances["balance"].to_numpy(dtype=float)
    keep = (month_text < before).to_numpy() & ~np.isnan(values)
    if not keep.any() or len(ids) == 0:
        return out
    who = ids.get_indexer(pd.Index(balances["customer_id"]))
    keep &= who >= 0
    who, values = who[keep], values[keep]
    month_codes, month_names = pd.factorize(month_text[keep])
    rank = np.empty(len(month_names), dtype=np.int64)
    rank[np.argsort(np.asarray(month_names, dtype=str), kind="stable")] = np.arange(
        len(month_names)
    )
    order = np.lexsort((rank[month_codes], who))
    who, values = who[order], values[order]
    if len(who) == 0:
        return out
    starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
    ends = np.r_[starts[1:], len(who)]
    first_at = np.maximum(starts, ends - months)
    # the highest of each window [first_at, end): reduceat over interleaved bounds
    padded = np.r_[values, 0.0]
    high = np.maximum.reduceat(padded, np.ravel(np.column_stack([first_at, ends])))[::2]
    rows = who[starts]
    out.iloc[rows, 0] = values[first_at]
    out.iloc[rows, 1] = values[ends - 1]
    out.iloc[rows, 2] = high
    out.iloc[rows, 3] = ends - first_at
    return out
