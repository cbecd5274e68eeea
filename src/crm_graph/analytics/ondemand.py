"""Cross-sell for one customer on demand, against the last batch run's model.

The batch run (:func:`~crm_graph.analytics.crosssell.compute_crosssell`) stores a
:class:`~crm_graph.analytics.crosssell.ScoringContext`: the population statistics
behind each signal and each product's fitted blend. :func:`recommend_customer` reads
one customer's own data and tie neighbourhood fresh from the graph (one statement,
``analytics/read_customer_context``) and scores it the way the batch scores everyone:
the same signals, the same blend, the same eligibility
(:mod:`crm_graph.analytics.eligibility`), so a new customer or a new account counts at
once, against the population as the last batch saw it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from crm_graph.analytics.clusters import normalize_weights, tie_weight
from crm_graph.analytics.crosssell import (
    MODEL_NAME,
    ScoringContext,
    Signals,
    blend_features,
    explain_pairs,
    holding_masks,
    normalised_rows,
    superset_share,
    top_k,
)
from crm_graph.analytics.eligibility import (
    PROFILE_COLUMNS,
    active_on,
    allowed,
    customer_limits,
    family_codes,
    rule_limits,
)
from crm_graph.analytics.tie_weights import TransferScale
from crm_graph.db import Database
from crm_graph.errors import ConfigError

__all__ = ["read_scoring_context", "recommend_customer", "score_customer", "scoring_model_stamp"]

Array = npt.NDArray[Any]


def read_scoring_context(db: Database) -> ScoringContext | None:
    """Return the stored context, or None when cross-sell never ran on this graph."""
    rows = db.read("analytics/read_scoring_model", model=MODEL_NAME)
    if not rows:
        return None
    return ScoringContext.from_bytes(bytes(rows[0]["payload"]))


def scoring_model_stamp(db: Database) -> str | None:
    """Return when the stored context was computed (None: never), without reading it."""
    rows = db.read("analytics/read_scoring_model_stamp", model=MODEL_NAME)
    return str(rows[0]["computed_at"]) if rows else None


def _percentile(grid: Array, values: Array) -> Array:
    """Percentile rank (average rank for ties, as pandas' ``rank(pct=True)``) from quantiles."""
    if len(grid) == 0:
        return np.zeros(len(values))
    below = np.searchsorted(grid, values, side="left")
    upto = np.searchsorted(grid, values, side="right")
    out: Array = (below + upto) / 2.0 / (len(grid) - 1 if len(grid) > 1 else 1)
    return np.clip(out, 0.0, 1.0)


def _product_vector(products: list[str], index: dict[str, int]) -> Array:
    out = np.zeros(len(index))
    for pid in products:
        j = index.get(pid)
        if j is not None:
            out[j] = 1.0
    return out


def _link_weights(
    links: list[dict[str, Any]], weights: dict[str, float], scale: TransferScale | None
) -> Array:
    normalized = normalize_weights(weights)
    # a context stored before the transfer scale: every transfer at full strength
    scale = scale or TransferScale()
    return np.array(
        [tie_weight(x["type"], x["amount"], x["count"], normalized, scale) for x in links],
        dtype=float,
    )


def _day(value: Any) -> date | None:
    """Parse an ISO date (or date-time); None when missing or not a date."""
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def score_customer(
    context: ScoringContext, ego: dict[str, Any], as_of: date | None = None, k: int | None = None
) -> list[dict[str, Any]]:
    """Score one customer from their ego network against a stored batch context.

    The same signals, blend, rules and reasons as :func:`compute_crosssell`, computed
    from one customer's own data and ties (``ego``: a row of
    ``analytics/read_customer_context``) and the population statistics of the last
    batch run (``context``).

    Parameters
    ----------
    context : ScoringContext
        From :func:`read_scoring_context` (or :func:`scoring_context`).
    ego : dict
        The customer's row of ``analytics/read_customer_context``, read as of ``as_of``.
    as_of : date, optional
        Scoring date (default: the context's).
    k : int, optional
        How many products (default: the context's ``k``).

    Returns
    -------
    list of dict
        ``product_id``, ``product``, ``category``, ``score``, ``rank`` and ``reasons``,
        best first;
        empty when nothing may be recommended (churned customer, everything held).
    """
    as_of = as_of or context.as_of
    config = context.config
    index = {pid: j for j, pid in enumerate(context.product_ids)}
    p = len(index)
    c = ego["customer"]
    company = c.get("kind") == "company"
    day = as_of.isoformat()

    # own holdings as of the date, and months since the most recent opening
    held = np.zeros(p)
    since = np.full(p, np.nan)
    for pid, opened_on, closed_on in ego["holdings"]:
        j = index.get(pid)
        opened = str(opened_on) if opened_on is not None else "0000-00-00"
        if j is None or not (opened < day and (closed_on is None or str(closed_on) >= day)):
            continue
        held[j] = 1.0
        when = _day(opened_on)
        if when is not None:
            months = (as_of - when).days / 30.44
            if np.isnan(since[j]) or months < since[j]:
                since[j] = months

    # similar: the share of customers holding all of this one's products
    group = int(company)
    mask = int(holding_masks(held[None, :])[0])
    counts, holds = context.superset_counts[group], context.superset_holds[group]
    similar = superset_share(counts, holds, np.array([mask]), config.shrinkage)[0]

    # sequence: the best product path from what the customer holds
    recent = np.where(np.nan_to_num(since, nan=1e9) <= config.sequence_months, 1.5, 1.0)
    via = (held * recent)[:, None] * context.prior_share  # [A, B]
    sequence = via.max(axis=0)
    best_prior = via.argmax(axis=0)

    # social and walk: the ties, each neighbour's holdings and its own ties
    ties = ego["ties"]
    n = len(ties)
    first = [(t, link) for t, tie in enumerate(ties) for link in tie["links"]]
    second = [(t, x) for t, tie in enumerate(ties) for x in tie["ties"]]
    w = _link_weights([x for _, x in first] + [x for _, x in second], config.weights, config.scale)
    w_first, w_second = w[: len(first)], w[len(first) :]
    link_w = np.bincount(np.array([t for t, _ in first], dtype=int), weights=w_first, minlength=n)
    neigh_held = np.array([_product_vector(t["products"], index) for t in ties]).reshape(n, p)
    influence = np.array([float(t["influence"] or 0.0) for t in ties])
    boost = 1.0 + _percentile(context.influence_grid, influence)
    total = link_w.sum()
    a = link_w / total if total > 0 else np.zeros(n)
    norm = float(a @ boost)
    tie_share = (a @ (neigh_held * boost[:, None])) / norm if norm > 0 else np.zeros(p)
    via_ties = a @ normalised_rows(neigh_held)
    # each neighbour's own via_ties: its ties' normalised holdings, weighted
    owner = np.array([t for t, _ in second], dtype=int)
    second_held = np.array([_product_vector(x["products"], index) for _, x in second])
    reach: Array = np.zeros((n, p))
    if len(second):
        np.add.at(reach, owner, w_second[:, None] * normalised_rows(second_held.reshape(-1, p)))
        w_total = np.bincount(owner, weights=w_second, minlength=n)
        spread = w_total[:, None]
        reach = np.divide(reach, spread, out=np.zeros_like(reach), where=spread > 0)
    two_ties = a @ reach
    co = normalised_rows(held) @ context.co_holding
    d = 1.0 - config.restart
    walk = d * via_ties + d**2 * co + d**3 * two_ties

    colleagues = int(ego["colleagues"] or 0)
    colleague_share = np.zeros(p)
    if ego["employer"] is not None and colleagues > 0:
        for products in ego["colleague_products"]:
            colleague_share += _product_vector(products, index)
        colleague_share /= colleagues
    social = 1.0 - (1.0 - tie_share) * (1.0 - colleague_share)

    # local indices for the explanations: 0 the customer, 1..n the neighbours
    names = {0: str(c.get("name") or c["customer_id"])}
    names.update({t + 1: str(tie["name"] or tie["id"]) for t, tie in enumerate(ties)})
    top_holder = np.full((1, p), -1)
    top_type = np.full((1, p), "", dtype=object)
    strength = a[:, None] * neigh_held * boost[:, None]
    for j in range(p):
        if n and strength[:, j].max() > 0:
            t = int(strength[:, j].argmax())
            top_holder[0, j] = t + 1
            top_type[0, j] = ties[t]["links"][0]["type"]
    employer = -1
    if ego["employer"] is not None:
        found = [t + 1 for t, tie in enumerate(ties) if tie["id"] == ego["employer"]]
        employer = found[0] if found else n + 1
        names.setdefault(employer, str(ego["employer_name"] or ego["employer"]))

    signals = Signals(
        as_of=as_of,
        held=held[None, :],
        scores={
            "similar": similar[None, :],
            "sequence": sequence[None, :],
            "social": social[None, :],
            "walk": walk[None, :],
        },
        best_prior=best_prior[None, :],
        prior_share=context.prior_share,
        group_share=similar[None, :],
        group_size=np.array([counts[mask]]),
        tie_share=tie_share[None, :],
        colleague_share=colleague_share[None, :],
        employer=np.array([employer]),
        top_holder=top_holder,
        top_holder_type=top_type,
    )
    level = np.array([_latest_balance(c, as_of)])
    x = blend_features(signals, level, np.array([company]))[0]  # [P, F]
    proba = np.zeros(p)
    contrib = np.zeros((1, p, x.shape[1]))
    for j, blend in enumerate(context.blends):
        if blend is None:
            proba[j] = context.popularity[j]
            continue
        mean, scale, coef, intercept = blend
        z = (x[j] - mean) / scale
        contrib[0, j] = z * coef
        proba[j] = 1.0 / (1.0 + np.exp(-(float(z @ coef) + intercept)))

    ok = _allowed_one(context, c, held, set(ego["offered"]), as_of)
    scores = np.where(ok, proba, np.nan)[None, :]
    top = [j for _, j in top_k(scores, k or config.k)]
    reasons = explain_pairs(
        np.zeros(len(top), dtype=np.int64),
        np.array(top, dtype=np.int64),
        signals,
        contrib,
        names,
        context.product_names,
    )
    return [
        {
            "product_id": context.product_ids[j],
            "product": context.product_names[j],
            "category": context.categories[j] or None,
            "score": round(float(scores[0, j]), 5),
            "rank": rank,
            "reasons": why,
        }
        for rank, (j, why) in enumerate(zip(top, reasons, strict=True), start=1)
    ]


def _latest_balance(customer: dict[str, Any], as_of: date) -> float:
    before = as_of.isoformat()[:7]
    months = customer.get("balance_months") or []
    values = customer.get("balance_history") or []
    seen = [float(v) for m, v in zip(months, values, strict=False) if str(m) < before]
    return float(np.log1p(max(seen[-1], 0.0))) if seen else 0.0


def _allowed_one(
    context: ScoringContext, c: dict[str, Any], held: Array, offered: set[str], as_of: date
) -> Array:
    """:func:`candidates` for one customer (the same :func:`allowed` and :func:`active_on`)."""
    names = ("kind", "status", "churned_on", "since", *PROFILE_COLUMNS)
    profile = pd.DataFrame([{col: c.get(col) for col in names}])
    age, grade, refused = customer_limits(profile, as_of)
    limits = rule_limits(
        context.config.rules, context.product_ids, context.categories, context.own_bounds()
    )
    families = [context.families or [""] * len(held), context.stackable or [False] * len(held)]
    catalogue = pd.DataFrame({"family": families[0], "stackable": families[1]})
    company = np.array([c.get("kind") == "company"])
    ok: Array = allowed(
        held[None, :], company, context.eligible, limits, age, grade, family_codes(catalogue)
    )[0]
    ok &= ~np.isin(np.array(context.product_ids), sorted(offered))
    if context.config.respect_consent and refused[0]:
        ok[:] = False
    if not active_on(profile, as_of)[0]:
        ok[:] = False
    return ok


def recommend_customer(
    db: Database,
    context: ScoringContext,
    customer_id: str,
    as_of: date | None = None,
    k: int | None = None,
) -> list[dict[str, Any]] | None:
    """Recommend products to one customer now, from the graph as it is.

    Parameters
    ----------
    db : Database
        The graph.
    context : ScoringContext
        The last batch run's context (:func:`read_scoring_context`).
    customer_id : str
        Golden customer id.
    as_of : date, optional
        Scoring date: holdings live on that day count (default: the context's date).
    k : int, optional
        How many products (default: the context's ``k``).

    Returns
    -------
    list of dict or None
        As :func:`score_customer`; None when there is no such customer.
    """
    as_of = as_of or context.as_of
    window = pd.Timedelta(days=context.config.offer_suppression_days).to_pytimedelta()
    if as_of < date.min + window:
        earliest = (date.min + window).isoformat()
        raise ConfigError(f"as_of {as_of.isoformat()} is too early: it must be after {earliest}")
    offers_since = as_of - window
    rows = db.read(
        "analytics/read_customer_context",
        customer_id=customer_id,
        as_of=as_of.isoformat(),
        offers_since=offers_since.isoformat(),
    )
    if not rows:
        return None
    return score_customer(context, rows[0], as_of, k)
