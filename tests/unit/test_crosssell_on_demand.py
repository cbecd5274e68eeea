"""On-demand cross-sell for one customer gives what the batch run gives (no database).

A random bank in memory is scored by the batch engine (``train``, ``compute_signals``,
``recommend``); every customer is then scored alone by :func:`score_customer` from
an ego network built here the way ``analytics/read_customer_context`` reads it, and a
:class:`ScoringContext` that went through its byte serialisation. The integration
test does the same with the real Cypher on Neo4j.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crm_graph.analytics.base import balances_from_lists
from crm_graph.analytics.crosssell import (
    CrossSellConfig,
    CrossSellData,
    ScoringContext,
    compute_signals,
    recommend,
    scoring_context,
    top_k,
    train,
)
from crm_graph.analytics.ondemand import score_customer

AS_OF = date(2026, 1, 1)
OFFERS_SINCE = date(2025, 10, 3)
TYPES = ["FAMILY", "EMPLOYS", "TRANSFERS", "GUARANTEES", "REFERRED"]


def _bank(n: int = 600, seed: int = 3) -> CrossSellData:
    rng = np.random.default_rng(seed)
    ids = [f"C{i:04d}" for i in range(n)]
    kind = np.where(rng.random(n) < 0.15, "company", "person")
    status = np.where(rng.random(n) < 0.05, "churned", "active")
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "kind": kind,
            "status": status,
            "churned_on": [("2025-06-01" if s == "churned" else None) for s in status],
            # many equal values, as PageRank gives isolated customers
            "influence": np.where(rng.random(n) < 0.3, 0.15, rng.random(n)),
            "since": ["2015-01-01"] * (n - 3) + ["2026-03-01"] * 3,  # 3 join after AS_OF
            "balance_months": [months] * n,
            "balance_history": [list(rng.gamma(2.0, 5e4, 12)) for _ in range(n)],
        }
    )
    products = pd.DataFrame(
        {
            "product_id": ["CUR", "CARD", "LOAN", "WEALTH", "BIZ", "DEP"],
            "name": ["current", "card", "loan", "wealth", "business", "deposit"],
            "category": ["account", "card", "loan", "wealth", "loan", "deposit"],
            "eligible": ["both", "person", "person", "both", "company", "both"],
            # the catalogue's bounds: credit up to grade 3, loans up to 65, cards to 70,
            # investments from 18
            "min_age": [None, 18, 18, 18, 18, None],
            "max_age": [None, 70, 65, None, 65, None],
            "max_risk_grade": [None, 3, 3, None, 3, None],
        }
    )
    rows = []
    start = pd.Timestamp("2022-01-01")
    for i, cid in enumerate(ids):
        for j, pid in enumerate(products["product_id"]):
            if rng.random() < (0.9 if j == 0 else 0.25 + 0.1 * (kind[i] == "company")):
                opened = start + pd.Timedelta(days=int(rng.integers(0, 4 * 365)))
                closed = None
                if rng.random() < 0.08:
                    closed = (opened + pd.Timedelta(days=200)).date().isoformat()
                rows.append(
                    (cid, pid, opened.date().isoformat() if rng.random() > 0.02 else None, closed)
                )
    holdings = pd.DataFrame(rows, columns=["customer_id", "product_id", "opened_on", "closed_on"])
    companies = [c for c, k in zip(ids, kind, strict=True) if k == "company"]
    ties = []
    for _ in range(2 * n):
        a, b = rng.choice(n, 2, replace=False)
        t = str(rng.choice(TYPES))
        amount = float(rng.gamma(2.0, 3e4)) if t == "TRANSFERS" else None
        count = int(rng.integers(1, 40)) if t == "TRANSFERS" else None
        ties.append((ids[a], ids[b], t, amount, count))
    for person in rng.choice(n, n // 3, replace=False):
        employer = companies[int(rng.integers(0, len(companies)))]
        if employer != ids[person]:
            ties.append((employer, ids[person], "EMPLOYS", None, None))
    tie_frame = pd.DataFrame(ties, columns=["a", "b", "type", "amount", "count"])
    offers = pd.DataFrame(
        {
            "customer_id": [ids[i] for i in range(0, n, 7)],
            "product_id": ["WEALTH"] * len(range(0, n, 7)),
            "at": ["2025-11-15"] * len(range(0, n, 7)),
        }
    )
    # the product rules' inputs, from a stream of their own (the bank above stays as it
    # was): ages 12 to 89 (some unknown, some only stated), grades 1 to 5, a few refusals
    profile = np.random.default_rng(seed + 100)
    born = pd.Timestamp("1936-06-15") + pd.to_timedelta(profile.integers(0, 78 * 365, n), "D")
    unknown_birth = profile.random(n) < 0.1
    customers["birth_date"] = [
        None if gone else day.date().isoformat()
        for day, gone in zip(born, unknown_birth, strict=True)
    ]
    customers["age"] = np.where(unknown_birth & (profile.random(n) < 0.5), 70.0, np.nan)
    customers["risk_grade"] = np.where(profile.random(n) < 0.1, np.nan, profile.integers(1, 6, n))
    customers["marketing_consent"] = np.where(
        profile.random(n) < 0.06, "false", np.where(profile.random(n) < 0.1, None, "true")
    )
    return CrossSellData(
        customers, products, holdings, tie_frame, offers, balances_from_lists(customers)
    )


def _live(data: CrossSellData, customer: str, day: str) -> list[str]:
    h = data.holdings[data.holdings["customer_id"] == customer]
    out = []
    for pid, opened, closed in zip(h["product_id"], h["opened_on"], h["closed_on"], strict=True):
        if (opened or "0000-00-00") < day and (closed is None or closed >= day):
            out.append(str(pid))
    return out


def _ego(data: CrossSellData, customer: str) -> dict[str, Any]:
    """What ``analytics/read_customer_context`` returns for ``customer``, from memory."""
    day = AS_OF.isoformat()
    c = data.customers.set_index("customer_id")
    t = data.ties

    def links(x: str) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for a, b, typ, amount, count in t.itertuples(index=False):
            if a == b:
                continue
            if x in (a, b):
                out.append((b if a == x else a, {"type": typ, "amount": amount, "count": count}))
        return out

    neighbours: dict[str, list[dict[str, Any]]] = {}
    for other, link in links(customer):
        neighbours.setdefault(other, []).append(link)
    ties = [
        {
            "id": other,
            "name": f"name of {other}",
            "influence": float(c.loc[other, "influence"]),
            "links": found,
            "products": _live(data, other, day),
            "ties": [{**link, "products": _live(data, k, day)} for k, link in links(other)],
        }
        for other, found in neighbours.items()
    ]
    employers = sorted(
        a for a, b, typ, *_ in t.itertuples(index=False) if typ == "EMPLOYS" and b == customer
    )
    employer = employers[0] if employers else None
    colleagues = sorted(
        {
            b
            for a, b, typ, *_ in t.itertuples(index=False)
            if typ == "EMPLOYS" and a == employer and b != customer
        }
    )
    own = data.holdings[data.holdings["customer_id"] == customer]
    offered = data.offers[
        (data.offers["customer_id"] == customer)
        & (data.offers["at"] >= OFFERS_SINCE.isoformat())
        & (data.offers["at"] < day)
    ]
    row = c.loc[customer]
    return {
        "customer": {
            "customer_id": customer,
            "kind": row["kind"],
            "since": row["since"],
            "status": row["status"],
            "churned_on": row["churned_on"],
            "balance_months": row["balance_months"],
            "balance_history": row["balance_history"],
            # as the graph holds them: a boolean, an integer, nothing when unknown
            "birth_date": row["birth_date"],
            "age": None if np.isnan(row["age"]) else int(row["age"]),
            "risk_grade": None if np.isnan(row["risk_grade"]) else int(row["risk_grade"]),
            "marketing_consent": None
            if row["marketing_consent"] is None
            else row["marketing_consent"] == "true",
        },
        "holdings": [list(x) for x in own[["product_id", "opened_on", "closed_on"]].to_numpy()],
        "offered": sorted(set(offered["product_id"])),
        "employer": employer,
        "employer_name": f"name of {employer}" if employer else None,
        "colleagues": len(colleagues),
        "colleague_products": [_live(data, x, day) for x in colleagues],
        "ties": ties,
    }


def _run_batch(data: CrossSellData) -> tuple[CrossSellData, np.ndarray, ScoringContext]:
    """The batch run's scores and its context, serialised and read back."""
    config = CrossSellConfig()
    model = train(data, AS_OF, config)
    signals = compute_signals(data, AS_OF, config)
    scores, _ = recommend(data, model, signals, config, OFFERS_SINCE)
    context = scoring_context(data, model, signals, config, "2026-01-02T00:00:00+00:00")
    return data, scores, ScoringContext.from_bytes(context.to_bytes())


