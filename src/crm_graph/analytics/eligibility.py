"""Who may be offered which product: the rules cross-sell applies before it ranks.

One implementation for the batch run (:func:`~crm_graph.analytics.crosssell.candidates`)
and on-demand scoring of one customer, so that both hold back exactly the same pairs:

- the product's ``eligible`` (person, company or both);
- not held, and no other member of a product ``family`` the customer holds unless the
  product is ``stackable`` (:func:`family_blocked`);
- the product's bounds (age for persons, credit risk grade) from a rule for its id, the
  catalogue's own ``min_age`` / ``max_age`` / ``max_risk_grade``, or the rule of its
  category (:func:`rule_limits`), against what the graph knows of the customer
  (:func:`customer_limits`: an unknown age or grade does not hold anyone back);
- active on the scoring date: not churned before it, joined before it
  (:func:`active_on`).

Families, stackability and bounds are the catalogue's (the ``products`` target of a
mapping); the category rules are settings (:data:`DEFAULT_RULES`, a rules file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from crm_graph.errors import ConfigError

__all__ = [
    "DEFAULT_RULES",
    "PROFILE_COLUMNS",
    "RULE_FIELDS",
    "ProductRule",
    "active_on",
    "allowed",
    "catalogue_bounds",
    "customer_limits",
    "family_blocked",
    "family_codes",
    "rule_limits",
    "rules_from_mapping",
    "within_limits",
]

Array = npt.NDArray[Any]


@dataclass(frozen=True)
class ProductRule:
    """Who may be recommended a product; None means no limit.

    Ages (whole years on the scoring date) apply to persons only; the risk grade (the
    bank's internal credit grade, 1 lowest risk to 5 highest) to every customer.

    Examples
    --------
    >>> ProductRule(min_age=18, max_risk_grade=3)
    ProductRule(min_age=18, max_age=None, max_risk_grade=3)
    """

    min_age: int | None = None
    max_age: int | None = None
    max_risk_grade: int | None = None


#: Rules by product category (or product id; a product's own rule wins over its
#: catalogue bounds, which win over its category's). None by default: a bank's rules
#: come from its catalogue (the ``min_age``, ``max_age`` and ``max_risk_grade`` of the
#: ``products`` target) or a rules file (``crm-graph analyze crosssell --rules``), in
#: its own category names.
DEFAULT_RULES: dict[str, ProductRule] = {}


RULE_FIELDS = ("min_age", "max_age", "max_risk_grade")


def rules_from_mapping(settings: Any) -> dict[str, Any]:
    """Turn a rules file's content into :class:`CrossSellConfig` arguments.

    The file (YAML or JSON) has ``rules``, a mapping from a product id or category to
    its bounds, each merged over :data:`DEFAULT_RULES` (``null`` drops a default
    rule), and optionally ``respect_consent``.

    Parameters
    ----------
    settings : mapping
        The parsed file.

    Returns
    -------
    dict
        ``rules`` and, when given, ``respect_consent``.

    Raises
    ------
    ConfigError
        For an unknown key or field, or a bound that is not a whole number.

    Examples
    --------
    >>> out = rules_from_mapping({"rules": {"card": {"max_risk_grade": 2},
    ...                                     "wealth": None},
    ...                           "respect_consent": False})
    >>> out["rules"]["card"], "wealth" in out["rules"], out["respect_consent"]
    (ProductRule(min_age=None, max_age=None, max_risk_grade=2), False, False)
    """
    if not isinstance(settings, dict):
        raise ConfigError("cross-sell rules: expected a mapping with 'rules'")
    unknown = sorted(set(settings) - {"rules", "respect_consent"})
    if unknown:
        raise ConfigError(f"cross-sell rules: unknown key {unknown[0]!r}")
    out: dict[str, Any] = {}
    rules = dict(DEFAULT_RULES)
    given = settings.get("rules") or {}
    if not isinstance(given, dict):
        raise ConfigError("cross-sell rules: 'rules' must map products or categories to bounds")
    for key, bounds in given.items():
        if bounds is None:
            rules.pop(str(key), None)
            continue
        if not isinstance(bounds, dict):
            raise ConfigError(f"cross-sell rule {key!r}: expected min_age, max_age, max_risk_grade")
        bad = sorted(set(bounds) - set(RULE_FIELDS))
        if bad:
            raise ConfigError(f"cross-sell rule {key!r}: unknown field {bad[0]!r}")
        for name, value in bounds.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ConfigError(f"cross-sell rule {key!r}: {name} must be a whole number")
        rules[str(key)] = ProductRule(**bounds)
    out["rules"] = rules
    if "respect_consent" in settings:
        if not isinstance(settings["respect_consent"], bool):
            raise ConfigError("cross-sell rules: respect_consent must be true or false")
        out["respect_consent"] = settings["respect_consent"]
    return out


#: Customer columns behind the product rules and consent (:func:`customer_limits`).
PROFILE_COLUMNS = ("birth_date", "age", "risk_grade", "marketing_consent")


def rule_limits(
    rules: dict[str, ProductRule],
    product_ids: list[str],
    categories: list[str],
    own: Array | None = None,
) -> Array:
    """Return each product's bounds ``[P, 3]``: min age, max age, max risk grade (NaN: none).

    A rule for the product's id (``rules``) wins; then the catalogue's own bounds
    (``own``, ``[P, 3]``, NaN where not given: a product with any bound of its own
    takes all three from the catalogue); then the rule of its category. The more
    specific wins: a junior card's own ``max_age`` is not undone by a rule for all
    cards; to tighten a product with bounds of its own, name its id.

    Examples
    --------
    >>> rule_limits({"loan": ProductRule(min_age=18, max_risk_grade=3)},
    ...             ["LOAN_X", "DEP_Y"], ["loan", "deposit"]).tolist()
    [[18.0, nan, 3.0], [nan, nan, nan]]
    >>> rule_limits({"card": ProductRule(min_age=18)}, ["JUNIOR", "GOLD"], ["card", "card"],
    ...             np.array([[np.nan, 17, np.nan], [np.nan] * 3])).tolist()
    [[nan, 17.0, nan], [18.0, nan, nan]]
    """
    out = np.full((len(product_ids), 3), np.nan)
    for j, (pid, category) in enumerate(zip(product_ids, categories, strict=True)):
        rule = rules.get(pid)
        if rule is None and own is not None and not np.isnan(own[j]).all():
            out[j] = own[j]
            continue
        rule = rule or rules.get(category)
        if rule is not None:
            bounds = (rule.min_age, rule.max_age, rule.max_risk_grade)
            out[j] = [np.nan if b is None else float(b) for b in bounds]
    return out


def catalogue_bounds(products: pd.DataFrame) -> Array:
    """Return the catalogue's own eligibility bounds ``[P, 3]`` (NaN where not given).

    Examples
    --------
    >>> catalogue_bounds(pd.DataFrame({"product_id": ["A", "B"], "max_age": [17, None]}))
    array([[nan, 17., nan],
           [nan, nan, nan]])
    """
    out = np.full((len(products), 3), np.nan)
    for i, name in enumerate(RULE_FIELDS):
        if name in products.columns:
            out[:, i] = pd.to_numeric(products[name], errors="coerce").to_numpy(dtype=float)
    return out


def family_codes(products: pd.DataFrame) -> tuple[Array, Array]:
    """Return each product's family as a number (-1: none) and whether it stacks.

    Examples
    --------
    >>> codes, stacks = family_codes(pd.DataFrame({"family": ["card", None, "card", ""],
    ...                                            "stackable": [False, None, True, None]}))
    >>> codes.tolist(), stacks.tolist()
    ([0, -1, 0, -1], [False, False, True, False])
    """
    n = len(products)
    names = products["family"] if "family" in products.columns else pd.Series([None] * n)
    names = names.astype(object).where(names.notna() & names.astype(str).ne(""), None)
    codes, _ = pd.factorize(names.reset_index(drop=True), use_na_sentinel=True)
    stacks = products["stackable"] if "stackable" in products.columns else pd.Series([False] * n)
    stackable = stacks.astype(str).str.lower().isin(("true", "1", "1.0"))
    return np.asarray(codes, dtype=np.int64), stackable.to_numpy(dtype=bool)


def family_blocked(held: Array, codes: Array, stackable: Array) -> Array:
    """``[N, P]``: products of a family the customer already holds a member of.

    A product marked stackable is never blocked (a second savings account may be
    fine; a second current-account variant or another card tier is not).

    Examples
    --------
    >>> held = np.array([[1, 0, 0, 0], [0, 0, 0, 1]])
    >>> family_blocked(held, np.array([0, 0, 0, -1]), np.array([False, False, True, False]))
    array([[ True,  True, False, False],
           [False, False, False, False]])
    """
    blocked = np.zeros(held.shape, dtype=bool)
    if not len(codes) or codes.max(initial=-1) < 0:
        return blocked
    member = np.zeros((len(codes), int(codes.max()) + 1))
    has = codes >= 0
    member[np.flatnonzero(has), codes[has]] = 1.0
    holds_family = (np.asarray(held, dtype=float) @ member) > 0
    cols = np.flatnonzero(has & ~stackable)
    blocked[:, cols] = holds_family[:, codes[cols]]
    return blocked


def customer_limits(customers: pd.DataFrame, as_of: date) -> tuple[Array, Array, Array]:
    """Return each customer's age, risk grade (NaN when unknown) and marketing refusal.

    The age is a person's whole years on ``as_of`` from ``birth_date``, else the
    ``age`` column (a source's stated age); NaN for companies. ``marketing_consent``
    false (or ``'false'``, ``'N'``) is a refusal; missing columns count as unknown.

    Examples
    --------
    >>> frame = pd.DataFrame({"kind": ["person", "person", "company"],
    ...                       "birth_date": ["2000-06-30", None, "1990-01-01"],
    ...                       "age": [None, 40, None], "risk_grade": [2, None, 4],
    ...                       "marketing_consent": [True, "false", None]})
    >>> age, grade, refused = customer_limits(frame, date(2026, 6, 29))
    >>> age.tolist(), grade.tolist(), refused.tolist()
    ([25.0, 40.0, nan], [2.0, nan, 4.0], [False, True, False])
    """
    n = len(customers)

    def column(name: str) -> pd.Series:
        if name in customers.columns:
            return customers[name].reset_index(drop=True)
        return pd.Series([None] * n, dtype=object)

    born = pd.to_datetime(column("birth_date"), errors="coerce", format="%Y-%m-%d")
    before = (born.dt.month > as_of.month) | (
        (born.dt.month == as_of.month) & (born.dt.day > as_of.day)
    )
    counted = (as_of.year - born.dt.year - before.astype(float)).to_numpy(dtype=float)
    stated = pd.to_numeric(column("age"), errors="coerce").to_numpy(dtype=float)
    age: Array = np.where(np.isnan(counted), stated, counted)
    age[column("kind").eq("company").to_numpy()] = np.nan
    grade = pd.to_numeric(column("risk_grade"), errors="coerce").to_numpy(dtype=float)
    consent = column("marketing_consent").astype(str).str.lower()
    refused = consent.isin(("false", "n", "0", "no")).to_numpy()
    return age, grade, refused


def within_limits(limits: Array, age: Array, grade: Array) -> Array:
    """``[N, P]``: whose age and grade the products' bounds allow (unknown passes)."""
    with np.errstate(invalid="ignore"):
        low = age[:, None] < limits[None, :, 0]
        high = age[:, None] > limits[None, :, 1]
        risky = grade[:, None] > limits[None, :, 2]
    out: Array = ~(low | high | risky)
    return out


def active_on(customers: pd.DataFrame, as_of: date) -> Array:
    """Return ``[N]``: who may be offered anything on ``as_of``.

    A customer churned before ``as_of`` (or churned without a date) or who joined on or
    after it gets nothing; missing columns count as unknown, which holds nobody back.

    Examples
    --------
    >>> frame = pd.DataFrame({"status": ["active", "churned", "churned", None],
    ...                       "churned_on": [None, "2025-03-01", "2026-03-01", None],
    ...                       "since": ["2010-01-01", None, None, "2026-02-01"]})
    >>> active_on(frame, date(2026, 1, 1)).tolist()
    [True, False, True, False]
    """
    n = len(customers)

    def day(name: str) -> pd.Series:
        if name not in customers.columns:
            return pd.Series([pd.NaT] * n, dtype="datetime64[ns]")
        text = customers[name].reset_index(drop=True).astype("string").str.slice(0, 10)
        return pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")

    status = (
        customers["status"].reset_index(drop=True).fillna("active")
        if "status" in customers.columns
        else pd.Series(["active"] * n)
    )
    on = pd.Timestamp(as_of)
    churned_on, since = day("churned_on"), day("since")
    gone = status.eq("churned") & (churned_on.isna() | (churned_on < on))
    out: Array = (~gone & (since.isna() | (since < on))).to_numpy(dtype=bool)
    return out


def allowed(
    held: Array,
    company: Array,
    eligible: Sequence[str],
    limits: Array,
    age: Array,
    grade: Array,
    families: tuple[Array, Array],
) -> Array:
    """Return ``[N, P]``: the pairs the catalogue and the rules allow.

    Parameters
    ----------
    held : ndarray
        ``[N, P]`` 0/1 holdings on the scoring date.
    company : ndarray
        ``[N]`` whether each customer is a company.
    eligible : sequence of str
        ``[P]`` each product's ``person``, ``company`` or ``both``.
    limits : ndarray
        ``[P, 3]`` from :func:`rule_limits`.
    age, grade : ndarray
        ``[N]`` from :func:`customer_limits` (NaN: unknown).
    families : (ndarray, ndarray)
        :func:`family_codes` of the catalogue.

    Returns
    -------
    ndarray of bool
        Not held, no other member of the family held (unless stackable), the kind the
        product is for, within its bounds.

    Examples
    --------
    >>> held = np.array([[1, 0, 0], [0, 0, 0]])
    >>> allowed(held, np.array([False, True]), ["both", "both", "person"],
    ...         np.full((3, 3), np.nan), np.array([30.0, np.nan]), np.array([1.0, 1.0]),
    ...         (np.array([0, 0, -1]), np.array([False, False, False]))).tolist()
    [[False, False, True], [True, True, False]]
    """
    kinds = np.asarray(eligible)
    ok: Array = np.asarray(held) == 0
    ok &= ~family_blocked(held, *families)
    ok &= ~((kinds == "person")[None, :] & company[:, None])
    ok &= ~((kinds == "company")[None, :] & ~company[:, None])
    ok &= within_limits(limits, age, grade)
    return ok
