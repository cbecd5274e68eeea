"""Cross-sell on a loaded, analyzed bank: what is written, rules kept, reasons true, quality."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import load_bank

from crm_graph.analytics.crosssell import SIGNALS, CrossSellConfig, compute_crosssell
from crm_graph.analytics.evaluate import crosssell_scores
from crm_graph.analytics.ondemand import read_scoring_context, recommend_customer
from crm_graph.db import Database
from crm_graph.errors import ConfigError


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory, session_db: Database) -> Path:
    return load_bank(
        session_db, tmp_path_factory.mktemp("crosssell") / "bank", 6000, seed=37, analyze=True
    )


def _recommended(db: Database) -> pd.DataFrame:
    return pd.DataFrame(
        db.run_statement(
            "MATCH (c:Customer)-[r:RECOMMENDED]->(p:Product) "
            "RETURN c.customer_id AS customer, c.kind AS kind, c.status AS status, "
            "p.product_id AS product, p.name AS name, p.eligible AS eligible, r.rank AS rank, "
            "r.score AS score, r.reasons AS reasons, r.reason AS reason, "
            "EXISTS { (c)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(p) } AS holds"
        )
    )


def test_top_k_per_active_customer_within_the_rules(bank: Path, session_db: Database) -> None:
    result = compute_crosssell(session_db, CrossSellConfig(k=4))
    recs = _recommended(session_db)
    assert result.recommendations == len(recs)
    assert recs.groupby("customer").size().max() <= 4
    assert (recs.score > 0).all(), "no rank is filled with a zero score"
    assert not recs.holds.any(), "a held product was recommended"
    assert not (recs.status == "churned").any()
    assert not ((recs.kind == "company") & (recs.eligible == "person")).any()
    assert not ((recs.kind == "person") & (recs.eligible == "company")).any()
    for _, group in recs.groupby("customer"):
        assert sorted(group["rank"]) == list(range(1, len(group) + 1))
        ordered = group.sort_values("rank")["score"].tolist()
        assert ordered == sorted(ordered, reverse=True)
    assert all(isinstance(r, list) and 1 <= len(r) <= 3 for r in recs.reasons)
    assert (recs.reason == recs.reasons.str[0]).all()
    # a rerun replaces the previous recommendations instead of adding to them
    compute_crosssell(session_db, CrossSellConfig(k=2))
    again = _recommended(session_db)
    assert again.groupby("customer").size().max() <= 2
    # updated in place: one relationship per customer and product, whether new or kept
    assert not again.duplicated(["customer", "product"]).any()
    assert again.merge(recs, on=["customer", "product"]).shape[0] > 0


def test_a_run_that_cannot_train_keeps_the_previous_recommendations(
    bank: Path, session_db: Database
) -> None:
    compute_crosssell(session_db)
    before = _recommended(session_db).sort_values(["customer", "rank"], ignore_index=True)
    assert len(before) > 0
    # nothing was opened in the six months before 1990: no model, so no delete either
    with pytest.raises(ConfigError, match="nothing to learn from"):
        compute_crosssell(session_db, as_of=date(1990, 1, 1))
    after = _recommended(session_db).sort_values(["customer", "rank"], ignore_index=True)
    pd.testing.assert_frame_equal(before, after)


def test_scoring_in_slices_writes_what_scoring_at_once_does(
    bank: Path, session_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_graph.analytics import crosssell

    compute_crosssell(session_db)
    whole = _recommended(session_db).sort_values(["customer", "rank"], ignore_index=True)
    lines: list[str] = []
    # slices that do not divide the customers, so the last one is short
    monkeypatch.setattr(crosssell, "SCORING_SLICE", 777)
    result = compute_crosssell(session_db, progress=lines.append)
    sliced = _recommended(session_db).sort_values(["customer", "rank"], ignore_index=True)
    pd.testing.assert_frame_equal(whole, sliced)
    assert result.recommendations == len(sliced)
    assert result.customers == sliced["customer"].nunique()
    scored = [line for line in lines if "customers scored" in line]
    customers = session_db.read("admin/count_customers")[0]["customers"]
    assert len(scored) == -(-customers // 777)


def test_a_shared_customer_base_gives_the_same_recommendations(
    bank: Path, session_db: Database
) -> None:
    """`analyze all` reads customers and ties once for churn and cross-sell: same result."""
    from crm_graph.analytics.base import read_customer_base

    compute_crosssell(session_db)
    alone = _recommended(session_db).sort_values(["customer", "rank"], ignore_index=True)
    base = read_customer_base(session_db)
    compute_crosssell(session_db, base=base)
    shared = _recommended(session_db).sort_values(["customer", "rank"], ignore_index=True)
    assert len(alone) > 0
    pd.testing.assert_frame_equal(alone, shared)


def test_product_rules_and_consent_hold_in_the_graph(bank: Path, session_db: Database) -> None:
    result = compute_crosssell(session_db)
    as_of = result.as_of
    # the loader put the rules' inputs on the golden customers
    have = session_db.run_statement(
        "MATCH (c:Customer) RETURN count(*) AS n, count(c.birth_date) AS born, "
        "count(c.risk_grade) AS graded, "
        "sum(CASE WHEN c.marketing_consent = false AND c.status <> 'churned' "
        "    THEN 1 ELSE 0 END) AS refused, "
        "sum(CASE WHEN c.risk_grade > 3 THEN 1 ELSE 0 END) AS risky, "
        "sum(CASE WHEN c.kind = 'person' AND c.birth_date < $old THEN 1 ELSE 0 END) AS old",
        {"old": f"{int(as_of[:4]) - 66}{as_of[4:]}"},
    )[0]
    assert have["born"] > 0.9 * have["n"]
    assert have["graded"] > 0.9 * have["n"]
    assert have["refused"] > 50
    assert have["risky"] > 300
    assert have["old"] > 100
    broken = session_db.run_statement(
        "MATCH (c:Customer)-[:RECOMMENDED]->(p:Product) "
        "WITH c, p, CASE WHEN c.kind = 'person' AND c.birth_date IS NOT NULL "
        "  THEN duration.between(date(c.birth_date), date($as_of)).years END AS age "
        "RETURN sum(CASE WHEN c.marketing_consent = false THEN 1 ELSE 0 END) AS refused, "
        "sum(CASE WHEN p.category IN ['card', 'loan'] AND c.risk_grade > 3 "
        "    THEN 1 ELSE 0 END) AS risky, "
        "sum(CASE WHEN p.category = 'loan' AND age > 65 THEN 1 ELSE 0 END) AS old, "
        "sum(CASE WHEN p.category IN ['card', 'loan', 'wealth', 'fund_agency'] AND age < 18 "
        "    THEN 1 ELSE 0 END) AS minors, "
        "sum(CASE WHEN p.category = 'deposit' AND c.risk_grade > 3 THEN 1 ELSE 0 END) AS ok",
        {"as_of": as_of},
    )[0]
    assert (broken["refused"], broken["risky"], broken["old"], broken["minors"]) == (0, 0, 0, 0)
    assert broken["ok"] > 0  # the risky still get what no rule holds back
    context = read_scoring_context(session_db)
    assert context is not None
    refused = session_db.run_statement(
        "MATCH (c:Customer {marketing_consent: false, status: 'active'}) "
        "RETURN c.customer_id AS id ORDER BY id LIMIT 1"
    )[0]["id"]
    assert recommend_customer(session_db, context, refused) == []


def test_recent_offers_are_not_repeated(bank: Path, session_db: Database) -> None:
    compute_crosssell(session_db)
    repeated = session_db.run_statement(
        "MATCH (c:Customer)-[:RECOMMENDED]->(p:Product), "
        "(c)-[:HAD_CONTACT]->(k:Contact {kind: 'offer'})-[:ABOUT]->(p) "
        "WHERE k.at >= '2025-10-03' RETURN count(*) AS n"
    )[0]["n"]
    assert repeated == 0


def test_family_reasons_are_true(bank: Path, session_db: Database) -> None:
    compute_crosssell(session_db)
    recs = _recommended(session_db)
    family = [
        (row.customer, row.product, row.name, reason)
        for row in recs.itertuples()
        for reason in row.reasons
        if reason.startswith("family member ")
    ]
    assert family
    for customer, product, name, reason in family[:25]:
        member = reason[len("family member ") : -len(f" holds {name}")]
        hits = session_db.run_statement(
            "MATCH (:Customer {customer_id: $c})-[:FAMILY]-(m:Customer {name: $m})"
            "-[:OWNS]->(:Account)-[:OF_PRODUCT]->(:Product {product_id: $p}) "
            "RETURN count(*) AS n",
            {"c": customer, "m": member, "p": product},
        )[0]["n"]
        assert hits > 0, reason


def test_blend_beats_the_baselines(bank: Path, session_db: Database) -> None:
    scores = crosssell_scores(session_db, bank / "truth")
    assert scores is not None
    assert scores["customers"] > 500
    recall, mean_ap = scores["recall_at_k"], scores["map_at_k"]
    assert recall["blend"] > recall["svd"]
    assert mean_ap["blend"] > mean_ap["popularity"]
    assert scores["recall_at_1"]["blend"] > scores["recall_at_1"]["popularity"]


def _stored(db: Database) -> pd.DataFrame:
    return pd.DataFrame(
        db.run_statement(
            "MATCH (c:Customer)-[r:RECOMMENDED]->(p:Product) "
            "RETURN c.customer_id AS customer, p.product_id AS product, r.score AS score, "
            "r.rank AS rank ORDER BY customer, rank"
        )
    )


def test_one_customer_on_demand_scores_as_the_batch_did(bank: Path, session_db: Database) -> None:
    compute_crosssell(session_db)
    context = read_scoring_context(session_db)
    assert context is not None
    stored = _stored(session_db)
    customers = sorted(stored["customer"].unique())[:300]
    same_order = 0
    for cid in customers:
        want = stored[stored["customer"] == cid]
        got = recommend_customer(session_db, context, cid)
        assert got is not None
        assert np.allclose([g["score"] for g in got], want["score"], atol=1e-3), cid
        same_order += [g["product_id"] for g in got] == want["product"].tolist()
        assert all(1 <= len(g["reasons"]) <= 3 for g in got)
    # influence percentiles come from 2,001 stored quantiles: near-equal scores may swap
    assert same_order >= 0.98 * len(customers)
    churned = session_db.run_statement(
        "MATCH (c:Customer {status: 'churned'}) RETURN c.customer_id AS id LIMIT 1"
    )[0]["id"]
    assert recommend_customer(session_db, context, churned) == []
    assert recommend_customer(session_db, context, "NO-SUCH-CUSTOMER") is None


def test_on_demand_sees_a_new_customer_and_a_new_account(bank: Path, session_db: Database) -> None:
    compute_crosssell(session_db)
    context = read_scoring_context(session_db)
    assert context is not None
    # the product whose blend weighs the social signal most, and an active person holding it
    social = SIGNALS.index("social")
    j = max(
        (
            j
            for j, b in enumerate(context.blends)
            if b is not None and context.eligible[j] != "company"
        ),
        key=lambda j: context.blends[j][2][social],  # type: ignore[index]
    )
    product, name = context.product_ids[j], context.product_names[j]
    common = session_db.run_statement(
        "MATCH (:Account)-[:OF_PRODUCT]->(p:Product) WHERE p.product_id <> $p "
        "WITH p, count(*) AS n ORDER BY n DESC, p.product_id RETURN p.product_id AS p LIMIT 1",
        {"p": product},
    )[0]["p"]
    holder = session_db.run_statement(
        "MATCH (c:Customer {kind: 'person', status: 'active'})-[:OWNS]->(a:Account)"
        "-[:OF_PRODUCT]->(:Product {product_id: $p}) WHERE a.closed_on IS NULL "
        "AND a.opened_on < $day RETURN c.customer_id AS id, c.name AS name "
        "ORDER BY id LIMIT 1",
        {"p": product, "day": context.as_of.isoformat()},
    )[0]
    session_db.run_statement(
        "MATCH (h:Customer {customer_id: $holder}), (p:Product {product_id: $common}) "
        "CREATE (n:Customer {customer_id: 'NEW-1', kind: 'person', status: 'active', "
        "        since: '2025-06-01', name: 'New Comer'})-[:FAMILY]->(h), "
        "       (n)-[:OWNS {role: 'owner'}]->(:Account {account_id: 'NEW-1-A', "
        "        opened_on: '2025-06-01', status: 'active'})-[:OF_PRODUCT]->(p)",
        {"holder": holder["id"], "common": common},
        write=True,
    )
    try:
        got = recommend_customer(session_db, context, "NEW-1", k=20)
        assert got is not None
        offered = {g["product_id"]: g for g in got}
        assert common not in offered  # held
        assert product in offered
        assert f"family member {holder['name']} holds {name}" in offered[product]["reasons"]
        # an account opened now counts at once: the product is no longer offered
        session_db.run_statement(
            "MATCH (n:Customer {customer_id: 'NEW-1'}), (p:Product {product_id: $p}) "
            "CREATE (n)-[:OWNS {role: 'owner'}]->(:Account {account_id: 'NEW-1-B', "
            "opened_on: '2025-12-20', status: 'active'})-[:OF_PRODUCT]->(p)",
            {"p": product},
            write=True,
        )
        again = recommend_customer(session_db, context, "NEW-1", k=20)
        assert again is not None
        assert product not in {g["product_id"] for g in again}
    finally:
        session_db.run_statement(
            "MATCH (n:Customer {customer_id: 'NEW-1'}) OPTIONAL MATCH (n)-[:OWNS]->(a) "
            "DETACH DELETE n, a",
            write=True,
        )