@pytest.fixture(scope="module")
def batch() -> tuple[CrossSellData, np.ndarray, ScoringContext]:
    return _run_batch(_bank())


def test_the_context_survives_serialisation(
    batch: tuple[CrossSellData, np.ndarray, ScoringContext],
) -> None:
    _, _, context = batch
    again = ScoringContext.from_bytes(context.to_bytes())
    assert again.product_ids == context.product_ids
    assert again.config == context.config
    assert sum(b is not None for b in again.blends) >= 3
    for mine, theirs in zip(again.blends, context.blends, strict=True):
        assert (mine is None) == (theirs is None)
        if mine is not None and theirs is not None:
            assert all(np.array_equal(x, y) for x, y in zip(mine, theirs, strict=True))
    assert np.array_equal(again.superset_holds, context.superset_holds)


def test_one_customer_alone_scores_as_in_the_batch(
    batch: tuple[CrossSellData, np.ndarray, ScoringContext],
) -> None:
    data, scores, context = batch
    ids = data.customers["customer_id"].tolist()
    top = top_k(scores, 5)
    expected: dict[int, list[tuple[str, float]]] = {}
    for i, j in top:
        expected.setdefault(i, []).append((context.product_ids[j], float(scores[i, j])))
    same_order = 0
    for i, cid in enumerate(ids):
        got = score_customer(context, _ego(data, cid))
        want = expected.get(i, [])
        assert np.allclose([g["score"] for g in got], [s for _, s in want], atol=1e-3), cid
        assert [g["rank"] for g in got] == list(range(1, len(got) + 1))
        assert all(1 <= len(g["reasons"]) <= 3 for g in got)
        same_order += [g["product_id"] for g in got] == [p for p, _ in want]
    # the influence percentiles come from 2,001 stored quantiles, not every customer:
    # near-equal scores may swap, nothing else
    assert same_order >= 0.98 * len(ids)
    assert sum(bool(v) for v in expected.values()) > 0.8 * len(ids)


def test_rules_hold_for_one_customer(
    batch: tuple[CrossSellData, np.ndarray, ScoringContext],
) -> None:
    data, _, context = batch
    c = data.customers
    churned = c.loc[c["status"] == "churned", "customer_id"].iloc[0]
    assert score_customer(context, _ego(data, churned)) == []
    late = c.loc[c["since"] > AS_OF.isoformat(), "customer_id"].iloc[0]
    assert score_customer(context, _ego(data, late)) == []
    offered = data.offers["customer_id"].iloc[1]
    assert "WEALTH" not in {r["product_id"] for r in score_customer(context, _ego(data, offered))}
    company = c.loc[
        (c["kind"] == "company") & (c["status"] == "active") & (c["risk_grade"] <= 3),
        "customer_id",
    ].iloc[0]
    got = {r["product_id"] for r in score_customer(context, _ego(data, company), k=10)}
    assert got
    assert not got & {"CARD", "LOAN"}
    assert not got & set(_live(data, company, AS_OF.isoformat()))


def _offered_products(context: ScoringContext, data: CrossSellData, where: pd.Series) -> set[str]:
    """Every product recommended (top 10) to one of the active customers ``where`` picks."""
    c = data.customers
    picked = c.loc[where & (c["status"] == "active") & (c["since"] < AS_OF.isoformat())]
    assert len(picked) >= 3  # the bank has such customers: the check below means something
    out: set[str] = set()
    for cid in picked["customer_id"]:
        out |= {r["product_id"] for r in score_customer(context, _ego(data, cid), k=10)}
    return out


def test_product_rules_and_consent_hold_for_one_customer(
    batch: tuple[CrossSellData, np.ndarray, ScoringContext],
) -> None:
    data, _, context = batch
    c = data.customers
    person = c["kind"] == "person"
    # who refused marketing gets nothing
    assert _offered_products(context, data, c["marketing_consent"] == "false") == set()
    # the catalogue's bounds: credit up to grade 3, loans up to 65, investments from 18
    risky = _offered_products(context, data, c["risk_grade"] >= 4)
    assert risky
    assert not risky & {"CARD", "LOAN", "BIZ"}
    old = _offered_products(context, data, person & (c["birth_date"] < "1960-01-01"))
    assert "LOAN" not in old
    assert "CARD" in old  # cards go on to 70
    stated = _offered_products(context, data, person & (c["age"] == 70.0))
    assert "LOAN" not in stated
    young = _offered_products(context, data, person & (c["birth_date"] > "2008-01-01"))
    assert young
    assert not young & {"WEALTH", "CARD", "LOAN"}


def test_a_new_customer_is_scored_from_their_ties() -> None:
    data = _bank(seed=5)
    config = CrossSellConfig()
    model = train(data, AS_OF, config)
    signals = compute_signals(data, AS_OF, config)
    context = scoring_context(data, model, signals, config, "now")
    # not in the batch at all: holds a current account, one family tie to a card holder
    holder = data.holdings.loc[data.holdings["product_id"] == "CARD", "customer_id"].iloc[0]
    around = _ego(data, holder)["ties"]  # the holder's own ties, as seen from the holder
    holder_ties = [{**link, "products": t["products"]} for t in around for link in t["links"]]
    tie = {
        "id": holder,
        "name": "Li Lei",
        "influence": 0.5,
        "links": [{"type": "FAMILY", "amount": None, "count": None}],
        "products": _live(data, holder, AS_OF.isoformat()),
        "ties": [{"type": "FAMILY", "amount": None, "count": None, "products": ["CUR"]}]
        + holder_ties,
    }
    newcomer: dict[str, Any] = {
        "customer": {
            "customer_id": "NEW",
            "kind": "person",
            "since": "2025-12-01",
            "status": "active",
            "churned_on": None,
            "balance_months": [],
            "balance_history": [],
        },
        "holdings": [["CUR", "2025-12-01", None]],
        "offered": [],
        "employer": None,
        "employer_name": None,
        "colleagues": 0,
        "colleague_products": [],
        "ties": [tie],
    }
    got = {r["product_id"]: r for r in score_customer(context, newcomer, k=10)}
    assert set(got) == {"CARD", "LOAN", "WEALTH", "DEP"}  # persons only, CUR held
    alone = {r["product_id"]: r for r in score_customer(context, {**newcomer, "ties": []}, k=10)}
    assert set(alone) == set(got)
    # the tie moves the score: the graph signals reach a customer the batch never saw
    assert got["CARD"]["score"] != alone["CARD"]["score"]
    assert all(r["reasons"] for r in got.values())


@pytest.fixture(scope="module")
def family_batch() -> tuple[CrossSellData, np.ndarray, ScoringContext]:
    """The bank with a catalogue that declares families and a bound of its own."""
    data = _bank(seed=5)
    products = data.products.assign(
        # current and deposit accounts one family; loans stack on a card, not the reverse
        family=["account", "credit", "credit", None, None, "account"],
        stackable=[False, False, True, None, None, False],
        min_age=[None, 18, 18, 30, 18, None],
    )
    return _run_batch(
        CrossSellData(
            data.customers, products, data.holdings, data.ties, data.offers, data.balances
        )
    )


def test_families_and_catalogue_bounds_hold_in_batch_and_alone(
    family_batch: tuple[CrossSellData, np.ndarray, ScoringContext],
) -> None:
    data, scores, context = family_batch
    assert context.families == ["account", "credit", "credit", "", "", "account"]
    ids = data.customers["customer_id"].tolist()
    column = {p: j for j, p in enumerate(context.product_ids)}
    age = (AS_OF - pd.to_datetime(data.customers["birth_date"]).dt.date).map(
        lambda d: d.days / 365.25 if pd.notna(d) else np.nan
    )
    person = data.customers["kind"].eq("person")
    checked = {"DEP": 0, "LOAN": 0, "WEALTH": 0}
    for i, cid in enumerate(ids):
        held = set(_live(data, cid, AS_OF.isoformat()))
        batch_offers = {p for p, j in column.items() if np.isfinite(scores[i, j])}
        alone = {r["product_id"] for r in score_customer(context, _ego(data, cid), k=10)}
        assert alone <= batch_offers, cid
        for offers in (batch_offers, alone):
            if "CUR" in held:  # the other member of the account family is never offered
                assert "DEP" not in offers
            if "LOAN" in held:  # nor a card to a borrower: cards do not stack
                assert "CARD" not in offers
            if person.iloc[i] and age.iloc[i] < 29.9:  # the catalogue's own bound
                assert "WEALTH" not in offers
        checked["DEP"] += "CUR" not in held and "DEP" in batch_offers
        checked["LOAN"] += "CARD" in held and "LOAN" in batch_offers
        checked["WEALTH"] += person.iloc[i] and age.iloc[i] >= 30 and "WEALTH" in batch_offers
    # the families block only what they should: deposits reach those without a current
    # account, loans (stackable) reach card holders, wealth reaches persons of 30 and over
    assert checked["DEP"] > 0
    assert checked["LOAN"] > 0
    assert checked["WEALTH"] > 0
